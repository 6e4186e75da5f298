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
