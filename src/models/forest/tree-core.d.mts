/** Types of tree-core.mjs (plain JavaScript so that worker threads need no TypeScript loader). */

/** The training set as the tree grower reads it (see binning.ts). */
export interface BinnedData {
  /** Column-major bins: bin of row i for feature f at `f * nRows + i`. */
  binned: Uint8Array;
  nRows: number;
  nCols: number;
  /** Labels, 0 or 1. */
  y: Uint8Array;
  /** Number of bins of each feature (1 for a constant column). */
  nBins: Int32Array;
  /** Where feature f's bins start in binMin/binMax. */
  binOffset: Int32Array;
  /** Smallest training value in each bin, all features concatenated. */
  binMin: Float64Array;
  /** Largest training value in each bin, all features concatenated. */
  binMax: Float64Array;
}

export interface TreeParams {
  /** Root is depth 0; Infinity for no limit. */
  maxDepth: number;
  /** Fewest distinct training rows in a leaf. */
  minSamplesLeaf: number;
  /** Fewest distinct training rows in a node that may be split. */
  minSamplesSplit: number;
  /** Features drawn at each node (more are drawn when all drawn ones are constant in the node). */
  mtry: number;
  /** Draw rows with replacement (weights = counts), else every row once. */
  bootstrap: boolean;
  /** Rows drawn by the bootstrap; 0 = nRows. */
  nDraws: number;
  /** Per feature 1 (value never falls as it rises), -1 or 0; null or absent = none constrained. */
  monotone?: Int8Array | null;
}

/** One tree in flat arrays; leaves have feature -1 and children -1. Node 0 is the root, left[i] = i + 1. */
export interface GrownTree {
  nodeCount: number;
  feature: Int32Array;
  /** Go left when x[feature] < threshold. */
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Positive-class fraction of the node's (bootstrap-weighted) training rows. */
  value: Float64Array;
  /** Bootstrap-weighted number of training rows in the node. */
  count: Float64Array;
  /** Weighted Gini decrease per feature, summed over the tree's splits (not normalized). */
  importance: Float64Array;
}

export function treeSeed(forestSeed: number, index: number): number;
export function clamp(x: number, lo: number, hi: number): number;
export function childBounds(sign: number, lo: number, hi: number, leftValue: number, rightValue: number): [number, number, number, number];
export function growTree(data: BinnedData, params: TreeParams, seed: number): GrownTree;
export function bootstrapWeights(random: () => number, n: number, bootstrap: boolean, nDraws: number): Float64Array;
