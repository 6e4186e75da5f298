/**
 * The fast forest in ml-random-forest 2.1.0's own JSON, so `RandomForestClassifier.load(json)` from
 * ml-random-forest gives a working classifier (for tools that already read ml.js models).
 *
 * It fits because ml-cart's tree routes a row left when `row[splitColumn] < splitValue`, the same rule as
 * ours, and a loaded leaf is just `distribution: [[P(0), P(1)]]`. Each estimator sees all columns
 * (`indexes[t]` = 0..n-1: our trees draw features per node, not per tree). What does not carry over:
 * ml-random-forest's `predict` is a majority vote of per-tree classes (argmax of the leaf distribution,
 * class 0 on a tie) and its `predictProbability` drops the first tree's vote, so its probabilities are
 * not ours; use predictProba on the fastForest model for scores.
 */
import { FOREST_KIND } from './forest.ts';
import type { FastForestModel } from './forest.ts';
import type { TreeJSON } from './tree.ts';

/** ml-cart's node JSON: an internal node has splitColumn/splitValue and two children, a leaf a distribution. */
export type MlCartNode =
  | { splitColumn: number; splitValue: number; gain: number; numberSamples: number; left: MlCartNode; right: MlCartNode }
  | { distribution: number[][] };

export interface MlRandomForestJSON {
  name: 'RFClassifier';
  baseModel: {
    indexes: number[][];
    n: number;
    replacement: boolean;
    maxFeatures: number;
    nEstimators: number;
    treeOptions: Record<string, unknown>;
    isClassifier: true;
    seed: number;
    useSampleBagging: boolean;
    estimators: Array<{ name: 'DTClassifier'; options: Record<string, unknown>; root: MlCartNode }>;
  };
}

function toNode(tree: TreeJSON, i: number): MlCartNode {
  const f = tree.feature[i] as number;
  const p = tree.value[i] as number;
  if (f < 0) return { distribution: [[1 - p, p]] };
  const l = tree.left[i] as number;
  const r = tree.right[i] as number;
  const n = tree.count[i] as number;
  const nl = tree.count[l] as number;
  const nr = tree.count[r] as number;
  const gini = (q: number): number => 2 * q * (1 - q);
  return {
    splitColumn: f,
    splitValue: tree.threshold[i] as number,
    // ml-cart's gain: parent Gini minus the children's weighted Gini
    gain: gini(p) - (nl / n) * gini(tree.value[l] as number) - (nr / n) * gini(tree.value[r] as number),
    numberSamples: n,
    left: toNode(tree, l),
    right: toNode(tree, r),
  };
}

/** The model in ml-random-forest's RandomForestClassifier JSON (load it with RandomForestClassifier.load). */
export function toMlRandomForestJSON(model: FastForestModel): MlRandomForestJSON {
  if (model.kind !== FOREST_KIND) throw new TypeError(`toMlRandomForestJSON: not a ${FOREST_KIND} model`);
  const all = Array.from({ length: model.nFeatures }, (_, j) => j);
  const treeOptions = {
    gainFunction: 'gini',
    splitFunction: 'mean',
    minNumSamples: model.params.minSamplesLeaf,
    maxDepth: model.params.maxDepth ?? Number.MAX_SAFE_INTEGER,
    gainThreshold: 0,
    kind: 'classifier',
  };
  return {
    name: 'RFClassifier',
    baseModel: {
      indexes: model.trees.map(() => all),
      n: model.nFeatures,
      replacement: false,
      maxFeatures: 1,
      nEstimators: model.trees.length,
      treeOptions,
      isClassifier: true,
      seed: model.params.seed,
      useSampleBagging: model.params.bootstrap,
      estimators: model.trees.map((tree) => ({ name: 'DTClassifier', options: treeOptions, root: toNode(tree, 0) })),
    },
  };
}
