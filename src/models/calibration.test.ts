import { describe, expect, it } from 'vitest';
import { applyPlatt, fitPlatt, logit, sigmoid } from './calibration.ts';
import { mulberry32 } from '../domain/random.mjs';

function sample(n: number, a: number, b: number, seed: number): { x: number[]; y: number[] } {
  const random = mulberry32(seed);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const xi = random() * 6 - 3;
    x.push(xi);
    y.push(random() < sigmoid(a * xi + b) ? 1 : 0);
  }
  return { x, y };
}

describe('fitPlatt', () => {
  it('recovers the parameters of a logistic relation', () => {
    const { x, y } = sample(20_000, 2, -1, 1);
    const { a, b } = fitPlatt(x, y);
    expect(a).toBeGreaterThan(1.85);
    expect(a).toBeLessThan(2.15);
    expect(b).toBeGreaterThan(-1.12);
    expect(b).toBeLessThan(-0.88);
  });

  it('stays finite on separable data (smoothed targets)', () => {
    const { a, b } = fitPlatt([-2, -1, 1, 2], [0, 0, 1, 1]);
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    expect(a).toBeGreaterThan(0);
    expect(applyPlatt({ a, b }, 2)).toBeLessThan(1);
  });

  it('never inverts the ranking: a negative relation gives the constant base rate', () => {
    const { x, y } = sample(5_000, -1.5, 0, 2);
    const fitted = fitPlatt(x, y);
    expect(fitted.a).toBe(0);
    const rate = y.reduce((s, v) => s + v, 0) / y.length;
    expect(applyPlatt(fitted, 0)).toBeCloseTo(rate, 2);
  });

  it('rejects mismatched input', () => {
    expect(() => fitPlatt([1, 2], [1])).toThrow(/2 scores but 1 labels/);
  });
});

describe('logit / sigmoid', () => {
  it('are inverse and clip the extremes', () => {
    expect(sigmoid(logit(0.3))).toBeCloseTo(0.3, 12);
    expect(Number.isFinite(logit(0))).toBe(true);
    expect(Number.isFinite(logit(1))).toBe(true);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
  });
});
