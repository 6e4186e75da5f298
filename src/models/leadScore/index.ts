/**
 * The lead score: fast forest + L2 logistic blend, Platt-calibrated on out-of-sample scores so a score of
 * 70 means about 70 % of such leads convert, with per-record reasons from exact additive contributions.
 *
 * fitLeadScore(rows, labels, options) -> { model, metrics }; predictLeadScore(model, rows) -> scores with
 * reasons; leadScoreToJSON / leadScoreFromJSON. Pure: no connector, no store.
 */
import type { RawRow } from '../../features/pipeline.ts';
import { calibrate, explainRow, rawLogits, reasonsOf } from './explain.ts';
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
  // probabilities come from one code path whether or not reasons are asked for (the explanation sums the
  // same numbers in another order: equal only up to rounding)
  const probabilities = Array.from(rawLogits(model, X), (z) => calibrate(model, z));
  const p = X.nCols;
  return rows.map((_, i) => {
    const probability = probabilities[i] as number;
    const reasons = withReasons ? reasonsOf(model, cleaned[i] as RawRow, explainRow(model, X.data.subarray(i * p, (i + 1) * p)).contributions, perDirection) : [];
    return { probability, score: toScore(probability), confidence: model.confidence, reasons };
  });
}

export { predictLeadScore as predict };
