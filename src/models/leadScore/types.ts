/**
 * The lead score's shapes: the model, what fitting reports about it, and what scoring gives per record.
 */
import type { RangeRule, RowCleaner } from '../../features/cleaning.ts';
import type { FeaturePipeline, FeatureSpec, ValueBucket } from '../../features/pipeline.ts';
import type { PlattParameters } from '../calibration.ts';
import type { FastForestModel } from '../forest/index.ts';
import type { BoostingModel, BoostingOptions } from '../boosting/index.ts';
import type { LogisticModel } from '../linear/logistic.ts';
import type { ScoreEvidence } from '../evaluate/evidence.ts';

export const LEAD_SCORE_KIND = 'leadScore';
/** Version 2: fast forest + logistic + boosting blend with path-contribution reasons (version 1 was ml-random-forest). */
export const LEAD_SCORE_VERSION = 2;

/** Below this many converted leads the score is a transparent logistic prior unless the forest beats it. */
export const LOW_DATA_POSITIVES = 50;

export type Confidence = 'normal' | 'low';

/** Share of each component in the blended (uncalibrated) probability; they sum to 1. */
export interface BlendWeights {
  forest: number;
  logistic: number;
  boosting: number;
}

export interface LeadScoreOptions {
  spec: FeatureSpec;
  seed: number;
  /** Possible values of numeric columns; others are read as missing (the mapping's `ranges`). */
  ranges?: Record<string, RangeRule>;
  /** Directions of numeric columns every component honours (the mapping's `monotone`). */
  monotone?: Record<string, Direction>;
  /** Trees in the forest (100). */
  trees?: number;
  /** Fewest training rows in a forest leaf (20, fewer on small data). */
  minSamplesLeaf?: number;
  /** Share of features each forest node draws (0.4). */
  maxFeatures?: number;
  /** L2 penalty of the logistic component (1; 5 in the low-data prior). */
  l2?: number;
  /** Folds for the logistic and boosting components' out-of-fold predictions (5). */
  folds?: number;
  /** Include the gradient-boosting component (true). */
  boosting?: boolean;
  /** Override the boosting component's settings (learning rate 0.05, up to 300 iterations, early stopping). */
  boostingOptions?: Partial<Pick<BoostingOptions, 'learningRate' | 'maxIter' | 'maxLeafNodes' | 'minSamplesLeaf' | 'l2Regularization'>>;
  /** Fewest rows of each class needed to train (10). */
  minPositives?: number;
  /** A column alone above this cross-validated AUC is reported as a probable leak (0.95). */
  leakageThreshold?: number;
  /** Forest worker threads (default: the forest's own choice by job size). */
  workers?: number;
}

export interface LeadScoreSettings {
  seed: number;
  trees: number;
  minSamplesLeaf: number;
  maxFeatures: number;
  l2: number;
  folds: number;
  boosting: boolean;
  /** The directions the fit honoured, when any was given. */
  monotone?: Record<string, Direction>;
}

export type Direction = 'increasing' | 'decreasing';

export interface LeadScoreMetrics {
  /**
   * ROC AUC of the blended score on predictions no model saw the row for: the forest's out-of-bag
   * probabilities and the logistic model's out-of-fold ones (the blend weight is chosen on them too).
   */
  auc: number;
  forestAuc: number;
  logisticAuc: number;
  /** Null when the boosting component was not fitted. */
  boostingAuc: number | null;
  /** How `auc` was measured, for readers of the model report. */
  evaluation: string;
  /** Training rows. */
  rows: number;
  positives: number;
  baseRate: number;
  /** Brier score of the calibrated and of the raw blended out-of-sample probabilities. */
  brier: number;
  brierUncalibrated: number;
  features: number;
  mode: 'blend' | 'prior';
  confidence: Confidence;
  blend: BlendWeights;
  /** Leakage and data warnings, readable. */
  warnings: string[];
  /** What the model report draws; absent in models trained before it was kept. */
  evidence?: ScoreEvidence;
}

export interface ColumnImportance {
  column: string;
  label: string;
  /** Share of the mean absolute contribution over the training rows (sums to 1 over columns). */
  share: number;
}

export interface LeadScoreModel {
  readonly kind: typeof LEAD_SCORE_KIND;
  readonly version: typeof LEAD_SCORE_VERSION;
  /** A fingerprint of the fitted model: reason codes carry it so a reason can be traced to its model. */
  readonly id: string;
  /** Model input features, in order. Must equal `pipeline.featureNames`. */
  readonly featureNames: readonly string[];
  /** Turns impossible values into missing before the pipeline; null when no ranges were configured. */
  readonly cleaner: RowCleaner | null;
  readonly pipeline: FeaturePipeline;
  /** Null when the blend does not use it (the low-data prior). */
  readonly forest: FastForestModel | null;
  readonly logistic: LogisticModel;
  /** Null when the blend does not use it. */
  readonly boosting: BoostingModel | null;
  readonly blend: BlendWeights;
  /** Applied to logit(blended probability). */
  readonly calibration: PlattParameters;
  readonly confidence: Confidence;
  readonly importance: readonly ColumnImportance[];
  readonly metrics: LeadScoreMetrics;
  readonly settings: LeadScoreSettings;
}

/** One reason, as a stable code and as readable parts. */
export interface Reason {
  /** Source column (CRM property). */
  column: string;
  /** The record's value, readable: 'age 32-38', 'job = retired'. */
  bucket: string;
  /** The value's bucket, stable: 'q1'..'q4', 'missing', 'other' or the level. */
  bucketKey: string;
  /** The same bucket as parts, for wording it with the CRM's field label (reasonText.ts). */
  value: ValueBucket;
  direction: 'up' | 'down';
  /** How far this value moves the calibrated probability, in percentage points (one decimal). */
  weight: number;
  /** `column|bucketKey|direction`: the same code for the same kind of reason across records and retrains. */
  code: string;
  /** The model's id (LeadScoreModel.id). */
  modelVersion: string;
}

export interface LeadScorePrediction {
  /** Calibrated probability of conversion. */
  probability: number;
  /** round(100 * probability), clamped to 1..99. */
  score: number;
  confidence: Confidence;
  /** Up to 3 raising and 3 lowering reasons, strongest first within each direction. */
  reasons: Reason[];
}

export interface PredictOptions {
  /** Compute reasons (default true). */
  reasons?: boolean;
  /** Reasons kept per direction (default 3). */
  maxReasonsPerDirection?: number;
}

/** Thrown when training data cannot give a meaningful model. */
export class LeadScoreTrainingError extends Error {
  override readonly name = 'LeadScoreTrainingError';
}
