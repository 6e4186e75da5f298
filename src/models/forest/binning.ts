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
  const column = new Float64Array(nRows);
  for (let f = 0; f < nCols; f++) {
    for (let i = 0; i < nRows; i++) column[i] = data[i * nCols + f] as number;
    column.sort();
    const fitted = binSortedColumn(column, maxBins);
    cuts.push(fitted.cuts);
    binMin.push(fitted.binMin);
    binMax.push(fitted.binMax);
  }
  return { nFeatures: nCols, cuts, binMin, binMax };
}

/** Bins of one column given its values sorted ascending. */
function binSortedColumn(
  sorted: Float64Array,
  maxBins: number,
): { cuts: Float64Array; binMin: Float64Array; binMax: Float64Array } {
  const n = sorted.length;
  // distinct values and their counts
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; ) {
    const v = sorted[i] as number;
    let j = i + 1;
    while (j < n && sorted[j] === v) j++;
    values.push(v);
    counts.push(j - i);
    i = j;
  }
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
  for (let f = 0; f < nCols; f++) {
    const cuts = binning.cuts[f] as Float64Array;
    const base = f * nRows;
    if (cuts.length === 0) continue; // constant column: everything in bin 0
    for (let i = 0; i < nRows; i++) out[base + i] = binOf(cuts, data[i * nCols + f] as number);
  }
  return out;
}

/** Number of bins of each feature. */
export function binCounts(binning: Binning): Int32Array {
  return Int32Array.from(binning.cuts, (c) => c.length + 1);
}
