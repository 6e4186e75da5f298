/**
 * Figures people look at after a cycle: the distribution of current lead scores in ten bands.
 */
import type { Store } from '../store/types.ts';
import type { LeadScoreValue } from './score.ts';
import { LEAD_SCORE } from './train.ts';

export interface ScoreBand {
  from: number;
  to: number;
  count: number;
}

export async function scoreDistribution(store: Store, tenantId: string): Promise<ScoreBand[]> {
  const bands: ScoreBand[] = Array.from({ length: 10 }, (_, i) => ({ from: i * 10, to: i * 10 + 9, count: 0 }));
  const signals = await store.latestSignals(tenantId, 'contact', LEAD_SCORE);
  for (const row of signals.values()) {
    const score = (row.value as LeadScoreValue).score;
    bands[Math.min(9, Math.floor(score / 10))]!.count++;
  }
  return bands;
}
