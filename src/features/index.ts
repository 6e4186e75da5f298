export {
  fitFeaturePipeline,
  FeaturePipeline,
  FeatureSchemaError,
  formatNumber,
  parseNumber,
  MISSING,
  OTHER,
} from './pipeline.ts';
export type {
  CategoricalColumn,
  Column,
  ColumnFeatures,
  FeaturePipelineJson,
  FeatureSpec,
  NumericColumn,
  RawRow,
  RawValue,
} from './pipeline.ts';
export { dedupeRows, fitRowCleaner, RowCleaner, RowCleanerJson } from './cleaning.ts';
export type { CleaningIssue, CleaningReason, CleaningResult, CleaningSpec, DedupeOptions, DedupeResult, RangeRule } from './cleaning.ts';
export { DateFeatures, DateFeaturesJson, fitDateFeatures, parseDate } from './dates.ts';
export type { DatePart, DateSpec } from './dates.ts';
export { fitScaler, Scaler, ScalerJson } from './scaling.ts';
export type { ScalingMethod } from './scaling.ts';
export {
  anovaF,
  FeatureSelector,
  FeatureSelectorJson,
  fitFeatureSelector,
  fSurvival,
  logGamma,
  mutualInformation,
  regularizedIncompleteBeta,
  selectByImportance,
  selectKBest,
} from './selection.ts';
export type { AnovaResult, ImportanceOptions, MutualInformationOptions } from './selection.ts';
