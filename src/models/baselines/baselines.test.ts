import { describe, expect, it } from 'vitest';

import { rocAuc } from '../evaluate.ts';
import { mulberry32 } from '../../domain/random.mjs';
import { fitTree } from '../forest/index.ts';
import {
  cartDepth,
  cartFromJSON,
  cartProba,
  cartToJSON,
  cartTree,
  fitCart,
  fitLogistic,
  fitMlp,
  fitNaiveBayes,
  logisticProba,
  mlpFromJSON,
  mlpProba,
  mlpToJSON,
  naiveBayesFromJSON,
  naiveBayesProba,
  naiveBayesToJSON,
} from './index.ts';

/**
 * Columns like the feature pipeline's: two real-valued ones (one offset by 5,000 like nr.employed), a
 * three-level one-hot group, a missing indicator and a constant. The label is logistic in a, b and the group.
 */
function synthetic(n: number, seed: number): { X: number[][]; y: (0 | 1)[] } {
  const random = mulberry32(seed);
  const X: number[][] = [];
  const y: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) {
    const a = random() * 4 - 2;
    const b = 5000 + random() * 100;
    const level = Math.floor(random() * 3);
    const missing = random() < 0.2 ? 1 : 0;
    const z = 1.8 * a - 0.03 * (b - 5050) + (level === 2 ? 1.2 : 0) - 1;
    X.push([a, b, level === 0 ? 1 : 0, level === 1 ? 1 : 0, level === 2 ? 1 : 0, missing, 3]);
    y.push(random() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { X, y };
}

const train = synthetic(3000, 1);
const test = synthetic(2000, 2);
const auc = (p: Float64Array) => rocAuc(test.y, Array.from(p));

/** Every error message of each fit for the same bad inputs. */
const fits: Array<[string, (X: number[][], y: number[]) => unknown]> = [
  ['fitNaiveBayes', (X, y) => fitNaiveBayes(X, y)],
  ['fitCart', (X, y) => fitCart(X, y, { maxDepth: 3 })],
  ['fitMlp', (X, y) => fitMlp(X, y, { maxEpochs: 2 })],
];

describe('baselines learn a simple problem', () => {
  it('logistic regression (the reference for the others)', () => {
    expect(auc(logisticProba(fitLogistic(train.X, train.y), test.X))).toBeGreaterThan(0.8);
  });

  it('naive Bayes: AUC > 0.8, Bernoulli for 0/1 columns, constants ignored', () => {
    const model = fitNaiveBayes(train.X, train.y);
    expect(auc(naiveBayesProba(model, test.X))).toBeGreaterThan(0.8);
    expect(model.features.map((f) => f.kind)).toEqual(['gaussian', 'gaussian', 'bernoulli', 'bernoulli', 'bernoulli', 'bernoulli', 'constant']);
    // every Gaussian class variance is smoothed by the same epsilon = 1e-9 * the largest column variance
    const varB = (train.X.reduce((s, r) => s + ((r[1] as number) - 5050) ** 2, 0) / train.X.length);
    expect(model.epsilon).toBeGreaterThan(1e-9 * varB * 0.9);
    expect(model.epsilon).toBeLessThan(1e-9 * varB * 1.1);
    // an unseen value of the training-constant column changes nothing
    const row = [...(test.X[0] as number[])];
    const moved = [...row.slice(0, 6), 99];
    expect(naiveBayesProba(model, [moved])[0]).toBe(naiveBayesProba(model, [row])[0]);
  });

  it('naive Bayes matches the closed form on a tiny example', () => {
    // class 0: x = 0, 2 (mean 1, var 1); class 1: x = 4, 6 (mean 5, var 1); binary column b, alpha 1
    const X = [
      [0, 0],
      [2, 1],
      [4, 1],
      [6, 1],
    ];
    const model = fitNaiveBayes(X, [0, 0, 1, 1], { varSmoothing: 0 });
    const p = naiveBayesProba(model, [[3, 1]])[0] as number;
    // at x = 3 the two Gaussians tie; P(b=1|0) = (1+1)/(2+2), P(b=1|1) = (2+1)/(2+2); priors equal
    const odds = (3 / 4) / (2 / 4);
    expect(p).toBeCloseTo(odds / (1 + odds), 12);
  });

  it('CART: AUC > 0.8, the depth limit holds, and it is the tree fitTree grows', () => {
    const model = fitCart(train.X, train.y, { maxDepth: 4, minSamplesLeaf: 20 });
    expect(auc(cartProba(model, test.X))).toBeGreaterThan(0.8);
    expect(cartDepth(model)).toBeLessThanOrEqual(4);
    const tree = cartTree(model);
    const leafCounts = tree.count.filter((_, i) => (tree.feature[i] as number) < 0);
    expect(Math.min(...leafCounts)).toBeGreaterThanOrEqual(20);
    expect(leafCounts.reduce((s, c) => s + c, 0)).toBe(train.X.length); // no bootstrap: every row once
    // fitTree, the plain single-tree entry point, finds the same splits (ties aside, none here)
    const plain = fitTree(train.X, train.y, { maxDepth: 4, minSamplesLeaf: 20 });
    expect(tree.feature).toEqual(plain.feature);
    expect(tree.threshold).toEqual(plain.threshold);
    expect(tree.value).toEqual(plain.value);
  });

  it('MLP: AUC > 0.8 and stops early on its validation share', () => {
    const model = fitMlp(train.X, train.y, { seed: 7 });
    expect(auc(mlpProba(model, test.X))).toBeGreaterThan(0.8);
    expect(model.training.validationRows).toBe(300);
    expect(model.training.bestEpoch).toBeGreaterThan(0);
    expect(model.training.bestEpoch).toBeLessThanOrEqual(model.training.epochs);
    expect(model.training.epochs).toBeLessThan(100);
  });

  it('MLP with tanh units and no validation share trains every epoch', () => {
    const model = fitMlp(train.X, train.y, { activation: 'tanh', hidden: 8, validationShare: 0, maxEpochs: 15, learningRate: 0.01, seed: 3 });
    expect(model.training.epochs).toBe(15);
    expect(model.training.validationLoss).toBeNull();
    expect(auc(mlpProba(model, test.X))).toBeGreaterThan(0.8);
  });
});

describe('JSON round trip predicts identically', () => {
  it('naive Bayes', () => {
    const model = fitNaiveBayes(train.X, train.y);
    const loaded = naiveBayesFromJSON(JSON.parse(JSON.stringify(naiveBayesToJSON(model))));
    expect(naiveBayesProba(loaded, test.X)).toEqual(naiveBayesProba(model, test.X));
    expect(naiveBayesProba(naiveBayesFromJSON(JSON.stringify(model)), test.X)).toEqual(naiveBayesProba(model, test.X));
  });

  it('CART', () => {
    const model = fitCart(train.X, train.y, { maxDepth: 5 });
    const loaded = cartFromJSON(JSON.parse(JSON.stringify(cartToJSON(model))));
    expect(cartProba(loaded, test.X)).toEqual(cartProba(model, test.X));
  });

  it('MLP', () => {
    const model = fitMlp(train.X, train.y, { maxEpochs: 5 });
    const loaded = mlpFromJSON(JSON.parse(JSON.stringify(mlpToJSON(model))));
    expect(mlpProba(loaded, test.X)).toEqual(mlpProba(model, test.X));
  });

  it('rejects wrong tags, versions and shapes', () => {
    const nb = naiveBayesToJSON(fitNaiveBayes(train.X, train.y));
    expect(() => naiveBayesFromJSON({ ...nb, kind: 'mlp' })).toThrow(/expected kind "naiveBayes"/);
    expect(() => naiveBayesFromJSON({ ...nb, version: 2 })).toThrow(/unsupported version 2/);
    expect(() => naiveBayesFromJSON({ ...nb, features: nb.features.slice(1) })).toThrow(/features must be an array of 7/);
    expect(() => naiveBayesFromJSON({ ...nb, features: [{ kind: 'gaussian', mean: [0, 0], variance: [0, 1] }, ...nb.features.slice(1)] })).toThrow(/feature 0: variance/);
    const mlp = mlpToJSON(fitMlp(train.X, train.y, { maxEpochs: 1 }));
    expect(() => mlpFromJSON({ ...mlp, w1: mlp.w1.slice(1) })).toThrow(/w1 must be/);
    expect(() => mlpFromJSON({ ...mlp, activation: 'sigmoid' })).toThrow(/activation/);
    const cart = cartToJSON(fitCart(train.X, train.y, { maxDepth: 2 }));
    expect(() => cartFromJSON({ ...cart, kind: 'fastForest' })).toThrow(/expected kind "cartTree"/);
    expect(() => cartFromJSON({ ...cart, forest: { ...cart.forest, params: { ...cart.forest.params, bootstrap: true } } })).toThrow(/bootstrap/);
    const tree = cart.forest.trees[0] as (typeof cart.forest.trees)[number];
    expect(() => cartFromJSON({ ...cart, forest: { ...cart.forest, trees: [{ ...tree, left: tree.left.map(() => 0) }] } })).toThrow(/cartFromJSON: forest: .*child/);
  });
});

describe('MLP determinism', () => {
  it('same seed = same model; another seed = another model', () => {
    const a = fitMlp(train.X, train.y, { seed: 11, maxEpochs: 10 });
    const b = fitMlp(train.X, train.y, { seed: 11, maxEpochs: 10 });
    const c = fitMlp(train.X, train.y, { seed: 12, maxEpochs: 10 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.w1).not.toEqual(c.w1);
  });
});

describe('bad input gives clear errors', () => {
  const X = [
    [0, 1],
    [1, 0],
    [2, 1],
    [3, 0],
  ];

  it.each(fits)('%s: labels not 0/1', (name, fit) => {
    expect(() => fit(X, [0, 1, 2, 0])).toThrow(new RegExp(`${name}: label 2 is 2: labels must be 0 or 1`));
    expect(() => fit(X, [0, 1, true as unknown as number, 0])).toThrow(/labels must be 0 or 1/);
  });

  it.each(fits)('%s: NaN or infinite values', (name, fit) => {
    expect(() => fit([[0, 1], [1, Number.NaN], [2, 1], [3, 0]], [0, 1, 0, 1])).toThrow(new RegExp(`${name}: value at row 1, column 1 is NaN: impute missing values first`));
    expect(() => fit([[0, 1], [1, 0], [Infinity, 1], [3, 0]], [0, 1, 0, 1])).toThrow(/row 2, column 0 is Infinity/);
  });

  it.each(fits)('%s: mismatched lengths', (name, fit) => {
    expect(() => fit(X, [0, 1, 0])).toThrow(new RegExp(`${name}: 4 rows but 3 labels`));
    expect(() => fit([[0, 1], [1], [2, 1], [3, 0]], [0, 1, 0, 1])).toThrow(new RegExp(`${name}: row 1 has 1 values, row 0 has 2`));
  });

  it('naive Bayes and the MLP need both classes', () => {
    expect(() => fitNaiveBayes(X, [0, 0, 0, 0])).toThrow(/fitNaiveBayes: both classes are needed, got 4 rows of class 0 and 0 of class 1/);
    expect(() => fitMlp(X, [1, 1, 1, 1])).toThrow(/fitMlp: both classes are needed/);
  });

  it('prediction checks the column count and values', () => {
    const nb = fitNaiveBayes(X, [0, 1, 0, 1]);
    expect(() => naiveBayesProba(nb, [[1, 2, 3]])).toThrow(/the model expects 2 features, row 0 has 3/);
    expect(() => naiveBayesProba(nb, [[1, Number.NaN]])).toThrow(/naiveBayesLogOdds: value at row 0, column 1 is NaN/);
    const mlp = fitMlp(X, [0, 1, 0, 1], { maxEpochs: 1, validationShare: 0 });
    expect(() => mlpProba(mlp, [[1]])).toThrow(/the model expects 2 features, row 0 has 1/);
    const cart = fitCart(X, [0, 1, 0, 1]);
    expect(() => cartProba(cart, [[1, 2, 3]])).toThrow(/the model expects 2 features/);
  });

  it('bad options are named', () => {
    expect(() => fitMlp(X, [0, 1, 0, 1], { hidden: 0 })).toThrow(/fitMlp: hidden must be a positive integer, got 0/);
    expect(() => fitMlp(X, [0, 1, 0, 1], { validationShare: 0.7 })).toThrow(/validationShare must be in \[0, 0.5\)/);
    expect(() => fitNaiveBayes(X, [0, 1, 0, 1], { alpha: 0 })).toThrow(/fitNaiveBayes: alpha must be a finite number > 0/);
    expect(() => fitCart(X, [0, 1, 0, 1], { maxDepth: -1 })).toThrow(/fitCart: maxDepth must be a non-negative integer/);
  });
});
