/**
 * Per-feature quantile binning: each feature gets at most 255 bins, so the training matrix fits in one
 * Uint8Array (column-major) and a node's split search reads class-count histograms instead of sorting.
 *
 * A feature with at most `maxBins` distinct values gets one bin per value. With more, bins hold about the
 * same number of rows (greedy quantiles over the sorted distinct values, so a heavily tied value never
 * straddles two bins). `cuts[f]` are the boundaries, each strictly between two training values:
 * a value v falls in bin `#{cuts <= v}`, so "bin <= b" is exactly "v < cuts[b]" (ml-cart's own rule).
 * `binMin`/`binMax` keep the smallest and largest training value seen in each bin, so a tree can place
 * its real-valued threshold halfway between the two training values it separates (as scikit-learn does).
 */
import { toDense } from './matrix.ts';
import type { FeatureMatrix } from './matrix.ts';

export const MAX_BINS = 255;

export interface Binning {
  nFeatures: number;
  /** Per feature, ascending bin boundaries (length = number of bins - 1; empty for a constant column). */
  cuts: Float64Array[];
  /** Per feature and bin, the smallest training value in the bin. */
  binMin: Float64Array[];
  /** Per feature and bin, the largest training value in the bin. */
  binMax: Float64Array[];
}

/**
 * A boundary strictly above `a` and at most `b` (a < b): the midpoint, unless rounding puts it on `a`
 * (adjacent doubles), in which case `b` itself (then a < b <= b still separates them under "v < cut").
 */
export function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  return m > a && m <= b ? m : b;
}

/** Fits the bins of every column of X. */
export function fitBinning(X: FeatureMatrix, maxBins = MAX_BINS): Binning {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 256) {
    throw new RangeError(`fitBinning: maxBins must be an integer in 2..256, got ${maxBins}`);
  }
  const { data, nRows, nCols } = toDense(X, 'fitBinning');
  if (nRows === 0) throw new RangeError('fitBinning: no rows');
  const cuts: Float64Array[] = [];
  const binMin: Float64Array[] = [];
  const binMax: Float64Array[] = [];
  // one row-major pass into column-major order (reading a column with a stride misses the cache per value)
  const columns = new Float64Array(nRows * nCols);
  for (let i = 0, k = 0; i < nRows; i++) {
    for (let f = 0; f < nCols; f++, k++) columns[f * nRows + i] = data[k] as number;
  }
  for (let f = 0; f < nCols; f++) {
    const column = columns.subarray(f * nRows, (f + 1) * nRows);
    const fitted = binSortedColumn(distinctSorted(column), nRows, maxBins);
    cuts.push(fitted.cuts);
    binMin.push(fitted.binMin);
    binMax.push(fitted.binMax);
  }
  return { nFeatures: nCols, cuts, binMin, binMax };
}

const DISTINCT_BY_MAP = 4096;

/**
 * The distinct values of a column, ascending, with their counts. Counted in a Map while there are few
 * (one-hot and other low-cardinality columns: no sort of the whole column), else sorted. The column is
 * overwritten.
 */
function distinctSorted(column: Float64Array): { values: number[]; counts: number[] } {
  // up to 8 distinct values: a linear scan of a tiny array beats a Map
  const few: number[] = [];
  const fewCounts: number[] = [];
  let i = 0;
  scan: for (; i < column.length; i++) {
    const v = column[i] as number;
    for (let k = 0; k < few.length; k++) {
      if (few[k] === v) {
        fewCounts[k] = (fewCounts[k] as number) + 1;
        continue scan;
      }
    }
    if (few.length === 8) break;
    few.push(v + 0); // -0 and 0 are one value
    fewCounts.push(1);
  }
  if (i === column.length) {
    const order = few.map((_, k) => k).sort((a, b) => (few[a] as number) - (few[b] as number));
    return { values: order.map((k) => few[k] as number), counts: order.map((k) => fewCounts[k] as number) };
  }
  const seen = new Map<number, number>();
  few.forEach((v, k) => seen.set(v, fewCounts[k] as number));
  for (; i < column.length && seen.size <= DISTINCT_BY_MAP; i++) {
    const v = column[i] as number;
    seen.set(v, (seen.get(v) ?? 0) + 1);
  }
  if (i === column.length && seen.size <= DISTINCT_BY_MAP) {
    const values = [...seen.keys()].map((v) => v + 0).sort((a, b) => a - b);
    return { values, counts: values.map((v) => seen.get(v) as number) };
  }
  const sorted = column.sort();
  const values: number[] = [];
  const counts: number[] = [];
  for (let k = 0; k < sorted.length; ) {
    const v = sorted[k] as number;
    let j = k + 1;
    while (j < sorted.length && sorted[j] === v) j++;
    values.push(v + 0);
    counts.push(j - k);
    k = j;
  }
  return { values, counts };
}

/** Bins of one column given its distinct values (ascending) and their counts. */
function binSortedColumn(
  { values, counts }: { values: number[]; counts: number[] },
  n: number,
  maxBins: number,
): { cuts: Float64Array; binMin: Float64Array; binMax: Float64Array } {
  const u = values.length;
  if (u <= maxBins) {
    const cuts = new Float64Array(u - 1);
    for (let k = 0; k + 1 < u; k++) cuts[k] = midpoint(values[k] as number, values[k + 1] as number);
    return { cuts, binMin: Float64Array.from(values), binMax: Float64Array.from(values) };
  }
  // Greedy quantiles: close a bin once it reaches its share of the rows still to place.
  const cuts: number[] = [];
  const mins: number[] = [];
  const maxs: number[] = [];
  let binsLeft = maxBins;
  let placed = 0;
  let target = n / binsLeft;
  let binStart = 0;
  for (let k = 0; k < u; k++) {
    placed += counts[k] as number;
    const last = k === u - 1;
    // close the bin here when it is full, or when the distinct values left are just enough for one bin each
    const mustClose = u - 1 - k <= binsLeft - 1;
    if (last || (binsLeft > 1 && (placed >= target || mustClose))) {
      mins.push(values[binStart] as number);
      maxs.push(values[k] as number);
      if (!last) {
        cuts.push(midpoint(values[k] as number, values[k + 1] as number));
        binsLeft--;
        target = placed + (n - placed) / binsLeft;
        binStart = k + 1;
      }
    }
  }
  return { cuts: Float64Array.from(cuts), binMin: Float64Array.from(mins), binMax: Float64Array.from(maxs) };
}

/** Number of boundaries <= v, i.e. the bin of v (binary search). */
export function binOf(cuts: Float64Array, v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cuts[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The bins of X's rows under fitted edges, column-major: bin of (row i, feature f) at `f * nRows + i`. */
export function transformBinning(binning: Binning, X: FeatureMatrix): Uint8Array {
  const { data, nRows, nCols } = toDense(X, 'transformBinning', binning.nFeatures);
  const out = new Uint8Array(nRows * nCols);
  const cuts = binning.cuts;
  // row-major reads (sequential), one write stream per feature
  for (let i = 0, k = 0; i < nRows; i++) {
    for (let f = 0; f < nCols; f++, k++) {
      const c = cuts[f] as Float64Array;
      const v = data[k] as number;
      out[f * nRows + i] = c.length === 1 ? (v >= (c[0] as number) ? 1 : 0) : c.length === 0 ? 0 : binOf(c, v);
    }
  }
  return out;
}

/** Number of bins of each feature. */
export function binCounts(binning: Binning): Int32Array {
  return Int32Array.from(binning.cuts, (c) => c.length + 1);
}
