/**
 * Reasons worded for a rep, and the same reasons as versioned codes for programs.
 *
 * "Previous campaign outcome: success — raises the score by 18 points". The points are a reason's
 * `weight` rounded: the weight is already in calibrated percentage points (explain.ts), and the score is
 * round(100 * probability), so one percentage point is one point of the 1-99 score. The typical lead's
 * score plus every column's points gives the record's score, up to the rounding of each part and the
 * clamp to 1..99; the reasons shown are the strongest of those columns, not all of them. A weight under
 * half a point reads "less than 1 point" rather than "0 points".
 *
 * Labels come from the caller (mapping override, then the CRM's field label, then the column name made
 * readable: src/mapping/labels.ts); the value is worded from the bucket's parts, never from the
 * pipeline's own "age 32-38" text, so a relabelled field needs no retraining.
 */
import type { ValueBucket } from '../../features/pipeline.ts';
import { formatNumber } from '../../features/pipeline.ts';
import { humaniseColumn } from '../../domain/humanise.ts';
import type { Reason } from './types.ts';

export { humaniseColumn };

export const NO_REASONS = 'No single factor moved this score.';
/** A label longer than this is cut at a word (a CRM's own labels have no length limit we can rely on). */
export const MAX_LABEL_LENGTH = 80;
/** The version of the reason-codes JSON: a reader refuses a version it does not know. */
export const REASON_CODES_VERSION = 1;

export type ReasonDirection = 'raises' | 'lowers';

/** One reason in the rep's words, with its parts for a card to lay out. */
export interface ReadableReason {
  label: string;
  /** The record's value bucket, worded: "success", "between 1.1 and 1.4", "5,228 or more", "not filled in". */
  value: string;
  direction: ReasonDirection;
  /** Whole points on the 1-99 score; 0 when the factor moves it by less than half a point. */
  points: number;
  /** "Label: value — raises the score by N points". */
  text: string;
}

export interface ReasonCode {
  /** `column|bucket|direction`, stable across records and retrains. */
  code: string;
  column: string;
  /** Stable bucket key: 'q1'..'q4', 'missing', 'other' or the level. */
  bucket: string;
  direction: 'up' | 'down';
  /** Calibrated percentage points, one decimal. */
  weight: number;
  /** Whole score points, as in the sentence. */
  points: number;
}

/** The reason-codes field (JSON text in the CRM). */
export interface ReasonCodes {
  v: typeof REASON_CODES_VERSION;
  /** The stored model version that scored, e.g. "leadScore v7". */
  model: string;
  /** The fitted model's fingerprint (LeadScoreModel.id), tracing a code to the exact model. */
  modelId: string | null;
  reasons: ReasonCode[];
}

/** Cuts text to `max` characters at a word boundary, marking the cut with "…". */
export function shortenAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** 5228 -> "5,228", 1.1 -> "1.1", 93.994 -> "94" (3 significant digits, as the buckets are fitted quartiles). */
export function readableNumber(x: number): string {
  const rounded = Number(formatNumber(x));
  // below a thousandth, grouping would print 0: keep the exponent form
  if (rounded !== 0 && Math.abs(rounded) < 0.001) return formatNumber(x);
  return rounded.toLocaleString('en-US', { maximumFractionDigits: 6 });
}

export function readableValue(bucket: ValueBucket): string {
  switch (bucket.kind) {
    case 'missing':
      return 'not filled in';
    case 'level':
      return bucket.rare ? `${bucket.value} (a rare value)` : bucket.value;
    case 'number':
      return readableNumber(bucket.value);
    case 'range': {
      const { lower, upper } = bucket;
      if (lower === null && upper === null) return 'any value';
      if (lower === null) return bucket.integer ? `${readableNumber(upper as number)} or less` : `below ${readableNumber(upper as number)}`;
      if (upper === null) return `${readableNumber(lower)} or more`;
      return `between ${readableNumber(lower)} and ${readableNumber(upper)}`;
    }
  }
}

export function reasonPoints(weight: number): number {
  return Math.round(Math.abs(weight));
}

function pointsPhrase(points: number): string {
  if (points < 1) return 'by less than 1 point';
  return `by ${points} point${points === 1 ? '' : 's'}`;
}

export type ReasonInput = Pick<Reason, 'column' | 'value' | 'direction' | 'weight'>;

/** One reason in words; `label` is the column's readable name (the column itself made readable when absent). */
export function readableReason(reason: ReasonInput, label?: string): ReadableReason {
  const name = shortenAtWord((label ?? humaniseColumn(reason.column)).trim() || humaniseColumn(reason.column), MAX_LABEL_LENGTH);
  const value = readableValue(reason.value);
  const direction: ReasonDirection = reason.direction === 'up' ? 'raises' : 'lowers';
  const points = reasonPoints(reason.weight);
  return { label: name, value, direction, points, text: `${name}: ${value} — ${direction} the score ${pointsPhrase(points)}` };
}

/**
 * The largest subset of `items` (in their order) whose rendering fits `maxLength`: the weakest go first,
 * whole, so a text is never cut inside a reason.
 */
export function fitWithin<T>(items: readonly T[], strength: (item: T) => number, render: (kept: readonly T[]) => string, maxLength: number): T[] {
  const keep = new Set(items.map((_, i) => i));
  const kept = () => items.filter((_, i) => keep.has(i));
  const byWeakness = items.map((item, i) => ({ i, s: Math.abs(strength(item)) })).sort((a, b) => a.s - b.s || b.i - a.i);
  for (const { i } of byWeakness) {
    if (render(kept()).length <= maxLength) break;
    keep.delete(i);
  }
  return kept();
}

/** The readable reasons that fit in a text of `maxLength` (the weakest dropped first). */
export function readableReasons(reasons: readonly ReasonInput[], labelOf: (column: string) => string | undefined, maxLength: number): ReadableReason[] {
  const all = reasons.map((r) => ({ weight: r.weight, readable: readableReason(r, labelOf(r.column)) }));
  return fitWithin(all, (r) => r.weight, (kept) => reasonSentence(kept.map((k) => k.readable)), maxLength).map((r) => r.readable);
}

/** "A: x — raises the score by 18 points; B: y — lowers the score by 5 points". */
export function reasonSentence(reasons: readonly ReadableReason[]): string {
  return reasons.length === 0 ? NO_REASONS : reasons.map((r) => r.text).join('; ');
}

/** The sentence written to the CRM's reasons field. */
export function formatReasons(reasons: readonly ReasonInput[], labelOf: (column: string) => string | undefined = () => undefined, maxLength = Number.POSITIVE_INFINITY): string {
  return reasonSentence(readableReasons(reasons, labelOf, maxLength));
}

/** The codes of the reasons, versioned, for the second field and the card. */
export function reasonCodes(reasons: readonly Pick<Reason, 'code' | 'column' | 'bucketKey' | 'direction' | 'weight' | 'modelVersion'>[], model: string): ReasonCodes {
  return {
    v: REASON_CODES_VERSION,
    model,
    modelId: reasons[0]?.modelVersion ?? null,
    reasons: reasons.map((r) => ({ code: r.code, column: r.column, bucket: r.bucketKey, direction: r.direction, weight: r.weight, points: reasonPoints(r.weight) })),
  };
}

/** The codes as JSON text of at most `maxLength` characters (the weakest reasons dropped first). */
export function reasonCodesText(codes: ReasonCodes, maxLength = Number.POSITIVE_INFINITY): string {
  const render = (kept: readonly ReasonCode[]) => JSON.stringify({ ...codes, reasons: kept });
  return render(fitWithin(codes.reasons, (r) => r.weight, render, maxLength));
}
