/**
 * A fast random-forest classifier (binary labels 0/1) for numeric feature matrices, in the ml.js style:
 * `fitForest(X, y, options)` returns a plain-JSON model tagged `{ kind: 'fastForest', version: 1 }`,
 * `predictProba(model, X)` scores rows, `forestToJSON` / `forestFromJSON` save and load with a tag check.
 *
 * Same algorithm as scikit-learn's RandomForestClassifier (bootstrap rows, features drawn per node, Gini,
 * probabilities = mean over trees of the leaf's positive-class fraction), on binned histograms (tree.ts)
 * and worker threads (workers.ts): tens of thousands of rows in seconds where ml-random-forest 2.1.0 takes
 * minutes for two thousand. Prediction walks flat typed arrays (one concatenation of all trees).
 *
 * `contributions(model, row)` gives Saabas tree-path contributions: along each tree's path, the change
 * in node value is credited to the split feature, so baseRate + sum(contributions) = predicted probability.
 */
import { toDense, toMonotoneConstraints } from './matrix.ts';
import type { FeatureMatrix } from './matrix.ts';
import { mulberry32 } from '../../domain/random.mjs';
import { bootstrapWeights, prepareBinnedData, resolveMtry, resolveTreeParams, treeSeed, treeToJSON } from './tree.ts';
import type { BinnedData, GrownTree, TreeJSON, TreeParams } from './tree.ts';
import { addLeafValues, checkEnsembleHeader, checkFeatureNames, compiledTrees, leafOf, pathContributions } from './compiled.ts';
import type { CompiledTrees } from './compiled.ts';
import { defaultWorkerCount, growTrees, growTreesInThread } from './workers.ts';

export type { DenseMatrix, FeatureMatrix } from './matrix.ts';
export type { TreeJSON } from './tree.ts';

export const FOREST_KIND = 'fastForest';
export const FOREST_VERSION = 1;

export interface FastForestOptions {
  /** Number of trees (default 100). */
  nEstimators?: number;
  /** Maximum depth, root = 0 (default: none). */
  maxDepth?: number;
  /** Fewest distinct training rows in a leaf (default 1). */
  minSamplesLeaf?: number;
  /** Fewest distinct training rows in a node that may be split (default 2). */
  minSamplesSplit?: number;
  /** Features drawn at each node: 'sqrt' (default), 'log2', a share in (0, 1], or an integer count > 1. */
  maxFeatures?: 'sqrt' | 'log2' | number;
  /** Bootstrap the rows of each tree (default true). */
  bootstrap?: boolean;
  /** Rows drawn per bootstrap: a share in (0, 1] or an integer count (default: all rows). */
  maxSamples?: number;
  /** Seed of the whole forest, a 32-bit integer (default 42). Same data + options + seed = same model. */
  seed?: number;
  /**
   * Worker threads (default: one per core, at most one per tree; 1 for small jobs where starting threads
   * costs more than it saves). 1 trains on the calling thread. The model does not depend on it.
   */
  workers?: number;
  /** Column names, stored in the model and checked by predictProba when the caller passes its own. */
  featureNames?: readonly string[];
  /** Bins per feature, 2..255 (default 255). */
  maxBins?: number;
  /**
   * Per column: 1 = the predicted probability never falls as the column rises, -1 = it never rises, 0 =
   * free. Each tree enforces it (a split on the column must order its children; their midpoint bounds the
   * subtrees), so the forest's mean does too.
   */
  monotonicCst?: ArrayLike<number>;
}

/** The resolved training options, kept in the model for the record. */
export interface FastForestParams {
  nEstimators: number;
  /** null = no limit. */
  maxDepth: number | null;
  minSamplesLeaf: number;
  minSamplesSplit: number;
  maxFeatures: 'sqrt' | 'log2' | number;
  /** Features drawn per node. */
  mtry: number;
  bootstrap: boolean;
  maxSamples: number | null;
  /** Rows drawn per bootstrap (0 = as many as training rows). */
  nDraws: number;
  /** Training rows (oobProba checks it is given the same matrix). */
  nTrainRows: number;
  seed: number;
  maxBins: number;
  /** Present only when some column was constrained. */
  monotonicCst?: number[];
}

export interface FastForestModel {
  kind: typeof FOREST_KIND;
  version: typeof FOREST_VERSION;
  nFeatures: number;
  featureNames?: string[];
  params: FastForestParams;
  trees: TreeJSON[];
  /** Mean over trees of the root value: the forest's expected value before any split (contributions start here). */
  baseRate: number;
  /** Mean decrease in Gini impurity per feature (each tree normalized, then averaged), sums to 1. */
  featureImportance: number[];
}

interface Prepared {
  data: BinnedData;
  params: TreeParams;
  seeds: number[];
  resolved: FastForestParams;
  featureNames: string[] | undefined;
}

function prepare(X: FeatureMatrix, y: ArrayLike<number>, options: FastForestOptions): Prepared {
  const nEstimators = options.nEstimators ?? 100;
  if (!Number.isInteger(nEstimators) || nEstimators < 1) {
    throw new RangeError(`fitForest: nEstimators must be a positive integer, got ${nEstimators}`);
  }
  const seed = options.seed ?? 42;
  if (!Number.isInteger(seed)) throw new RangeError(`fitForest: seed must be an integer, got ${seed}`);
  const maxBins = options.maxBins ?? 255;
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 255) {
    throw new RangeError(`fitForest: maxBins must be an integer in 2..255, got ${maxBins}`);
  }
  const { data } = prepareBinnedData(X, y, maxBins);
  const featureNames = options.featureNames === undefined ? undefined : [...options.featureNames];
  if (featureNames !== undefined && featureNames.length !== data.nCols) {
    throw new RangeError(`fitForest: ${featureNames.length} feature names for ${data.nCols} columns`);
  }
  const maxFeatures = options.maxFeatures ?? 'sqrt';
  const mtry = resolveMtry(maxFeatures, data.nCols);
  const bootstrap = options.bootstrap ?? true;
  let nDraws = 0;
  if (options.maxSamples !== undefined) {
    const s = options.maxSamples;
    if (s > 0 && s <= 1) nDraws = Math.max(1, Math.round(s * data.nRows));
    else if (Number.isInteger(s) && s > 1) nDraws = s;
    else throw new RangeError(`fitForest: maxSamples must be a share in (0, 1] or an integer count, got ${s}`);
  }
  const monotone = toMonotoneConstraints(options.monotonicCst, data.nCols, 'fitForest');
  const params = { ...resolveTreeParams(options, mtry, bootstrap, nDraws), monotone };
  const seeds = Array.from({ length: nEstimators }, (_, i) => treeSeed(seed, i));
  const resolved: FastForestParams = {
    nEstimators,
    maxDepth: Number.isFinite(params.maxDepth) ? params.maxDepth : null,
    minSamplesLeaf: params.minSamplesLeaf,
    minSamplesSplit: params.minSamplesSplit,
    maxFeatures,
    mtry,
    bootstrap,
    maxSamples: options.maxSamples ?? null,
    nDraws,
    nTrainRows: data.nRows,
    seed,
    maxBins,
    ...(monotone === null ? {} : { monotonicCst: Array.from(monotone) }),
  };
  return { data, params, seeds, resolved, featureNames };
}

function assemble(prepared: Prepared, grown: GrownTree[]): FastForestModel {
  const p = prepared.data.nCols;
  const trees = grown.map(treeToJSON);
  let rootSum = 0;
  for (const tree of grown) rootSum += tree.value[0] as number;
  // scikit-learn's rule: normalize each tree's importances, average over trees that split, normalize
  const importance = new Float64Array(p);
  let splitting = 0;
  for (const tree of grown) {
    let total = 0;
    for (let f = 0; f < p; f++) total += tree.importance[f] as number;
    if (!(total > 0)) continue;
    splitting++;
    for (let f = 0; f < p; f++) importance[f] = (importance[f] as number) + (tree.importance[f] as number) / total;
  }
  let sum = 0;
  for (let f = 0; f < p; f++) sum += importance[f] as number;
  const featureImportance = Array.from(importance, (v) => (splitting > 0 && sum > 0 ? v / sum : 0));
  const model: FastForestModel = {
    kind: FOREST_KIND,
    version: FOREST_VERSION,
    nFeatures: p,
    params: prepared.resolved,
    trees,
    baseRate: rootSum / grown.length,
    featureImportance,
  };
  if (prepared.featureNames !== undefined) model.featureNames = prepared.featureNames;
  return model;
}

/** Fits a forest, on worker threads unless `workers` is 1 (see FastForestOptions). */
export async function fitForest(
  X: FeatureMatrix,
  y: ArrayLike<number>,
  options: FastForestOptions = {},
): Promise<FastForestModel> {
  const prepared = prepare(X, y, options);
  let workers = options.workers;
  if (workers === undefined) {
    // starting a thread costs some tens of milliseconds: not worth it for a few thousand row-trees
    workers = prepared.data.nRows * prepared.seeds.length < 200_000 ? 1 : defaultWorkerCount(prepared.seeds.length);
  } else if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`fitForest: workers must be a positive integer, got ${workers}`);
  }
  const grown = await growTrees(prepared.data, prepared.params, prepared.seeds, workers);
  return assemble(prepared, grown);
}

/** Fits a forest on the calling thread (the same model as fitForest gives for the same options). */
export function fitForestSync(X: FeatureMatrix, y: ArrayLike<number>, options: FastForestOptions = {}): FastForestModel {
  const prepared = prepare(X, y, options);
  return assemble(prepared, growTreesInThread(prepared.data, prepared.params, prepared.seeds));
}

// ---------------------------------------------------------------------------------------------------
// Prediction on a compiled copy (compiled.ts, shared with the gradient boosting).

function compile(model: FastForestModel): CompiledTrees {
  return compiledTrees(model, 'fastForest', 'forestFromJSON');
}

export interface PredictOptions {
  /** The input's column names; when the model has names too, they must match in order. */
  featureNames?: readonly string[];
}

/** Probability of class 1 for each row: mean over trees of the leaf's positive-class fraction. */
export function predictProba(model: FastForestModel, X: FeatureMatrix, options: PredictOptions = {}): Float64Array {
  checkFeatureNames(model, options.featureNames, 'predictProba');
  const { data, nRows, nCols: p } = toDense(X, 'predictProba', model.nFeatures);
  const nTrees = model.trees.length;
  const out = new Float64Array(nRows);
  addLeafValues(compile(model), data, nRows, p, out);
  for (let i = 0; i < nRows; i++) out[i] = (out[i] as number) / nTrees;
  return out;
}

/** Each tree's leaf value for each row: result[t][i] (for vote counts or spread across trees). */
export function predictTreeValues(model: FastForestModel, X: FeatureMatrix): Float64Array[] {
  const { data, nRows, nCols: p } = toDense(X, 'predictTreeValues', model.nFeatures);
  const { roots, links, split } = compile(model);
  return Array.from(roots, (root) => {
    const out = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) out[i] = split[leafOf(links, split, data, i * p, root)] as number;
    return out;
  });
}

/**
 * Out-of-bag probability of each training row: the mean leaf value over the trees whose bootstrap did not
 * draw it (NaN for a row every tree drew). An honest estimate for tuning without a holdout. `X` must be
 * the training matrix, rows in training order (each tree's bootstrap is recomputed from its seed).
 */
export function oobProba(model: FastForestModel, X: FeatureMatrix): Float64Array {
  const { params } = model;
  if (!params.bootstrap) throw new RangeError('oobProba: the forest was trained without bootstrap');
  const { data, nRows, nCols: p } = toDense(X, 'oobProba', model.nFeatures);
  if (nRows !== params.nTrainRows) {
    throw new RangeError(`oobProba: the forest was trained on ${params.nTrainRows} rows, got ${nRows}`);
  }
  const { roots, links, split } = compile(model);
  const sum = new Float64Array(nRows);
  const count = new Uint32Array(nRows);
  for (let t = 0; t < roots.length; t++) {
    const w = bootstrapWeights(mulberry32(treeSeed(params.seed, t)), nRows, true, params.nDraws);
    const root = roots[t] as number;
    for (let i = 0; i < nRows; i++) {
      if ((w[i] as number) > 0) continue;
      sum[i] = (sum[i] as number) + (split[leafOf(links, split, data, i * p, root)] as number);
      count[i] = (count[i] as number) + 1;
    }
  }
  return sum.map((s, i) => ((count[i] as number) > 0 ? s / (count[i] as number) : Number.NaN));
}

/**
 * Saabas tree-path contributions of one row, per feature: at each split on the row's path, the change in
 * node value (positive-class fraction) is credited to the split's feature, averaged over trees.
 * `model.baseRate + sum(contributions) === predictProba(model, [row])[0]` up to rounding.
 */
export function contributions(model: FastForestModel, row: ArrayLike<number>): Float64Array {
  if (row.length !== model.nFeatures) {
    throw new RangeError(`contributions: the model expects ${model.nFeatures} features, the row has ${row.length}`);
  }
  for (let j = 0; j < row.length; j++) {
    if (!Number.isFinite(row[j])) throw new RangeError(`contributions: value at column ${j} is ${String(row[j])}`);
  }
  const out = pathContributions(compile(model), row, model.nFeatures);
  for (let j = 0; j < out.length; j++) out[j] = (out[j] as number) / model.trees.length;
  return out;
}

/** Mean decrease in impurity per feature, normalized to sum 1 (as stored in the model). */
export function featureImportance(model: FastForestModel): number[] {
  return [...model.featureImportance];
}

// ---------------------------------------------------------------------------------------------------
// Save and load.

/** The model as plain JSON (it already is: a shallow copy, ready for JSON.stringify). */
export function forestToJSON(model: FastForestModel): FastForestModel {
  if (model.kind !== FOREST_KIND) throw new TypeError(`forestToJSON: not a ${FOREST_KIND} model`);
  return { ...model };
}

function fail(message: string): never {
  throw new TypeError(`forestFromJSON: ${message}`);
}

function isNumberArray(value: unknown, length?: number): value is number[] {
  return Array.isArray(value) && (length === undefined || value.length === length) && value.every((v) => typeof v === 'number');
}

/** Loads a model saved with forestToJSON (an object or its JSON text), checking its tag and structure. */
export function forestFromJSON(json: unknown): FastForestModel {
  const { raw, m, nFeatures } = checkEnsembleHeader(json, FOREST_KIND, FOREST_VERSION, fail);
  if (typeof m.baseRate !== 'number') fail('baseRate must be a number');
  if (!isNumberArray(m.featureImportance, nFeatures)) fail(`featureImportance must be ${nFeatures} numbers`);
  if (typeof m.params !== 'object' || m.params === null) fail('params missing');
  if (!Array.isArray(m.trees) || m.trees.length === 0) fail('trees must be a non-empty array');
  m.trees.forEach((tree: unknown, t) => {
    if (typeof tree !== 'object' || tree === null) fail(`tree ${t} is not an object`);
    const tr = tree as Record<string, unknown>;
    const feature = tr.feature;
    if (!isNumberArray(feature) || feature.length === 0) fail(`tree ${t}: feature must be a non-empty number array`);
    const n = feature.length;
    for (const key of ['threshold', 'left', 'right', 'value', 'count'] as const) {
      if (!isNumberArray(tr[key], n)) fail(`tree ${t}: ${key} must be ${n} numbers`);
    }
    const left = tr.left as number[];
    const right = tr.right as number[];
    const value = tr.value as number[];
    for (let i = 0; i < n; i++) {
      const f = feature[i] as number;
      if (!Number.isInteger(f) || f < -1 || f >= nFeatures) fail(`tree ${t} node ${i}: feature ${f} out of range`);
      const v = value[i] as number;
      if (!(v >= 0 && v <= 1)) fail(`tree ${t} node ${i}: value ${v} outside [0, 1]`);
      if (f >= 0) {
        // children come after their parent: no cycles, every walk ends at a leaf
        for (const child of [left[i] as number, right[i] as number]) {
          if (!Number.isInteger(child) || child <= i || child >= n) fail(`tree ${t} node ${i}: child ${child} out of range`);
        }
      }
    }
  });
  return raw as FastForestModel;
}
