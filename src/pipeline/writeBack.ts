/**
 * Drain the outbox through the connector in the CRM's largest batches. Each batch the CRM confirms is
 * marked done with its audit rows in one transaction as soon as it answered, before the next is sent, so
 * a crash re-sends at most the batch in flight. Retryable failures stay queued for the next cycle, and
 * per-record rejections are kept with their reason, never silently dropped.
 */
import type { WriteResult } from '../../connectors/connector.ts';
import type { ObjectType } from '../domain/records.ts';
import type { OutboxFilter, OutboxItem } from '../store/types.ts';
import type { PipelineContext } from './context.ts';
import { tenantWritten } from './events.ts';

export interface WriteReport {
  attempted: number;
  written: number;
  failed: number;
  stillPending: number;
  failures: Array<{ externalId: string; error: string }>;
}

/** Outbox items read per connector call; the connector splits them into the CRM's own batches. */
const DRAIN_CHUNK = 500;

export async function drainOutbox(ctx: PipelineContext, runId: number, objectType: ObjectType, only?: OutboxFilter): Promise<WriteReport> {
  const { store, tenant, connector } = ctx;
  const report: WriteReport = { attempted: 0, written: 0, failed: 0, stillPending: 0, failures: [] };
  const total = await store.countPending(tenant.id, objectType, only);
  // Records that failed retryably (a locked row) wait for the next cycle instead of looping here.
  const later = new Set<number>();
  for (;;) {
    const chunk = (await store.pendingOutbox(tenant.id, objectType, DRAIN_CHUNK + later.size, only)).filter((i) => !later.has(i.id)).slice(0, DRAIN_CHUNK);
    if (chunk.length === 0) break;
    const unsettled = new Map(chunk.map((i) => [i.externalId, i]));
    const tally = { done: 0, retryable: 0, rejected: 0 };

    /** Records what the CRM answered for items not settled yet: done with audit rows, or failed. */
    const settle = async (results: readonly WriteResult[]): Promise<void> => {
      const done: Array<{ id: number; modifiedAt: string | null }> = [];
      const failures: Array<{ id: number; error: string; retryable: boolean }> = [];
      for (const result of results) {
        const item: OutboxItem | undefined = unsettled.get(result.externalId);
        if (!item) continue;
        unsettled.delete(result.externalId);
        if (result.ok) {
          done.push({ id: item.id, modifiedAt: result.modifiedAt });
          continue;
        }
        failures.push({ id: item.id, error: result.error, retryable: result.retryable });
        if (result.retryable) later.add(item.id);
        else report.failures.push({ externalId: item.externalId, error: result.error });
      }
      if (done.length === 0 && failures.length === 0) return;
      await store.completeOutbox(tenant.id, runId, done);
      tenantWritten(tenant.id);
      if (failures.length) await store.failOutbox(tenant.id, failures);
      const rejected = failures.filter((f) => !f.retryable).length;
      tally.done += done.length;
      tally.rejected += rejected;
      tally.retryable += failures.length - rejected;
      report.attempted += done.length + failures.length;
      report.written += done.length;
      report.failed += rejected;
      ctx.onProgress?.({ stage: 'write', done: report.attempted, total });
    };

    const results = await connector.write(
      objectType,
      chunk.map((i) => ({ externalId: i.externalId, properties: i.properties })),
      settle,
    );
    // A connector that reports no batches settles here; a record it gave no result for stays queued.
    await settle(results);
    await settle([...unsettled.values()].map((i) => ({ externalId: i.externalId, ok: false as const, error: 'no result from the connector', retryable: true })));
    // A whole chunk failing retryably means the CRM is throttling or down: leave the rest queued.
    if (tally.done === 0 && tally.rejected === 0 && tally.retryable > 0) break;
  }
  report.stillPending = await store.countPending(tenant.id, objectType, only);
  return report;
}
