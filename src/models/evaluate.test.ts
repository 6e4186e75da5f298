import { describe, expect, it } from 'vitest';
import { brierScore, rocAuc, stratifiedSplit, stratifiedSubsample } from './evaluate.ts';
import { mulberry32 } from '../domain/random.mjs';

/** O(n^2) definition: share of (positive, negative) pairs ranked correctly, ties count one half. */
function pairwiseAuc(labels: number[], scores: number[]): number {
  let sum = 0;
  let pairs = 0;
  labels.forEach((yi, i) => {
    if (yi !== 1) return;
    labels.forEach((yj, j) => {
      if (yj !== 0) return;
      pairs++;
      const a = scores[i] as number;
      const b = scores[j] as number;
      sum += a > b ? 1 : a === b ? 0.5 : 0;
    });
  });
  return sum / pairs;
}

describe('rocAuc', () => {
  it('matches hand-computed values', () => {
    // pairs (pos, neg): (0.35, 0.1) ok, (0.35, 0.4) wrong, (0.8, *) ok -> 3/4
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1])).toBe(0);
  });

  it('counts ties between classes as one half (average ranks)', () => {
    // pos 0.5 vs neg 0.5: 1/2; pos 0.5 vs neg 0.2: 1; pos 0.9 vs both: 2 -> 3.5 / 4
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBe(0.875);
    expect(rocAuc([0, 1, 0, 1, 1], [1, 1, 1, 1, 1])).toBe(0.5);
    // 3 positives and 2 negatives in one tie group plus a clear winner and loser
    expect(rocAuc([1, 1, 1, 0, 0, 1, 0], [2, 2, 2, 2, 2, 3, 1])).toBeCloseTo((6 * 0.5 + 2 + 3 * 1 + 1) / 12, 12);
  });

  it('agrees with the pairwise definition on random data with many ties', () => {
    const random = mulberry32(5);
    for (let trial = 0; trial < 20; trial++) {
      const n = 30 + Math.floor(random() * 50);
      const labels = Array.from({ length: n }, () => (random() < 0.3 ? 1 : 0));
      labels[0] = 1;
      labels[1] = 0;
      const scores = labels.map((y) => Math.round((random() + y * 0.3) * 5) / 5);
      expect(rocAuc(labels, scores)).toBeCloseTo(pairwiseAuc(labels, scores), 12);
    }
  });

  it('is NaN with one class and rejects bad input', () => {
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
    expect(() => rocAuc([0, 1], [0.2])).toThrow(/2 labels but 1 scores/);
    expect(() => rocAuc([0, 2], [0.2, 0.1])).toThrow(/must be 0 or 1/);
    expect(() => rocAuc([0, 1], [Number.NaN, 0.1])).toThrow(/NaN/);
  });
});

describe('stratifiedSplit', () => {
  const labels = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0)); // 100 positives

  it('keeps the class ratio on both sides and partitions the indices', () => {
    const { train, test } = stratifiedSplit(labels, 0.25, 7);
    expect(test.length).toBe(250);
    expect(train.length).toBe(750);
    expect(test.filter((i) => labels[i] === 1).length).toBe(25);
    expect(train.filter((i) => labels[i] === 1).length).toBe(75);
    expect(new Set([...train, ...test]).size).toBe(1000);
    expect(train).toEqual([...train].sort((a, b) => a - b));
  });

  it('is seeded', () => {
    expect(stratifiedSplit(labels, 0.3, 1)).toEqual(stratifiedSplit(labels, 0.3, 1));
    expect(stratifiedSplit(labels, 0.3, 1).test).not.toEqual(stratifiedSplit(labels, 0.3, 2).test);
  });

  it('keeps at least one of each class on each side when it can', () => {
    const few = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    const { train, test } = stratifiedSplit(few, 0.1, 3);
    expect(test.some((i) => few[i] === 1)).toBe(true);
    expect(train.some((i) => few[i] === 1)).toBe(true);
  });

  it('rejects bad shares and labels', () => {
    expect(() => stratifiedSplit(labels, 0, 1)).toThrow(RangeError);
    expect(() => stratifiedSplit(labels, 1, 1)).toThrow(RangeError);
    expect(() => stratifiedSplit([0, 3], 0.5, 1)).toThrow(/must be 0 or 1/);
  });
});

describe('stratifiedSubsample', () => {
  it('draws the requested size with the class ratio, or everything', () => {
    const labels = Array.from({ length: 3000 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const sample = stratifiedSubsample(labels, 1500, 9);
    expect(sample.length).toBe(1500);
    expect(sample.filter((i) => labels[i] === 1).length).toBe(375);
    expect(new Set(sample).size).toBe(1500);
    expect(stratifiedSubsample(labels, 1500, 9)).toEqual(sample);
    expect(stratifiedSubsample([0, 1, 0], 10, 9)).toEqual([0, 1, 2]);
  });
});

describe('brierScore', () => {
  it('is the mean squared error', () => {
    expect(brierScore([1, 0], [0.5, 0.5])).toBe(0.25);
    expect(brierScore([1, 0, 1], [1, 0, 1])).toBe(0);
  });
});
