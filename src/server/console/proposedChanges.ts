/**
 * What going live would write, and going live: the changes a shadow-mode cycle or dry run proposed
 * (every record and field, old and new value; Store.proposedChanges) as JSON pages or one CSV download,
 * and `POST /api/tenants/:id/mode`, where going live must confirm the run and the count of changes the
 * admin was shown: a confirmation of other counts is refused with the real ones named.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import type { ProposedChanges, Store, Tenant } from '../../store/types.ts';
import { csvDownload } from './exports.ts';

export const ChangesQuery = z
  .object({
    property: z.string().min(1).max(200).optional(),
    record: z.string().min(1).max(1000).optional(),
    limit: z.coerce.number().int('must be a whole number').min(1).max(10_000).default(100),
    offset: z.coerce.number().int('must be a whole number').min(0).max(10_000_000).default(0),
  })
  .strict();

export const ModeChange = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('shadow') }).strict(),
  z
    .object({
      mode: z.literal('live'),
      confirm: z.object({ runId: z.number().int().positive(), changes: z.number().int().min(0) }, { message: 'is required to go live: the run and the number of changes you were shown' }).strict(),
    })
    .strict(),
]);

/** The newest run that kept what it would have written (shadow mode or dry run): its id and counts. */
export async function proposalOf(store: Store, tenantId: string): Promise<{ runId: number; total: number; records: number; counts: Record<string, number> } | null> {
  const run = (await store.listRuns(tenantId, 50)).find((r) => r.status === 'succeeded' && typeof r.summary.proposedChanges === 'number');
  if (!run) return null;
  const { total, records, counts } = await store.proposedChanges(tenantId, run.id, { limit: 1 });
  return { runId: run.id, total, records, counts };
}

/** The status page's form fields as the route's JSON shape (numbers as numbers, for the same schema). */
export function modeChangeFromForm(form: Record<string, unknown>): unknown {
  const number = (v: unknown) => (typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v);
  if (form.mode !== 'live') return { mode: form.mode };
  return { mode: 'live', confirm: { runId: number(form.confirm_run), changes: number(form.confirm_changes) } };
}

export async function changesPage(store: Store, tenant: Tenant, runId: number, query: z.infer<typeof ChangesQuery>): Promise<ProposedChanges & { runId: number }> {
  const page = await store.proposedChanges(tenant.id, runId, {
    ...(query.property ? { property: query.property } : {}),
    ...(query.record ? { externalId: query.record } : {}),
    limit: query.limit,
    offset: query.offset,
  });
  return { runId, ...page };
}

export async function changesCsv(c: Context, store: Store, tenant: Tenant, runId: number): Promise<Response> {
  const rows: Array<Array<string | null>> = [];
  const size = 10_000;
  for (let offset = 0; ; offset += size) {
    const page = await store.proposedChanges(tenant.id, runId, { limit: size, offset });
    for (const ch of page.changes) rows.push([ch.objectType, ch.externalId, ch.property, ch.oldValue, ch.newValue]);
    if (page.changes.length < size) break;
  }
  return csvDownload(c, `${tenant.id}-run-${runId}-changes.csv`, ['object_type', 'record_id', 'field', 'old_value', 'new_value'], rows);
}

export type ModeAnswer = { status: 200; body: { mode: 'shadow' | 'live'; confirmed?: { runId: number; changes: number } } } | { status: 409; body: { error: string } };

export async function changeMode(store: Store, tenant: Tenant, change: z.infer<typeof ModeChange>, log: (message: string) => void): Promise<ModeAnswer> {
  if (change.mode === 'shadow') {
    if (tenant.mode !== 'shadow') await store.upsertTenant({ ...tenant, mode: 'shadow' });
    log(`tenant ${tenant.id}: back to shadow mode`);
    return { status: 200, body: { mode: 'shadow' } };
  }
  const proposal = await proposalOf(store, tenant.id);
  if (!proposal) return { status: 409, body: { error: 'confirm: there is no shadow run or dry run to confirm yet; run one and read what it would write first' } };
  const { runId, total, records, counts } = proposal;
  if (change.confirm.runId !== runId || change.confirm.changes !== total) {
    const perField = Object.entries(counts).map(([field, n]) => `${field} ${n}`).join(', ') || 'none';
    return {
      status: 409,
      body: { error: `confirm: the latest run is #${runId}, which would write ${total} values on ${records} records (${perField}); confirm with {"runId": ${runId}, "changes": ${total}}` },
    };
  }
  await store.upsertTenant({ ...tenant, mode: 'live' });
  log(`tenant ${tenant.id}: live, confirmed run #${runId} with ${total} changes`);
  return { status: 200, body: { mode: 'live', confirmed: { runId, changes: total } } };
}
