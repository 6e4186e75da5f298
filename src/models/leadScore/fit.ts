/**
 * Fitting the lead score: three models on one feature matrix, blended in log-odds.
 *
 * Every training row is used for the models AND for the honest estimate, with no holdout carved out:
 * - the fast forest (src/models/forest) scores each row out-of-bag, by the trees whose bootstrap did not
 *   draw it (about 37 of 100): a holdout per tree;
 * - the L2 logistic model and the histogram gradient boosting (src/models/boosting) are each fitted k
 *   times on k-1 folds to score the remaining fold (cross-fitting), then once more on all rows.
 * The blend weights and the calibration (one stacking fit) and the reported AUC are all computed on those
 * out-of-sample scores (the AUC is measured where the weights were fitted, optimistic in principle; on
 * bank-marketing the inner estimate, 0.803, was no higher than the outer cross-validation's 0.805). A 25 %
 * holdout cost the forest about 0.004 AUC there; out-of-bag and cross-fitted scores cost only fitting time.
 *
 * Little data (fewer than LOW_DATA_POSITIVES converted leads): the transparent logistic model alone,
 * marked low confidence, unless the forest alone scores better out-of-sample.
 */
import { createHash } from 'node:crypto';
import { fitRowCleaner } from '../../features/cleaning.ts';
import { leakageWarnings, singleFeatureAucs } from '../../features/leakage.ts';
import { fitFeaturePipeline } from '../../features/pipeline.ts';
import type { FeaturePipeline, RawRow } from '../../features/pipeline.ts';
import { applyPlatt, fitPlatt, logit, sigmoid } from '../calibration.ts';
import type { PlattParameters } from '../calibration.ts';
import { brierScore, rocAuc } from '../evaluate.ts';
import { scoreEvidence } from '../evaluate/evidence.ts';
import { foldsFromAssignment, stratifiedKFoldAssignment } from '../evaluate/splits.ts';
import { fitForest, oobProba, predictProba as forestProba } from '../forest/index.ts';
import type { DenseMatrix } from '../forest/index.ts';
import { fitBoosting, predictRaw as boostingLogits } from '../boosting/index.ts';
import type { BoostingModel, BoostingOptions } from '../boosting/index.ts';
import { fitLogistic, logisticLogits } from '../linear/logistic.ts';
import { columnContributions, explainRows } from './explain.ts';
import { LEAD_SCORE_KIND, LEAD_SCORE_VERSION, LOW_DATA_POSITIVES, LeadScoreTrainingError } from './types.ts';
import type { BlendWeights, ColumnImportance, Direction, LeadScoreMetrics, LeadScoreModel, LeadScoreOptions, LeadScoreSettings } from './types.ts';

const DEFAULTS = { trees: 100, maxFeatures: 0.4, l2: 1, priorL2: 5, folds: 5, minPositives: 10 };
/**
 * The boosting component: bench/boosting.ts measured 0.8053 AUC on bank-marketing at learning rate 0.05
 * (0.8034 at 0.1), fit about 1 s per fold; early stopping on a tenth of the rows decides the length.
 */
function boostingOptions(rows: number, seed: number): BoostingOptions {
  return { learningRate: 0.05, maxIter: 300, earlyStopping: rows >= 1000, seed, ...(rows >= 1000 ? {} : { maxIter: 100 }) };
}
/** Rows explained to measure global importance (evenly spaced through the training rows). */
const IMPORTANCE_SAMPLE = 1000;

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

function checkLabels(rows: readonly RawRow[], labels: readonly number[], minPositives: number): number {
  if (rows.length !== labels.length) throw new LeadScoreTrainingError(`${rows.length} rows but ${labels.length} labels`);
  let positives = 0;
  labels.forEach((label, i) => {
    if (label !== 0 && label !== 1) throw new LeadScoreTrainingError(`labels[${i}] is ${String(label)}: labels must be 0 (lost) or 1 (converted)`);
    positives += label;
  });
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new LeadScoreTrainingError(
      `only one class in the labels (${labels.length} rows, all ${positives === 0 ? 'lost (0)' : 'converted (1)'}): a lead score needs both converted and lost leads`,
    );
  }
  if (positives < minPositives) {
    throw new LeadScoreTrainingError(`too few converted leads: ${positives} positive labels, at least ${minPositives} needed to train and evaluate a lead score`);
  }
  if (negatives < minPositives) {
    throw new LeadScoreTrainingError(`too few lost leads: ${negatives} negative labels, at least ${minPositives} needed to train and evaluate a lead score`);
  }
  return positives;
}

/**
 * Fewest rows per forest leaf. A few hundred rows need small leaves to split at all; 20 suits thousands;
 * above 13,000 rows leaves grow with the data (1/650 of it), so the trees keep about as many leaves and
 * scoring stays fast at any size. On bank-marketing's 5-fold protocol (32,950 training rows, 51 per leaf)
 * the AUC went from 0.8047 to 0.8050 and scoring without reasons from 90,500 to 103,000 records/s, Brier
 * 0.0762 either way; 100 per leaf scored 112,000/s at 0.8048.
 */
function forestLeafSize(rows: number): number {
  return Math.max(Math.min(20, Math.max(3, Math.round(rows / 100))), Math.round(rows / 650));
}

function settingsFrom(options: LeadScoreOptions, rows: number, lowData: boolean): LeadScoreSettings {
  const settings: LeadScoreSettings = {
    seed: options.seed,
    trees: options.trees ?? DEFAULTS.trees,
    minSamplesLeaf: options.minSamplesLeaf ?? forestLeafSize(rows),
    maxFeatures: options.maxFeatures ?? DEFAULTS.maxFeatures,
    l2: options.l2 ?? (lowData ? DEFAULTS.priorL2 : DEFAULTS.l2),
    folds: options.folds ?? DEFAULTS.folds,
    // with few converted leads the choice is between two transparent models, not a tuned blend
    boosting: (options.boosting ?? true) && !lowData,
    ...(Object.keys(options.monotone ?? {}).length > 0 ? { monotone: { ...options.monotone } } : {}),
  };
  checkInteger('seed', settings.seed, Number.MIN_SAFE_INTEGER);
  checkInteger('trees', settings.trees, 1);
  checkInteger('minSamplesLeaf', settings.minSamplesLeaf, 1);
  checkInteger('folds', settings.folds, 2);
  if (!(settings.maxFeatures > 0 && settings.maxFeatures <= 1)) throw new RangeError(`maxFeatures must be in (0, 1], got ${settings.maxFeatures}`);
  if (!(settings.l2 >= 0)) throw new RangeError(`l2 must be >= 0, got ${settings.l2}`);
  return settings;
}

/**
 * One -1/0/1 per model feature from the directions of numeric columns: the column's value feature carries
 * it; its missing indicator stays free (missing is no point on the column's scale).
 */
function monotoneConstraints(pipeline: FeaturePipeline, numeric: readonly string[], directions: Record<string, Direction> | undefined): number[] | undefined {
  const named = Object.entries(directions ?? {});
  if (named.length === 0) return undefined;
  const cst = new Array<number>(pipeline.featureNames.length).fill(0);
  for (const [column, direction] of named) {
    const at = pipeline.featureNames.indexOf(column);
    if (!numeric.includes(column) || at < 0) throw new RangeError(`monotone names "${column}", which is not a numeric input of the model`);
    cst[at] = direction === 'increasing' ? 1 : -1;
  }
  return cst;
}

function subset(X: DenseMatrix, indices: readonly number[]): DenseMatrix {
  const p = X.nCols;
  const data = new Float64Array(indices.length * p);
  indices.forEach((i, k) => data.set(X.data.subarray(i * p, (i + 1) * p), k * p));
  return { data, nRows: indices.length, nCols: p };
}

/** Out-of-fold score of every row: `fit` on k-1 folds scores the remaining fold. */
function crossFitted(X: DenseMatrix, labels: readonly (0 | 1)[], folds: number, seed: number, fit: (X: DenseMatrix, y: number[]) => (X: DenseMatrix) => Float64Array): Float64Array {
  const out = new Float64Array(X.nRows);
  for (const { train, test } of foldsFromAssignment(stratifiedKFoldAssignment(labels, folds, seed), folds)) {
    const predict = fit(subset(X, train), train.map((i) => labels[i] as number));
    const p = predict(subset(X, test));
    test.forEach((i, k) => {
      out[i] = p[k] as number;
    });
  }
  return out;
}

type Component = 'forest' | 'logistic' | 'boosting';

/**
 * Stacking: a logistic regression of the outcome on the components' out-of-sample log-odds. Its
 * coefficients, normalized, are the blend weights and their sum the calibration slope, so weights and
 * calibration come from one smooth fit (maximum likelihood) instead of a grid search on a flat AUC
 * surface. A component with a negative coefficient (it only corrects another's noise) is dropped and the
 * rest refitted.
 */
function stack(logits: Record<Component, Float64Array | null>, y: readonly (0 | 1)[]): { blend: BlendWeights; calibration: PlattParameters } {
  let components = (['forest', 'logistic', 'boosting'] as const).filter((c) => logits[c] !== null);
  for (;;) {
    const n = y.length;
    const p = components.length;
    const data = new Float64Array(n * p);
    components.forEach((c, j) => {
      const s = logits[c] as Float64Array;
      for (let i = 0; i < n; i++) data[i * p + j] = s[i] as number;
    });
    const m = fitLogistic({ data, nRows: n, nCols: p }, y, { l2: 1e-6 });
    const coef = m.weights.map((w, j) => w / (m.scales[j] as number));
    const negative = coef.findIndex((c) => c <= 0);
    if (negative >= 0 && p > 1) {
      components = components.filter((_, j) => j !== negative);
      continue;
    }
    if (negative >= 0) {
      // one component left and it ranks backwards: no signal to blend; Platt keeps a slope >= 0
      const only = components[0] as Component;
      const blend: BlendWeights = { forest: 0, logistic: 0, boosting: 0, [only]: 1 };
      return { blend, calibration: fitPlatt(Array.from(logits[only] as Float64Array), y) };
    }
    const total = coef.reduce((a, b) => a + b, 0);
    const intercept = m.intercept - coef.reduce((acc, c, j) => acc + c * (m.means[j] as number), 0);
    const blend: BlendWeights = { forest: 0, logistic: 0, boosting: 0 };
    components.forEach((c, j) => {
      blend[c] = (coef[j] as number) / total;
    });
    return { blend, calibration: { a: total, b: intercept } };
  }
}

/** The blend's log-odds; each component's scores are given as log-odds. */
function blendScores(logits: Record<Component, Float64Array | null>, w: BlendWeights): number[] {
  const n = (logits.forest ?? logits.logistic ?? new Float64Array()).length;
  const out = new Array<number>(n).fill(0);
  for (const c of ['forest', 'logistic', 'boosting'] as const) {
    const s = logits[c];
    if (s === null || w[c] === 0) continue;
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) + w[c] * (s[i] as number);
  }
  return out;
}

/**
 * Fits the lead score on raw rows (CRM values by property name) and 0/1 outcomes; also the calibrated
 * out-of-sample probability of every row (what the report and a champion comparison measure). Throws
 * LeadScoreTrainingError for unusable labels (one class, too few of either).
 */
export async function fitLeadScore(
  rows: readonly RawRow[],
  labels: readonly (0 | 1)[],
  options: LeadScoreOptions,
): Promise<{ model: LeadScoreModel; metrics: LeadScoreMetrics; outOfSample: number[] }> {
  const minPositives = options.minPositives ?? DEFAULTS.minPositives;
  // Rows are people: the caller removes the same person recorded twice (by email, across CRMs). Rows that
  // merely look alike are kept: on bank-marketing 1,784 of 41,188 rows repeat another's inputs and outcome,
  // different customers all the same, and dropping them would misstate how common such leads are.
  const y = labels;
  const ranges = options.ranges ?? {};
  const notNumeric = Object.keys(ranges).filter((c) => !options.spec.numeric.includes(c));
  if (notNumeric.length > 0) throw new RangeError(`ranges name columns that are not numeric inputs of the model: ${notNumeric.map((c) => `"${c}"`).join(', ')}`);
  const cleaner = Object.keys(ranges).length === 0 ? null : fitRowCleaner({ ranges, placeholders: options.spec.placeholders ?? [] });
  const cleaning = cleaner === null ? null : cleaner.clean(rows);
  const trainRows = cleaning === null ? rows : cleaning.rows;
  const positives = checkLabels(trainRows, y, minPositives);
  const lowData = positives < LOW_DATA_POSITIVES;
  const settings = settingsFrom(options, trainRows.length, lowData);
  const folds = Math.min(settings.folds, positives, trainRows.length - positives);

  const pipeline = fitFeaturePipeline(trainRows, options.spec);
  const X = pipeline.transformDense(trainRows);
  const monotone = monotoneConstraints(pipeline, options.spec.numeric, settings.monotone);
  const constrained = monotone === undefined ? {} : { monotonicCst: monotone };
  const signed = monotone === undefined ? {} : { signs: monotone };

  const forest = await fitForest(X, y, {
    nEstimators: settings.trees,
    minSamplesLeaf: settings.minSamplesLeaf,
    maxFeatures: settings.maxFeatures,
    seed: settings.seed,
    featureNames: pipeline.featureNames,
    ...constrained,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
  });
  const oob = oobProba(forest, X);
  // a row every tree happened to draw has no out-of-bag score (rare below a handful of trees)
  const full = oob.some(Number.isNaN) ? forestProba(forest, X) : null;
  const forestScores = full === null ? oob : oob.map((v, i) => (Number.isNaN(v) ? (full[i] as number) : v));
  const logisticScores = crossFitted(X, y, folds, settings.seed, (Xt, yt) => {
    const m = fitLogistic(Xt, yt, { l2: settings.l2, ...signed });
    return (Xs) => logisticLogits(m, Xs);
  });
  const logistic = fitLogistic(X, y, { l2: settings.l2, ...signed });
  let boosting: BoostingModel | null = null;
  let boostingScores: Float64Array | null = null;
  if (settings.boosting) {
    const bo = { ...boostingOptions(trainRows.length, settings.seed), ...options.boostingOptions, ...constrained };
    boostingScores = crossFitted(X, y, folds, settings.seed, (Xt, yt) => {
      const m = fitBoosting(Xt, yt, bo);
      return (Xs) => boostingLogits(m, Xs);
    });
    boosting = fitBoosting(X, y, { ...bo, featureNames: pipeline.featureNames });
  }
  const scores: Record<Component, Float64Array | null> = {
    forest: forestScores.map(logit),
    logistic: logisticScores,
    boosting: boostingScores,
  };

  const forestAuc = rocAuc(y, Array.from(forestScores));
  const logisticAuc = rocAuc(y, Array.from(logisticScores));
  const boostingAuc = boostingScores === null ? null : rocAuc(y, Array.from(boostingScores));
  // low data: one transparent model or the forest, never a blend tuned on a few dozen positives
  let blend: BlendWeights;
  let calibration: PlattParameters;
  if (lowData) {
    const forestWins = forestAuc > logisticAuc;
    blend = { forest: forestWins ? 1 : 0, logistic: forestWins ? 0 : 1, boosting: 0 };
    calibration = fitPlatt(blendScores(scores, blend), y);
  } else {
    ({ blend, calibration } = stack(scores, y));
  }
  const honest = blendScores(scores, blend);
  const calibrated = honest.map((z) => applyPlatt(calibration, z));
  const auc = rocAuc(y, honest);

  const warnings: string[] = [];
  const leakFolds = foldsFromAssignment(stratifiedKFoldAssignment(y, Math.min(3, folds), settings.seed), Math.min(3, folds));
  warnings.push(...leakageWarnings(singleFeatureAucs(trainRows, y, options.spec, leakFolds), options.leakageThreshold));
  const impossible = Object.entries(cleaning?.counts ?? {}).filter(([, n]) => n > 0);
  if (impossible.length > 0) {
    warnings.push(`impossible values read as missing: ${impossible.map(([column, n]) => `${column} ${n}`).join(', ')} (outside the mapping's ranges)`);
  }
  if (lowData) {
    warnings.push(
      `only ${positives} converted leads (fewer than ${LOW_DATA_POSITIVES}): scores are low confidence and come from ${blend.forest === 1 ? 'the forest, which beat the logistic prior out-of-sample' : 'a transparent logistic prior'}`,
    );
  }

  const metrics: LeadScoreMetrics = {
    auc,
    forestAuc,
    logisticAuc,
    boostingAuc,
    evaluation: `out-of-sample on all ${trainRows.length} training rows: forest out-of-bag, ${settings.boosting ? 'logistic and boosting' : 'logistic'} ${folds}-fold cross-fitted`,
    rows: trainRows.length,
    positives,
    baseRate: positives / trainRows.length,
    brier: brierScore(y, calibrated),
    brierUncalibrated: brierScore(y, honest.map(sigmoid)),
    features: pipeline.featureNames.length,
    mode: lowData && blend.logistic === 1 ? 'prior' : 'blend',
    confidence: lowData ? 'low' : 'normal',
    blend,
    warnings,
    evidence: scoreEvidence(y, calibrated),
  };
  const draft: LeadScoreModel = {
    kind: LEAD_SCORE_KIND,
    version: LEAD_SCORE_VERSION,
    id: '',
    featureNames: [...pipeline.featureNames],
    cleaner,
    pipeline,
    forest: blend.forest > 0 ? forest : null,
    logistic,
    boosting: blend.boosting > 0 ? boosting : null,
    blend,
    calibration,
    confidence: metrics.confidence,
    importance: [],
    metrics,
    settings,
  };
  const model: LeadScoreModel = { ...draft, importance: importanceOf(draft, X), id: fingerprint(draft) };
  return { model, metrics, outOfSample: calibrated };
}

/** Mean absolute calibrated contribution per source column over evenly spaced training rows, as shares. */
function importanceOf(model: LeadScoreModel, X: DenseMatrix): ColumnImportance[] {
  const step = Math.max(1, Math.floor(X.nRows / IMPORTANCE_SAMPLE));
  const sample: number[] = [];
  for (let i = 0; i < X.nRows; i += step) sample.push(i);
  const totals = new Map<string, number>();
  explainRows(model, subset(X, sample), (_i, _probability, contributions) => {
    for (const { column, effect } of columnContributions(model, contributions)) totals.set(column, (totals.get(column) ?? 0) + Math.abs(effect));
  });
  const sum = [...totals.values()].reduce((s, v) => s + v, 0);
  const labels = new Map(model.pipeline.columnFeatures().map((c) => [c.column, c.label]));
  return [...totals.entries()]
    .map(([column, v]) => ({ column, label: labels.get(column) ?? column, share: sum > 0 ? v / sum : 0 }))
    .sort((a, b) => b.share - a.share || (a.column < b.column ? -1 : 1));
}

function fingerprint(model: LeadScoreModel): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([model.featureNames, model.blend, model.calibration, model.logistic.weights, model.settings]));
  if (model.forest !== null) hash.update(JSON.stringify(model.forest.trees));
  if (model.boosting !== null) hash.update(JSON.stringify(model.boosting.trees));
  return `ls2-${hash.digest('hex').slice(0, 12)}`;
}
