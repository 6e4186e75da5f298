import { describe, expect, it } from 'vitest';
import { mulberry32, shuffleInPlace } from '../../domain/random.mjs';
import { parseDate, rollingOriginFolds, stratifiedKFold, stratifiedKFoldAssignment, timeSplit } from './index.ts';

function labelsWith(n: number, positives: number, seed: number): number[] {
  const labels = Array.from({ length: n }, (_, i) => (i < positives ? 1 : 0));
  return shuffleInPlace(labels, mulberry32(seed));
}

describe('stratifiedKFold', () => {
  it('keeps each class share in every fold to within one row', () => {
    const labels = labelsWith(1003, 113, 1);
    const folds = stratifiedKFold(labels, 5, 42);
    expect(folds).toHaveLength(5);
    for (const f of folds) {
      const positives = f.test.filter((i) => labels[i] === 1).length;
      const negatives = f.test.length - positives;
      expect(Math.abs(positives - 113 / 5)).toBeLessThanOrEqual(1);
      expect(Math.abs(negatives - 890 / 5)).toBeLessThanOrEqual(1);
      expect(f.train.length + f.test.length).toBe(1003);
      const test = new Set(f.test);
      expect(f.train.some((i) => test.has(i))).toBe(false);
    }
    // every row is tested exactly once
    const tested = folds.flatMap((f) => f.test).sort((a, b) => a - b);
    expect(tested).toEqual(labels.map((_, i) => i));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const labels = labelsWith(200, 40, 2);
    expect(stratifiedKFoldAssignment(labels, 4, 7)).toEqual(stratifiedKFoldAssignment(labels, 4, 7));
    expect(stratifiedKFoldAssignment(labels, 4, 7)).not.toEqual(stratifiedKFoldAssignment(labels, 4, 8));
  });

  it('deals shuffled classes round-robin (the assignment bench/forest.ts uses)', () => {
    const labels = labelsWith(97, 30, 3);
    const random = mulberry32(11);
    const expected = new Array<number>(labels.length).fill(0);
    for (const cls of [0, 1]) {
      const idx = shuffleInPlace(
        labels.flatMap((v, i) => (v === cls ? [i] : [])),
        random,
      );
      idx.forEach((row, pos) => (expected[row] = pos % 5));
    }
    expect(stratifiedKFoldAssignment(labels, 5, 11)).toEqual(expected);
  });

  it('stratifies string classes too', () => {
    const labels = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c'];
    for (const f of stratifiedKFold(labels, 3, 1)) expect(f.test.map((i) => labels[i]).sort()).toEqual(['a', 'b', 'c']);
  });

  it('refuses folds it cannot stratify', () => {
    expect(() => stratifiedKFold([0, 1, 0, 1], 1, 1)).toThrow(/folds must be an integer >= 2/);
    expect(() => stratifiedKFold([0, 1], 3, 1)).toThrow(/2 rows cannot make 3 folds/);
    expect(() => stratifiedKFold([0, 0, 0, 0, 1, 1], 3, 1)).toThrow(/class 1 has 2 rows, fewer than the 3 folds: use at most 2 folds/);
    expect(() => stratifiedKFold([0, 1, 0], 2.5, 1)).toThrow(/folds must be an integer/);
  });
});

describe('time-based splits', () => {
  it('parses ISO dates, date-times and epoch milliseconds', () => {
    expect(parseDate('2017-04-01')).toBe(Date.UTC(2017, 3, 1));
    expect(parseDate('2017-04-01T12:00:00Z')).toBe(Date.UTC(2017, 3, 1, 12));
    expect(parseDate('1491004800000')).toBe(1491004800000);
    expect(parseDate(new Date(5))).toBe(5);
    expect(parseDate('')).toBeNull();
    expect(parseDate('soon')).toBeNull();
    expect(parseDate(null)).toBeNull();
  });

  it('splits before / at-or-after a cut and excludes undated rows', () => {
    const dates = ['2017-01-05', '2017-04-01', '', '2017-03-31', '2017-06-30', 'n/a'];
    expect(timeSplit(dates, '2017-04-01')).toEqual({ train: [0, 3], test: [1, 4], excluded: [2, 5] });
    expect(() => timeSplit(dates, 'later')).toThrow(/not a date/);
  });

  it('makes rolling-origin folds that never test on the past', () => {
    const dates = Array.from({ length: 12 }, (_, i) => `2020-01-${String(12 - i).padStart(2, '0')}`); // newest first
    const folds = rollingOriginFolds(dates, { folds: 3 });
    expect(folds).toHaveLength(3);
    // blocks of 3 rows by date: oldest rows are indices 11, 10, 9
    expect(folds[0]?.train).toEqual([9, 10, 11]);
    expect(folds[0]?.test).toEqual([6, 7, 8]);
    expect(folds[2]?.train).toHaveLength(9);
    expect(folds[2]?.test).toEqual([0, 1, 2]);
    for (const f of folds) expect(f.trainEnd).toBeLessThan(f.testStart);
    const sliding = rollingOriginFolds(dates, { folds: 3, window: 'sliding' });
    expect(sliding[2]?.train).toEqual([3, 4, 5]);
  });

  it('keeps rows of one date in one block and refuses too few dates', () => {
    const dates = ['2020-01-01', '2020-01-01', '2020-01-01', '2020-01-02', '2020-01-03', '2020-01-03', null];
    const folds = rollingOriginFolds(dates, { folds: 2 });
    expect(folds[0]?.train).toEqual([0, 1, 2]);
    expect(folds[0]?.test).toEqual([3]);
    expect(folds[1]?.test).toEqual([4, 5]);
    expect(() => rollingOriginFolds(['2020-01-01', '2020-01-01', '2020-01-02'], { folds: 2 })).toThrow(/too few distinct dates/);
  });
});
