/**
 * Rolling back a run: the values it wrote are replaced in the CRM by the ones before it, where the CRM
 * still holds the run's value. A value a person (or a later run) changed since is left alone and
 * reported. The rollback is a run of its own (kind `rollback`), written through the outbox like any
 * write-back, so its audit rows say what it restored; the tenant goes back to shadow mode, or the next
 * cycle would simply write the scores again.
 */
import type { ObjectType } from '../domain/records.ts';
import type { AuditRow, OutboxInput } from '../store/types.ts';
import type { PipelineContext } from './context.ts';
import { startLeasedRun } from './jobs/runLease.ts';
import { ApiBudgetReachedError, budgetReason, budgetStatus, meteredConnector } from './jobs/apiBudget.ts';
import { drainOutbox, type WriteReport } from './writeBack.ts';

export interface RollbackReport {
  runId: number;
  rolledBack: number;
  /** Values put back as they were before the run. */
  restored: number;
  /** Values the CRM no longer holds as the run wrote them: left alone. */
  skipped: Array<{ objectType: ObjectType; externalId: string; property: string; reason: string }>;
  write: Partial<Record<ObjectType, WriteReport>>;
  mode: 'shadow';
}

export class RollbackError extends Error {
  override readonly name = 'RollbackError';
}

/** The run's last write of each record and property (a run writes each once; a resumed one may repeat). */
function lastWrites(rows: AuditRow[]): Map<ObjectType, Map<string, Map<string, AuditRow>>> {
  const out = new Map<ObjectType, Map<string, Map<string, AuditRow>>>();
  for (const row of [...rows].sort((a, b) => a.id - b.id)) {
    if (row.erasedAt) continue;
    const records = out.get(row.objectType) ?? new Map<string, Map<string, AuditRow>>();
    out.set(row.objectType, records);
    const properties = records.get(row.externalId) ?? new Map<string, AuditRow>();
    records.set(row.externalId, properties);
    properties.set(row.property, row);
  }
  return out;
}

/** The CRM gives numbers back in its own form (Salesforce: "-0.1" for the "-0.10" we wrote). */
function sameValue(current: string, written: string): boolean {
  if (current === written) return true;
  const [a, b] = [Number(current), Number(written)];
  return current.trim() !== '' && written.trim() !== '' && Number.isFinite(a) && Number.isFinite(b) && a === b;
}

export async function rollbackRun(given: PipelineContext, targetRunId: number): Promise<RollbackReport> {
  // Its calls count against the tenant's daily API budget like a cycle's, and it pauses on it the same way.
  const connector = meteredConnector(given.connector, { store: given.store, tenantId: given.tenant.id, enforce: true, ...(given.now ? { now: given.now } : {}) });
  const ctx: PipelineContext = { ...given, connector };
  const { store, tenant } = ctx;
  const target = (await store.listRuns(tenant.id, 1000)).find((r) => r.id === targetRunId);
  if (!target) throw new RollbackError(`tenant ${tenant.id} has no run #${targetRunId}`);
  if (target.kind === 'rollback') throw new RollbackError(`run #${targetRunId} is itself a rollback; roll back the run it undid by running that run again`);
  const audit = await store.audit(tenant.id, { runId: targetRunId, limit: 10_000_000 });
  if (audit.length === 0) throw new RollbackError(`run #${targetRunId} wrote nothing into the CRM: there is nothing to roll back`);
  const budget = await budgetStatus(store, tenant.id, ctx.now?.() ?? new Date());
  if (budget.exhausted) throw new RollbackError(`${budgetReason(budget.budget!, budget.resumesAt!)}: roll run #${targetRunId} back after that, or raise the budget`);

  // Stop writing first: a cycle between here and the end must not write the run's values again.
  if (tenant.mode !== 'shadow') await store.upsertTenant({ ...tenant, mode: 'shadow' });
  const run = await startLeasedRun(ctx, 'rollback');
  const report: RollbackReport = { runId: run.runId, rolledBack: targetRunId, restored: 0, skipped: [], write: {}, mode: 'shadow' };
  try {
    for (const [objectType, records] of lastWrites(audit)) {
      const properties = [...new Set([...records.values()].flatMap((p) => [...p.keys()]))];
      const current = await connector.readValues(objectType, [...records.keys()], properties);
      const items: OutboxInput[] = [];
      for (const [externalId, writes] of records) {
        const now = current.get(externalId);
        const item: OutboxInput = { objectType, externalId, properties: {}, previous: {}, modelVersion: null };
        for (const [property, row] of writes) {
          const value = now?.[property] ?? null;
          if (!now) report.skipped.push({ objectType, externalId, property, reason: 'the record is no longer in the CRM' });
          else if (!sameValue(value ?? '', row.newValue)) report.skipped.push({ objectType, externalId, property, reason: `changed since the run (now ${JSON.stringify(value ?? '')})` });
          else {
            item.properties[property] = row.oldValue ?? '';
            item.previous[property] = row.newValue;
          }
        }
        if (Object.keys(item.properties).length > 0) items.push(item);
      }
      if (items.length === 0) continue;
      await store.enqueue(tenant.id, run.runId, items);
      // Restores only (this rollback's and a paused one's left over): the tenant is in shadow mode now, and a
      // cycle's scores still queued wait for it to go live again.
      const written = await drainOutbox({ ...ctx, tenant: { ...tenant, mode: 'shadow' } }, run.runId, objectType, { runKind: 'rollback' });
      report.write[objectType] = written;
      const failed = new Set(written.failures.map((f) => f.externalId));
      report.restored += items.filter((i) => !failed.has(i.externalId)).reduce((sum, i) => sum + Object.keys(i.properties).length, 0);
    }
    await run.finish(Object.values(report.write).some((w) => w.failed > 0) ? 'failed' : 'succeeded', { ...report, skipped: report.skipped.slice(0, 100), skippedCount: report.skipped.length });
    ctx.log(`rollback of run #${targetRunId}: ${report.restored} values restored, ${report.skipped.length} left alone (changed since); ${tenant.id} is in shadow mode`);
    return report;
  } catch (error) {
    if (error instanceof ApiBudgetReachedError) {
      // The values restored so far stay restored (their audit rows say which); what is left stays queued for the next rollback of the run.
      report.restored = (await store.audit(tenant.id, { runId: run.runId, limit: 10_000_000 })).length;
      await run.finish('paused', { ...report, skipped: report.skipped.slice(0, 100), skippedCount: report.skipped.length, paused: { reason: error.message, budget: error.budget, resumesAt: error.resumesAt } });
      throw new RollbackError(`rollback of run #${targetRunId} paused after ${report.restored} values: ${error.message}; roll run #${targetRunId} back again then to restore the rest`);
    }
    await run.finish('failed', { ...report, skipped: report.skipped.slice(0, 100), error: (error as Error).message });
    throw error;
  }
}
