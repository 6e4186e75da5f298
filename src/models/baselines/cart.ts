/**
 * One CART classification tree (Gini, every feature searched at every node, no bootstrap), grown by the
 * fast forest's histogram tree code: a baseline for the lead-score bench.
 *
 * `fitTree` in ../forest/tree.ts grows exactly this tree but returns bare arrays with no prediction or
 * loading code. A forest of one tree with `bootstrap: false` and `maxFeatures: 1` is the same growing call
 * (growTree with mtry = all features and unit weights; only the seed differs, and the seed only orders
 * the feature scan, which decides ties between equally good splits), and it comes with the compiled
 * prediction walk, JSON validation, contributions and importances. So the model holds that forest.
 */
import { fitForestSync, forestFromJSON, forestToJSON, predictProba } from '../forest/index.ts';
import type { FastForestModel, FeatureMatrix } from '../forest/index.ts';

export const CART_KIND = 'cartTree';
export const CART_VERSION = 1;

export interface CartOptions {
  /** Maximum depth, root = 0 (default: none). */
  maxDepth?: number;
  /** Fewest training rows in a leaf (default 1). */
  minSamplesLeaf?: number;
  /** Fewest training rows in a node that may be split (default 2). */
  minSamplesSplit?: number;
  /** Histogram bins per feature, 2..255 (default 255): split points are searched between bin edges. */
  maxBins?: number;
  /** Orders the feature scan, which only breaks ties between equally good splits (default 42). */
  seed?: number;
  featureNames?: readonly string[];
}

export interface CartModel {
  kind: typeof CART_KIND;
  version: typeof CART_VERSION;
  nFeatures: number;
  /** The tree, as a one-tree fast forest without bootstrap (`forest.trees[0]`). */
  forest: FastForestModel;
}

export function fitCart(X: FeatureMatrix, y: ArrayLike<number>, options: CartOptions = {}): CartModel {
  const { maxDepth, minSamplesLeaf, minSamplesSplit, maxBins, seed, featureNames } = options;
  let forest: FastForestModel;
  try {
    forest = fitForestSync(X, y, {
      nEstimators: 1,
      bootstrap: false,
      maxFeatures: 1,
      workers: 1,
      ...(maxDepth === undefined ? {} : { maxDepth }),
      ...(minSamplesLeaf === undefined ? {} : { minSamplesLeaf }),
      ...(minSamplesSplit === undefined ? {} : { minSamplesSplit }),
      ...(maxBins === undefined ? {} : { maxBins }),
      ...(seed === undefined ? {} : { seed }),
      ...(featureNames === undefined ? {} : { featureNames }),
    });
  } catch (error) {
    // the forest's messages say "fit:" or "fitForest:"; name the function the caller called
    if (error instanceof Error) error.message = `fitCart: ${error.message.replace(/^(fit|fitForest): /, '')}`;
    throw error;
  }
  return { kind: CART_KIND, version: CART_VERSION, nFeatures: forest.nFeatures, forest };
}

/** P(class 1 | x) per row: the positive fraction of the training rows in the row's leaf. */
export function cartProba(model: CartModel, X: FeatureMatrix): Float64Array {
  return predictProba(model.forest, X);
}

/** The tree's arrays (feature, threshold, left, right, value, count; a row goes left when x < threshold). */
export function cartTree(model: CartModel): FastForestModel['trees'][number] {
  return model.forest.trees[0] as FastForestModel['trees'][number];
}

/** Depth of the fitted tree (root = 0). */
export function cartDepth(model: CartModel): number {
  const tree = cartTree(model);
  const depth = new Int32Array(tree.feature.length);
  let deepest = 0;
  // children always come after their parent (forestFromJSON checks it), so one forward pass suffices
  for (let i = 0; i < tree.feature.length; i++) {
    if ((tree.feature[i] as number) < 0) continue;
    for (const child of [tree.left[i] as number, tree.right[i] as number]) {
      depth[child] = (depth[i] as number) + 1;
      deepest = Math.max(deepest, depth[child] as number);
    }
  }
  return deepest;
}

/** The model as plain JSON (ready for JSON.stringify). */
export function cartToJSON(model: CartModel): CartModel {
  if (model.kind !== CART_KIND) throw new TypeError(`cartToJSON: not a ${CART_KIND} model`);
  return { ...model, forest: forestToJSON(model.forest) };
}

/** Loads a model saved as JSON (an object or its text), checking its tag and the tree's structure. */
export function cartFromJSON(json: unknown): CartModel {
  const raw: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  const fail = (why: string): never => {
    throw new TypeError(`cartFromJSON: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('expected an object');
  const m = raw as Record<string, unknown>;
  if (m.kind !== CART_KIND) fail(`expected kind "${CART_KIND}", got ${JSON.stringify(m.kind)}`);
  if (m.version !== CART_VERSION) fail(`unsupported version ${JSON.stringify(m.version)} (this code reads ${CART_VERSION})`);
  let forest: FastForestModel;
  try {
    forest = forestFromJSON(m.forest);
  } catch (error) {
    return fail(`forest: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (forest.trees.length !== 1) fail(`expected one tree, got ${forest.trees.length}`);
  if (forest.params.bootstrap !== false) fail('the tree was grown on a bootstrap sample, not on every row');
  if (m.nFeatures !== forest.nFeatures) fail(`nFeatures ${JSON.stringify(m.nFeatures)} differs from the tree's ${forest.nFeatures}`);
  return { kind: CART_KIND, version: CART_VERSION, nFeatures: forest.nFeatures, forest };
}
