import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../domain/random.mjs';
import { rocAuc } from '../evaluate.ts';
import { denseToSparse, fitLinearSvm, solveLinearSvm, svmDecision, svmPrimalObjective } from './svm.ts';

/** Two Gaussian-ish clouds around (+2, +2) and (-2, -2) with a gap between them, plus a noise column. */
function separable(n: number, seed: number): { X: number[][]; y: (0 | 1)[] } {
  const random = mulberry32(seed);
  const X: number[][] = [];
  const y: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2 === 0 ? 1 : 0;
    const centre = label === 1 ? 2 : -2;
    // |offset| < 1.5 on each axis keeps the classes apart by a margin
    X.push([centre + (random() * 3 - 1.5), centre + (random() * 3 - 1.5), random() * 10]);
    y.push(label);
  }
  return { X, y };
}

/** Overlapping classes: a linear signal plus label noise. */
function noisy(n: number, seed: number): { X: number[][]; y: (0 | 1)[] } {
  const random = mulberry32(seed);
  const X: number[][] = [];
  const y: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) {
    const a = random() * 4 - 2;
    const b = random() * 4 - 2;
    X.push([a, b]);
    y.push(a - 0.5 * b + (random() - 0.5) * 2 > 0 ? 1 : 0);
  }
  return { X, y };
}

describe('fitLinearSvm', () => {
  for (const loss of ['hinge', 'squared-hinge'] as const) {
    it(`separates linearly separable data (${loss})`, () => {
      const { X, y } = separable(400, 7);
      const model = fitLinearSvm(X, y, { C: 10, loss });
      const margins = svmDecision(model, X);
      y.forEach((label, i) => expect(margins[i]! > 0 ? 1 : 0).toBe(label));
      // the noise column gets far less weight than the two informative ones
      expect(Math.abs(model.weights[2]!)).toBeLessThan(0.2 * Math.min(Math.abs(model.weights[0]!), Math.abs(model.weights[1]!)));
      expect(model.converged).toBe(true);
      // held-out points from the same clouds are separated too
      const test = separable(200, 8);
      const held = svmDecision(model, test.X);
      test.y.forEach((label, i) => expect(held[i]! > 0 ? 1 : 0).toBe(label));
    });
  }

  it('ranks overlapping classes well and is deterministic for a seed', () => {
    const { X, y } = noisy(2000, 3);
    const a = fitLinearSvm(X, y, { C: 0.1, seed: 5 });
    expect(rocAuc(y, Array.from(svmDecision(a, X)))).toBeGreaterThan(0.9);
    expect(fitLinearSvm(X, y, { C: 0.1, seed: 5 })).toEqual(a);
    // the weights point along the true direction (a - 0.5 b), up to scale
    const raw = a.weights.map((w, j) => w / a.scales[j]!);
    expect(raw[0]).toBeGreaterThan(0);
    expect(raw[1]).toBeLessThan(0);
    expect(raw[0]! / -raw[1]!).toBeGreaterThan(1.3);
    expect(raw[0]! / -raw[1]!).toBeLessThan(3);
  });

  it("'balanced' class costs lift the rare class's recall on overlapping, unbalanced data", () => {
    const random = mulberry32(9);
    const X: number[][] = [];
    const y: (0 | 1)[] = [];
    for (let i = 0; i < 3000; i++) {
      const label = random() < 0.1 ? 1 : 0;
      X.push([(label === 1 ? 1 : 0) + (random() - 0.5) * 3, random()]);
      y.push(label);
    }
    const recall = (model: ReturnType<typeof fitLinearSvm>) => {
      const m = svmDecision(model, X);
      const positives = y.filter((l) => l === 1).length;
      return y.filter((l, i) => l === 1 && m[i]! > 0).length / positives;
    };
    const plain = fitLinearSvm(X, y, { C: 1 });
    const balanced = fitLinearSvm(X, y, { C: 1, classWeight: 'balanced' });
    expect(balanced.classWeight).toBe('balanced');
    expect(recall(plain)).toBeLessThan(0.2);
    expect(recall(balanced)).toBeGreaterThan(0.5);
  });

  it('refuses bad options and inputs, naming them', () => {
    const { X, y } = noisy(20, 1);
    expect(() => fitLinearSvm(X, y, { C: 0 })).toThrow(/C must be a positive number/);
    expect(() => fitLinearSvm(X, y, { loss: 'log' as 'hinge' })).toThrow(/loss must be/);
    expect(() => fitLinearSvm(X, y, { classWeight: 'auto' as 'balanced' })).toThrow(/classWeight must be/);
    expect(() => fitLinearSvm(X, y.slice(1))).toThrow(/20 rows but 19 labels/);
    expect(() => fitLinearSvm(X, y.map(() => 2))).toThrow(/label 0 is 2/);
    const model = fitLinearSvm(X, y);
    expect(() => svmDecision(model, [[1, 2, 3]])).toThrow(/expects 2 features/);
  });
});

describe('solveLinearSvm', () => {
  for (const loss of ['hinge', 'squared-hinge'] as const) {
    it(`lowers the primal objective (${loss}): below w = 0 after one epoch, and lower again at convergence`, () => {
      const { X, y } = noisy(1000, 11);
      const rows = denseToSparse(Float64Array.from(X.flat()), X.length, 2);
      const solution = solveLinearSvm(rows, y, { C: 1, loss, trackObjective: true, maxEpochs: 100, tolerance: 1e-3 });
      const [start, first] = solution.objective;
      const last = solution.objective[solution.objective.length - 1]!;
      // at w = 0 every row has margin violation 1: the objective is C * n
      expect(start).toBeCloseTo(1000, 9);
      expect(first).toBeLessThan(start!);
      expect(last).toBeLessThanOrEqual(first!);
      expect(last).toBeLessThan(0.6 * start!);
      expect(svmPrimalObjective(rows, y, solution.weights, solution.bias, 1, 1, loss)).toBeCloseTo(last, 6);
      // the mean hinge loss over the rows fell as well (not only the penalised objective)
      const hinge = (w: Float64Array, b: number) =>
        X.reduce((s, x, i) => s + Math.max(0, 1 - (y[i] === 1 ? 1 : -1) * (w[0]! * x[0]! + w[1]! * x[1]! + b)), 0) / X.length;
      expect(hinge(solution.weights, solution.bias)).toBeLessThan(0.5 * hinge(new Float64Array(2), 0));
    });
  }

  it('works on sparse rows (each row a few of many columns)', () => {
    // column j is a "word": columns 0-49 appear in positive rows, 50-99 in negative ones
    const random = mulberry32(2);
    const offsets = [0];
    const indices: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 300; i++) {
      const label = i % 2;
      const words = new Set<number>();
      while (words.size < 4) words.add(Math.floor(random() * 50) + (label === 1 ? 0 : 50));
      indices.push(...[...words].sort((a, b) => a - b));
      offsets.push(indices.length);
      y.push(label);
    }
    const rows = { nRows: 300, nCols: 100, offsets: Int32Array.from(offsets), indices: Int32Array.from(indices), values: new Float64Array(indices.length).fill(1) };
    const solution = solveLinearSvm(rows, y, { C: 1 });
    for (let j = 0; j < 50; j++) expect(solution.weights[j]).toBeGreaterThan(0);
    for (let j = 50; j < 100; j++) expect(solution.weights[j]).toBeLessThan(0);
  });
});
