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
import type { RawRow } from '../../features/pipeline.ts';
import { applyPlatt, logit, sigmoid } from '../calibration.ts';
import { contributions as forestContributions, predictProba as forestProba } from '../forest/index.ts';
import type { DenseMatrix } from '../forest/index.ts';
import { contributions as boostingContributions, predictRaw as boostingLogits } from '../boosting/index.ts';
import { logisticContributions, logisticLogits } from '../linear/logistic.ts';
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

/** Exact additive explanation of one encoded row. */
export function explainRow(model: LeadScoreModel, row: ArrayLike<number>): Explanation {
  const p = model.featureNames.length;
  const raw = new Float64Array(p);
  const { forest: wf, logistic: wl, boosting: wb } = model.blend;
  const addTerms = (weight: number, t: ArrayLike<number>, slope = 1) => {
    for (let j = 0; j < p; j++) raw[j] = (raw[j] as number) + weight * slope * (t[j] as number);
  };
  if (wf > 0 && model.forest !== null) {
    // path contributions are in probability; the secant of logit turns them into log-odds, exactly
    const c = forestContributions(model.forest, row);
    const p0 = model.forest.baseRate;
    let p1 = p0;
    for (let j = 0; j < p; j++) p1 += c[j] as number;
    addTerms(wf, c, secant(logit, p0, p1, (x) => 1 / (x * (1 - x))));
  }
  if (wl > 0) addTerms(wl, logisticContributions(model.logistic, row));
  if (wb > 0 && model.boosting !== null) addTerms(wb, boostingContributions(model.boosting, row));
  const base = rawBase(model);
  let score = base;
  for (let j = 0; j < p; j++) score += raw[j] as number;
  const probability = calibrate(model, score);
  const calibratedBase = calibrate(model, base);
  const { a } = model.calibration;
  const slope = secant((z) => calibrate(model, z), base, score, (z) => a * sigmoidSlope(a * z + model.calibration.b));
  const calibrated = raw.map((c) => c * slope);
  return { raw: score, rawBase: base, rawContributions: raw, probability, base: calibratedBase, contributions: calibrated };
}

/** Contributions summed per source column (in pipeline column order). */
export function columnContributions(model: LeadScoreModel, perFeature: ArrayLike<number>): Array<{ column: string; effect: number }> {
  return model.pipeline.columnFeatures().map((c) => {
    let effect = 0;
    for (const f of c.indices) effect += perFeature[f] as number;
    return { column: c.column, effect };
  });
}

/** The strongest raising and lowering columns of one record, as reasons. */
export function reasonsOf(model: LeadScoreModel, row: RawRow, contributions: ArrayLike<number>, perDirection: number): Reason[] {
  const effects = columnContributions(model, contributions).filter((e) => Math.abs(e.effect) >= MIN_REASON_EFFECT);
  if (effects.length === 0) return [];
  const buckets = model.pipeline.describe(row);
  const keys = model.pipeline.bucketKeys(row);
  const values = model.pipeline.valueBuckets(row);
  const order = new Map(model.pipeline.columnNames.map((c, i) => [c, i]));
  const rank = (a: { column: string; effect: number }, b: { column: string; effect: number }) =>
    Math.abs(b.effect) - Math.abs(a.effect) || (order.get(a.column) as number) - (order.get(b.column) as number);
  const toReason = (e: { column: string; effect: number }): Reason => {
    const direction = e.effect > 0 ? 'up' : 'down';
    const bucketKey = keys[e.column] ?? 'missing';
    return {
      column: e.column,
      bucket: buckets[e.column] ?? e.column,
      bucketKey,
      value: values[e.column] ?? { kind: 'missing' },
      direction,
      weight: Math.round(Math.abs(e.effect) * 1000) / 10,
      code: `${e.column}|${bucketKey}|${direction}`,
      modelVersion: model.id,
    };
  };
  const ups = effects.filter((e) => e.effect > 0).sort(rank).slice(0, perDirection);
  const downs = effects.filter((e) => e.effect < 0).sort(rank).slice(0, perDirection);
  return [...ups.map(toReason), ...downs.map(toReason)];
}
