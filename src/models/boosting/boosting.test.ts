import { describe, expect, it } from 'vitest';

import { rocAuc } from '../evaluate.ts';
import { mulberry32 } from '../../domain/random.mjs';
import { boostingFromJSON, boostingToJSON, contributions, fitBoosting, predictProba, predictRaw } from './index.ts';
import type { BoostingModel, BoostingTreeJSON } from './index.ts';

/**
 * A nonlinear task no linear score can rank: class 1 inside a ring (x0² + x1² < 0.5), plus a one-hot
 * categorical column (3 levels) that shifts the odds and 3 noise columns; 8 % of labels flipped.
 */
function ring(n: number, seed: number): { X: number[][]; y: number[] } {
  const random = mulberry32(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x0 = random() * 2 - 1;
    const x1 = random() * 2 - 1;
    const level = Math.floor(random() * 3);
    const row = [x0, x1, level === 0 ? 1 : 0, level === 1 ? 1 : 0, level === 2 ? 1 : 0, random(), random() * 10, random() - 0.5];
    const inside = x0 * x0 + x1 * x1 < (level === 2 ? 0.65 : 0.45);
    y.push((random() < 0.08 ? !inside : inside) ? 1 : 0);
    X.push(row);
  }
  return { X, y };
}

/** Pure noise labels: nothing to learn, so the validation loss stops improving early. */
function noise(n: number, seed: number): { X: number[][]; y: number[] } {
  const random = mulberry32(seed);
  const X = Array.from({ length: n }, () => Array.from({ length: 5 }, () => random()));
  const y = X.map(() => (random() < 0.3 ? 1 : 0));
  return { X, y };
}

/** A plain logistic regression by gradient descent: the linear baseline. */
function linearScores(train: { X: number[][]; y: number[] }, test: number[][]): number[] {
  const p = (train.X[0] as number[]).length;
  const w = new Array<number>(p + 1).fill(0);
  for (let step = 0; step < 300; step++) {
    const grad = new Array<number>(p + 1).fill(0);
    train.X.forEach((row, i) => {
      const z = row.reduce((a, v, j) => a + v * (w[j] as number), w[p] as number);
      const err = 1 / (1 + Math.exp(-z)) - (train.y[i] as number);
      row.forEach((v, j) => (grad[j] = (grad[j] as number) + err * v));
      grad[p] = (grad[p] as number) + err;
    });
    for (let j = 0; j <= p; j++) w[j] = (w[j] as number) - (0.5 * (grad[j] as number)) / train.X.length;
  }
  return test.map((row) => row.reduce((a, v, j) => a + v * (w[j] as number), w[p] as number));
}

const train = ring(3000, 1);
const test = ring(2000, 2);

function leaves(tree: BoostingTreeJSON): number[] {
  return tree.feature.flatMap((f, i) => (f < 0 ? [i] : []));
}

function depths(tree: BoostingTreeJSON): number[] {
  const d = new Array<number>(tree.feature.length).fill(0);
  tree.feature.forEach((f, i) => {
    if (f >= 0) {
      d[tree.left[i] as number] = (d[i] as number) + 1;
      d[tree.right[i] as number] = (d[i] as number) + 1;
    }
  });
  return d;
}

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

describe('histogram gradient boosting', () => {
  it('learns a nonlinear problem a linear model cannot (test AUC > 0.9, linear near 0.5)', () => {
    const model = fitBoosting(train.X, train.y, { seed: 3 });
    const auc = rocAuc(test.y, Array.from(predictProba(model, test.X)));
    const linearAuc = rocAuc(test.y, linearScores(train, test.X));
    expect(auc).toBeGreaterThan(0.9);
    expect(linearAuc).toBeLessThan(0.7);
    expect(auc - linearAuc).toBeGreaterThan(0.2);
    // the ring's two coordinates carry most of the gain, the noise columns little
    const imp = model.featureImportance;
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect((imp[0] as number) + (imp[1] as number)).toBeGreaterThan(0.7);
    for (const j of [5, 6, 7]) expect(imp[j] as number).toBeLessThan(imp[0] as number);
  });

  it('grows each split at the exact best gain for its rows (histograms and sibling subtraction agree with brute force)', () => {
    // 250 rows: every feature has fewer than 255 distinct values, so one bin per value and the binned
    // search must find the exact best split of every node, including nodes whose histogram was subtracted
    const small = ring(250, 9);
    const lambda = 1;
    const model = fitBoosting(small.X, small.y, { maxIter: 3, maxLeafNodes: 6, minSamplesLeaf: 5, l2Regularization: lambda, earlyStopping: false });
    const n = small.X.length;
    model.trees.forEach((tree, t) => {
      const raw = predictRaw({ ...model, trees: model.trees.slice(0, t), nIter: t }, small.X);
      const g = Array.from(raw, (r, i) => 1 / (1 + Math.exp(-r)) - (small.y[i] as number));
      const h = Array.from(raw, (r) => {
        const p = 1 / (1 + Math.exp(-r));
        return p * (1 - p);
      });
      // rows of every node, by walking the real-valued thresholds
      const nodeRows: number[][] = tree.feature.map(() => []);
      for (let i = 0; i < n; i++) {
        let node = 0;
        nodeRows[0]?.push(i);
        while ((tree.feature[node] as number) >= 0) {
          const f = tree.feature[node] as number;
          node = ((small.X[i] as number[])[f] as number) < (tree.threshold[node] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
          nodeRows[node]?.push(i);
        }
      }
      tree.feature.forEach((f, node) => {
        const rows = nodeRows[node] as number[];
        expect(tree.count[node]).toBe(rows.length);
        const G = rows.reduce((a, i) => a + (g[i] as number), 0);
        const H = rows.reduce((a, i) => a + (h[i] as number), 0);
        expect(tree.value[node]).toBeCloseTo((-G / (H + lambda)) * 0.1, 10);
        if (f < 0) return;
        // brute force over every feature and every cut between consecutive distinct values
        let best = { gain: 0, feature: -1, threshold: 0 };
        for (let j = 0; j < 8; j++) {
          const order = [...rows].sort((a, b) => ((small.X[a] as number[])[j] as number) - ((small.X[b] as number[])[j] as number));
          let gl = 0;
          let hl = 0;
          for (let k = 0; k + 1 < order.length; k++) {
            const i = order[k] as number;
            gl += g[i] as number;
            hl += h[i] as number;
            const v = (small.X[i] as number[])[j] as number;
            const next = (small.X[order[k + 1] as number] as number[])[j] as number;
            if (v === next || k + 1 < 5 || order.length - k - 1 < 5) continue;
            const gain = (gl * gl) / (hl + lambda) + ((G - gl) * (G - gl)) / (H - hl + lambda) - (G * G) / (H + lambda);
            if (gain > best.gain + 1e-9) best = { gain, feature: j, threshold: (v + next) / 2 };
          }
        }
        expect(f).toBe(best.feature);
        expect(tree.threshold[node]).toBeCloseTo(best.threshold, 12);
      });
    });
  });

  it('explains each prediction: baseRaw + path contributions = raw score', () => {
    const model = fitBoosting(train.X, train.y, { seed: 3, l2Regularization: 0.5 });
    const raw = predictRaw(model, test.X.slice(0, 50));
    let base = model.init;
    for (const tree of model.trees) base += tree.value[0] as number;
    expect(model.baseRaw).toBe(base);
    for (let i = 0; i < 50; i++) {
      const c = contributions(model, test.X[i] as number[]);
      expect(c.length).toBe(8);
      const total = c.reduce((a, b) => a + b, model.baseRaw);
      expect(Math.abs(total - (raw[i] as number))).toBeLessThan(1e-9);
    }
    // the ring coordinates move the score, a noise column barely
    const c0 = contributions(model, [0, 0, 1, 0, 0, 0.5, 5, 0]);
    expect(Math.abs(c0[0] as number) + Math.abs(c0[1] as number)).toBeGreaterThan(Math.abs(c0[7] as number));
    expect(predictProba(model, test.X.slice(0, 3))[0]).toBeCloseTo(1 / (1 + Math.exp(-(raw[0] as number))), 14);
  });

  it('predicts the training rows exactly as the bins did while fitting (thresholds between training values)', () => {
    // stoppingLoss is the training loss computed from the bins during the fit; predictRaw walks real values
    const model = fitBoosting(train.X, train.y, { earlyStopping: true, validationFraction: null, maxIter: 30, nIterNoChange: 100 });
    expect(model.nIter).toBe(30);
    expect(model.stoppingLoss.length).toBe(31);
    const raw = predictRaw(model, train.X);
    const loss = raw.reduce((a, r, i) => a + softplus(r) - (train.y[i] as number) * r, 0) / raw.length;
    expect(Math.abs(loss - (model.stoppingLoss[30] as number))).toBeLessThan(1e-12);
    expect(model.stoppingLoss[30] as number).toBeLessThan(model.stoppingLoss[0] as number);
  });

  it('starts from the log-odds of the base rate and respects the tree-size limits', () => {
    const model = fitBoosting(train.X, train.y, { maxIter: 20, maxLeafNodes: 7, minSamplesLeaf: 40, earlyStopping: false });
    const rate = train.y.reduce((a, b) => a + b, 0) / train.y.length;
    expect(model.init).toBeCloseTo(Math.log(rate / (1 - rate)), 12);
    expect(model.nIter).toBe(20);
    for (const tree of model.trees) {
      expect(leaves(tree).length).toBeLessThanOrEqual(7);
      for (const leaf of leaves(tree)) expect(tree.count[leaf]).toBeGreaterThanOrEqual(40);
      tree.feature.forEach((f, i) => {
        if (f >= 0) expect(tree.count[i]).toBe((tree.count[tree.left[i] as number] as number) + (tree.count[tree.right[i] as number] as number));
      });
    }
    const byDepth = fitBoosting(train.X, train.y, { maxIter: 10, maxLeafNodes: null, maxDepth: 2, earlyStopping: false });
    for (const tree of byDepth.trees) {
      expect(Math.max(...depths(tree))).toBeLessThanOrEqual(2);
      expect(leaves(tree).length).toBeLessThanOrEqual(4);
    }
    expect(Math.max(...byDepth.trees.map((t) => leaves(t).length))).toBe(4);
  });

  it('weighs rows: weight 2 on a row is the same model as the row twice', () => {
    // few distinct values per column: one bin per value, so duplicating rows cannot move the bin edges
    const X = train.X.slice(0, 600).map((row) => row.map((v) => Math.round(v * 20) / 20));
    const y = train.y.slice(0, 600);
    const weights = X.map((_, i) => (i % 3 === 0 ? 2 : 1));
    // small trees: in tiny leaves, several splits isolate the same rows with equal gains, and rounding picks one
    const options = { maxIter: 10, maxLeafNodes: 4, minSamplesLeaf: 1, minHessianLeaf: 0, earlyStopping: false };
    const weighted = fitBoosting(X, y, { ...options, sampleWeight: weights });
    const Xd = X.flatMap((row, i) => (i % 3 === 0 ? [row, row] : [row]));
    const yd = y.flatMap((v, i) => (i % 3 === 0 ? [v, v] : [v]));
    const duplicated = fitBoosting(Xd, yd, options);
    expect(weighted.params.weighted).toBe(true);
    expect(weighted.init).toBeCloseTo(duplicated.init, 12);
    const a = predictRaw(weighted, test.X);
    const b = predictRaw(duplicated, test.X);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 9);
  });

  it('gives identical predictions after a JSON round trip', () => {
    const model = fitBoosting(train.X, train.y, { seed: 3, featureNames: ['x0', 'x1', 'a', 'b', 'c', 'n1', 'n2', 'n3'] });
    const loaded = boostingFromJSON(JSON.parse(JSON.stringify(boostingToJSON(model))));
    expect(Array.from(predictRaw(loaded, test.X))).toEqual(Array.from(predictRaw(model, test.X)));
    expect(Array.from(contributions(loaded, test.X[0] as number[]))).toEqual(Array.from(contributions(model, test.X[0] as number[])));
    expect(boostingFromJSON(JSON.stringify(model)).featureNames).toEqual(model.featureNames);
    expect(() => predictRaw(loaded, test.X, { featureNames: ['x1', 'x0', 'a', 'b', 'c', 'n1', 'n2', 'n3'] })).toThrow(/feature order mismatch at column 0/);
  });

  it('is the same model for the same seed; the seed picks the validation rows', () => {
    const options = { earlyStopping: true, maxIter: 40, seed: 11 } as const;
    const a = fitBoosting(train.X, train.y, options);
    const b = fitBoosting(train.X, train.y, options);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.params.nValidationRows).toBe(300);
    const c = fitBoosting(train.X, train.y, { ...options, seed: 12 });
    expect(JSON.stringify(c.trees)).not.toBe(JSON.stringify(a.trees));
    // a dense Float64Array matrix fits the same model as number[][]
    const dense = { data: Float64Array.from(train.X.flat()), nRows: train.X.length, nCols: 8 };
    expect(JSON.stringify(fitBoosting(dense, train.y, options))).toBe(JSON.stringify(a));
  });

  it('stops early on a problem with nothing to learn, and only when asked or on large data', () => {
    const data = noise(4000, 5);
    const stopped = fitBoosting(data.X, data.y, { earlyStopping: true, maxIter: 300, seed: 1 });
    expect(stopped.nIter).toBeLessThan(100);
    expect(stopped.nIter).toBeGreaterThanOrEqual(10);
    expect(stopped.stoppingLoss.length).toBe(stopped.nIter + 1);
    const last = stopped.stoppingLoss.slice(-11);
    expect(Math.min(...last.slice(1))).toBeGreaterThanOrEqual((last[0] as number) - 1e-7);
    expect(stopped.params).toMatchObject({ earlyStopping: true, nTrainRows: 3600, nValidationRows: 400 });
    // 'auto': off at 4,000 rows (every row trains, all iterations run), on above 10,000
    const auto = fitBoosting(data.X, data.y, { maxIter: 15 });
    expect(auto.params.earlyStopping).toBe(false);
    expect(auto.nIter).toBe(15);
    expect(auto.stoppingLoss).toEqual([]);
    const big = noise(10_001, 6);
    expect(fitBoosting(big.X, big.y, { maxIter: 300 }).params.earlyStopping).toBe(true);
  });

  it('throws clear errors on bad input and bad options', () => {
    const X = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    expect(() => fitBoosting([], [])).toThrow(/fitBoosting: no training rows/);
    expect(() => fitBoosting([[], []], [0, 1])).toThrow(/no features/);
    expect(() => fitBoosting([[1, 2], [Number.NaN, 4], [5, 6]], [0, 1, 0])).toThrow(/row 1, column 0 is NaN/);
    expect(() => fitBoosting([[1, 2], [3, Number.POSITIVE_INFINITY]], [0, 1])).toThrow(/row 1, column 1 is Infinity/);
    expect(() => fitBoosting(X, [0, 2, 1])).toThrow(/label 1 is 2: labels must be 0 or 1/);
    expect(() => fitBoosting(X, [0, 1])).toThrow(/3 rows but 2 labels/);
    expect(() => fitBoosting(X, [1, 1, 1])).toThrow(/only class 1: boosting needs both classes/);
    expect(() => fitBoosting([[1, 2], [3]], [0, 1])).toThrow(/row 1 has 1 values/);
    expect(() => fitBoosting(X, [0, 1, 0], { learningRate: 0 })).toThrow(/learningRate must be a positive number/);
    expect(() => fitBoosting(X, [0, 1, 0], { maxLeafNodes: 1 })).toThrow(/maxLeafNodes must be an integer >= 2/);
    expect(() => fitBoosting(X, [0, 1, 0], { maxBins: 256 })).toThrow(/maxBins/);
    expect(() => fitBoosting(X, [0, 1, 0], { validationFraction: 1 })).toThrow(/validationFraction/);
    expect(() => fitBoosting(X, [0, 1, 0], { sampleWeight: [1, -1, 1] })).toThrow(/sample weight 1 is -1/);
    expect(() => fitBoosting(X, [0, 1, 0], { featureNames: ['a'] })).toThrow(/1 feature names for 2 columns/);
    const model = fitBoosting(train.X, train.y, { maxIter: 5 });
    expect(() => predictRaw(model, [[1, 2, 3]])).toThrow(/expects 8 features/);
    expect(() => predictProba(model, [[Number.NaN, 0, 0, 0, 0, 0, 0, 0]])).toThrow(/row 0, column 0 is NaN/);
    expect(() => contributions(model, [1, 2])).toThrow(/expects 8 features/);
  });

  it('checks the tag, the version and the tree structure when loading', () => {
    const model = fitBoosting(train.X, train.y, { maxIter: 3, maxLeafNodes: 4 });
    const copy = (): BoostingModel => JSON.parse(JSON.stringify(model)) as BoostingModel;
    const withTree = (edit: (tree: BoostingTreeJSON) => void): BoostingModel => {
      const m = copy();
      edit(m.trees[0] as BoostingTreeJSON);
      return m;
    };
    expect(boostingFromJSON(copy()).nIter).toBe(3);
    expect(() => boostingFromJSON({ ...copy(), kind: 'fastForest' })).toThrow(/boostingFromJSON: expected kind "histGradientBoosting", got "fastForest"/);
    expect(() => boostingFromJSON({ ...copy(), version: 2 })).toThrow(/unsupported version 2/);
    expect(() => boostingFromJSON(null)).toThrow(/expected an object/);
    expect(() => boostingFromJSON({ ...copy(), nIter: 4 })).toThrow(/nIter 4 does not match the 3 trees/);
    expect(() => boostingFromJSON({ ...copy(), init: 'x' })).toThrow(/init must be a finite number/);
    expect(() => boostingFromJSON({ ...copy(), baseRaw: model.baseRaw + 1 })).toThrow(/baseRaw/);
    expect(() => boostingFromJSON({ ...copy(), featureImportance: [1] })).toThrow(/featureImportance must be 8 numbers/);
    expect(() => boostingFromJSON(withTree((t) => t.value.pop()))).toThrow(/tree 0: value must be 7 finite numbers/);
    expect(() => boostingFromJSON(withTree((t) => (t.feature[0] = 8)))).toThrow(/tree 0 node 0: feature 8 out of range/);
    expect(() => boostingFromJSON(withTree((t) => (t.left[0] = 0)))).toThrow(/tree 0 node 0: child 0 out of range/);
    expect(() => boostingFromJSON(withTree((t) => (t.right[0] = t.left[0] as number)))).toThrow(/two parents/);
    expect(() => boostingFromJSON(withTree((t) => (t.threshold[0] = Number.NaN)))).toThrow(/threshold must be 7 finite numbers/);
    expect(() => boostingFromJSON({ ...copy(), trees: [{ feature: [] }], nIter: 1 })).toThrow(/tree 0: feature must be a non-empty array/);
    expect(() => boostingFromJSON({ ...copy(), featureNames: ['a'] })).toThrow(/featureNames must be 8 strings/);
  });
});
