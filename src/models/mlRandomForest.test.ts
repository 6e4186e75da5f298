import { RandomForestClassifier } from 'ml-random-forest';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './evaluate.ts';
import { disableFastSplitSearch, enableFastSplitSearch, forestProbabilities, loadForest, trainForest, treeDepths } from './mlRandomForest.ts';

function data(n: number, seed: number): { X: number[][]; y: number[] } {
  const random = mulberry32(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const onehot = random() < 0.3 ? 1 : 0;
    const level = Math.floor(random() * 5);
    const noise = random();
    X.push([onehot, level, noise, random() < 0.5 ? 1 : 0]);
    y.push(random() < 0.15 + 0.5 * onehot + 0.05 * level ? 1 : 0);
  }
  return { X, y };
}

const options = { nEstimators: 8, maxFeatures: 0.75, seed: 11, treeOptions: { maxDepth: 5, minNumSamples: 5, gainThreshold: 0 } };

describe('trainForest', () => {
  it('grows the same trees with the fast split search as with ml-cart\'s own', () => {
    const { X, y } = data(300, 1);
    // the reference: the library's own split search, trained directly (trainForest turns the fast one on)
    disableFastSplitSearch();
    let slow: unknown;
    try {
      slow = trainWithoutPatch(X, y);
    } finally {
      enableFastSplitSearch();
    }
    const fast = trainForest(X, y, options);
    expect(enableFastSplitSearch()).toBe('on');
    expect(fast.json).toEqual(slow);
  });

  it('gives soft-vote probabilities in [0, 1] that follow the signal', () => {
    const { X, y } = data(400, 2);
    const forest = trainForest(X, y, options);
    const p = forestProbabilities(forest, [
      [1, 4, 0.5, 0],
      [0, 0, 0.5, 0],
    ]);
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(p[0]).toBeGreaterThan((p[1] as number) + 0.3);
    expect(treeDepths(forest).every((d) => d > 0)).toBe(true);
  });

  it('is deterministic per seed and survives a JSON round trip exactly', () => {
    const { X, y } = data(300, 3);
    const a = trainForest(X, y, options);
    const b = trainForest(X, y, options);
    expect(b.json).toEqual(a.json);
    const loaded = loadForest(JSON.parse(JSON.stringify(a.json)), 4);
    expect(forestProbabilities(loaded, X)).toEqual(forestProbabilities(a, X));
    expect(trainForest(X, y, { ...options, seed: 12 }).json).not.toEqual(a.json);
  });

  it('refuses rows of the wrong width and forests that read features the model does not have', () => {
    const { X, y } = data(200, 4);
    const forest = trainForest(X, y, options);
    expect(() => forestProbabilities(forest, [[1, 2, 3]])).toThrow(/3 features but the forest was trained on 4/);
    expect(() => loadForest(forest.json, 2)).toThrow(/corrupt forest: a split reads feature/);
    expect(() => loadForest({ name: 'DTClassifier' }, 4)).toThrow(/not an ml-random-forest classifier/);
  });
});


function trainWithoutPatch(X: number[][], y: number[]): unknown {
  const perTree = Math.round(X[0]!.length * options.maxFeatures);
  const rf = new (RandomForestClassifier as unknown as new (o: object) => { train(X: number[][], y: number[]): void; toJSON(): unknown })({
    nEstimators: options.nEstimators,
    maxFeatures: (perTree + 0.5) / X[0]!.length,
    replacement: false,
    seed: options.seed,
    useSampleBagging: true,
    noOOB: true,
    treeOptions: { ...options.treeOptions },
  });
  rf.train(X, y);
  return JSON.parse(JSON.stringify(rf.toJSON()));
}
