/**
 * Scoring and explaining the blend, on one additive scale.
 *
 * The raw score is a log-odds: w_f * logit(forest(x)) + w_l * logistic_logit(x) + w_b * boosting_logit(x)
 * (on bank-marketing the same AUC as averaging probabilities, 0.8047 vs 0.8048, and two of the three parts
 * are additive in log-odds as they are). Each part splits
 * exactly into a base plus per-feature contributions:
 * - logistic and boosting: their log-odds terms (w_j (x_j - mean_j) / scale_j; Saabas paths of the
 *   boosted trees) add up to the logit as they are;
 * - forest: Saabas tree-path contributions are in probability (forest.baseRate + sum = forest(x)); times
 *   the secant slope of logit between the base rate and forest(x), (logit(p) - logit(p0)) / (p - p0),
 *   they add up exactly to logit(forest(x)) - logit(p0), unlike a split of the difference by shares.
 * The calibrated probability is a monotone function of the log-odds; the same secant rescales the
 * contributions into calibrated percentage points, so the reasons of a record add up, with the score of
 * the typical lead, to its score.
 */
import type { ColumnFeatures, RawRow } from '../../features/pipeline.ts';
import { applyPlatt, logit, sigmoid } from '../calibration.ts';
import { predictProba as forestProba } from '../forest/index.ts';
import type { DenseMatrix } from '../forest/index.ts';
import { predictRaw as boostingLogits } from '../boosting/index.ts';
import { addLeafValuesAndContributions, BLOCK, compiledTrees } from '../forest/compiled.ts';
import { logisticLogits } from '../linear/logistic.ts';
import type { LeadScoreModel, Reason } from './types.ts';

/** Contributions smaller than this (probability) are not reasons. */
const MIN_REASON_EFFECT = 0.001;

/** The slope of f between a and b, or its derivative there when they (nearly) coincide. */
function secant(f: (x: number) => number, a: number, b: number, derivative: (x: number) => number): number {
  return Math.abs(b - a) > 1e-9 ? (f(b) - f(a)) / (b - a) : derivative(a);
}

const sigmoidSlope = (z: number) => sigmoid(z) * (1 - sigmoid(z));

/** Blended raw (uncalibrated) log-odds of encoded rows. */
export function rawLogits(model: LeadScoreModel, X: DenseMatrix): Float64Array {
  const out = new Float64Array(X.nRows);
  const { forest: wf, logistic: wl, boosting: wb } = model.blend;
  if (wl > 0) {
    const z = logisticLogits(model.logistic, X);
    for (let i = 0; i < out.length; i++) out[i] = wl * (z[i] as number);
  }
  if (wf > 0 && model.forest !== null) {
    const p = forestProba(model.forest, X);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + wf * logit(p[i] as number);
  }
  if (wb > 0 && model.boosting !== null) {
    const z = boostingLogits(model.boosting, X);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + wb * (z[i] as number);
  }
  return out;
}

/** Calibrated probability of a blended log-odds. */
export function calibrate(model: LeadScoreModel, z: number): number {
  return applyPlatt(model.calibration, z);
}

/** The blended log-odds of a row with no contribution at all: the blend of the parts' bases. */
export function rawBase(model: LeadScoreModel): number {
  const forestBase = model.forest === null ? 0 : logit(model.forest.baseRate);
  const boostingBase = model.boosting === null ? 0 : model.boosting.baseRaw;
  return model.blend.forest * forestBase + model.blend.logistic * model.logistic.intercept + model.blend.boosting * boostingBase;
}

export interface Explanation {
  /** Blended log-odds of the row, and of a row with no contribution. */
  raw: number;
  rawBase: number;
  /** Per feature, in log-odds: rawBase + sum = raw. */
  rawContributions: Float64Array;
  /** Calibrated probability, of the base row, and per feature contributions: base + sum = probability. */
  probability: number;
  base: number;
  contributions: Float64Array;
}

/** Exact additive explanation of one encoded row (explainRows on that row alone). */
export function explainRow(model: LeadScoreModel, row: ArrayLike<number>): Explanation {
  const p = model.featureNames.length;
  if (row.length !== p) throw new RangeError(`explainRow: the model expects ${p} features, the row has ${row.length}`);
  for (let j = 0; j < p; j++) {
    if (!Number.isFinite(row[j])) throw new RangeError(`explainRow: value at column ${j} is ${String(row[j])}`);
  }
  let rawContributions = new Float64Array(p);
  let contributions = new Float64Array(p);
  explainRows(model, { data: Float64Array.from(row), nRows: 1, nCols: p }, (_i, _probability, calibrated, raw) => {
    rawContributions = Float64Array.from(raw);
    contributions = Float64Array.from(calibrated);
  });
  const base = rawBase(model);
  let score = base;
  for (let j = 0; j < p; j++) score += rawContributions[j] as number;
  return { raw: score, rawBase: base, rawContributions, probability: calibrate(model, score), base: calibrate(model, base), contributions };
}

/**
 * Scores rows with their exact additive explanations (the split described at the top of this file), on
 * blocks of rows: each tree is walked once per row for both the prediction and the path contributions,
 * buffers kept between blocks. `each(i, probability, contributions, raw)` is called for every row in order. `probability` is the very
 * number the batch path (calibrate of rawLogits, which adds logistic, forest and boosting in that order,
 * each tree's leaf values in tree order) gives; `contributions` are calibrated and `raw` in log-odds
 * (rawBase + their sum = the row's blended log-odds), per feature; both are views the next row overwrites.
 */
export function explainRows(model: LeadScoreModel, X: DenseMatrix, each: (i: number, probability: number, contributions: Float64Array, raw: Float64Array) => void): void {
  const p = model.featureNames.length;
  const { data, nRows } = X;
  const { forest: wf, logistic: wl, boosting: wb } = model.blend;
  const forest = wf > 0 && model.forest !== null ? { trees: compiledTrees(model.forest, 'fastForest', 'forestFromJSON'), count: model.forest.trees.length, base: model.forest.baseRate } : null;
  const boosting = wb > 0 && model.boosting !== null ? { trees: compiledTrees(model.boosting, 'histGradientBoosting', 'boostingFromJSON'), init: model.boosting.init } : null;
  const { intercept, weights, means, scales } = model.logistic;
  const base = rawBase(model);
  const { a, b } = model.calibration;
  const block = Math.min(BLOCK, nRows);
  const forestSums = new Float64Array(block);
  const boostingSums = new Float64Array(block);
  const forestTerms = new Float64Array(block * p);
  const boostingTerms = new Float64Array(block * p);
  const raw = new Float64Array(p);
  const contributions = new Float64Array(p);
  for (let from = 0; from < nRows; from += BLOCK) {
    const to = Math.min(nRows, from + BLOCK);
    if (forest !== null) {
      forestSums.fill(0);
      forestTerms.fill(0);
      addLeafValuesAndContributions(forest.trees, data, from, to, p, forestSums, forestTerms);
    }
    if (boosting !== null) {
      boostingSums.fill(boosting.init);
      boostingTerms.fill(0);
      addLeafValuesAndContributions(boosting.trees, data, from, to, p, boostingSums, boostingTerms);
    }
    for (let i = from; i < to; i++) {
      const at = (i - from) * p;
      const off = i * p;
      raw.fill(0);
      let z = 0;
      let forestZ = 0;
      if (forest !== null) {
        forestZ = logit((forestSums[i - from] as number) / forest.count);
        let p1 = forest.base;
        for (let j = 0; j < p; j++) p1 += (forestTerms[at + j] as number) / forest.count;
        const slope = secant(logit, forest.base, p1, (x) => 1 / (x * (1 - x)));
        for (let j = 0; j < p; j++) raw[j] = (raw[j] as number) + wf * slope * ((forestTerms[at + j] as number) / forest.count);
      }
      if (wl > 0) {
        let logisticZ = intercept;
        for (let j = 0; j < p; j++) {
          const t = ((weights[j] as number) * ((data[off + j] as number) - (means[j] as number))) / (scales[j] as number);
          logisticZ += t;
          raw[j] = (raw[j] as number) + wl * t;
        }
        z = wl * logisticZ;
      }
      if (forest !== null) z = z + wf * forestZ;
      if (boosting !== null) {
        z = z + wb * (boostingSums[i - from] as number);
        for (let j = 0; j < p; j++) raw[j] = (raw[j] as number) + wb * (boostingTerms[at + j] as number);
      }
      let score = base;
      for (let j = 0; j < p; j++) score += raw[j] as number;
      const slope = secant((v) => calibrate(model, v), base, score, (v) => a * sigmoidSlope(a * v + b));
      for (let j = 0; j < p; j++) contributions[j] = (raw[j] as number) * slope;
      each(i, calibrate(model, z), contributions, raw);
    }
  }
}

/** Contributions summed per source column (in pipeline column order). */
export function columnContributions(model: LeadScoreModel, perFeature: ArrayLike<number>): Array<{ column: string; effect: number }> {
  return model.pipeline.columnFeatures().map((c) => {
    let effect = 0;
    for (const f of c.indices) effect += perFeature[f] as number;
    return { column: c.column, effect };
  });
}

/**
 * Adds column `ci` to `list` (column indices, strongest |effect| first, an earlier column first among
 * equals) if it is among the `max` strongest; columns arrive in column order.
 */
function keepStrongest(list: number[], ci: number, effects: Float64Array, max: number): void {
  const strength = Math.abs(effects[ci] as number);
  let k = list.length;
  while (k > 0 && Math.abs(effects[list[k - 1] as number] as number) < strength) k--;
  if (k >= max) return;
  list.splice(k, 0, ci);
  if (list.length > max) list.pop();
}

/** The strongest raising and lowering columns of one record, as reasons. */
export function reasonsOf(model: LeadScoreModel, row: RawRow, contributions: ArrayLike<number>, perDirection: number): Reason[] {
  // scored records ask this once each: one pass over the columns, and only the chosen ones are worded
  const columns = model.pipeline.columnFeatures();
  const effects = new Float64Array(columns.length);
  const ups: number[] = [];
  const downs: number[] = [];
  for (let ci = 0; ci < columns.length; ci++) {
    let effect = 0;
    for (const f of (columns[ci] as ColumnFeatures).indices) effect += contributions[f] as number;
    effects[ci] = effect;
    if (Math.abs(effect) < MIN_REASON_EFFECT) continue;
    keepStrongest(effect > 0 ? ups : downs, ci, effects, perDirection);
  }
  if (ups.length === 0 && downs.length === 0) return [];
  const only = new Set([...ups, ...downs].map((ci) => (columns[ci] as ColumnFeatures).column));
  const buckets = model.pipeline.reasonBuckets(row, only);
  const toReason = (ci: number): Reason => {
    const column = (columns[ci] as ColumnFeatures).column;
    const effect = effects[ci] as number;
    const direction = effect > 0 ? 'up' : 'down';
    const bucket = buckets.get(column);
    const bucketKey = bucket?.key ?? 'missing';
    return {
      column,
      bucket: bucket?.text ?? column,
      bucketKey,
      value: bucket?.value ?? { kind: 'missing' },
      direction,
      weight: Math.round(Math.abs(effect) * 1000) / 10,
      code: `${column}|${bucketKey}|${direction}`,
      modelVersion: model.id,
    };
  };
  return [...ups.map(toReason), ...downs.map(toReason)];
}
