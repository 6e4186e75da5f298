/** Histogram gradient boosting: public surface (see boosting.ts). */
export {
  BOOSTING_KIND,
  BOOSTING_VERSION,
  boostingFromJSON,
  boostingToJSON,
  contributions,
  fitBoosting,
  predictProba,
  predictRaw,
} from './boosting.ts';
export type {
  BoostingModel,
  BoostingOptions,
  BoostingParams,
  BoostingTreeJSON,
  DenseMatrix,
  FeatureMatrix,
  PredictOptions,
} from './boosting.ts';
