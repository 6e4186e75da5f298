export {
  fitRecommender,
  itemSimilarity,
  predictRating,
  recommend,
  recommendForItems,
  recommenderFromJSON,
  recommenderToJSON,
  RECOMMENDER_KIND,
  RECOMMENDER_VERSION,
} from './recommender.ts';
export type {
  Interaction,
  ItemMetadata,
  RatingPrediction,
  Recommendation,
  RecommenderModel,
  RecommenderOptions,
  RecommendOptions,
  Strategy,
} from './recommender.ts';
export { norm, SIMILARITIES, similarity } from './similarity.ts';
export type { Similarity, SimilarityResult, SparseVector } from './similarity.ts';
export { holdoutHitRate } from './holdout.ts';
export type { HoldoutHitRate } from './holdout.ts';
export { MODEL_KINDS } from './select.ts';
export type { ModelKind } from './select.ts';
export type { RatingKind } from './rating.ts';
