/**
 * Drain the outbox through the connector in the CRM's largest batches. Each confirmed write is marked
 * done with its audit rows in one transaction; retryable failures stay queued for the next cycle, and
 * per-record rejections are kept with their reason, never silently dropped.
 */
import type { ObjectType } from '../domain/records.ts';
import type { PipelineContext } from './context.ts';

export interface WriteReport {
  attempted: number;
  written: number;
  failed: number;
  stillPending: number;
  failures: Array<{ externalId: string; error: string }>;
}

const DRAIN_CHUNK = 500;

export async function drainOutbox(ctx: PipelineContext, runId: number, objectType: ObjectType): Promise<WriteReport> {
  const { store, tenant, connector } = ctx;
  const report: WriteReport = { attempted: 0, written: 0, failed: 0, stillPending: 0, failures: [] };
  const total = await store.countPending(tenant.id, objectType);
  // Records that failed retryably (a locked row) wait for the next cycle instead of looping here.
  const later = new Set<number>();
  for (;;) {
    const batch = (await store.pendingOutbox(tenant.id, objectType, DRAIN_CHUNK + later.size)).filter((i) => !later.has(i.id)).slice(0, DRAIN_CHUNK);
    if (batch.length === 0) break;
    const results = await connector.write(
      objectType,
      batch.map((i) => ({ externalId: i.externalId, properties: i.properties })),
    );
    const byId = new Map(results.map((r) => [r.externalId, r]));
    const done: Array<{ id: number; modifiedAt: string | null }> = [];
    const failures: Array<{ id: number; error: string; retryable: boolean }> = [];
    for (const item of batch) {
      const result = byId.get(item.externalId);
      if (result?.ok) done.push({ id: item.id, modifiedAt: result.modifiedAt });
      else {
        const error = result && !result.ok ? result.error : 'no result from the connector';
        const retryable = result && !result.ok ? result.retryable : true;
        failures.push({ id: item.id, error, retryable });
        if (retryable) later.add(item.id);
        else report.failures.push({ externalId: item.externalId, error });
      }
    }
    await store.completeOutbox(tenant.id, runId, done);
    if (failures.length) await store.failOutbox(tenant.id, failures);
    report.attempted += batch.length;
    report.written += done.length;
    report.failed += failures.filter((f) => !f.retryable).length;
    ctx.onProgress?.({ stage: 'write', done: report.attempted, total });
    // A whole batch failing retryably means the CRM is throttling or down: leave the rest queued.
    if (done.length === 0 && failures.length > 0 && failures.every((f) => f.retryable)) break;
  }
  report.stillPending = await store.countPending(tenant.id, objectType);
  return report;
}
