/**
 * Sync one object type from its checkpoint. Each page is validated, hashed and stored together with the
 * checkpoint to resume after it, in one transaction: a crash never loses or repeats a page.
 */
import { createHash } from 'node:crypto';
import { parseCheckpoint } from '../../connectors/connector.ts';
import { profileOf } from '../../connectors/registry.ts';
import type { CanonicalRecord, ObjectType, RejectedRecord } from '../domain/records.ts';
import { inputHash, recordProblem } from '../mapping/index.ts';
import type { PipelineContext } from './context.ts';

export interface SyncReport {
  /** Records the CRM returned. */
  read: number;
  /** New records, or records whose model inputs changed. */
  changed: number;
  changedIds: string[];
  /** Records returned only because our own write-back touched them. */
  ownWrites: number;
  rejected: number;
  /** Records the CRM reported deleted, forgotten here. */
  deleted: number;
  pages: number;
  resumed: boolean;
}

/** `stamps`: the CRM's modification stamps, which move on every write (ours included) and say nothing about the content. */
function hashRecord(record: CanonicalRecord, ctx: PipelineContext, stamps: ReadonlySet<string>): string {
  if (record.objectType === 'contact') return inputHash(record, ctx.mapping.leadScore);
  const { associations, lineItems } = record;
  const properties = Object.fromEntries(Object.entries(record.properties).filter(([name]) => !stamps.has(name)));
  return createHash('sha256').update(JSON.stringify({ properties, associations, lineItems })).digest('base64url').slice(0, 22);
}

export async function syncObject(ctx: PipelineContext, runId: number, objectType: ObjectType): Promise<SyncReport> {
  const { store, tenant, connector } = ctx;
  const stored = await store.getCheckpoint(tenant.id, objectType);
  const checkpoint = parseCheckpoint(stored);
  if (stored !== null && checkpoint === null) ctx.log(`${objectType}: stored checkpoint is corrupt, starting a clean re-sync`);
  // Compared as instants: a CRM may spell the same time differently (+0000 vs Z).
  const ownStamps = new Map([...(await store.ownWriteStamps(tenant.id, objectType))].map(([id, stamp]) => [id, Date.parse(stamp)]));
  const stamps = profileOf(connector.crm).modificationStamps;
  const report: SyncReport = { read: 0, changed: 0, changedIds: [], ownWrites: 0, rejected: 0, deleted: 0, pages: 0, resumed: checkpoint !== null };

  for await (const page of connector.read(objectType, checkpoint)) {
    const rejected: RejectedRecord[] = [...page.rejected];
    const records: Array<CanonicalRecord & { inputHash: string }> = [];
    for (const record of page.records) {
      const problem = objectType === 'contact' ? recordProblem(record, ctx.mapping.leadScore) : null;
      if (problem) {
        rejected.push({ objectType, externalId: record.externalId, reason: problem });
        continue;
      }
      if (record.modifiedByApp || ownStamps.get(record.externalId) === Date.parse(record.modifiedAt)) report.ownWrites++;
      records.push({ ...record, inputHash: hashRecord(record, ctx, stamps) });
    }
    const result = await store.savePage(tenant.id, { runId, objectType, records, rejected, checkpoint: page.checkpoint });
    report.read += page.records.length + page.rejected.length;
    report.rejected += rejected.length;
    report.changed += result.changedIds.length;
    report.changedIds.push(...result.changedIds);
    report.pages++;
    for (const r of rejected) ctx.log(`skipped ${objectType} ${r.externalId ?? '(no id)'}: ${r.reason}`);
    ctx.onProgress?.({ stage: 'sync', objectType, records: report.read, pages: report.pages });
  }
  if (connector.deleted) {
    const cursor = `deleted:${objectType}`;
    const since = ((await store.getCursor(tenant.id, cursor)) as { until?: string } | null)?.until ?? null;
    const { ids, until } = await connector.deleted(objectType, since);
    report.deleted = await store.deleteRecords(tenant.id, objectType, ids);
    await store.saveCursor(tenant.id, cursor, { until });
  }
  return report;
}
