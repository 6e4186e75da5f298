/**
 * Evaluation metrics for the four signals. Pure functions, no I/O.
 *
 * Conventions (every function documents its own edge cases):
 * - Binary labels are 0/1 numbers; anything else throws, naming the position.
 * - Arrays given together must have the same length (a mismatch throws).
 * - A metric whose denominator is empty (no positives, nothing predicted positive, an empty bin, an empty
 *   input) is NaN, never 0 and never a throw: "undefined" must not read as "bad". Callers print NaN as "n/a".
 * - Scores are compared as given: higher = more likely positive. NaN scores throw.
 */
import { brierScore, rocAuc } from '../evaluate.ts';

export { brierScore, rocAuc };

function checkLengths(what: string, a: { length: number }, b: { length: number }, aName: string, bName: string): void {
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} ${aName} but ${b.length} ${bName}`);
}

function checkBinary(what: string, labels: readonly number[]): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new Error(`${what}: labels[${i}] is ${String(y)}: labels must be 0 or 1`);
    positives += y;
  }
  return positives;
}

function checkScores(what: string, scores: readonly number[]): void {
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`${what}: scores[${i}] is NaN`);
  }
}

function checkProbabilities(what: string, probabilities: readonly number[]): void {
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i] as number;
    if (!(p >= 0 && p <= 1)) throw new Error(`${what}: probabilities[${i}] is ${String(p)}, expected a number in [0, 1]`);
  }
}

/** Positions sorted by score, highest first; equal scores keep input order (stable sort). */
function descendingOrder(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}

// ---------------------------------------------------------------------------------------------------------
// Ranking quality of a binary classifier

/**
 * Average precision (the area under the precision-recall curve, as scikit-learn's
 * average_precision_score): sum over distinct score thresholds, from the highest, of
 * (recall gained at the threshold) x (precision at the threshold). Tied scores form one threshold, so
 * their order does not matter. NaN when there is no positive (or no row).
 */
export function averagePrecision(labels: readonly number[], scores: readonly number[]): number {
  checkLengths('averagePrecision', labels, scores, 'labels', 'scores');
  const positives = checkBinary('averagePrecision', labels);
  checkScores('averagePrecision', scores);
  if (positives === 0) return Number.NaN;
  const order = descendingOrder(scores);
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let previousRecall = 0;
  let i = 0;
  while (i < order.length) {
    const value = scores[order[i] as number] as number;
    while (i < order.length && scores[order[i] as number] === value) {
      tp += labels[order[i] as number] as number;
      seen++;
      i++;
    }
    const recall = tp / positives;
    ap += (recall - previousRecall) * (tp / seen);
    previousRecall = recall;
  }
  return ap;
}

/** The area under the precision-recall curve: average precision (see there). */
export const prAuc = averagePrecision;

// ---------------------------------------------------------------------------------------------------------
// Classification at a threshold

export interface ConfusionCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Counts with "predicted positive" = score >= threshold. */
export function confusionCounts(labels: readonly number[], scores: readonly number[], threshold: number): ConfusionCounts {
  checkLengths('confusionCounts', labels, scores, 'labels', 'scores');
  checkBinary('confusionCounts', labels);
  checkScores('confusionCounts', scores);
  if (Number.isNaN(threshold)) throw new Error('confusionCounts: threshold is NaN');
  const c: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const predicted = (scores[i] as number) >= threshold;
    if (labels[i] === 1) predicted ? c.tp++ : c.fn++;
    else predicted ? c.fp++ : c.tn++;
  }
  return c;
}

export interface ClassificationMetrics extends ConfusionCounts {
  threshold: number;
  /** (tp + tn) / n; NaN for no rows. */
  accuracy: number;
  /** tp / (tp + fp); NaN when nothing is predicted positive. */
  precision: number;
  /** tp / (tp + fn); NaN when there is no positive. */
  recall: number;
  /** 2 tp / (2 tp + fp + fn); NaN only when there is no positive and nothing is predicted positive. */
  f1: number;
}

/** Metrics from confusion counts (see ClassificationMetrics for the NaN cases). */
export function metricsFromCounts(c: ConfusionCounts, threshold: number): ClassificationMetrics {
  const n = c.tp + c.fp + c.tn + c.fn;
  const ratio = (a: number, b: number) => (b === 0 ? Number.NaN : a / b);
  return {
    threshold,
    ...c,
    accuracy: ratio(c.tp + c.tn, n),
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
  };
}

/** Accuracy, precision, recall and F1 (of the positive class) with "positive" = score >= threshold. */
export function classificationMetrics(labels: readonly number[], scores: readonly number[], threshold = 0.5): ClassificationMetrics {
  return metricsFromCounts(confusionCounts(labels, scores, threshold), threshold);
}

/** (tp + tn) / n at the threshold; NaN for no rows. */
export function accuracy(labels: readonly number[], scores: readonly number[], threshold = 0.5): number {
  return classificationMetrics(labels, scores, threshold).accuracy;
}

/** tp / (tp + fp) at the threshold; NaN when nothing is predicted positive. */
export function precision(labels: readonly number[], scores: readonly number[], threshold = 0.5): number {
  return classificationMetrics(labels, scores, threshold).precision;
}

/** tp / (tp + fn) at the threshold; NaN when there is no positive. */
export function recall(labels: readonly number[], scores: readonly number[], threshold = 0.5): number {
  return classificationMetrics(labels, scores, threshold).recall;
}

/** 2 tp / (2 tp + fp + fn) at the threshold; NaN when there is no positive and none is predicted. */
export function f1Score(labels: readonly number[], scores: readonly number[], threshold = 0.5): number {
  return classificationMetrics(labels, scores, threshold).f1;
}

/**
 * The threshold with the highest F1, among the distinct scores (predicted positive = score >= threshold).
 * Ties keep the higher threshold. Scanning all thresholds is one sort: O(n log n). NaN threshold (and NaN
 * metrics) when there is no positive. Chosen on the data it is measured on, so its F1 is optimistic.
 */
export function bestF1Threshold(labels: readonly number[], scores: readonly number[]): ClassificationMetrics {
  checkLengths('bestF1Threshold', labels, scores, 'labels', 'scores');
  const positives = checkBinary('bestF1Threshold', labels);
  checkScores('bestF1Threshold', scores);
  const n = labels.length;
  if (positives === 0) return metricsFromCounts({ tp: 0, fp: 0, tn: n, fn: 0 }, Number.NaN);
  const order = descendingOrder(scores);
  let tp = 0;
  let fp = 0;
  let best: { f1: number; threshold: number; tp: number; fp: number } = { f1: -1, threshold: Number.NaN, tp: 0, fp: 0 };
  let i = 0;
  while (i < n) {
    const value = scores[order[i] as number] as number;
    while (i < n && scores[order[i] as number] === value) {
      if (labels[order[i] as number] === 1) tp++;
      else fp++;
      i++;
    }
    const f1 = (2 * tp) / (2 * tp + fp + (positives - tp));
    if (f1 > best.f1) best = { f1, threshold: value, tp, fp };
  }
  return metricsFromCounts({ tp: best.tp, fp: best.fp, tn: n - positives - best.fp, fn: positives - best.tp }, best.threshold);
}

// ---------------------------------------------------------------------------------------------------------
// Lift

export interface LiftRow {
  /** 1 = the highest scores. */
  group: number;
  count: number;
  positives: number;
  /** positives / count; NaN for an empty group. */
  rate: number;
  /** rate / overall rate; NaN for an empty group or no positive at all. */
  lift: number;
  /** Share of all positives found in groups 1..group; NaN when there is no positive. */
  cumulativeGain: number;
  /** Cumulative lift: (positives in 1..group / rows in 1..group) / overall rate. */
  cumulativeLift: number;
  minScore: number;
  maxScore: number;
}

/**
 * Lift by group of equal size (deciles by default): rows sorted by score, highest first, then cut into
 * `groups` parts by position (group g holds positions floor((g-1) n / groups) .. floor(g n / groups) - 1).
 * Tied scores that straddle a cut are split in input order. With fewer rows than groups some groups are
 * empty (count 0, NaN rates). Throws for an empty input.
 */
export function liftTable(labels: readonly number[], scores: readonly number[], groups = 10): LiftRow[] {
  checkLengths('liftTable', labels, scores, 'labels', 'scores');
  const positives = checkBinary('liftTable', labels);
  checkScores('liftTable', scores);
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`liftTable: groups must be a positive integer, got ${groups}`);
  const n = labels.length;
  if (n === 0) throw new Error('liftTable: no rows');
  const baseRate = positives / n;
  const order = descendingOrder(scores);
  const rows: LiftRow[] = [];
  let cumulativePositives = 0;
  let cumulativeCount = 0;
  for (let g = 0; g < groups; g++) {
    const start = Math.floor((g * n) / groups);
    const end = Math.floor(((g + 1) * n) / groups);
    let pos = 0;
    let minScore = Number.NaN;
    let maxScore = Number.NaN;
    for (let k = start; k < end; k++) {
      const i = order[k] as number;
      pos += labels[i] as number;
      const s = scores[i] as number;
      if (!(s >= minScore)) minScore = s;
      if (!(s <= maxScore)) maxScore = s;
    }
    const count = end - start;
    cumulativePositives += pos;
    cumulativeCount += count;
    const rate = count === 0 ? Number.NaN : pos / count;
    rows.push({
      group: g + 1,
      count,
      positives: pos,
      rate,
      lift: positives === 0 ? Number.NaN : rate / baseRate,
      cumulativeGain: positives === 0 ? Number.NaN : cumulativePositives / positives,
      cumulativeLift: positives === 0 || cumulativeCount === 0 ? Number.NaN : cumulativePositives / cumulativeCount / baseRate,
      minScore,
      maxScore,
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------
// Calibration

export interface ReliabilityBin {
  /** Bin bounds: [lower, upper), the last bin includes 1. */
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin; NaN when empty. */
  meanPredicted: number;
  /** Share of positives in the bin; NaN when empty. */
  observedRate: number;
}

export interface Calibration {
  /** Mean squared error of the probabilities (NaN for no rows). */
  brier: number;
  bins: ReliabilityBin[];
  /** Expected calibration error: sum over non-empty bins of (count / n) |meanPredicted - observedRate|. */
  ece: number;
  /** The largest |meanPredicted - observedRate| over non-empty bins. */
  maxCalibrationError: number;
}

/**
 * Reliability bins of equal width over [0, 1] (10 by default): bin b holds probabilities in
 * [b / bins, (b + 1) / bins), the last one also 1. Probabilities outside [0, 1] throw.
 */
export function reliabilityBins(labels: readonly number[], probabilities: readonly number[], bins = 10): ReliabilityBin[] {
  checkLengths('reliabilityBins', labels, probabilities, 'labels', 'probabilities');
  checkBinary('reliabilityBins', labels);
  checkProbabilities('reliabilityBins', probabilities);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`reliabilityBins: bins must be a positive integer, got ${bins}`);
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i] as number;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]!++;
    sumP[b]! += p;
    sumY[b]! += labels[i] as number;
  }
  return count.map((c, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: c,
    meanPredicted: c === 0 ? Number.NaN : (sumP[b] as number) / c,
    observedRate: c === 0 ? Number.NaN : (sumY[b] as number) / c,
  }));
}

/** Brier score, reliability bins and calibration errors (ECE and MCE are NaN for no rows). */
export function calibration(labels: readonly number[], probabilities: readonly number[], bins = 10): Calibration {
  const table = reliabilityBins(labels, probabilities, bins);
  const n = labels.length;
  let ece = 0;
  let mce = 0;
  for (const b of table) {
    if (b.count === 0) continue;
    const gap = Math.abs(b.meanPredicted - b.observedRate);
    ece += (b.count / n) * gap;
    mce = Math.max(mce, gap);
  }
  return {
    brier: brierScore(labels, probabilities),
    bins: table,
    ece: n === 0 ? Number.NaN : ece,
    maxCalibrationError: n === 0 ? Number.NaN : mce,
  };
}

/** Expected calibration error over equal-width bins (see calibration()). */
export function expectedCalibrationError(labels: readonly number[], probabilities: readonly number[], bins = 10): number {
  return calibration(labels, probabilities, bins).ece;
}

// ---------------------------------------------------------------------------------------------------------
// Regression (rating prediction)

function checkFinitePairs(what: string, actual: readonly number[], predicted: readonly number[]): void {
  checkLengths(what, actual, predicted, 'actual values', 'predictions');
  for (let i = 0; i < actual.length; i++) {
    if (!Number.isFinite(actual[i])) throw new Error(`${what}: actual[${i}] is ${String(actual[i])}`);
    if (!Number.isFinite(predicted[i])) throw new Error(`${what}: predicted[${i}] is ${String(predicted[i])}`);
  }
}

/** Root mean squared error; NaN for no values. */
export function rmse(actual: readonly number[], predicted: readonly number[]): number {
  checkFinitePairs('rmse', actual, predicted);
  if (actual.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += ((actual[i] as number) - (predicted[i] as number)) ** 2;
  return Math.sqrt(sum / actual.length);
}

/** Mean absolute error; NaN for no values. */
export function mae(actual: readonly number[], predicted: readonly number[]): number {
  checkFinitePairs('mae', actual, predicted);
  if (actual.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs((actual[i] as number) - (predicted[i] as number));
  return sum / actual.length;
}

// ---------------------------------------------------------------------------------------------------------
// Top-k recommendation metrics (binary relevance)

function checkK(what: string, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${what}: k must be a positive integer, got ${k}`);
}

/** The first k distinct recommended items (a repeated item counts once, at its first position). */
function topK(recommended: readonly string[], k: number): string[] {
  const seen = new Set<string>();
  for (const item of recommended) {
    if (seen.size >= k) break;
    seen.add(item);
  }
  return [...seen];
}

function hitsAtK(recommended: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return topK(recommended, k).filter((item) => relevant.has(item)).length;
}

/** Relevant items among the first k recommended, divided by k (a shorter list is not rewarded). */
export function precisionAtK(recommended: readonly string[], relevant: Iterable<string>, k: number): number {
  checkK('precisionAtK', k);
  return hitsAtK(recommended, new Set(relevant), k) / k;
}

/** Relevant items among the first k recommended, divided by the number of relevant items; NaN when none is relevant. */
export function recallAtK(recommended: readonly string[], relevant: Iterable<string>, k: number): number {
  checkK('recallAtK', k);
  const set = new Set(relevant);
  return set.size === 0 ? Number.NaN : hitsAtK(recommended, set, k) / set.size;
}

/**
 * Normalised discounted cumulative gain with binary relevance: DCG = sum over hits at (0-based) position i
 * of 1 / log2(i + 2), divided by the DCG of an ideal list (all relevant items first, at most k). NaN when
 * nothing is relevant.
 */
export function ndcgAtK(recommended: readonly string[], relevant: Iterable<string>, k: number): number {
  checkK('ndcgAtK', k);
  const set = new Set(relevant);
  if (set.size === 0) return Number.NaN;
  let dcg = 0;
  topK(recommended, k).forEach((item, i) => {
    if (set.has(item)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, set.size); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

/** 1 when at least one of the first k recommended is relevant, else 0; NaN when nothing is relevant. */
export function hitRateAtK(recommended: readonly string[], relevant: Iterable<string>, k: number): number {
  checkK('hitRateAtK', k);
  const set = new Set(relevant);
  if (set.size === 0) return Number.NaN;
  return hitsAtK(recommended, set, k) > 0 ? 1 : 0;
}

export interface RankingCase {
  recommended: readonly string[];
  relevant: Iterable<string>;
}

export interface RankingMetrics {
  k: number;
  /** Cases with at least one relevant item (the others are left out). */
  cases: number;
  precision: number;
  recall: number;
  ndcg: number;
  hitRate: number;
}

/** Each top-k metric averaged over the cases that have a relevant item (NaN when none has). */
export function rankingMetrics(cases: readonly RankingCase[], k: number): RankingMetrics {
  checkK('rankingMetrics', k);
  let used = 0;
  const sum = { precision: 0, recall: 0, ndcg: 0, hitRate: 0 };
  for (const c of cases) {
    const relevant = new Set(c.relevant);
    if (relevant.size === 0) continue;
    used++;
    sum.precision += precisionAtK(c.recommended, relevant, k);
    sum.recall += recallAtK(c.recommended, relevant, k);
    sum.ndcg += ndcgAtK(c.recommended, relevant, k);
    sum.hitRate += hitRateAtK(c.recommended, relevant, k);
  }
  const mean = (s: number) => (used === 0 ? Number.NaN : s / used);
  return { k, cases: used, precision: mean(sum.precision), recall: mean(sum.recall), ndcg: mean(sum.ndcg), hitRate: mean(sum.hitRate) };
}

// ---------------------------------------------------------------------------------------------------------
// Summaries

export interface MeanSd {
  mean: number;
  /** Sample standard deviation (n - 1); 0 for one value, NaN for none. */
  sd: number;
  n: number;
}

/** Mean and sample standard deviation, ignoring NaN values. */
export function meanSd(values: readonly number[]): MeanSd {
  const xs = values.filter((v) => !Number.isNaN(v));
  const n = xs.length;
  if (n === 0) return { mean: Number.NaN, sd: Number.NaN, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n === 1 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}
