/**
 * The lead score: fast forest + L2 logistic blend, Platt-calibrated on out-of-sample scores so a score of
 * 70 means about 70 % of such leads convert, with per-record reasons from exact additive contributions.
 *
 * fitLeadScore(rows, labels, options) -> { model, metrics }; predictLeadScore(model, rows) -> scores with
 * reasons; leadScoreToJSON / leadScoreFromJSON. Pure: no connector, no store.
 */
import type { RawRow } from '../../features/pipeline.ts';
import { calibrate, explainRows, rawLogits, reasonsOf } from './explain.ts';
import { assertCompatible } from './json.ts';
import type { LeadScoreModel, LeadScorePrediction, PredictOptions } from './types.ts';

export { fitLeadScore } from './fit.ts';
export { explainRow } from './explain.ts';
export * from './reasonText.ts';
export type { Explanation } from './explain.ts';
export { leadScoreFromJSON, leadScoreToJSON } from './json.ts';
export type { LeadScoreJson } from './json.ts';
export * from './types.ts';

function toScore(probability: number): number {
  return Math.min(99, Math.max(1, Math.round(probability * 100)));
}

/**
 * Scores rows (raw CRM values keyed by property name; every column of the spec must be present, null when
 * empty). Reasons: the columns whose values move this record's probability most, up and down.
 */
export function predictLeadScore(model: LeadScoreModel, rows: readonly RawRow[], options: PredictOptions = {}): LeadScorePrediction[] {
  assertCompatible(model);
  // the model's own value rules, as in training; the pipeline names absent columns first
  if (model.cleaner !== null) model.pipeline.assertColumns(rows);
  const cleaned = model.cleaner === null ? rows : model.cleaner.clean(rows).rows;
  const X = model.pipeline.transformDense(cleaned); // throws FeatureSchemaError naming absent columns
  const withReasons = options.reasons ?? true;
  const perDirection = options.maxReasonsPerDirection ?? 3;
  if (!withReasons) {
    return Array.from(rawLogits(model, X), (z) => {
      const probability = calibrate(model, z);
      return { probability, score: toScore(probability), confidence: model.confidence, reasons: [] };
    });
  }
  // one walk per tree gives the probability (the same number as the batch path above) and the reasons
  const out: LeadScorePrediction[] = [];
  explainRows(model, X, (i, probability, contributions) => {
    out.push({ probability, score: toScore(probability), confidence: model.confidence, reasons: reasonsOf(model, cleaned[i] as RawRow, contributions, perDirection) });
  });
  return out;
}

export { predictLeadScore as predict };
