import { describe, expect, it } from 'vitest';

import { binOf, fitBinning, midpoint, transformBinning } from './binning.ts';

function column(values: number[]): number[][] {
  return values.map((v) => [v]);
}

describe('fitBinning / transformBinning', () => {
  it('puts a constant column in one bin, with no boundaries', () => {
    const b = fitBinning([
      [3, 1],
      [3, 2],
      [3, 1],
    ]);
    expect(b.cuts[0]?.length).toBe(0);
    expect(Array.from(b.binMin[0] ?? [])).toEqual([3]);
    const binned = transformBinning(b, [
      [3, 1],
      [-100, 2],
      [100, 9],
    ]);
    // column-major: feature 0 for rows 0..2, then feature 1
    expect(Array.from(binned.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(binned.subarray(3, 6))).toEqual([0, 1, 1]);
  });

  it('gives tied values one bin each, boundaries halfway between them', () => {
    const b = fitBinning(column([5, 1, 1, 1, 5, 2, 2, 1, 5, 5]));
    expect(Array.from(b.cuts[0] ?? [])).toEqual([1.5, 3.5]);
    expect(Array.from(b.binMin[0] ?? [])).toEqual([1, 2, 5]);
    expect(Array.from(transformBinning(b, column([1, 2, 5, 0, 1.5, 3.4999, 3.5, 99])))).toEqual([0, 1, 2, 0, 1, 1, 2, 2]);
  });

  it('keeps at most 255 bins for many distinct values, each holding about the same number of rows', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => Math.sin(i) * 1000);
    const b = fitBinning(column(values));
    const cuts = b.cuts[0] as Float64Array;
    expect(cuts.length).toBe(254);
    for (let k = 1; k < cuts.length; k++) expect(cuts[k]).toBeGreaterThan(cuts[k - 1] as number);
    const binned = transformBinning(b, column(values));
    const counts = new Array<number>(255).fill(0);
    for (const bin of binned) counts[bin] = (counts[bin] ?? 0) + 1;
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...counts)).toBeLessThanOrEqual(50);
    // binMin/binMax bracket the values of each bin, and "bin <= b" is exactly "v < cuts[b]"
    const min = b.binMin[0] as Float64Array;
    const max = b.binMax[0] as Float64Array;
    const bad = values.filter((v, i) => {
      const bin = binned[i] as number;
      return (
        v < (min[bin] as number) ||
        v > (max[bin] as number) ||
        (bin < cuts.length && !(v < (cuts[bin] as number))) ||
        (bin > 0 && !(v >= (cuts[bin - 1] as number)))
      );
    });
    expect(bad).toEqual([]);
  });

  it('never splits a heavily tied value across two bins', () => {
    const values = [...new Array<number>(5000).fill(0), ...Array.from({ length: 1000 }, (_, i) => i + 1)];
    const b = fitBinning(column(values));
    const binned = transformBinning(b, column(values));
    const zeroBins = new Set(Array.from(binned.subarray(0, 5000)));
    expect(zeroBins.size).toBe(1);
    expect((b.cuts[0] as Float64Array).length).toBeLessThanOrEqual(254);
  });

  it('separates adjacent doubles', () => {
    const a = 1;
    const next = 1 + Number.EPSILON;
    const m = midpoint(a, next);
    expect(a < m && m <= next).toBe(true);
    const b = fitBinning(column([a, next, a]));
    expect(Array.from(transformBinning(b, column([a, next])))).toEqual([0, 1]);
  });

  it('binOf counts the boundaries at or below a value', () => {
    const cuts = Float64Array.from([0.5, 1.5, 2.5]);
    expect([-1, 0.5, 1, 1.5, 2.49, 2.5, 10].map((v) => binOf(cuts, v))).toEqual([0, 1, 1, 2, 2, 3, 3]);
  });

  it('rejects a column count other than the fitted one, and NaN', () => {
    const b = fitBinning([
      [1, 2],
      [3, 4],
    ]);
    expect(() => transformBinning(b, [[1, 2, 3]])).toThrow(/expects 2 features/);
    expect(() => fitBinning([[1], [Number.NaN]])).toThrow(/NaN/);
  });
});
