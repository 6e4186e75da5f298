/**
 * Rolls ticket / case sentiment up to the contact: a recency-weighted mean where a score's weight halves
 * every `halfLifeDays` (weight = 0.5 ^ (age in days / half-life)). Pure.
 */
import { labelFor } from './labels.ts';
import type { SentimentLabel } from './labels.ts';

export interface RollUpItem {
  /** A sentiment score in -1..1. */
  score: number;
  /** When the feedback was given: an ISO 8601 date or date-time. */
  at: string;
}

export interface RollUpOptions {
  /** |score| below this is 'neutral' (0.05). */
  neutralBand?: number;
}

export interface RollUp {
  /** Recency-weighted mean score in -1..1; 0 when there is nothing to roll up. */
  score: number;
  label: SentimentLabel;
  /** Items used. */
  count: number;
  /** Items skipped, each with its reason (a score outside -1..1 or not a number, a date that does not parse). */
  skipped: { index: number; reason: string }[];
  /** The date of the newest item used (ISO), or null. */
  latestAt: string | null;
}

const DAY_MS = 86_400_000;

/**
 * `now` is a Date or an ISO string. Items dated after `now` (clock skew) count as age 0. A malformed item is
 * skipped with its reason; the others are still rolled up.
 */
export function rollUp(
  items: readonly RollUpItem[],
  now: Date | string,
  halfLifeDays = 30,
  options: RollUpOptions = {},
): RollUp {
  const nowMs = typeof now === 'string' ? Date.parse(now) : now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError(`rollUp: "now" is not a valid date: ${String(now)}`);
  if (!(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) {
    throw new RangeError(`rollUp: halfLifeDays must be a positive number, got ${halfLifeDays}`);
  }
  let weighted = 0;
  let totalWeight = 0;
  let count = 0;
  let latest = -Infinity;
  const skipped: RollUp['skipped'] = [];
  items.forEach((item, index) => {
    const score = item.score;
    if (typeof score !== 'number' || !Number.isFinite(score) || score < -1 || score > 1) {
      skipped.push({ index, reason: `score ${String(score)} is not a number in -1..1` });
      return;
    }
    const at = typeof item.at === 'string' ? Date.parse(item.at) : Number.NaN;
    if (!Number.isFinite(at)) {
      skipped.push({ index, reason: `date ${JSON.stringify(item.at)} does not parse` });
      return;
    }
    const ageDays = Math.max(0, nowMs - at) / DAY_MS;
    const weight = Math.pow(0.5, ageDays / halfLifeDays);
    weighted += weight * score;
    totalWeight += weight;
    count++;
    latest = Math.max(latest, at);
  });
  // Very old feedback can underflow every weight to 0: fall back to the plain mean rather than divide by 0.
  let score = 0;
  if (count > 0) {
    score = totalWeight > 0 ? weighted / totalWeight : meanOf(items, skipped);
  }
  score = Math.max(-1, Math.min(1, score));
  return {
    score,
    label: labelFor(score, options.neutralBand),
    count,
    skipped,
    latestAt: count > 0 ? new Date(latest).toISOString() : null,
  };
}

function meanOf(items: readonly RollUpItem[], skipped: RollUp['skipped']): number {
  const bad = new Set(skipped.map((s) => s.index));
  let sum = 0;
  let n = 0;
  items.forEach((item, i) => {
    if (bad.has(i)) return;
    sum += item.score;
    n++;
  });
  return n > 0 ? sum / n : 0;
}
