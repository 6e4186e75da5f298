/**
 * Feature scoring and selection on the pipeline's numeric matrix.
 *
 * - `anovaF`: one-way ANOVA F statistic per feature across the label's classes, with its p-value from the
 *   F distribution (the same statistic as scikit-learn's f_classif);
 * - `mutualInformation`: mutual information (nats) between each feature, discrete or binned, and the label;
 * - `selectKBest` / `selectByImportance`: which features to keep, from scores or from a model's importances;
 * - `FeatureSelector`: the kept features by index and name, applied to matrices, stored as plain JSON tagged
 *   `{ kind: 'featureSelector', version: 1 }`.
 *
 * Labels are class labels as numbers (0/1 for converted/lost; any finite values for more classes).
 */
import { z } from 'zod';
import { parseSavedJson } from './savedJson.ts';
import { FeatureSchemaError } from './pipeline.ts';
import { checkMatrix } from './scaling.ts';

type Matrix = readonly (readonly number[])[];

// Lanczos approximation, g = 7, 9 coefficients: ~15 significant digits, enough that the p-values' error is
// dominated by the continued fraction's tolerance rather than by the gamma function.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`logGamma needs a finite positive argument, got ${x}`);
  // Reflection keeps the approximation in the range where it is accurate.
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) a += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const CF_EPS = 1e-15;
const CF_TINY = 1e-300;

/** Continued fraction of the incomplete beta (Numerical Recipes' betacf, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  // Converges in O(sqrt(max(a, b))) steps; the floor covers small parameters.
  const maxIterations = Math.max(1000, 20 * Math.ceil(Math.sqrt(Math.max(a, b))));
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < CF_TINY) d = CF_TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= maxIterations; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < CF_EPS) return h;
  }
  throw new Error(`incomplete beta did not converge for a=${a}, b=${b}, x=${x}`);
}

/** I_x(a, b) given x and y = 1 - x separately, so a caller with a precise 1 - x keeps small tails precise. */
function betaInc(a: number, b: number, x: number, y: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(y);
  const front = Math.exp(logFront);
  // The fraction converges fast only on this side of the mean; the other side goes through the symmetry.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, y)) / b;
}

/** The regularized incomplete beta function I_x(a, b), for a, b > 0 and x in [0, 1]. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) {
    throw new RangeError(`incomplete beta needs finite positive a and b, got a=${a}, b=${b}`);
  }
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs x in [0, 1], got ${x}`);
  return betaInc(a, b, x, 1 - x);
}

/** P(F > f) for the F distribution with d1 and d2 degrees of freedom: the p-value of an F statistic. */
export function fSurvival(f: number, d1: number, d2: number): number {
  if (!(d1 > 0) || !(d2 > 0) || !Number.isFinite(d1) || !Number.isFinite(d2)) {
    throw new RangeError(`F distribution needs finite positive degrees of freedom, got d1=${d1}, d2=${d2}`);
  }
  if (Number.isNaN(f)) throw new RangeError('F statistic is NaN');
  if (f <= 0) return 1;
  if (f === Infinity) return 0;
  const denominator = d2 + d1 * f;
  return betaInc(d2 / 2, d1 / 2, d2 / denominator, (d1 * f) / denominator);
}

/** Distinct labels (ascending) and each row's class index. */
function classesOf(y: readonly number[], rows: number, what: string): { classes: number[]; index: number[] } {
  if (!Array.isArray(y)) throw new FeatureSchemaError(`${what}: labels must be an array`);
  if (y.length !== rows) throw new FeatureSchemaError(`${what}: ${y.length} labels for ${rows} rows`);
  const seen = new Map<number, number>();
  y.forEach((label, i) => {
    if (typeof label !== 'number' || !Number.isFinite(label)) {
      throw new RangeError(`${what}: label ${i} is ${typeof label === 'number' ? String(label) : JSON.stringify(label) ?? 'undefined'}, not a finite number`);
    }
    if (!seen.has(label)) seen.set(label, 0);
  });
  const classes = [...seen.keys()].sort((p, q) => p - q);
  if (classes.length < 2) throw new FeatureSchemaError(`${what}: the labels hold ${classes.length} class, at least 2 are needed`);
  classes.forEach((c, k) => seen.set(c, k));
  return { classes, index: y.map((label) => seen.get(label) as number) };
}

export interface AnovaResult {
  /** F statistic per feature: 0 for a constant feature, Infinity when every class is constant but they differ. */
  f: number[];
  /** P(F > f) under "no difference between classes", per feature. */
  pValue: number[];
  dfBetween: number;
  dfWithin: number;
  classes: number[];
}

/**
 * One-way ANOVA F per feature: between-class over within-class variance of the feature. Needs at least two
 * classes and more rows than classes. Never NaN: the degenerate cases scikit-learn leaves as NaN get 0 / p 1.
 */
export function anovaF(X: Matrix, y: readonly number[]): AnovaResult {
  const width = checkMatrix(X, 'anovaF');
  const { classes, index } = classesOf(y, X.length, 'anovaF');
  const n = X.length;
  const k = classes.length;
  if (n <= k) throw new FeatureSchemaError(`anovaF: ${n} rows for ${k} classes; it needs more rows than classes`);
  const counts = new Array<number>(k).fill(0);
  for (const c of index) counts[c] = (counts[c] as number) + 1;
  const f: number[] = [];
  const pValue: number[] = [];
  for (let j = 0; j < width; j++) {
    const sums = new Array<number>(k).fill(0);
    let total = 0;
    let min = Infinity;
    let max = -Infinity;
    X.forEach((row, i) => {
      const x = row[j] as number;
      const c = index[i] as number;
      sums[c] = (sums[c] as number) + x;
      total += x;
      if (x < min) min = x;
      if (x > max) max = x;
    });
    // Exact test, not a tolerance on the sums of squares: floating noise in a constant column's means must
    // not turn into a huge F.
    if (min === max) {
      f.push(0);
      pValue.push(1);
      continue;
    }
    const grand = total / n;
    const means = sums.map((s, c) => s / (counts[c] as number));
    let between = 0;
    means.forEach((m, c) => {
      between += (counts[c] as number) * (m - grand) ** 2;
    });
    let within = 0;
    X.forEach((row, i) => {
      within += ((row[j] as number) - (means[index[i] as number] as number)) ** 2;
    });
    if (within === 0) {
      f.push(Infinity);
      pValue.push(0);
      continue;
    }
    const F = between / (k - 1) / (within / (n - k));
    f.push(F);
    pValue.push(fSurvival(F, k - 1, n - k));
  }
  return { f, pValue, dfBetween: k - 1, dfWithin: n - k, classes };
}

export interface MutualInformationOptions {
  /** A feature with at most this many distinct values is taken as discrete; others are cut into this many equal-frequency bins (default 10). */
  bins?: number;
}

/** Each value's bin: its distinct value when few, else its equal-frequency bin (ties share a bin). */
function discretise(values: readonly number[], bins: number): number[] {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  if (distinct.length <= bins) {
    const code = new Map(distinct.map((v, i) => [v, i]));
    return values.map((v) => code.get(v) as number);
  }
  // Equal-frequency rather than equal-width bins: CRM amounts (revenue, employees) are skewed, and equal
  // widths would put nearly every row into the first bin and hide any signal. A value's bin follows the rank
  // of its first occurrence, so ties share a bin and a value filling the first bins does not absorb the rest.
  const sorted = [...values].sort((a, b) => a - b);
  const firstRank = new Map<number, number>();
  sorted.forEach((v, i) => {
    if (!firstRank.has(v)) firstRank.set(v, i);
  });
  return values.map((v) => Math.floor(((firstRank.get(v) as number) * bins) / sorted.length));
}

/**
 * Mutual information between each feature and the label, in nats (ln 2 = one bit: a binary feature that
 * determines a balanced binary label). 0 for independent or constant features.
 */
export function mutualInformation(X: Matrix, y: readonly number[], options: MutualInformationOptions = {}): number[] {
  const bins = options.bins ?? 10;
  if (!Number.isInteger(bins) || bins < 2) throw new RangeError(`mutualInformation: bins must be an integer of at least 2, got ${bins}`);
  const width = checkMatrix(X, 'mutualInformation');
  const { classes, index } = classesOf(y, X.length, 'mutualInformation');
  const n = X.length;
  const k = classes.length;
  const classCounts = new Array<number>(k).fill(0);
  for (const c of index) classCounts[c] = (classCounts[c] as number) + 1;
  const out: number[] = [];
  for (let j = 0; j < width; j++) {
    const codes = discretise(X.map((row) => row[j] as number), bins);
    const levels = Math.max(...codes) + 1;
    const joint = new Array<number>(levels * k).fill(0);
    const levelCounts = new Array<number>(levels).fill(0);
    codes.forEach((code, i) => {
      joint[code * k + (index[i] as number)] = (joint[code * k + (index[i] as number)] as number) + 1;
      levelCounts[code] = (levelCounts[code] as number) + 1;
    });
    let mi = 0;
    for (let v = 0; v < levels; v++) {
      for (let c = 0; c < k; c++) {
        const nvc = joint[v * k + c] as number;
        if (nvc === 0) continue;
        mi += (nvc / n) * Math.log((n * nvc) / ((levelCounts[v] as number) * (classCounts[c] as number)));
      }
    }
    // Rounding can leave -1e-17 for independent features; information is never negative.
    out.push(Math.max(0, mi));
  }
  return out;
}

function checkScores(scores: readonly number[], what: string): void {
  if (!Array.isArray(scores) || scores.length === 0) throw new FeatureSchemaError(`${what}: no scores given`);
  scores.forEach((s, i) => {
    if (typeof s !== 'number' || Number.isNaN(s)) throw new RangeError(`${what}: score ${i} is ${typeof s === 'number' ? 'NaN' : JSON.stringify(s) ?? 'undefined'}, not a number`);
  });
}

/** Feature indices in descending score, ties to the lower index (so the order never depends on the sort). */
function ranked(scores: readonly number[]): number[] {
  // Compared, not subtracted: Infinity - Infinity is NaN, which would leave the order to the sort.
  return scores.map((_, i) => i).sort((p, q) => {
    const a = scores[p] as number;
    const b = scores[q] as number;
    return a > b ? -1 : a < b ? 1 : p - q;
  });
}

/**
 * The k features with the highest scores (F statistics, mutual information, ...), as ascending indices so
 * they keep the matrix's column order. k above the number of features keeps them all; an infinite score
 * (a perfectly separating feature) ranks first.
 */
export function selectKBest(scores: readonly number[], k: number): number[] {
  checkScores(scores, 'selectKBest');
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`selectKBest: k must be a positive integer, got ${k}`);
  return ranked(scores).slice(0, k).sort((p, q) => p - q);
}

export interface ImportanceOptions {
  /** Keep features with at least this share of the total importance (0-1). */
  minShare?: number;
  /** Keep at most this many features, the most important. */
  topK?: number;
  /** Keep the fewest most important features whose shares add up to at least this (0-1], e.g. 0.95. */
  cumulative?: number;
}

/**
 * Features to keep from a model's importances (forest impurity or permutation importance), as ascending
 * indices. Negative importances (permutation noise) count as 0. Every given criterion applies (their
 * intersection). When all importances are 0 nothing distinguishes the features and all are kept: dropping
 * every input would leave no model.
 */
export function selectByImportance(importance: readonly number[], options: ImportanceOptions): number[] {
  checkScores(importance, 'selectByImportance');
  importance.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`selectByImportance: importance ${i} is ${v}, not a finite number`);
  });
  const { minShare, topK, cumulative } = options;
  if (minShare === undefined && topK === undefined && cumulative === undefined) {
    throw new RangeError('selectByImportance: give at least one of minShare, topK, cumulative');
  }
  if (minShare !== undefined && !(minShare >= 0 && minShare <= 1)) throw new RangeError(`selectByImportance: minShare must be in [0, 1], got ${minShare}`);
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 1)) throw new RangeError(`selectByImportance: topK must be a positive integer, got ${topK}`);
  if (cumulative !== undefined && !(cumulative > 0 && cumulative <= 1)) throw new RangeError(`selectByImportance: cumulative must be in (0, 1], got ${cumulative}`);

  const clipped = importance.map((v) => Math.max(0, v));
  const total = clipped.reduce((s, v) => s + v, 0);
  if (total === 0) return importance.map((_, i) => i);
  const share = clipped.map((v) => v / total);
  const order = ranked(share);
  let keep = new Set(order);
  if (minShare !== undefined) keep = new Set(order.filter((i) => (share[i] as number) >= minShare));
  if (topK !== undefined) {
    const top = new Set(order.slice(0, topK));
    keep = new Set([...keep].filter((i) => top.has(i)));
  }
  if (cumulative !== undefined) {
    const head = new Set<number>();
    let sum = 0;
    for (const i of order) {
      head.add(i);
      sum += share[i] as number;
      // A hair of tolerance so shares that add to exactly `cumulative` on paper are not one feature short.
      if (sum >= cumulative - 1e-12) break;
    }
    keep = new Set([...keep].filter((i) => head.has(i)));
  }
  return [...keep].sort((p, q) => p - q);
}

export const FeatureSelectorJson = z.object({
  kind: z.literal('featureSelector'),
  version: z.literal(1),
  /** Every input feature, in matrix order. */
  featureNames: z.array(z.string()).min(1),
  /** Indices of the kept features, ascending. */
  kept: z.array(z.number().int().nonnegative()).min(1),
});
export type FeatureSelectorJson = z.infer<typeof FeatureSelectorJson>;

export class FeatureSelector {
  /** Every input feature, in matrix order. */
  readonly featureNames: readonly string[];
  /** Indices of the kept features, ascending. */
  readonly kept: readonly number[];

  private constructor(featureNames: readonly string[], kept: readonly number[]) {
    if (featureNames.length === 0) throw new FeatureSchemaError('feature selector: no feature names');
    const dup = featureNames.find((n, i) => featureNames.indexOf(n) !== i);
    if (dup !== undefined) throw new FeatureSchemaError(`feature selector: feature name "${dup}" occurs twice`);
    if (kept.length === 0) throw new FeatureSchemaError('feature selector: it keeps no features');
    for (const i of kept) {
      if (!Number.isInteger(i) || i < 0 || i >= featureNames.length) {
        throw new FeatureSchemaError(`feature selector: kept index ${i} is not a feature (there are ${featureNames.length})`);
      }
    }
    const sorted = [...new Set(kept)].sort((p, q) => p - q);
    if (sorted.length !== kept.length) throw new FeatureSchemaError('feature selector: a kept index is listed twice');
    this.featureNames = [...featureNames];
    this.kept = sorted;
  }

  /** @internal use fitFeatureSelector */
  static fromParts(featureNames: readonly string[], kept: readonly number[]): FeatureSelector {
    return new FeatureSelector(featureNames, kept);
  }

  /** Names of the kept features, in output order. */
  get keptNames(): string[] {
    return this.kept.map((i) => this.featureNames[i] as string);
  }

  /** X with only the kept columns. Throws when X is not as wide as `featureNames`. */
  transform(X: Matrix): number[][] {
    checkMatrix(X, 'feature selector transform', this.featureNames.length);
    return X.map((row) => this.kept.map((i) => row[i] as number));
  }

  toJSON(): FeatureSelectorJson {
    return { kind: 'featureSelector', version: 1, featureNames: [...this.featureNames], kept: [...this.kept] };
  }

  /** Loads a selector saved by `toJSON`; rejects anything else with a clear error. */
  static fromJSON(json: unknown): FeatureSelector {
    const data = parseSavedJson(json, { kind: 'featureSelector', version: 1, name: 'feature selector', root: 'featureSelector', schema: FeatureSelectorJson, error: FeatureSchemaError });
    return new FeatureSelector(data.featureNames, data.kept);
  }
}

/**
 * A selector over `featureNames` keeping the given indices (from selectKBest or selectByImportance) or
 * names. Throws on an unknown name or index, a duplicate, or an empty selection.
 */
export function fitFeatureSelector(featureNames: readonly string[], kept: readonly number[] | readonly string[]): FeatureSelector {
  const indices = kept.map((k) => {
    if (typeof k === 'number') return k;
    const i = featureNames.indexOf(k);
    if (i < 0) throw new FeatureSchemaError(`feature selector: "${k}" is not one of the features`);
    return i;
  });
  return FeatureSelector.fromParts(featureNames, indices);
}
