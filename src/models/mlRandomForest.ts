/**
 * The parts of ml-random-forest 2.1.0 the lead score uses, behind a small typed surface.
 *
 * - Its own type definitions fail type-checking and lack what we need, so the shapes are declared here.
 * - `predictProbability` drops the first tree's vote and hard votes give few distinct values, so
 *   probabilities are the mean over trees of the class-1 share in the leaf a row reaches ("soft voting",
 *   as scikit-learn does), computed on a compiled copy of the trees (flat arrays, fast, no ml-matrix).
 * - Its CART split search evaluates one candidate per label change in the sorted column, so a 0/1 one-hot
 *   column with 1,500 rows gets hundreds of identical candidates (O(n^2) per node). `enableFastSplitSearch`
 *   drops repeated candidates; the first occurrence of a value always won ties anyway (strict `>`), so the
 *   trees are the same, about 10x faster (bank-marketing, 1,500 rows x 62 features, 40 trees: 70 s -> 7 s).
 */
import { RandomForestClassifier } from 'ml-random-forest';

export interface TreeOptions {
  /** Maximum depth of a tree (root = depth 0). */
  maxDepth: number;
  /** A node with this many rows or fewer becomes a leaf. */
  minNumSamples: number;
  /** Minimum Gini gain for a split (ml-cart's default 0.01 stops most trees at the root on imbalanced data). */
  gainThreshold: number;
}

export interface ForestOptions {
  nEstimators: number;
  /** Share of the features each tree sees, in (0, 1]. */
  maxFeatures: number;
  /** 31-bit integer seed. */
  seed: number;
  treeOptions: TreeOptions;
}

/** What ml-random-forest's RandomForestClassifier is at run time (the part we use). */
interface RandomForestInstance {
  train(X: number[][], y: number[]): void;
  toJSON(): RandomForestJson;
  estimators: Array<{ root: TreeNodeLike }>;
  indexes: number[][];
}

interface RandomForestStatic {
  new (options: Record<string, unknown>): RandomForestInstance;
  load(model: RandomForestJson): RandomForestInstance;
}

/** ml-random-forest's JSON: `{ name: 'RFClassifier', baseModel: {...} }`. */
export interface RandomForestJson {
  name: string;
  baseModel: { indexes: number[][]; estimators: unknown[]; [key: string]: unknown };
}

interface TreeNodeLike {
  left?: TreeNodeLike;
  right?: TreeNodeLike;
  splitColumn?: number;
  splitValue?: number;
  /** A 1 x classes ml-matrix Matrix (trained or loaded) or a plain 2-D array. */
  distribution?: { columns: number; get(row: number, column: number): number } | number[][];
}

const Forest = RandomForestClassifier as unknown as RandomForestStatic;

/** A tree as flat arrays: node 0 is the root; left < 0 marks a leaf whose class-1 share is `value`. */
interface CompiledTree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

/** A trained or loaded forest, compiled for prediction. Plain data plus the library's JSON. */
export interface TrainedForest {
  /** The number of features the forest reads (the width of X it was trained on). */
  readonly featureCount: number;
  readonly json: RandomForestJson;
  readonly trees: readonly CompiledTree[];
}

let fastSplitSearch: 'on' | 'off' | 'unavailable' = 'off';
let originalFeatureSplit: ((x: number[], y: number[]) => number[]) | null = null;
let treeNodePrototype: { featureSplit: (x: number[], y: number[]) => number[] } | null = null;

function findTreeNodePrototype(): typeof treeNodePrototype {
  // ml-cart does not export its TreeNode class: reach it through a tree trained on four rows.
  const probe = new Forest({ nEstimators: 1, maxFeatures: 1.0, seed: 1, noOOB: true, useSampleBagging: false, treeOptions: { minNumSamples: 1 } });
  probe.train([[0], [1], [0], [1]], [0, 1, 0, 1]);
  const root = probe.estimators[0]?.root;
  const proto = root ? (Object.getPrototypeOf(root) as Record<string, unknown>) : null;
  return proto && typeof proto.featureSplit === 'function' ? (proto as NonNullable<typeof treeNodePrototype>) : null;
}

/**
 * Makes ml-cart's split search skip repeated candidate values (same trees, much faster). Idempotent; if a
 * future ml-cart changes its internals, the patch is skipped and training is merely slower.
 */
export function enableFastSplitSearch(): 'on' | 'unavailable' {
  if (fastSplitSearch === 'on' || fastSplitSearch === 'unavailable') return fastSplitSearch;
  treeNodePrototype ??= findTreeNodePrototype();
  if (treeNodePrototype === null) {
    fastSplitSearch = 'unavailable';
    return fastSplitSearch;
  }
  originalFeatureSplit ??= treeNodePrototype.featureSplit;
  const original = originalFeatureSplit;
  treeNodePrototype.featureSplit = function dedupedFeatureSplit(this: unknown, x: number[], y: number[]): number[] {
    // candidates come out non-decreasing (means of neighbours in sorted order): drop consecutive repeats
    const all = original.call(this, x, y);
    const out: number[] = [];
    for (const v of all) if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
    return out;
  };
  fastSplitSearch = 'on';
  return fastSplitSearch;
}

/** For tests: restores ml-cart's own split search. */
export function disableFastSplitSearch(): void {
  if (fastSplitSearch === 'on' && treeNodePrototype && originalFeatureSplit) {
    treeNodePrototype.featureSplit = originalFeatureSplit;
    fastSplitSearch = 'off';
  }
}

function leafShare(node: TreeNodeLike): number {
  const d = node.distribution;
  if (d === undefined) throw new Error('corrupt forest: a leaf has no class distribution');
  if (Array.isArray(d)) return d[0]?.[1] ?? 0;
  return d.columns > 1 ? d.get(0, 1) : 0;
}

function compileTree(root: TreeNodeLike, columnMap: readonly number[], featureCount: number): CompiledTree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const stack: Array<[TreeNodeLike, number]> = [];
  const add = (node: TreeNodeLike): number => {
    const id = feature.length;
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    value.push(0);
    stack.push([node, id]);
    return id;
  };
  add(root);
  while (stack.length > 0) {
    const [node, id] = stack.pop() as [TreeNodeLike, number];
    if (node.left && node.right) {
      const column = columnMap[node.splitColumn ?? -1];
      if (column === undefined || !Number.isInteger(column) || column < 0 || column >= featureCount || typeof node.splitValue !== 'number') {
        throw new Error(`corrupt forest: a split reads feature ${String(column)} but the model has ${featureCount} features`);
      }
      feature[id] = column;
      threshold[id] = node.splitValue;
      left[id] = add(node.left);
      right[id] = add(node.right);
    } else {
      value[id] = leafShare(node);
    }
  }
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value),
  };
}

function compile(instance: RandomForestInstance, json: RandomForestJson, featureCount: number): TrainedForest {
  if (instance.estimators.length === 0) throw new Error('corrupt forest: it has no trees');
  const trees = instance.estimators.map((est, t) => {
    const columnMap = instance.indexes[t];
    if (!columnMap) throw new Error(`corrupt forest: tree ${t} has no feature index`);
    return compileTree(est.root, columnMap, featureCount);
  });
  return { featureCount, json, trees };
}

/** Trains ml-random-forest's RandomForestClassifier on 0/1 labels (sample bagging, features without replacement). */
export function trainForest(X: number[][], y: readonly number[], options: ForestOptions): TrainedForest {
  enableFastSplitSearch();
  const featureCount = X[0]?.length ?? 0;
  if (featureCount === 0) throw new Error('cannot train a forest on zero features');
  // The library reads maxFeatures in (0, 1] as a share (floor(columns * share)) and integers above 1 as a
  // count, so 1 means "all". Pass a share whose floor is exactly the count we want.
  const perTree = Math.max(1, Math.min(featureCount, Math.round(featureCount * options.maxFeatures)));
  const forest = new Forest({
    nEstimators: options.nEstimators,
    maxFeatures: perTree === featureCount ? 1.0 : (perTree + 0.5) / featureCount,
    replacement: false,
    seed: options.seed,
    useSampleBagging: true,
    noOOB: true,
    treeOptions: { ...options.treeOptions },
  });
  forest.train(X, [...y]);
  // Keep only plain JSON, and predict from what a reload would give, so save/load cannot change anything.
  return loadForest(JSON.parse(JSON.stringify(forest.toJSON())) as unknown, featureCount);
}

/** Loads ml-random-forest JSON; `featureCount` is the width of the rows it will be given. */
export function loadForest(json: unknown, featureCount: number): TrainedForest {
  const candidate = json as Partial<RandomForestJson> | null;
  if (typeof candidate !== 'object' || candidate === null || candidate.name !== 'RFClassifier' || typeof candidate.baseModel !== 'object') {
    throw new Error('not an ml-random-forest classifier: expected { name: "RFClassifier", baseModel }');
  }
  let instance: RandomForestInstance;
  try {
    instance = Forest.load(candidate as RandomForestJson);
  } catch (error) {
    throw new Error(`cannot load the random forest: ${(error as Error).message}`);
  }
  return compile(instance, candidate as RandomForestJson, featureCount);
}

/** Probability of class 1 for each row: the mean over trees of the class-1 share in the reached leaf. */
export function forestProbabilities(forest: TrainedForest, X: readonly (readonly number[])[]): number[] {
  const out = new Array<number>(X.length);
  const nTrees = forest.trees.length;
  for (let r = 0; r < X.length; r++) {
    const row = X[r] as readonly number[];
    if (row.length !== forest.featureCount) {
      throw new Error(`row ${r} has ${row.length} features but the forest was trained on ${forest.featureCount}`);
    }
    let sum = 0;
    for (let t = 0; t < nTrees; t++) {
      const tree = forest.trees[t] as CompiledTree;
      let i = 0;
      while ((tree.left[i] as number) >= 0) {
        i = (row[tree.feature[i] as number] as number) < (tree.threshold[i] as number) ? (tree.left[i] as number) : (tree.right[i] as number);
      }
      sum += tree.value[i] as number;
    }
    out[r] = sum / nTrees;
  }
  return out;
}

/** Depth of each tree (0 = the tree stopped at its root). */
export function treeDepths(forest: TrainedForest): number[] {
  return forest.trees.map((tree) => {
    const depth = new Int32Array(tree.left.length);
    let max = 0;
    for (let i = 0; i < tree.left.length; i++) {
      const l = tree.left[i] as number;
      if (l >= 0) {
        const d = (depth[i] as number) + 1;
        depth[l] = d;
        depth[tree.right[i] as number] = d;
        if (d > max) max = d;
      }
    }
    return max;
  });
}
