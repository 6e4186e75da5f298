import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../domain/random.mjs';
import { rocAuc } from '../evaluate.ts';
import { fitLogistic, logisticContributions, logisticFromJSON, logisticLogits, logisticProba } from './logistic.ts';

function synthetic(n: number, seed: number): { X: number[][]; y: (0 | 1)[] } {
  const random = mulberry32(seed);
  const X: number[][] = [];
  const y: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) {
    const a = random() * 4 - 2;
    const b = random() * 10;
    const c = random() < 0.3 ? 1 : 0;
    const z = 1.5 * a - 0.2 * b + 1 * c;
    X.push([a, b, c, 7]); // a constant column must not break the fit
    y.push(random() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { X, y };
}

describe('fitLogistic', () => {
  it('recovers the true weights on a large sample (weak penalty)', () => {
    const { X, y } = synthetic(20000, 3);
    const model = fitLogistic(X, y, { l2: 1e-6 });
    const raw = model.weights.map((w, j) => w / (model.scales[j] as number));
    expect(raw[0]).toBeCloseTo(1.5, 1);
    expect(raw[1]).toBeCloseTo(-0.2, 1);
    expect(raw[2]).toBeCloseTo(1, 1);
    expect(raw[3]).toBe(0);
    expect(rocAuc(y, Array.from(logisticProba(model, X)))).toBeGreaterThan(0.8);
  });

  it('stays finite on separable data thanks to the penalty', () => {
    const X = [[0], [0], [1], [1], [0], [1]];
    const y = [0, 0, 1, 1, 0, 1];
    const model = fitLogistic(X, y, { l2: 1 });
    expect(Number.isFinite(model.weights[0])).toBe(true);
    const p = logisticProba(model, [[0], [1]]);
    expect(p[0]).toBeLessThan(0.5);
    expect(p[1]).toBeGreaterThan(0.5);
  });

  it('contributions plus the intercept give the logit, and a JSON round trip predicts the same', () => {
    const { X, y } = synthetic(500, 9);
    const model = fitLogistic(X, y);
    const logits = logisticLogits(model, X);
    for (const i of [0, 17, 123]) {
      const sum = logisticContributions(model, X[i] as number[]).reduce((s, v) => s + v, model.intercept);
      expect(sum).toBeCloseTo(logits[i] as number, 10);
    }
    const loaded = logisticFromJSON(JSON.parse(JSON.stringify(model)));
    expect(Array.from(logisticLogits(loaded, X))).toEqual(Array.from(logits));
  });

  it('rejects bad input and malformed JSON with clear errors', () => {
    expect(() => fitLogistic([], [])).toThrow(/no training rows/);
    expect(() => fitLogistic([[1], [2]], [0, 2])).toThrow(/label 1 is 2/);
    expect(() => fitLogistic([[1], [Number.NaN]], [0, 1])).toThrow();
    expect(() => logisticFromJSON({ kind: 'other' })).toThrow(/expected kind/);
    const model = fitLogistic([[0], [1], [0], [1]], [0, 1, 0, 1]);
    expect(() => logisticFromJSON({ ...model, weights: [] })).toThrow(/weights must be 1/);
  });
});
