/**
 * Histogram classification trees (binary labels 0/1).
 *
 * A node's split search builds, for each drawn feature, the class-weight histogram over that feature's
 * bins (sum of bootstrap weights per bin per class) and scans it for the largest Gini impurity decrease:
 * O(rows in node) per feature plus O(bins), instead of ml-cart's O(n^2) per node.
 * Features are drawn per node (`mtry`), as scikit-learn's RandomForestClassifier does.
 *
 * The sibling-by-subtraction trick (LightGBM: build the smaller child's histogram, subtract it from the
 * parent's) does not pay here: each node draws its own features, so the larger child can reuse a parent
 * histogram only for the features both happened to draw (mtry/nFeatures of them: 1 in 9 with 'sqrt' on 63
 * features, 4 in 10 with 0.4), and it still needs the smaller sibling's histogram of those features. By
 * row counts that saves under 10 % of the histogram work at 0.4, less with 'sqrt', against keeping every
 * pending parent's histograms on the depth-first stack. Instead, two-bin (0/1) features, most of a one-hot
 * matrix, get a register-only loop with bin 0 by subtraction from the node totals, and the bootstrap
 * weights travel with the row indices so that only the bin lookup is a random access.
 *
 * The growing loop lives in tree-core.mjs, plain JavaScript, so that worker threads can import it under
 * plain Node (20 and 24), tsx or vitest with no TypeScript loader; this module gives it types and the
 * data preparation. Thresholds are real values (halfway between the two training values a split separates),
 * so a grown tree predicts from raw features without the bins.
 */
import { binCounts, fitBinning, transformBinning } from './binning.ts';
import type { Binning } from './binning.ts';
import { toDense, toLabels } from './matrix.ts';
import type { FeatureMatrix } from './matrix.ts';
import { bootstrapWeights, growTree, treeSeed } from './tree-core.mjs';
import type { BinnedData, GrownTree, TreeParams } from './tree-core.mjs';

export { bootstrapWeights, growTree, treeSeed };
export type { BinnedData, GrownTree, TreeParams };

/** A tree as plain JSON (the arrays of GrownTree). Leaves: feature -1, left/right -1. */
export interface TreeJSON {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** Positive-class fraction at each node (internal nodes too: tree-path contributions use them). */
  value: number[];
  /** Bootstrap-weighted training rows at each node. */
  count: number[];
}

/** Bins X and packs it with the labels the way growTree reads it. */
export function prepareBinnedData(
  X: FeatureMatrix,
  y: ArrayLike<number>,
  maxBins?: number,
): { binning: Binning; data: BinnedData } {
  const dense = toDense(X, 'fit');
  if (dense.nRows === 0) throw new RangeError('fit: no training rows');
  if (dense.nCols === 0) throw new RangeError('fit: no features');
  const labels = toLabels(y, dense.nRows, 'fit');
  const binning = fitBinning(dense, maxBins);
  const nBins = binCounts(binning);
  const binOffset = new Int32Array(dense.nCols);
  let total = 0;
  for (let f = 0; f < dense.nCols; f++) {
    binOffset[f] = total;
    total += nBins[f] as number;
  }
  const binMin = new Float64Array(total);
  const binMax = new Float64Array(total);
  for (let f = 0; f < dense.nCols; f++) {
    binMin.set(binning.binMin[f] as Float64Array, binOffset[f]);
    binMax.set(binning.binMax[f] as Float64Array, binOffset[f]);
  }
  const data: BinnedData = {
    binned: transformBinning(binning, dense),
    nRows: dense.nRows,
    nCols: dense.nCols,
    y: labels,
    nBins,
    binOffset,
    binMin,
    binMax,
  };
  return { binning, data };
}

/** A typed array as a plain array (a counted loop: several times faster than Array.from here). */
function toArray(a: Int32Array | Float64Array): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] as number;
  return out;
}

export function treeToJSON(tree: GrownTree): TreeJSON {
  return {
    feature: toArray(tree.feature),
    threshold: toArray(tree.threshold),
    left: toArray(tree.left),
    right: toArray(tree.right),
    value: toArray(tree.value),
    count: toArray(tree.count),
  };
}

export interface TreeOptions {
  maxDepth?: number;
  minSamplesLeaf?: number;
  minSamplesSplit?: number;
  /** Share of the features drawn at each node, 'sqrt' or 'log2'; default all (a plain CART tree). */
  maxFeatures?: 'sqrt' | 'log2' | number;
  /** Bootstrap the rows (default false for a single tree). */
  bootstrap?: boolean;
  seed?: number;
  maxBins?: number;
}

/** Number of features drawn per node: 'sqrt', 'log2', a share in (0, 1], or an integer count > 1. */
export function resolveMtry(maxFeatures: 'sqrt' | 'log2' | number, nFeatures: number): number {
  if (maxFeatures === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(nFeatures)));
  if (maxFeatures === 'log2') return Math.max(1, Math.floor(Math.log2(nFeatures)));
  if (typeof maxFeatures === 'number' && maxFeatures > 0 && maxFeatures <= 1) {
    return Math.max(1, Math.floor(maxFeatures * nFeatures));
  }
  if (typeof maxFeatures === 'number' && Number.isInteger(maxFeatures) && maxFeatures > 1) {
    return Math.min(nFeatures, maxFeatures);
  }
  throw new RangeError(
    `maxFeatures must be 'sqrt', 'log2', a share in (0, 1] or an integer count, got ${String(maxFeatures)}`,
  );
}

/** Checks the tree options shared with the forest and returns growTree's parameters. */
export function resolveTreeParams(
  options: Pick<TreeOptions, 'maxDepth' | 'minSamplesLeaf' | 'minSamplesSplit'>,
  mtry: number,
  bootstrap: boolean,
  nDraws: number,
): TreeParams {
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  const minSamplesLeaf = options.minSamplesLeaf ?? 1;
  const minSamplesSplit = options.minSamplesSplit ?? 2;
  if (!(maxDepth === Number.POSITIVE_INFINITY || (Number.isInteger(maxDepth) && maxDepth >= 0))) {
    throw new RangeError(`maxDepth must be a non-negative integer, got ${maxDepth}`);
  }
  if (!Number.isInteger(minSamplesLeaf) || minSamplesLeaf < 1) {
    throw new RangeError(`minSamplesLeaf must be a positive integer, got ${minSamplesLeaf}`);
  }
  if (!Number.isInteger(minSamplesSplit) || minSamplesSplit < 2) {
    throw new RangeError(`minSamplesSplit must be an integer >= 2, got ${minSamplesSplit}`);
  }
  return { maxDepth, minSamplesLeaf, minSamplesSplit, mtry, bootstrap, nDraws };
}

/** Fits one classification tree (all features at every node unless maxFeatures says otherwise). */
export function fitTree(X: FeatureMatrix, y: ArrayLike<number>, options: TreeOptions = {}): TreeJSON {
  const { data } = prepareBinnedData(X, y, options.maxBins);
  const mtry = resolveMtry(options.maxFeatures ?? 1, data.nCols);
  const params = resolveTreeParams(options, mtry, options.bootstrap ?? false, 0);
  return treeToJSON(growTree(data, params, (options.seed ?? 42) >>> 0));
}
