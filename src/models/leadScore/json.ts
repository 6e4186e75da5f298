/**
 * The lead score as plain JSON, tagged { kind: 'leadScore', version: 2 }. The forest part is the fast
 * forest's own JSON, not ml-random-forest's: ml-random-forest predicts by majority vote, so its format
 * cannot carry the leaf probabilities the score and its path contributions are made of
 * (src/models/forest/mljs.ts still exports a forest to it for inspection).
 */
import { z } from 'zod';
import { parseSavedJson } from '../../features/savedJson.ts';
import { RowCleaner } from '../../features/cleaning.ts';
import { FeaturePipeline, FeatureSchemaError } from '../../features/pipeline.ts';
import { boostingFromJSON } from '../boosting/index.ts';
import type { BoostingModel } from '../boosting/index.ts';
import { forestFromJSON } from '../forest/index.ts';
import type { FastForestModel } from '../forest/index.ts';
import { logisticFromJSON } from '../linear/logistic.ts';
import type { LogisticModel } from '../linear/logistic.ts';
import type { PlattParameters } from '../calibration.ts';
import { EVIDENCE_VERSION, type ScoreEvidence } from '../evaluate/evidence.ts';
import { LEAD_SCORE_KIND, LEAD_SCORE_VERSION } from './types.ts';
import type { ColumnImportance, LeadScoreMetrics, LeadScoreModel, LeadScoreSettings } from './types.ts';

const Weights = z.object({ forest: z.number().min(0).max(1), logistic: z.number().min(0).max(1), boosting: z.number().min(0).max(1) });

const LeadScoreJsonSchema = z.object({
  kind: z.literal(LEAD_SCORE_KIND),
  version: z.literal(LEAD_SCORE_VERSION),
  id: z.string().min(1),
  featureNames: z.array(z.string()).min(1),
  cleaner: z.unknown(),
  pipeline: z.unknown(),
  forest: z.unknown(),
  logistic: z.unknown(),
  boosting: z.unknown(),
  blend: Weights,
  calibration: z.object({ a: z.number(), b: z.number() }),
  confidence: z.enum(['normal', 'low']),
  importance: z.array(z.object({ column: z.string(), label: z.string(), share: z.number() })),
  metrics: z.object({
    auc: z.number(),
    forestAuc: z.number(),
    logisticAuc: z.number(),
    boostingAuc: z.number().nullable(),
    evaluation: z.string(),
    rows: z.number(),
    positives: z.number(),
    baseRate: z.number(),
    brier: z.number(),
    brierUncalibrated: z.number(),
    features: z.number(),
    mode: z.enum(['blend', 'prior']),
    confidence: z.enum(['normal', 'low']),
    blend: Weights,
    warnings: z.array(z.string()),
    // The model report's out-of-sample evidence: checked by its version only, drawn by the console as stored.
    evidence: z.custom<ScoreEvidence>((v) => typeof v === 'object' && v !== null && (v as { v?: unknown }).v === EVIDENCE_VERSION, 'evidence of an unknown version').optional(),
  }),
  settings: z.object({ seed: z.number(), trees: z.number(), minSamplesLeaf: z.number(), maxFeatures: z.number(), l2: z.number(), folds: z.number(), boosting: z.boolean(), monotone: z.record(z.string(), z.enum(['increasing', 'decreasing'])).optional() }),
});

export interface LeadScoreJson {
  kind: typeof LEAD_SCORE_KIND;
  version: typeof LEAD_SCORE_VERSION;
  id: string;
  featureNames: string[];
  cleaner: ReturnType<RowCleaner['toJSON']> | null;
  pipeline: ReturnType<FeaturePipeline['toJSON']>;
  forest: FastForestModel | null;
  logistic: LogisticModel;
  boosting: BoostingModel | null;
  blend: { forest: number; logistic: number; boosting: number };
  calibration: PlattParameters;
  confidence: 'normal' | 'low';
  importance: ColumnImportance[];
  metrics: LeadScoreMetrics;
  settings: LeadScoreSettings;
}

/** Throws a FeatureSchemaError when the pipeline, forest and logistic model disagree on the features. */
export function assertCompatible(model: LeadScoreModel): void {
  const expected = model.featureNames;
  const actual = model.pipeline.featureNames;
  const at = expected.findIndex((name, i) => actual[i] !== name);
  if (expected.length !== actual.length || at >= 0) {
    const where =
      at >= 0
        ? `first difference at position ${at}: the model expects "${expected[at]}", the pipeline gives "${String(actual[at] ?? '(nothing)')}"`
        : `the model expects ${expected.length} features, the pipeline gives ${actual.length}`;
    throw new FeatureSchemaError(`the feature pipeline does not match the model's features (${where})`);
  }
  if (model.forest !== null && model.forest.nFeatures !== expected.length) {
    throw new FeatureSchemaError(`the forest reads ${model.forest.nFeatures} features but the model names ${expected.length}`);
  }
  if (model.boosting !== null && model.boosting.nFeatures !== expected.length) {
    throw new FeatureSchemaError(`the boosting part reads ${model.boosting.nFeatures} features but the model names ${expected.length}`);
  }
  if (model.logistic.nFeatures !== expected.length) {
    throw new FeatureSchemaError(`the logistic part reads ${model.logistic.nFeatures} features but the model names ${expected.length}`);
  }
}

/** Plain JSON (JSON.stringify-safe; numbers survive a text round trip exactly). */
export function leadScoreToJSON(model: LeadScoreModel): LeadScoreJson {
  assertCompatible(model);
  return {
    kind: LEAD_SCORE_KIND,
    version: LEAD_SCORE_VERSION,
    id: model.id,
    featureNames: [...model.featureNames],
    cleaner: model.cleaner === null ? null : model.cleaner.toJSON(),
    pipeline: model.pipeline.toJSON(),
    forest: model.forest === null ? null : structuredClone(model.forest),
    logistic: structuredClone(model.logistic),
    boosting: model.boosting === null ? null : structuredClone(model.boosting),
    blend: { ...model.blend },
    calibration: { ...model.calibration },
    confidence: model.confidence,
    importance: model.importance.map((i) => ({ ...i })),
    metrics: structuredClone(model.metrics),
    settings: { ...model.settings },
  };
}

/** Loads a model saved by leadScoreToJSON. Rejects other kinds, versions and inconsistent parts, naming them. */
export function leadScoreFromJSON(json: unknown): LeadScoreModel {
  const data = parseSavedJson(json, { kind: LEAD_SCORE_KIND, version: LEAD_SCORE_VERSION, name: 'lead score model', root: 'model', schema: LeadScoreJsonSchema, versionHint: '; retrain' });
  const model: LeadScoreModel = {
    kind: LEAD_SCORE_KIND,
    version: LEAD_SCORE_VERSION,
    id: data.id,
    featureNames: data.featureNames,
    cleaner: data.cleaner === null || data.cleaner === undefined ? null : RowCleaner.fromJSON(data.cleaner),
    pipeline: FeaturePipeline.fromJSON(data.pipeline),
    forest: data.forest === null ? null : forestFromJSON(data.forest),
    logistic: logisticFromJSON(data.logistic),
    boosting: data.boosting === null || data.boosting === undefined ? null : boostingFromJSON(data.boosting),
    blend: data.blend,
    calibration: data.calibration,
    confidence: data.confidence,
    importance: data.importance,
    metrics: data.metrics,
    settings: data.settings,
  };
  if (model.blend.forest > 0 && model.forest === null) throw new Error('invalid lead score model JSON: the blend weighs a forest the model does not have');
  if (model.blend.boosting > 0 && model.boosting === null) throw new Error('invalid lead score model JSON: the blend weighs a boosting model the model does not have');
  assertCompatible(model);
  return model;
}
