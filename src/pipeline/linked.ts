/**
 * One model across a company's CRMs. With HubSpot and Salesforce both connected, each is synced, the
 * lead score is trained once on the union of their labelled records (a person in both counted once,
 * matched by email), and every tenant scores with that same model: the same person gets the same score
 * in both CRMs.
 */
import type { PipelineContext } from './context.ts';
import { runCycle, type CycleOptions, type CycleSummary } from './cycle.ts';
import { fitLeadScoreModel, labelledRows, onePerPerson } from './signals/leadScore.ts';
import { hashOf, type SharedModel } from './signals/stage.ts';

export async function trainShared(contexts: PipelineContext[]): Promise<SharedModel> {
  const items = [];
  for (const ctx of contexts) items.push(...(await labelledRows(ctx)));
  const { rows, labels } = onePerPerson(items);
  const first = contexts[0]!;
  first.onProgress?.({ stage: 'train', message: `lead score: training one model on ${rows.length} labelled records from ${contexts.length} CRMs` });
  const { model, metrics } = await fitLeadScoreModel(first, rows, labels);
  return { model, metrics: { ...metrics, crms: contexts.map((c) => c.tenant.crm) }, key: hashOf([rows, labels]), rows: rows.length };
}

export async function runLinkedCycle(contexts: PipelineContext[], options: CycleOptions = {}): Promise<CycleSummary[]> {
  const syncs: CycleSummary[] = [];
  for (const ctx of contexts) {
    const synced = await runCycle(ctx, { ...options, syncOnly: true });
    if (synced.status === 'failed') return [synced];
    syncs.push(synced);
  }
  const shared = await trainShared(contexts);
  const out: CycleSummary[] = [];
  for (const [i, ctx] of contexts.entries()) out.push(await runCycle(ctx, { ...options, sharedLeadScore: shared, syncedBefore: syncs[i]! }));
  return out;
}
