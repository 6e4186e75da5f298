import { RandomForestClassifier } from 'ml-random-forest';
import { describe, expect, it } from 'vitest';

import { rocAuc } from '../evaluate.ts';
import { mulberry32 } from '../../domain/random.mjs';
import {
  contributions,
  fitForest,
  fitForestSync,
  forestFromJSON,
  forestToJSON,
  oobProba,
  predictProba,
  predictTreeValues,
} from './forest.ts';
import type { FastForestModel } from './forest.ts';
import { toMlRandomForestJSON } from './mljs.ts';

/** 3 informative features (one of them an integer with ties) + 5 noise features, labels with noise. */
function synthetic(n: number, seed: number): { X: number[][]; y: number[] } {
  const random = mulberry32(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: 8 }, () => random() * 2 - 1);
    row[2] = Math.round((row[2] as number) * 3); // -3..3, many ties
    const z = 1.5 * (row[0] as number) - (row[1] as number) + 0.4 * (row[2] as number) + (random() - 0.5) * 1.5;
    X.push(row);
    y.push(z > 0.2 ? 1 : 0);
  }
  return { X, y };
}

const train = synthetic(400, 1);
const test = synthetic(400, 2);

interface MlRf {
  train(X: number[][], y: number[]): void;
  predict(X: number[][]): number[];
  predictionValues(X: number[][]): { getRow(i: number): number[] };
  estimators: Array<{ root: { classify(row: number[]): { columns: number; get(r: number, c: number): number } } }>;
  indexes: number[][];
}
const MlForest = RandomForestClassifier as unknown as {
  new (options: Record<string, unknown>): MlRf;
  load(json: unknown): MlRf;
};

function modelsEqual(a: FastForestModel, b: FastForestModel): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

describe('fast forest', () => {
  it('scores as well as ml-random-forest on the same task (AUC within 0.02)', () => {
    // the same algorithm on both sides: bagged trees seeing all features, leaves of >= 3 rows
    const ml = new MlForest({
      nEstimators: 30,
      maxFeatures: 1.0,
      replacement: false,
      seed: 5,
      useSampleBagging: true,
      noOOB: true,
      treeOptions: { gainThreshold: 0, minNumSamples: 3 },
    });
    ml.train(train.X, train.y);
    // soft vote (ml-random-forest's predictProbability drops the first tree's vote)
    const mlScores = test.X.map((row) => {
      let sum = 0;
      ml.estimators.forEach((est, t) => {
        const dist = est.root.classify((ml.indexes[t] as number[]).map((j) => row[j] as number));
        sum += dist.columns > 1 ? dist.get(0, 1) : 0;
      });
      return sum / ml.estimators.length;
    });
    const fast = fitForestSync(train.X, train.y, { nEstimators: 30, maxFeatures: 1, minSamplesSplit: 4, seed: 5 });
    const aucMl = rocAuc(test.y, mlScores);
    const aucFast = rocAuc(test.y, Array.from(predictProba(fast, test.X)));
    expect(aucFast).toBeGreaterThan(0.85);
    expect(Math.abs(aucFast - aucMl)).toBeLessThan(0.02);
    // and with its own defaults ('sqrt' features per node)
    const sqrt = fitForestSync(train.X, train.y, { seed: 5 });
    expect(Math.abs(rocAuc(test.y, Array.from(predictProba(sqrt, test.X))) - aucMl)).toBeLessThan(0.02);
  });

  it('is the same model for the same seed, and another for another seed', () => {
    const a = fitForestSync(train.X, train.y, { nEstimators: 20, seed: 11 });
    const b = fitForestSync(train.X, train.y, { nEstimators: 20, seed: 11 });
    const c = fitForestSync(train.X, train.y, { nEstimators: 20, seed: 12 });
    expect(modelsEqual(a, b)).toBe(true);
    expect(modelsEqual(a, c)).toBe(false);
  });

  it('grows identical trees on 1 or 2 worker threads', async () => {
    const options = { nEstimators: 24, seed: 9, minSamplesLeaf: 2 };
    const one = await fitForest(train.X, train.y, { ...options, workers: 1 });
    const two = await fitForest(train.X, train.y, { ...options, workers: 2 });
    const sync = fitForestSync(train.X, train.y, options);
    expect(modelsEqual(one, two)).toBe(true);
    expect(modelsEqual(one, sync)).toBe(true);
    expect(Array.from(predictProba(two, test.X))).toEqual(Array.from(predictProba(one, test.X)));
  });

  it('gives identical predictions after a JSON round trip', () => {
    const model = fitForestSync(train.X, train.y, { nEstimators: 25, seed: 3, featureNames: train.X[0]?.map((_, j) => `x${j}`) });
    const text = JSON.stringify(forestToJSON(model));
    const loaded = forestFromJSON(text);
    expect(loaded.kind).toBe('fastForest');
    expect(loaded.featureNames?.[7]).toBe('x7');
    expect(Array.from(predictProba(loaded, test.X))).toEqual(Array.from(predictProba(model, test.X)));
    expect(forestFromJSON(JSON.parse(text))).toEqual(loaded);
  });

  it('explains each prediction: base rate + path contributions = probability', () => {
    const model = fitForestSync(train.X, train.y, { nEstimators: 40, seed: 4, minSamplesLeaf: 3 });
    const probabilities = predictProba(model, test.X);
    const root = model.trees.reduce((a, t) => a + (t.value[0] as number), 0) / model.trees.length;
    expect(model.baseRate).toBeCloseTo(root, 12);
    test.X.slice(0, 50).forEach((row, i) => {
      const c = contributions(model, row);
      expect(c.length).toBe(8);
      const total = c.reduce((a, b) => a + b, model.baseRate);
      expect(Math.abs(total - (probabilities[i] as number))).toBeLessThan(1e-9);
    });
    // the informative features carry the largest contributions on average
    const meanAbs = new Array<number>(8).fill(0);
    for (const row of test.X) contributions(model, row).forEach((v, j) => (meanAbs[j] = (meanAbs[j] as number) + Math.abs(v)));
    const top = meanAbs.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 2).map(([, j]) => j);
    expect(top.sort()).toEqual([0, 1]);
  });

  it('ranks the informative features first by impurity importance (normalized to 1)', () => {
    const model = fitForestSync(train.X, train.y, { nEstimators: 50, seed: 8 });
    const imp = model.featureImportance;
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const order = imp.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]).map(([, j]) => j);
    expect(order.slice(0, 2).sort()).toEqual([0, 1]);
    expect(order.slice(0, 3)).toContain(2);
  });

  it('scores out-of-bag rows honestly', () => {
    const model = fitForestSync(train.X, train.y, { nEstimators: 60, seed: 2 });
    const oob = Array.from(oobProba(model, train.X));
    expect(oob.filter(Number.isNaN).length).toBe(0); // 60 trees: every row is out of some bag
    const oobAuc = rocAuc(train.y, oob);
    const testAuc = rocAuc(test.y, Array.from(predictProba(model, test.X)));
    expect(Math.abs(oobAuc - testAuc)).toBeLessThan(0.05);
    // in-bag scores are optimistic: the OOB estimate is below the training-set AUC
    expect(oobAuc).toBeLessThan(rocAuc(train.y, Array.from(predictProba(model, train.X))));
  });

  it('accepts a dense Float64Array matrix and number[][] alike', () => {
    const model = fitForestSync(train.X, train.y, { nEstimators: 10, seed: 1 });
    const data = Float64Array.from(test.X.flat());
    expect(Array.from(predictProba(model, { data, nRows: test.X.length, nCols: 8 }))).toEqual(Array.from(predictProba(model, test.X)));
    const dense = fitForestSync({ data: Float64Array.from(train.X.flat()), nRows: 400, nCols: 8 }, train.y, { nEstimators: 10, seed: 1 });
    expect(modelsEqual(dense, model)).toBe(true);
  });

  it('throws clear errors on a feature-count or feature-order mismatch and on bad input', () => {
    const model = fitForestSync(train.X, train.y, { nEstimators: 5, seed: 1, featureNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] });
    expect(() => predictProba(model, [[1, 2, 3]])).toThrow(/expects 8 features, row 0 has 3/);
    expect(() => predictProba(model, { data: new Float64Array(9), nRows: 1, nCols: 9 })).toThrow(/expects 8 features, got 9/);
    expect(() => contributions(model, [1, 2])).toThrow(/expects 8 features/);
    expect(() => predictProba(model, test.X, { featureNames: ['b', 'a', 'c', 'd', 'e', 'f', 'g', 'h'] })).toThrow(
      /feature order mismatch at column 0/,
    );
    expect(() => predictProba(model, test.X, { featureNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] })).not.toThrow();
    expect(() => predictProba(model, [[Number.NaN, 0, 0, 0, 0, 0, 0, 0]])).toThrow(/NaN/);
    expect(() => fitForestSync(train.X, train.y.slice(1))).toThrow(/400 rows but 399 labels/);
    expect(() => fitForestSync([[1], [2]], [0, 2])).toThrow(/labels must be 0 or 1/);
    expect(() => fitForestSync(train.X, train.y, { featureNames: ['a'] })).toThrow(/1 feature names for 8 columns/);
  });

  it('checks the tag and the structure when loading', () => {
    const model = fitForestSync(train.X, train.y, { nEstimators: 3, seed: 1 });
    const json = JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
    expect(() => forestFromJSON({ ...json, kind: 'randomForest' })).toThrow(/expected kind "fastForest"/);
    expect(() => forestFromJSON({ ...json, version: 2 })).toThrow(/unsupported version 2/);
    const broken = JSON.parse(JSON.stringify(model)) as FastForestModel;
    (broken.trees[0] as { right: number[] }).right[0] = 0;
    expect(() => forestFromJSON(broken)).toThrow(/child 0 out of range/);
    expect(() => forestFromJSON('null')).toThrow(/expected an object/);
  });

  it("exports ml-random-forest's JSON: RandomForestClassifier.load predicts the same classes", () => {
    const model = fitForestSync(train.X, train.y, { nEstimators: 15, seed: 6, minSamplesLeaf: 2 });
    const ml = MlForest.load(JSON.parse(JSON.stringify(toMlRandomForestJSON(model))));
    // tree by tree: ml-cart's class (argmax of [1-p, p], class 0 on a tie) = our leaf value > 0.5
    const ours = predictTreeValues(model, test.X);
    const votes = ml.predictionValues(test.X);
    test.X.forEach((_, i) => {
      expect(votes.getRow(i)).toEqual(ours.map((tree) => ((tree[i] as number) > 0.5 ? 1 : 0)));
    });
    // the forest: ml-random-forest's majority vote; with an odd number of trees it is our vote share > 0.5
    const share = test.X.map((_, i) => ours.reduce((a, tree) => a + ((tree[i] as number) > 0.5 ? 1 : 0), 0) / ours.length);
    expect(ml.predict(test.X)).toEqual(share.map((s) => (s > 0.5 ? 1 : 0)));
    // and those classes mostly agree with thresholding our probability at 0.5
    const proba = predictProba(model, test.X);
    const agree = test.X.filter((_, i) => ((proba[i] as number) > 0.5 ? 1 : 0) === (share[i] as number > 0.5 ? 1 : 0)).length;
    expect(agree / test.X.length).toBeGreaterThan(0.95);
  });
});
