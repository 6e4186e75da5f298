/** The fast random forest: public surface (see forest.ts). */
export {
  FOREST_KIND,
  FOREST_VERSION,
  contributions,
  featureImportance,
  fitForest,
  fitForestSync,
  forestFromJSON,
  forestToJSON,
  oobProba,
  predictProba,
  predictTreeValues,
} from './forest.ts';
export type { FastForestModel, FastForestOptions, FastForestParams, PredictOptions } from './forest.ts';
export type { DenseMatrix, FeatureMatrix } from './matrix.ts';
export type { TreeJSON, TreeOptions } from './tree.ts';
export { fitTree } from './tree.ts';
export { fitBinning, transformBinning } from './binning.ts';
export type { Binning } from './binning.ts';
export { toMlRandomForestJSON } from './mljs.ts';
export type { MlRandomForestJSON } from './mljs.ts';
