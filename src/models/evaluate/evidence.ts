/**
 * The evidence a model report draws, kept with the model when it is trained: computed from the
 * out-of-sample probabilities (no row scored by a model that saw it), small enough to store with every
 * version (about 250 numbers whatever the training size), and enough to redraw every chart later.
 *
 * Counts per score (1-99, the number reps see) rather than the probabilities themselves: precision and
 * recall at any threshold the admin picks, the score distribution and the ROC curve at the score's own
 * resolution all follow from them, and no row of the training data is kept.
 */
import { rocAuc } from '../evaluate.ts';
import { calibration, liftTable, type LiftRow, type ReliabilityBin } from './metrics.ts';

export const EVIDENCE_VERSION = 1;

/** A probability as the 1-99 score written to the CRM (the lead score's own rounding). */
export function scoreOf(probability: number): number {
  return Math.min(99, Math.max(1, Math.round(probability * 100)));
}

export interface ScoreEvidence {
  v: typeof EVIDENCE_VERSION;
  rows: number;
  positives: number;
  auc: number;
  /** [score, converted, lost] for every score 1..99 that occurs, ascending. */
  byScore: Array<[number, number, number]>;
  /** Deciles of the out-of-sample probability, highest first. NaN (empty deciles) is stored as null. */
  lift: LiftRow[];
  /** Ten equal-width bins of the calibrated probability. */
  calibration: ReliabilityBin[];
  ece: number;
}

export function scoreEvidence(labels: readonly (0 | 1)[], probabilities: readonly number[]): ScoreEvidence {
  const counts = new Map<number, [number, number]>();
  let positives = 0;
  labels.forEach((y, i) => {
    const s = scoreOf(probabilities[i] as number);
    const c = counts.get(s) ?? [0, 0];
    c[y === 1 ? 0 : 1]++;
    counts.set(s, c);
    positives += y;
  });
  const cal = calibration(labels, probabilities, 10);
  return {
    v: EVIDENCE_VERSION,
    rows: labels.length,
    positives,
    auc: rocAuc(labels, probabilities),
    byScore: [...counts.entries()].sort(([a], [b]) => a - b).map(([s, [p, n]]) => [s, p, n]),
    lift: liftTable(labels, probabilities, 10),
    calibration: cal.bins,
    ece: cal.ece,
  };
}

export interface ThresholdRow {
  /** Contacts with this score or more are called likely to convert. */
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** NaN when nothing scores this high. */
  precision: number;
  recall: number;
  /** Share of all contacts at or above the threshold. */
  flagged: number;
}

/** Precision and recall when every score >= threshold counts as "will convert". */
export function atThreshold(evidence: Pick<ScoreEvidence, 'byScore' | 'positives' | 'rows'>, threshold: number): ThresholdRow {
  let tp = 0;
  let fp = 0;
  for (const [score, converted, lost] of evidence.byScore) {
    if (score < threshold) continue;
    tp += converted;
    fp += lost;
  }
  const fn = evidence.positives - tp;
  const tn = evidence.rows - evidence.positives - fp;
  return {
    threshold,
    tp,
    fp,
    fn,
    tn,
    precision: tp + fp === 0 ? Number.NaN : tp / (tp + fp),
    recall: evidence.positives === 0 ? Number.NaN : tp / evidence.positives,
    flagged: evidence.rows === 0 ? Number.NaN : (tp + fp) / evidence.rows,
  };
}

/** The ROC curve at the score's resolution: one point per distinct score, from (0, 0) to (1, 1). */
export function rocPoints(evidence: Pick<ScoreEvidence, 'byScore' | 'positives' | 'rows'>): Array<{ fpr: number; tpr: number; threshold: number | null }> {
  const negatives = evidence.rows - evidence.positives;
  const points: Array<{ fpr: number; tpr: number; threshold: number | null }> = [{ fpr: 0, tpr: 0, threshold: null }];
  let tp = 0;
  let fp = 0;
  for (const [score, converted, lost] of [...evidence.byScore].reverse()) {
    tp += converted;
    fp += lost;
    points.push({ fpr: negatives === 0 ? 0 : fp / negatives, tpr: evidence.positives === 0 ? 0 : tp / evidence.positives, threshold: score });
  }
  return points;
}

/** Converted and lost contacts per band of scores (1-9, 10-19, ..., 90-99 by default). */
export function scoreDistribution(evidence: Pick<ScoreEvidence, 'byScore'>, width = 10): Array<{ from: number; to: number; converted: number; lost: number }> {
  const bands: Array<{ from: number; to: number; converted: number; lost: number }> = [];
  for (let from = 0; from < 100; from += width) bands.push({ from: Math.max(1, from), to: Math.min(99, from + width - 1), converted: 0, lost: 0 });
  for (const [score, converted, lost] of evidence.byScore) {
    const band = bands[Math.min(bands.length - 1, Math.floor(score / width))]!;
    band.converted += converted;
    band.lost += lost;
  }
  return bands;
}

export interface ChampionComparison {
  /** The CRM field holding the existing score. */
  field: string;
  /** Labelled rows where that field holds a number: both scores are compared on exactly these. */
  rows: number;
  positives: number;
  championAuc: number;
  challengerAuc: number;
  /** Share of converted leads in the top tenth by each score. */
  championTopDecileRate: number;
  challengerTopDecileRate: number;
}

/**
 * Our out-of-sample scores against the CRM's existing score (HubSpot's predictive score, a Salesforce
 * rating turned number) on the labelled rows that have both. The CRM's score may itself have been fitted
 * on these outcomes, so the comparison favours it if anything.
 */
export function championComparison(
  field: string,
  labels: readonly (0 | 1)[],
  ours: readonly number[],
  champion: readonly (number | null)[],
): ChampionComparison | null {
  const keep = champion.flatMap((v, i) => (v === null || !Number.isFinite(v) ? [] : [i]));
  const y = keep.map((i) => labels[i] as 0 | 1);
  const positives = y.reduce<number>((s, v) => s + v, 0);
  if (positives === 0 || positives === y.length) return null;
  const theirs = keep.map((i) => champion[i] as number);
  const mine = keep.map((i) => ours[i] as number);
  const topRate = (scores: number[]) => liftTable(y, scores, 10)[0]!.rate;
  return {
    field,
    rows: keep.length,
    positives,
    championAuc: rocAuc(y, theirs),
    challengerAuc: rocAuc(y, mine),
    championTopDecileRate: topRate(theirs),
    challengerTopDecileRate: topRate(mine),
  };
}
