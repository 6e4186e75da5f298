/**
 * Sync one object type: from its checkpoint, or only the records webhooks named (src/pipeline/changeFeed.ts).
 * Each page is validated, hashed and stored together with the checkpoint to resume after it, in one
 * transaction: a crash never loses or repeats a page. Noted records are cleared after they are stored, so a
 * crash in between reads them again.
 */
import { createHash } from 'node:crypto';
import { parseCheckpoint, type Page } from '../../connectors/connector.ts';
import { profileOf } from '../../connectors/registry.ts';
import type { CanonicalRecord, ObjectType, RejectedRecord } from '../domain/records.ts';
import { inputHash, recordProblem } from '../mapping/index.ts';
import { searchCompleted, syncSource, type SyncSource } from './changeFeed.ts';
import type { PipelineContext } from './context.ts';

export interface SyncReport {
  /** 'search': from the checkpoint through the CRM's search or query; 'webhooks': only the records the change feed named (src/pipeline/changeFeed.ts). */
  source: SyncSource['source'];
  /** Why a tenant with a change feed searched (first full read, a reconcile, a property no subscription delivers). */
  why?: string;
  /** Records the CRM returned. */
  read: number;
  /** Of those, read by id because a webhook named them. */
  fromWebhooks: number;
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

/** Notes read by id per round trip: ten HubSpot batch reads. */
const NOTED_PAGE = 1000;

export async function syncObject(ctx: PipelineContext, runId: number, objectType: ObjectType): Promise<SyncReport> {
  const { store, tenant, connector } = ctx;
  const started = ctx.now?.() ?? new Date();
  const plan = await syncSource(ctx, objectType);
  const stored = await store.getCheckpoint(tenant.id, objectType);
  const checkpoint = parseCheckpoint(stored);
  if (stored !== null && checkpoint === null) ctx.log(`${objectType}: stored checkpoint is corrupt, starting a clean re-sync`);
  const stamps = profileOf(connector.crm).modificationStamps;
  const report: SyncReport = {
    source: plan.source,
    ...(plan.source === 'search' && plan.why ? { why: plan.why } : {}),
    read: 0,
    fromWebhooks: 0,
    changed: 0,
    changedIds: [],
    ownWrites: 0,
    rejected: 0,
    deleted: 0,
    pages: 0,
    resumed: checkpoint !== null,
  };

  /** Validates, hashes and stores one page; `next` is the checkpoint saved with it (undefined: unchanged). */
  const keep = async (page: Omit<Page, 'checkpoint'>, next: Page['checkpoint'] | undefined): Promise<void> => {
    const rejected: RejectedRecord[] = [...page.rejected];
    const records: Array<CanonicalRecord & { inputHash: string }> = [];
    // Compared as instants: a CRM may spell the same time differently (+0000 vs Z).
    const ownStamps = new Map([...(await store.ownWriteStamps(tenant.id, objectType, page.records.map((r) => r.externalId)))].map(([id, stamp]) => [id, Date.parse(stamp)]));
    for (const record of page.records) {
      const problem = objectType === 'contact' ? recordProblem(record, ctx.mapping.leadScore) : null;
      if (problem) {
        rejected.push({ objectType, externalId: record.externalId, reason: problem });
        continue;
      }
      if (record.modifiedByApp || ownStamps.get(record.externalId) === Date.parse(record.modifiedAt)) report.ownWrites++;
      records.push({ ...record, inputHash: hashRecord(record, ctx, stamps) });
    }
    const result = await store.savePage(tenant.id, { runId, objectType, records, rejected, checkpoint: next, stamps: [...stamps] });
    report.read += page.records.length + page.rejected.length;
    report.rejected += rejected.length;
    report.changed += result.changedIds.length;
    report.changedIds.push(...result.changedIds);
    report.pages++;
    for (const r of rejected) ctx.log(`skipped ${objectType} ${r.externalId ?? '(no id)'}: ${r.reason}`);
    ctx.onProgress?.({ stage: 'sync', objectType, records: report.read, pages: report.pages });
  };

  if (plan.source === 'search') {
    const from = plan.from !== undefined ? plan.from : checkpoint;
    const options = plan.excludeOwnWrites ? { excludeOwnWrites: true } : undefined;
    for await (const page of connector.read(objectType, from, options)) await keep(page, page.checkpoint);
    if (!plan.excludeOwnWrites) await searchCompleted(ctx, objectType, started, checkpoint);
  }
  if (connector.readByIds) {
    // The records webhooks named: a page of ids at a time, each cleared at the version read.
    for (;;) {
      const noted = await store.changedRecords(tenant.id, objectType, NOTED_PAGE);
      if (noted.length === 0) break;
      const page = await connector.readByIds(objectType, noted.map((n) => n.externalId));
      await keep(page, undefined);
      report.fromWebhooks += page.records.length + page.rejected.length;
      await store.clearChanged(tenant.id, objectType, noted);
      if (noted.length < NOTED_PAGE) break;
    }
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
