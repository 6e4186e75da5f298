/**
 * The lead score, first version: a random forest (ml-random-forest) on a fitted feature pipeline,
 * Platt-calibrated on a stratified holdout so the 1-99 score reads as a probability, with occlusion reasons.
 *
 * fitLeadScore(rows, labels, options) -> { model, metrics }; predict(model, rows) -> scores with reasons;
 * leadScoreToJSON / leadScoreFromJSON: plain JSON tagged { kind: 'leadScore', version: 1, featureNames }.
 * Pure: no connector, no store.
 */
import { z } from 'zod';
import { fitFeaturePipeline, FeaturePipeline, FeatureSchemaError } from '../features/pipeline.ts';
import type { FeatureSpec, RawRow } from '../features/pipeline.ts';
import { applyPlatt, fitPlatt, logit } from './calibration.ts';
import type { PlattParameters } from './calibration.ts';
import { brierScore, mulberry32, randomInt31, rocAuc, stratifiedSplit, stratifiedSubsample } from './evaluate.ts';
import { forestProbabilities, loadForest, trainForest, treeDepths } from './mlRandomForest.ts';
import type { RandomForestJson, TrainedForest, TreeOptions } from './mlRandomForest.ts';

export interface LeadScoreOptions {
  spec: FeatureSpec;
  seed: number;
  /** ml-random-forest trains in about O(n^2): the training part is subsampled (stratified) to this (1500). */
  maxTrainRows?: number;
  /** Number of trees (40). */
  trees?: number;
  /** Share of rows held out for evaluation and calibration (0.25). */
  holdoutShare?: number;
  /** Fewest rows of each class needed to train (10). */
  minPositives?: number;
  /** Share of features each tree sees (0.6). */
  maxFeatures?: number;
  /** ml-cart tree limits (maxDepth 6, minNumSamples 20, gainThreshold 0). */
  treeOptions?: Partial<TreeOptions>;
}

export interface LeadScoreMetrics {
  /** ROC AUC on the holdout (before calibration; Platt scaling keeps the ranking). */
  auc: number;
  trainRows: number;
  holdoutRows: number;
  /** Positive labels in all the rows given. */
  positives: number;
  /** Share of positive labels in all the rows given. */
  baseRate: number;
  holdoutPositives: number;
  /** Brier score of the calibrated probabilities on the holdout (calibrated there: optimistic). */
  holdoutBrier: number;
  features: number;
  /** Trees that never split (a sign of too little signal or too strict tree options). */
  stumps: number;
}

export interface LeadScoreSettings {
  seed: number;
  trees: number;
  maxTrainRows: number;
  holdoutShare: number;
  maxFeatures: number;
  treeOptions: TreeOptions;
}

export interface LeadScoreModel {
  readonly kind: 'leadScore';
  readonly version: 1;
  /** The forest's input features, in order. Must equal `pipeline.featureNames`. */
  readonly featureNames: readonly string[];
  readonly pipeline: FeaturePipeline;
  readonly forest: TrainedForest;
  /** Applied to logit(raw forest probability). */
  readonly calibration: PlattParameters;
  readonly metrics: LeadScoreMetrics;
  readonly settings: LeadScoreSettings;
}

export interface Reason {
  /** Source column (CRM property). */
  column: string;
  /** The record's value, readable: 'age 32-38', 'job = retired'. */
  bucket: string;
  direction: 'up' | 'down';
  /** How far this value moves the probability, in percentage points (magnitude, one decimal). */
  weight: number;
}

export interface LeadScorePrediction {
  /** Calibrated probability of conversion. */
  probability: number;
  /** round(100 * probability), clamped to 1..99. */
  score: number;
  /** Up to 3 raising and 3 lowering reasons, strongest first within each direction. */
  reasons: Reason[];
}

export interface PredictOptions {
  /** Compute occlusion reasons (default true). */
  reasons?: boolean;
  /** Reasons kept per direction (default 3). */
  maxReasonsPerDirection?: number;
}

/** Thrown when training data cannot give a meaningful model. */
export class LeadScoreTrainingError extends Error {
  override readonly name = 'LeadScoreTrainingError';
}

export const DEFAULT_TREE_OPTIONS: TreeOptions = { maxDepth: 6, minNumSamples: 20, gainThreshold: 0 };
const DEFAULTS = { maxTrainRows: 1500, trees: 40, holdoutShare: 0.25, minPositives: 10, maxFeatures: 0.6 };
/** Contributions smaller than this (probability) are not reasons. */
const MIN_REASON_EFFECT = 0.001;
/** Records scored per occlusion batch (bounds memory: batch x columns rows at once). */
const OCCLUSION_BATCH = 256;

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

function settingsFrom(options: LeadScoreOptions): LeadScoreSettings {
  const settings: LeadScoreSettings = {
    seed: options.seed,
    trees: options.trees ?? DEFAULTS.trees,
    maxTrainRows: options.maxTrainRows ?? DEFAULTS.maxTrainRows,
    holdoutShare: options.holdoutShare ?? DEFAULTS.holdoutShare,
    maxFeatures: options.maxFeatures ?? DEFAULTS.maxFeatures,
    treeOptions: { ...DEFAULT_TREE_OPTIONS, ...options.treeOptions },
  };
  checkInteger('seed', settings.seed, Number.MIN_SAFE_INTEGER);
  checkInteger('trees', settings.trees, 1);
  checkInteger('maxTrainRows', settings.maxTrainRows, 2);
  if (!(settings.holdoutShare > 0 && settings.holdoutShare < 1)) throw new RangeError(`holdoutShare must be in (0, 1), got ${settings.holdoutShare}`);
  if (!(settings.maxFeatures > 0 && settings.maxFeatures <= 1)) throw new RangeError(`maxFeatures must be in (0, 1], got ${settings.maxFeatures}`);
  return settings;
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
 * Fits the lead score: stratified holdout split, stratified subsample of the training part to
 * `maxTrainRows`, feature pipeline and forest fitted on that sample, ROC AUC on the holdout, then Platt
 * calibration on the holdout. Throws LeadScoreTrainingError for unusable labels (one class, too few positives).
 */
export function fitLeadScore(
  rows: readonly RawRow[],
  labels: readonly (0 | 1)[],
  options: LeadScoreOptions,
): { model: LeadScoreModel; metrics: LeadScoreMetrics } {
  const settings = settingsFrom(options);
  const minPositives = options.minPositives ?? DEFAULTS.minPositives;
  const positives = checkLabels(rows, labels, minPositives);

  const random = mulberry32(settings.seed);
  const splitSeed = randomInt31(random);
  const sampleSeed = randomInt31(random);
  const forestSeed = randomInt31(random);

  const split = stratifiedSplit(labels, settings.holdoutShare, splitSeed);
  const trainPart = split.train;
  const sample = stratifiedSubsample(trainPart.map((i) => labels[i] as number), settings.maxTrainRows, sampleSeed).map((k) => trainPart[k] as number);
  const trainRows = sample.map((i) => rows[i] as RawRow);
  const trainLabels = sample.map((i) => labels[i] as number);

  const pipeline = fitFeaturePipeline(trainRows, options.spec);
  const forest = trainForest(pipeline.transform(trainRows), trainLabels, {
    nEstimators: settings.trees,
    maxFeatures: settings.maxFeatures,
    seed: forestSeed,
    treeOptions: settings.treeOptions,
  });

  const holdoutRows = split.test.map((i) => rows[i] as RawRow);
  const holdoutLabels = split.test.map((i) => labels[i] as number);
  const raw = forestProbabilities(forest, pipeline.transform(holdoutRows));
  const auc = rocAuc(holdoutLabels, raw);
  const x = raw.map(logit);
  const calibration = fitPlatt(x, holdoutLabels);

  const metrics: LeadScoreMetrics = {
    auc,
    trainRows: sample.length,
    holdoutRows: split.test.length,
    positives,
    baseRate: positives / labels.length,
    holdoutPositives: holdoutLabels.reduce((s, y) => s + y, 0),
    holdoutBrier: brierScore(holdoutLabels, x.map((v) => applyPlatt(calibration, v))),
    features: pipeline.featureNames.length,
    stumps: treeDepths(forest).filter((d) => d === 0).length,
  };
  const model: LeadScoreModel = {
    kind: 'leadScore',
    version: 1,
    featureNames: [...pipeline.featureNames],
    pipeline,
    forest,
    calibration,
    metrics,
    settings,
  };
  return { model, metrics };
}

function assertCompatible(model: LeadScoreModel): void {
  const expected = model.featureNames;
  const actual = model.pipeline.featureNames;
  const at = expected.findIndex((name, i) => actual[i] !== name);
  if (expected.length !== actual.length || at >= 0) {
    const where =
      at >= 0
        ? `first difference at position ${at}: the forest expects "${expected[at]}", the pipeline gives "${String(actual[at] ?? '(nothing)')}"`
        : `the forest expects ${expected.length} features, the pipeline gives ${actual.length}`;
    throw new FeatureSchemaError(`the feature pipeline does not match the forest's features (${where})`);
  }
  if (model.forest.featureCount !== expected.length) {
    throw new FeatureSchemaError(`the forest reads ${model.forest.featureCount} features but the model names ${expected.length}`);
  }
}

function toScore(probability: number): number {
  return Math.min(99, Math.max(1, Math.round(probability * 100)));
}

function calibrated(model: LeadScoreModel, X: readonly (readonly number[])[]): number[] {
  return forestProbabilities(model.forest, X).map((p) => applyPlatt(model.calibration, logit(p)));
}

/**
 * Scores rows (raw CRM values keyed by property name; every column of the spec must be present, null when
 * empty). Reasons: for each source column, the record's value is replaced by the column's most common level
 * or median and the record re-scored; the drop (or rise) in probability is that value's contribution.
 */
export function predict(model: LeadScoreModel, rows: readonly RawRow[], options: PredictOptions = {}): LeadScorePrediction[] {
  assertCompatible(model);
  const X = model.pipeline.transform(rows); // throws FeatureSchemaError naming absent columns
  const probabilities = calibrated(model, X);
  const withReasons = options.reasons ?? true;
  const perDirection = options.maxReasonsPerDirection ?? 3;
  const results: LeadScorePrediction[] = probabilities.map((probability) => ({ probability, score: toScore(probability), reasons: [] }));
  if (!withReasons || rows.length === 0) return results;

  const columns = model.pipeline.columnFeatures();
  for (let start = 0; start < rows.length; start += OCCLUSION_BATCH) {
    const end = Math.min(rows.length, start + OCCLUSION_BATCH);
    const variants: number[][] = [];
    const owners: Array<{ row: number; column: number }> = [];
    for (let r = start; r < end; r++) {
      const x = X[r] as number[];
      columns.forEach((c, ci) => {
        if (c.indices.every((f, k) => x[f] === c.reference[k])) return; // already the typical value
        const v = x.slice();
        c.indices.forEach((f, k) => {
          v[f] = c.reference[k] as number;
        });
        variants.push(v);
        owners.push({ row: r, column: ci });
      });
    }
    const occluded = calibrated(model, variants);
    const effects = new Map<number, Array<{ column: number; effect: number }>>();
    owners.forEach((o, k) => {
      const effect = (probabilities[o.row] as number) - (occluded[k] as number);
      if (Math.abs(effect) < MIN_REASON_EFFECT) return;
      const list = effects.get(o.row) ?? [];
      list.push({ column: o.column, effect });
      effects.set(o.row, list);
    });
    for (const [r, list] of effects) {
      const buckets = model.pipeline.describe(rows[r] as RawRow);
      const toReason = (e: { column: number; effect: number }): Reason => {
        const column = (columns[e.column] as { column: string }).column;
        return {
          column,
          bucket: buckets[column] ?? column,
          direction: e.effect > 0 ? 'up' : 'down',
          weight: Math.round(Math.abs(e.effect) * 1000) / 10,
        };
      };
      const ups = list.filter((e) => e.effect > 0).sort((a, b) => b.effect - a.effect || a.column - b.column).slice(0, perDirection);
      const downs = list.filter((e) => e.effect < 0).sort((a, b) => a.effect - b.effect || a.column - b.column).slice(0, perDirection);
      (results[r] as LeadScorePrediction).reasons = [...ups.map(toReason), ...downs.map(toReason)];
    }
  }
  return results;
}

export { predict as predictLeadScore };

function points(weight: number, sign: '+' | '-'): string {
  const shown = weight >= 1 ? String(Math.round(weight)) : String(weight);
  return `${sign}${shown}`;
}

/**
 * One readable sentence: "Raised by: previous outcome = success (+21), month = mar (+9); Lowered by:
 * employees (economy) ≥ 5228 (-4)". Weights are percentage points of conversion probability.
 */
export function formatReasons(reasons: readonly Reason[]): string {
  const ups = reasons.filter((r) => r.direction === 'up');
  const downs = reasons.filter((r) => r.direction === 'down');
  const parts: string[] = [];
  if (ups.length > 0) parts.push(`Raised by: ${ups.map((r) => `${r.bucket} (${points(r.weight, '+')})`).join(', ')}`);
  if (downs.length > 0) parts.push(`Lowered by: ${downs.map((r) => `${r.bucket} (${points(r.weight, '-')})`).join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'No single factor moved this score.';
}

const TreeOptionsJson = z.object({ maxDepth: z.number(), minNumSamples: z.number(), gainThreshold: z.number() });

const LeadScoreJson = z.object({
  kind: z.literal('leadScore'),
  version: z.literal(1),
  featureNames: z.array(z.string()).min(1),
  pipeline: z.unknown(),
  forest: z.unknown(),
  calibration: z.object({ a: z.number(), b: z.number() }),
  metrics: z.object({
    auc: z.number(),
    trainRows: z.number(),
    holdoutRows: z.number(),
    positives: z.number(),
    baseRate: z.number(),
    holdoutPositives: z.number(),
    holdoutBrier: z.number(),
    features: z.number(),
    stumps: z.number(),
  }),
  settings: z.object({
    seed: z.number(),
    trees: z.number(),
    maxTrainRows: z.number(),
    holdoutShare: z.number(),
    maxFeatures: z.number(),
    treeOptions: TreeOptionsJson,
  }),
});

export type LeadScoreJson = {
  kind: 'leadScore';
  version: 1;
  featureNames: string[];
  pipeline: ReturnType<FeaturePipeline['toJSON']>;
  forest: RandomForestJson;
  calibration: PlattParameters;
  metrics: LeadScoreMetrics;
  settings: LeadScoreSettings;
};

/** Plain JSON (JSON.stringify-safe; numbers survive a text round trip exactly). */
export function leadScoreToJSON(model: LeadScoreModel): LeadScoreJson {
  assertCompatible(model);
  return {
    kind: 'leadScore',
    version: 1,
    featureNames: [...model.featureNames],
    pipeline: model.pipeline.toJSON(),
    forest: structuredClone(model.forest.json),
    calibration: { ...model.calibration },
    metrics: { ...model.metrics },
    settings: structuredClone(model.settings),
  };
}

/** Loads a model saved by leadScoreToJSON. Rejects other kinds, versions and inconsistent feature names. */
export function leadScoreFromJSON(json: unknown): LeadScoreModel {
  const tag = json as { kind?: unknown; version?: unknown } | null;
  if (typeof tag !== 'object' || tag === null || tag.kind !== 'leadScore') {
    throw new Error(`not a lead score model: expected kind "leadScore", got ${JSON.stringify(tag?.kind ?? null)}`);
  }
  if (tag.version !== 1) throw new Error(`unsupported lead score model version ${JSON.stringify(tag.version ?? null)} (this build reads version 1)`);
  const parsed = LeadScoreJson.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'model'}: ${i.message}`);
    throw new Error(`invalid lead score model JSON: ${problems.join('; ')}`);
  }
  const data = parsed.data;
  const pipeline = FeaturePipeline.fromJSON(data.pipeline);
  const forest = loadForest(data.forest, data.featureNames.length);
  const model: LeadScoreModel = {
    kind: 'leadScore',
    version: 1,
    featureNames: data.featureNames,
    pipeline,
    forest,
    calibration: data.calibration,
    metrics: data.metrics,
    settings: data.settings,
  };
  assertCompatible(model);
  return model;
}
