/**
 * Monotone constraints: a column RevOps declares "increasing" never lowers the score as it rises, in
 * every component (boosting, forest, logistic) and in the blend, even where the data says otherwise.
 */
import { describe, expect, it } from 'vitest';
import type { RawRow } from '../../features/pipeline.ts';
import { mulberry32 } from '../../domain/random.mjs';
import { fitBoosting, predictRaw } from '../boosting/index.ts';
import { fitForestSync, predictProba } from '../forest/index.ts';
import { fitLogistic, logisticLogits } from '../linear/logistic.ts';
import type { DenseMatrix } from '../forest/index.ts';
import { fitLeadScore, leadScoreFromJSON, leadScoreToJSON, predict } from './index.ts';

/**
 * Conversion rises with x0 except for a dip in the middle (x0 in 0.45..0.6 converts rarely), so an
 * unconstrained model learns the dip; x1 adds real signal, x2 is noise.
 */
function data(n: number, seed: number): { X: DenseMatrix; y: number[] } {
  const random = mulberry32(seed);
  const X = new Float64Array(n * 3);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x0 = random();
    const x1 = random();
    X[i * 3] = x0;
    X[i * 3 + 1] = x1;
    X[i * 3 + 2] = random();
    const dip = x0 > 0.45 && x0 < 0.6 ? -3 : 0;
    const z = -1 + 2.5 * x0 + 1.5 * x1 + dip;
    y.push(random() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { X: { data: X, nRows: n, nCols: 3 }, y };
}

/** For each of `bases` rows, the scores along a grid of x0 (other columns fixed). */
function sweeps(score: (X: DenseMatrix) => ArrayLike<number>, bases: number, seed: number): number[][] {
  const random = mulberry32(seed);
  const grid = Array.from({ length: 101 }, (_, k) => k / 100);
  const out: number[][] = [];
  for (let b = 0; b < bases; b++) {
    const x1 = random();
    const x2 = random();
    const X = new Float64Array(grid.length * 3);
    grid.forEach((x0, k) => X.set([x0, x1, x2], k * 3));
    out.push(Array.from(score({ data: X, nRows: grid.length, nCols: 3 })));
  }
  return out;
}

/** The largest drop between consecutive scores of any sweep (0 when every sweep is non-decreasing). */
function largestDrop(curves: number[][]): number {
  let drop = 0;
  for (const c of curves) for (let k = 1; k < c.length; k++) drop = Math.max(drop, (c[k - 1] as number) - (c[k] as number));
  return drop;
}

describe('monotone constraints', () => {
  const { X, y } = data(4000, 11);

  it('boosting: an increasing column never lowers the raw score; unconstrained it does (the dip)', () => {
    const free = fitBoosting(X, y, { maxIter: 60, seed: 3 });
    const up = fitBoosting(X, y, { maxIter: 60, seed: 3, monotonicCst: [1, 0, 0] });
    expect(largestDrop(sweeps((m) => predictRaw(free, m), 30, 5))).toBeGreaterThan(0.05);
    expect(largestDrop(sweeps((m) => predictRaw(up, m), 30, 5))).toBeLessThanOrEqual(1e-12);
    expect(up.params.monotonicCst).toEqual([1, 0, 0]);
    expect(free.params.monotonicCst).toBeUndefined();
  });

  it('boosting: a decreasing constraint holds the other way', () => {
    const down = fitBoosting(X, y, { maxIter: 40, seed: 3, monotonicCst: [-1, 0, 0] });
    const rises = sweeps((m) => predictRaw(down, m), 30, 6).map((c) => c.map((v) => -v));
    expect(largestDrop(rises)).toBeLessThanOrEqual(1e-12);
  });

  it('forest: every tree, hence the mean, is monotone in the constrained column', () => {
    const free = fitForestSync(X, y, { nEstimators: 30, minSamplesLeaf: 10, seed: 4 });
    const up = fitForestSync(X, y, { nEstimators: 30, minSamplesLeaf: 10, seed: 4, monotonicCst: [1, 0, 0] });
    expect(largestDrop(sweeps((m) => predictProba(free, m), 30, 7))).toBeGreaterThan(0.02);
    expect(largestDrop(sweeps((m) => predictProba(up, m), 30, 7))).toBeLessThanOrEqual(1e-12);
  });

  it('logistic: a weight on the wrong side of its sign is held at 0 and the rest refitted', () => {
    // x0 raises conversion: declared decreasing, its weight is held at 0 and the rest refitted
    const m = fitLogistic(X, y, { signs: [-1, 0, 0] });
    expect(m.weights[0]).toBe(0);
    expect(m.weights[1]).toBeGreaterThan(0);
    const free = fitLogistic(X, y);
    expect(free.weights[0]).toBeGreaterThan(0);
    expect(largestDrop(sweeps((s) => logisticLogits(m, s), 5, 8).map((c) => c.map((v) => -v)))).toBeLessThanOrEqual(1e-12);
  });

  it('refuses constraints of the wrong length or value, naming them', () => {
    expect(() => fitBoosting(X, y, { monotonicCst: [1, 0] })).toThrow(/2 monotone constraints for 3 columns/);
    expect(() => fitBoosting(X, y, { monotonicCst: [2, 0, 0] })).toThrow(/monotone constraint 0 is 2/);
    expect(() => fitForestSync(X, y, { monotonicCst: [0, 0, 0.5] })).toThrow(/monotone constraint 2 is 0.5/);
  });

  it('the lead score blend honours the mapping\'s direction, and the saved model keeps it', async () => {
    const random = mulberry32(21);
    const rows: RawRow[] = [];
    const labels: (0 | 1)[] = [];
    for (let i = 0; i < 3000; i++) {
      const visits = Math.floor(random() * 60);
      const plan = random() < 0.5 ? 'pro' : 'free';
      const dip = visits >= 25 && visits < 35 ? -3 : 0;
      const z = -2 + visits / 15 + (plan === 'pro' ? 0.8 : 0) + dip;
      rows.push({ visits: random() < 0.05 ? null : String(visits), plan });
      labels.push(random() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
    }
    const spec = { numeric: ['visits'], categorical: ['plan'] };
    const grid = (plan: string) => Array.from({ length: 61 }, (_, v) => ({ visits: String(v), plan }));
    const probabilities = (model: Parameters<typeof predict>[0]) =>
      ['pro', 'free'].map((plan) => predict(model, grid(plan), { reasons: false }).map((p) => p.probability));

    const free = await fitLeadScore(rows, labels, { spec, seed: 5, trees: 30, workers: 1 });
    const up = await fitLeadScore(rows, labels, { spec, seed: 5, trees: 30, workers: 1, monotone: { visits: 'increasing' } });
    expect(largestDrop(probabilities(free.model))).toBeGreaterThan(0.01);
    expect(largestDrop(probabilities(up.model))).toBeLessThanOrEqual(1e-12);
    const loaded = leadScoreFromJSON(JSON.parse(JSON.stringify(leadScoreToJSON(up.model))));
    expect(loaded.settings.monotone).toEqual({ visits: 'increasing' });
    await expect(fitLeadScore(rows, labels, { spec, seed: 5, trees: 5, workers: 1, monotone: { plan: 'increasing' } })).rejects.toThrow(/"plan", which is not a numeric input/);
  });
});
