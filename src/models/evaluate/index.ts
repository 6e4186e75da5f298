/**
 * Model evaluation: metrics, splits and cross-validation helpers. Re-exports the holdout splits, ROC AUC
 * and Brier score of ../evaluate.ts (that file stays the home of those, other modules import it); the
 * seeded PRNG is src/domain/random.mjs.
 */
export { brierScore, rocAuc, stratifiedSplit, stratifiedSubsample } from '../evaluate.ts';
export type { Split } from '../evaluate.ts';
export {
  accuracy,
  averagePrecision,
  bestF1Threshold,
  calibration,
  classificationMetrics,
  confusionCounts,
  expectedCalibrationError,
  f1Score,
  hitRateAtK,
  liftTable,
  mae,
  meanSd,
  metricsFromCounts,
  ndcgAtK,
  prAuc,
  precision,
  precisionAtK,
  rankingMetrics,
  recall,
  recallAtK,
  reliabilityBins,
  rmse,
} from './metrics.ts';
export type { Calibration, ClassificationMetrics, ConfusionCounts, LiftRow, MeanSd, RankingCase, RankingMetrics, ReliabilityBin } from './metrics.ts';
export { foldsFromAssignment, parseDate, rollingOriginFolds, stratifiedKFold, stratifiedKFoldAssignment, timeSplit } from './splits.ts';
export type { ClassValue, DateValue, Fold, RollingOriginOptions, TimeFold, TimeSplit } from './splits.ts';
export { inferFeatureSpec, NUMERIC_PLACEHOLDERS } from './inferSpec.ts';
export type { InferredColumn, InferredSpec, InferSpecOptions } from './inferSpec.ts';
// Cross-validation of the lead score lives in ./leadScoreCv.ts (import it directly: it loads the model code).
