/**
 * Score the open contacts that need it: those never scored, those whose inputs changed since their last
 * score, and all of them when the active model changed. Derived from the store, not from this cycle's
 * sync, so a cycle killed between sync and scoring loses nothing.
 */
import { formatReasons, leadScoreFromJSON, predictLeadScore } from '../models/leadScore.ts';
import { modelRow, outcomeOf } from '../mapping/index.ts';
import type { SignalRow } from '../store/types.ts';
import type { PipelineContext } from './context.ts';
import { LEAD_SCORE } from './train.ts';

export interface LeadScoreValue {
  score: number;
  probability: number;
  reasons: string;
}

export interface ScoreReport {
  scored: number;
  open: number;
  modelVersion: number | null;
}

const SCORE_BATCH = 500;

export async function scoreLeads(ctx: PipelineContext, runId: number): Promise<ScoreReport> {
  const { store, tenant, mapping } = ctx;
  const active = await store.getActiveModel(tenant.id, LEAD_SCORE);
  const contacts = await store.getRecords(tenant.id, 'contact');
  const open = contacts.filter((c) => outcomeOf(c, mapping.leadScore) === 'open').sort((a, b) => a.externalId.localeCompare(b.externalId));
  if (!active) return { scored: 0, open: open.length, modelVersion: null };

  const latest = await store.latestSignals(tenant.id, 'contact', LEAD_SCORE);
  const due = open.filter((c) => {
    const last = latest.get(c.externalId);
    return !last || last.inputHash !== c.inputHash || last.modelVersion !== active.version;
  });
  const model = leadScoreFromJSON(active.model);
  for (let i = 0; i < due.length; i += SCORE_BATCH) {
    const batch = due.slice(i, i + SCORE_BATCH);
    const predictions = predictLeadScore(model, batch.map((c) => modelRow(c.properties, mapping.leadScore)));
    const rows: SignalRow[] = batch.map((c, j) => {
      const p = predictions[j]!;
      const value: LeadScoreValue = { score: p.score, probability: p.probability, reasons: formatReasons(p.reasons) };
      return { objectType: 'contact', externalId: c.externalId, signal: LEAD_SCORE, modelVersion: active.version, value, inputHash: c.inputHash };
    });
    await store.saveSignals(tenant.id, runId, rows);
    ctx.onProgress?.({ stage: 'score', done: Math.min(i + SCORE_BATCH, due.length), total: due.length });
  }
  return { scored: due.length, open: open.length, modelVersion: active.version };
}
