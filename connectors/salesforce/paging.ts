/**
 * The page generators of a Salesforce read. Each page carries the checkpoint to resume after it.
 * - REST: keyset pages on (SystemModstamp, Id), `>=` on time with the Id tie-break, LIMIT 2000: every
 *   page is a fresh query, so a resume needs no server-side cursor (they expire).
 * - Bulk API 2.0 for a large first sync: one query job whose CSV result pages are fetched by locator;
 *   the checkpoint holds the job and the locator, so a resume continues the same job.
 */
import type { Checkpoint } from '../connector.ts';
import { ConnectorError } from '../shared/errors.ts';
import type { SalesforceSession } from './session.ts';
import { bulkQuery } from './bulk.ts';
import { changedSince, idLiteral, selectFrom } from './soql.ts';

export const REST_PAGE_SIZE = 2000;

export interface RawPage {
  results: Record<string, unknown>[];
  checkpoint: Checkpoint;
}

export interface ReadTarget {
  sobject: string;
  fields: string[];
  /** Above this many records a first sync uses Bulk API 2.0 (when the org has it). */
  bulkThreshold: number;
  bulkEnabled: boolean;
  /** Incremental pages leave out records this user changed last (our integration user: our own writes). */
  excludeModifiedBy?: string;
}

const EPOCH = '1970-01-01T00:00:00.000Z';
const BULK_MARK = 'bulk:';

async function countRecords(session: SalesforceSession, sobject: string): Promise<number> {
  const result = await session.query(`count ${sobject}`, `SELECT COUNT() FROM ${sobject}`);
  return result.totalSize;
}

async function* restPages(session: SalesforceSession, target: ReadTarget, since: string, afterId?: string): AsyncGenerator<RawPage> {
  for (;;) {
    const changed = changedSince(since, afterId);
    const where = target.excludeModifiedBy ? `${changed} AND LastModifiedById != ${idLiteral(target.excludeModifiedBy)}` : changed;
    const soql = selectFrom(target.sobject, target.fields, where, 'SystemModstamp, Id', REST_PAGE_SIZE);
    let result = await session.query(`query ${target.sobject}`, soql);
    let count = 0;
    // Salesforce may answer a LIMIT query in smaller batches (wide rows): follow queryMore to its end.
    for (;;) {
      const records = result.records;
      count += records.length;
      const last = records.at(-1);
      if (last) {
        since = new Date(Date.parse(String(last.SystemModstamp))).toISOString();
        afterId = String(last.Id);
      }
      yield { results: records, checkpoint: { phase: 'incremental', since, ...(afterId ? { afterId } : {}) } };
      if (result.done || !result.nextRecordsUrl) break;
      result = await session.queryMore(`query ${target.sobject} (more)`, result.nextRecordsUrl);
    }
    if (count < REST_PAGE_SIZE) return;
  }
}

async function* bulkPages(session: SalesforceSession, target: ReadTarget, startedAt: string, resume?: { jobId: string; locator: string | null }): AsyncGenerator<RawPage> {
  for await (const page of bulkQuery(session, selectFrom(target.sobject, target.fields), resume)) {
    const checkpoint: Checkpoint = page.next
      ? { phase: 'initial', after: `${BULK_MARK}${page.jobId}:${page.next}`, startedAt }
      : { phase: 'incremental', since: startedAt };
    yield { results: page.rows, checkpoint };
  }
}

/** "bulk:<job id>:<locator>" of an interrupted bulk first sync. */
function bulkResume(after: string | undefined): { jobId: string; locator: string | null } | null {
  if (!after?.startsWith(BULK_MARK)) return null;
  const [jobId, locator] = after.slice(BULK_MARK.length).split(':');
  return jobId ? { jobId, locator: locator || null } : null;
}

export async function* readPages(session: SalesforceSession, target: ReadTarget, from: Checkpoint | null): AsyncGenerator<RawPage> {
  if (from?.phase === 'incremental') {
    yield* restPages(session, target, from.since, from.afterId);
    return;
  }
  const startedAt = from?.startedAt ?? new Date().toISOString();
  const resumeBulk = bulkResume(from?.after);
  const useBulk = resumeBulk !== null || (target.bulkEnabled && (await countRecords(session, target.sobject)) > target.bulkThreshold);
  if (useBulk) {
    try {
      yield* bulkPages(session, target, startedAt, resumeBulk ?? undefined);
      yield* restPages(session, target, startedAt);
      return;
    } catch (error) {
      // Group and Professional editions have no Bulk API 2.0: the REST path reads the same records.
      if (!(error instanceof ConnectorError) || resumeBulk !== null || !/API_DISABLED_FOR_ORG|NOT_FOUND|404/.test(error.message)) throw error;
    }
  }
  yield* restPages(session, target, EPOCH);
}
