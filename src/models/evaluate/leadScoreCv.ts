/**
 * Cross-validation of the product's lead score: the one implementation behind `crm-signals eval leadscore`
 * and bench/leadScore.ts. Each fold calls fitLeadScore on the training rows (it may hold out its own
 * calibration share inside them) and predictLeadScore on the test rows, through their public functions
 * only, so it measures whatever forest and calibration the lead score uses at run time.
 *
 * Reported: ROC AUC per fold (mean ± sd) and pooled, PR AUC, Brier (calibrated and, when the model exposes
 * its calibration, uncalibrated), accuracy / precision / recall / F1 at 0.5 and at the best-F1 threshold,
 * lift by decile, reliability bins, fit and predict times, a single-column leakage check and the global
 * feature importance when the model exposes one. Pure apart from the clock.
 */
import { LEAKAGE_AUC_THRESHOLD, singleFeatureAucs } from '../../features/leakage.ts';
import type { SingleFeatureAuc } from '../../features/leakage.ts';
import type { FeatureSpec, RawRow } from '../../features/pipeline.ts';
import { fitLeadScore, predictLeadScore } from '../leadScore/index.ts';
import { averagePrecision, bestF1Threshold, brierScore, calibration, classificationMetrics, liftTable, meanSd, rocAuc } from './metrics.ts';
import type { Calibration, ClassificationMetrics, LiftRow, MeanSd } from './metrics.ts';
import { foldsFromAssignment, stratifiedKFoldAssignment } from './splits.ts';

export { singleFeatureAucs };
export type { SingleFeatureAuc };

type FitOptions = Parameters<typeof fitLeadScore>[2];
type FittedModel = Awaited<ReturnType<typeof fitLeadScore>>['model'];

export interface LeadScoreCvProgress {
  fold: number;
  folds: number;
  stage: 'fit' | 'done';
  auc?: number;
  fitSeconds?: number;
}

export interface LeadScoreCvOptions {
  spec: FeatureSpec;
  /** Folds (default 5). */
  folds?: number;
  /** Seed of the fold assignment; fold f fits with seed + f (default 42). */
  seed?: number;
  /** A fold per row (0..folds-1) instead of the seeded stratified assignment. */
  assignment?: readonly number[];
  /** More fitLeadScore options (trees, ...). */
  fit?: Partial<Omit<FitOptions, 'spec' | 'seed'>>;
  /** Reliability bins and lift groups (default 10 each). */
  bins?: number;
  groups?: number;
  /** A single column with a cross-validated AUC above this is flagged as a likely leak (default 0.95). */
  leakageThreshold?: number;
  /** Keep each fold's fitted model in the result (for throughput measurements). */
  keepModels?: boolean;
  onProgress?: (event: LeadScoreCvProgress) => void;
}

export interface LeadScoreFold {
  fold: number;
  trainRows: number;
  testRows: number;
  testPositives: number;
  auc: number;
  prAuc: number;
  brier: number;
  /** Brier of the uncalibrated probabilities; null when the model does not expose its calibration. */
  brierUncalibrated: number | null;
  fitSeconds: number;
  predictSeconds: number;
}

export interface LeadScoreCvResult {
  rows: number;
  positives: number;
  baseRate: number;
  folds: LeadScoreFold[];
  auc: MeanSd & { pooled: number };
  prAuc: MeanSd & { pooled: number };
  brier: number;
  /** Null when the model does not expose raw (uncalibrated) probabilities. */
  brierUncalibrated: number | null;
  rawProbabilities: boolean;
  atHalf: ClassificationMetrics;
  /** Threshold chosen on the same out-of-fold predictions it is measured on: optimistic. */
  bestF1: ClassificationMetrics;
  lift: LiftRow[];
  calibration: Calibration;
  calibrationUncalibrated: Calibration | null;
  fitSeconds: MeanSd;
  predictSeconds: MeanSd;
  /** Test rows scored per second (without reasons), over all folds. */
  predictRecordsPerSecond: number;
  singleFeature: SingleFeatureAuc[];
  leakage: SingleFeatureAuc[];
  leakageThreshold: number;
  /** Mean over folds of the model's own importance, summed per source column; null when not exposed. */
  importance: Array<{ column: string; importance: number }> | null;
  /** What the model says about itself (forest kind, settings), for the report. */
  model: { forest: string; settings: unknown; trainRowsPerFold: number | null };
  /** Out-of-fold predictions, one per row (input order). */
  outOfFold: { labels: (0 | 1)[]; probabilities: number[]; uncalibrated: number[] | null };
  models?: FittedModel[];
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

// ---------------------------------------------------------------------------------------------------------
// What the model exposes (read defensively: the lead score's internals may change)

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}

/**
 * The uncalibrated probabilities behind calibrated ones, when the model carries Platt parameters
 * ({ a > 0, b }) applied as p = sigmoid(a logit(raw) + b) (leadScore.ts). Null otherwise.
 */
export function uncalibratedProbabilities(model: unknown, calibrated: readonly number[]): number[] | null {
  const platt = record(record(model)?.calibration);
  const a = platt?.a;
  const b = platt?.b;
  if (typeof a !== 'number' || typeof b !== 'number' || !(a > 0) || !Number.isFinite(b)) return null;
  return calibrated.map((p) => {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
    const z = (Math.log(q / (1 - q)) - b) / a;
    return 1 / (1 + Math.exp(-z));
  });
}

/**
 * The model's global importance per source column, when it exposes one: the lead score's own per-column
 * shares, or a feature-level importance array summed per source column.
 */
export function exposedImportance(model: unknown): Map<string, number> | null {
  const m = record(model);
  if (m === null) return null;
  const perColumn = m.importance;
  if (Array.isArray(perColumn) && perColumn.length > 0 && perColumn.every((c) => typeof record(c)?.column === 'string' && typeof record(c)?.share === 'number')) {
    return new Map(perColumn.map((c) => [String(record(c)?.column), Number(record(c)?.share)]));
  }
  const featureNames = Array.isArray(m.featureNames) ? (m.featureNames as unknown[]) : null;
  const candidates = [m.featureImportance, record(m.forest)?.featureImportance, record(m.metrics)?.featureImportance];
  const values = candidates.find((c): c is number[] => Array.isArray(c) && c.length > 0 && c.every((v) => typeof v === 'number' && Number.isFinite(v)));
  if (values === undefined || featureNames === null || featureNames.length !== values.length) return null;
  const sources = record(m.pipeline)?.featureSources;
  const sourceOf = (i: number): string => (Array.isArray(sources) && typeof sources[i] === 'string' ? (sources[i] as string) : String(featureNames[i]));
  const out = new Map<string, number>();
  values.forEach((v, i) => out.set(sourceOf(i), (out.get(sourceOf(i)) ?? 0) + v));
  return out;
}

function describeModel(model: unknown, fitMetrics: unknown): LeadScoreCvResult['model'] {
  const m = record(model);
  const blend = record(m?.blend);
  const forest = record(m?.forest);
  let kind = typeof forest?.kind === 'string' ? forest.kind : 'unknown model';
  if (typeof blend?.forest === 'number' && typeof blend.logistic === 'number') {
    const parts: Array<[string, unknown]> = [
      ['fast forest', blend.forest],
      ['L2 logistic', blend.logistic],
      ['gradient boosting', blend.boosting],
    ];
    kind = blend.logistic === 1 ? 'logistic regression (prior)' : parts.filter(([, w]) => typeof w === 'number' && w > 0).map(([name, w]) => `${name} ${Math.round((w as number) * 100)} %`).join(' + ');
  }
  const rows = record(fitMetrics)?.rows ?? record(fitMetrics)?.trainRows;
  return { forest: kind, settings: m?.settings ?? null, trainRowsPerFold: typeof rows === 'number' ? rows : null };
}

// ---------------------------------------------------------------------------------------------------------

/**
 * Stratified k-fold cross-validation of fitLeadScore / predictLeadScore on raw rows and 0/1 labels.
 * Throws the lead score's own errors (too few positives in a training fold...) and RangeErrors for folds
 * that cannot be stratified.
 */
export async function crossValidateLeadScore(rows: readonly RawRow[], labels: readonly (0 | 1)[], options: LeadScoreCvOptions): Promise<LeadScoreCvResult> {
  if (rows.length !== labels.length) throw new Error(`crossValidateLeadScore: ${rows.length} rows but ${labels.length} labels`);
  const k = options.folds ?? 5;
  const seed = options.seed ?? 42;
  const assignment = options.assignment ?? stratifiedKFoldAssignment(labels, k, seed);
  if (assignment.length !== rows.length) throw new Error(`crossValidateLeadScore: ${assignment.length} fold assignments for ${rows.length} rows`);
  const folds = foldsFromAssignment(assignment, k);
  const n = rows.length;
  const probabilities = new Array<number>(n).fill(Number.NaN);
  let uncalibrated: number[] | null = new Array<number>(n).fill(Number.NaN);
  const foldResults: LeadScoreFold[] = [];
  const importanceSums = new Map<string, number>();
  let importanceFolds = 0;
  const models: FittedModel[] = [];
  let description: LeadScoreCvResult['model'] = { forest: 'unknown forest', settings: null, trainRowsPerFold: null };

  for (const { fold, train, test } of folds) {
    options.onProgress?.({ fold: fold + 1, folds: k, stage: 'fit' });
    const trainRows = train.map((i) => rows[i] as RawRow);
    const trainLabels = train.map((i) => labels[i] as 0 | 1);
    const testRows = test.map((i) => rows[i] as RawRow);
    const testLabels = test.map((i) => labels[i] as 0 | 1);

    const t0 = performance.now();
    const fitted = await fitLeadScore(trainRows, trainLabels, { ...options.fit, spec: options.spec, seed: seed + fold } as FitOptions);
    const fitSeconds = seconds(t0);
    const t1 = performance.now();
    const predictions = await predictLeadScore(fitted.model, testRows, { reasons: false });
    const predictSeconds = seconds(t1);
    const p = predictions.map((x) => x.probability);
    const raw = uncalibratedProbabilities(fitted.model, p);
    test.forEach((row, j) => {
      probabilities[row] = p[j] as number;
      if (uncalibrated !== null && raw !== null) uncalibrated[row] = raw[j] as number;
    });
    if (raw === null) uncalibrated = null;

    const importance = exposedImportance(fitted.model);
    if (importance !== null) {
      importanceFolds++;
      for (const [column, v] of importance) importanceSums.set(column, (importanceSums.get(column) ?? 0) + v);
    }
    if (fold === 0) description = describeModel(fitted.model, fitted.metrics);
    if (options.keepModels) models.push(fitted.model);

    const auc = rocAuc(testLabels, p);
    foldResults.push({
      fold: fold + 1,
      trainRows: train.length,
      testRows: test.length,
      testPositives: testLabels.reduce<number>((s, y) => s + y, 0),
      auc,
      prAuc: averagePrecision(testLabels, p),
      brier: brierScore(testLabels, p),
      brierUncalibrated: raw === null ? null : brierScore(testLabels, raw),
      fitSeconds,
      predictSeconds,
    });
    options.onProgress?.({ fold: fold + 1, folds: k, stage: 'done', auc, fitSeconds });
  }

  const y = labels.slice();
  const positives = y.reduce<number>((s, v) => s + v, 0);
  const aucs = meanSd(foldResults.map((f) => f.auc));
  const prs = meanSd(foldResults.map((f) => f.prAuc));
  const singleFeature = singleFeatureAucs(rows, labels, options.spec, folds);
  const leakageThreshold = options.leakageThreshold ?? LEAKAGE_AUC_THRESHOLD;
  const totalPredictSeconds = foldResults.reduce((s, f) => s + f.predictSeconds, 0);
  const result: LeadScoreCvResult = {
    rows: n,
    positives,
    baseRate: positives / n,
    folds: foldResults,
    auc: { ...aucs, pooled: rocAuc(y, probabilities) },
    prAuc: { ...prs, pooled: averagePrecision(y, probabilities) },
    brier: brierScore(y, probabilities),
    brierUncalibrated: uncalibrated === null ? null : brierScore(y, uncalibrated),
    rawProbabilities: uncalibrated !== null,
    atHalf: classificationMetrics(y, probabilities, 0.5),
    bestF1: bestF1Threshold(y, probabilities),
    lift: liftTable(y, probabilities, options.groups ?? 10),
    calibration: calibration(y, probabilities, options.bins ?? 10),
    calibrationUncalibrated: uncalibrated === null ? null : calibration(y, uncalibrated, options.bins ?? 10),
    fitSeconds: meanSd(foldResults.map((f) => f.fitSeconds)),
    predictSeconds: meanSd(foldResults.map((f) => f.predictSeconds)),
    predictRecordsPerSecond: totalPredictSeconds > 0 ? n / totalPredictSeconds : Number.NaN,
    singleFeature,
    leakage: singleFeature.filter((s) => s.auc > leakageThreshold),
    leakageThreshold,
    importance:
      importanceFolds === 0
        ? null
        : [...importanceSums.entries()].map(([column, v]) => ({ column, importance: v / importanceFolds })).sort((a, b) => b.importance - a.importance),
    model: description,
    outOfFold: { labels: y, probabilities, uncalibrated },
  };
  if (options.keepModels) result.models = models;
  return result;
}
