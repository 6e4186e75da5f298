/**
 * Figures people look at after a cycle: one line per signal and the distribution of current lead scores.
 */
import type { Store } from '../store/types.ts';
import type { StageReport } from './signals/index.ts';
import { LEAD_SCORE } from './signals/index.ts';

export interface ScoreBand {
  from: number;
  to: number;
  count: number;
}

/** The current lead scores in ten bands of ten points, counted by the store (no value is read into JS). */
export async function scoreDistribution(store: Store, tenantId: string): Promise<ScoreBand[]> {
  const counts = await store.scoreBandCounts(tenantId, 'contact', LEAD_SCORE, 10);
  return Array.from({ length: 10 }, (_, i) => ({ from: i * 10, to: i * 10 + 9, count: counts.get(i) ?? 0 }));
}

const n = (value: number) => value.toLocaleString('en-US');

/** One line per signal: which model, how good, what it computed. */
export function signalLine(s: StageReport): string {
  if (s.error !== undefined) return `${s.signal}: FAILED: ${s.error}`;
  const m = s.metrics;
  const version = s.modelVersion === null ? 'no model' : `model v${s.modelVersion}`;
  const training = s.trained ? `trained: ${s.reason}` : s.reason;
  switch (s.signal) {
    case 'leadScore':
      return `lead score: ${version}, out-of-sample ROC AUC ${typeof m.auc === 'number' ? m.auc.toFixed(3) : 'n/a'} (${training}); ${n(s.computed)} of ${n(s.eligible)} open contacts scored`;
    case 'segment':
      return `segments: ${version}, ${m.k ?? '?'} segments, silhouette ${typeof m.silhouette === 'number' ? m.silhouette.toFixed(3) : 'n/a'} (${training}); ${n(s.computed)} of ${n(s.eligible)} contacts assigned`;
    case 'recommendations':
      return `recommendations: ${version}, ${n(Number(m.purchases ?? 0))} purchases of ${n(Number(m.products ?? 0))} products (${training}); ${n(s.computed)} of ${n(s.eligible)} contacts recommended`;
    default:
      return `sentiment: ${version}, ${m.type ?? 'lexicon'} (${training}); ${n(s.computed)} of ${n(s.eligible)} tickets scored`;
  }
}

