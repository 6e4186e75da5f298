/**
 * One model across a company's CRMs. With HubSpot and Salesforce both connected, each is synced, the
 * lead score is trained once on the union of their labelled records (a person in both counted once,
 * matched by email), and every tenant scores with that same model: the same person gets the same score
 * in both CRMs.
 */
import { own } from '../domain/own.ts';
import { leadScoreFitSpec, MappingError, type Mapping, type MappingProblem } from '../mapping/index.ts';
import type { PipelineContext } from './context.ts';
import { runCycle, type CycleOptions, type CycleSummary } from './cycle.ts';
import { fitLeadScoreModel, labelledRows, onePerPerson } from './signals/leadScore.ts';
import { hashOf, type SharedModel } from './signals/stage.ts';

/**
 * One model reads the same model columns in every CRM, whatever fields feed them: tenants whose mappings
 * give it other columns, placeholders or ranges cannot share it (each would score rows it was not fitted on).
 */
export function sharedSpecProblems(tenants: ReadonlyArray<{ tenantId: string; mapping: Mapping }>): MappingProblem[] {
  const shape = (m: Mapping) => {
    const { spec, ranges, monotone } = leadScoreFitSpec(m.leadScore);
    return { numeric: [...spec.numeric].sort(), categorical: [...spec.categorical].sort(), placeholders: [...spec.placeholders].sort(), ranges, monotone };
  };
  const [first, ...rest] = tenants;
  if (!first) return [];
  const want = shape(first.mapping);
  const problems: MappingProblem[] = [];
  for (const other of rest) {
    const have = shape(other.mapping);
    for (const key of ['numeric', 'categorical'] as const) {
      const missing = want[key].filter((c) => !have[key].includes(c));
      const extra = have[key].filter((c) => !want[key].includes(c));
      if (missing.length || extra.length) {
        problems.push({
          path: `leadScore.${key}`,
          message: `tenant ${other.tenantId} ${[missing.length ? `lacks ${key} columns ${missing.join(', ')}` : '', extra.length ? `adds ${key} columns ${extra.join(', ')}` : ''].filter(Boolean).join(' and ')} compared with tenant ${first.tenantId}: one model across CRMs needs the same model columns`,
        });
      }
    }
    if (JSON.stringify(have.placeholders) !== JSON.stringify(want.placeholders)) problems.push({ path: 'leadScore.placeholders', message: `tenant ${other.tenantId} has other placeholders than tenant ${first.tenantId}` });
    for (const column of new Set([...Object.keys(want.ranges), ...Object.keys(have.ranges)])) {
      if (JSON.stringify(own(want.ranges, column) ?? null) !== JSON.stringify(own(have.ranges, column) ?? null)) {
        problems.push({ path: `leadScore.ranges.${column}`, message: `tenant ${other.tenantId} gives column "${column}" another range than tenant ${first.tenantId}` });
      }
    }
    for (const column of new Set([...Object.keys(want.monotone), ...Object.keys(have.monotone)])) {
      if ((own(want.monotone, column) ?? 'free') !== (own(have.monotone, column) ?? 'free')) {
        problems.push({ path: `leadScore.monotone.${column}`, message: `tenant ${other.tenantId} gives column "${column}" another direction than tenant ${first.tenantId}` });
      }
    }
  }
  return problems;
}

export async function trainShared(contexts: PipelineContext[]): Promise<SharedModel> {
  const problems = sharedSpecProblems(contexts.map((c) => ({ tenantId: c.tenant.id, mapping: c.mapping })));
  if (problems.length) throw new MappingError(`the mappings cannot share one lead score model: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
  const items = [];
  for (const ctx of contexts) items.push(...(await labelledRows(ctx)));
  const training = onePerPerson(items);
  const { rows, labels } = training;
  const first = contexts[0]!;
  first.onProgress?.({ stage: 'train', message: `lead score: training one model on ${rows.length} labelled records from ${contexts.length} CRMs` });
  const { model, metrics } = await fitLeadScoreModel(first, training);
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
