/**
 * The page generators of a Salesforce read. Each page carries the checkpoint to resume after it.
 * - REST: keyset pages on (SystemModstamp, Id), `>=` on time with the Id tie-break, LIMIT 2000: every
 *   page is a fresh query, so a resume needs no server-side cursor (they expire).
 * - Bulk API 2.0 for a large first sync: one query job whose CSV results stream in chunks; a resume
 *   re-runs the job and skips the rows already stored (upserts make the boundary harmless).
 */
import type { Checkpoint } from '../connector.ts';
import { ConnectorError } from '../shared/errors.ts';
import type { SalesforceSession } from './session.ts';
import { changedSince, selectFrom } from './soql.ts';

export const REST_PAGE_SIZE = 2000;
export const BULK_PAGE_SIZE = 2000;

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
}

const EPOCH = '1970-01-01T00:00:00.000Z';
const BULK_MARK = 'bulk:';

async function countRecords(session: SalesforceSession, sobject: string): Promise<number> {
  const result = await session.query(`count ${sobject}`, `SELECT COUNT() FROM ${sobject}`);
  return result.totalSize;
}

async function* restPages(session: SalesforceSession, target: ReadTarget, since: string, afterId?: string): AsyncGenerator<RawPage> {
  for (;;) {
    const soql = selectFrom(target.sobject, target.fields, changedSince(since, afterId), 'SystemModstamp, Id', REST_PAGE_SIZE);
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

/** Bulk CSV has no nulls: an empty cell is an empty field. */
function fromCsv(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === '' ? null : v]));
}

async function* bulkPages(session: SalesforceSession, target: ReadTarget, startedAt: string, skip: number): AsyncGenerator<RawPage> {
  const soql = selectFrom(target.sobject, target.fields);
  // https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_create_job.htm
  const stream = await session.call(`bulk query ${target.sobject}`, async (c) => {
    c.bulk2.pollTimeout = 10 * 60_000;
    return c.bulk2.query(soql);
  });
  let seen = 0;
  let page: Record<string, unknown>[] = [];
  for await (const row of stream as AsyncIterable<Record<string, unknown>>) {
    // jsforce 3.10.16 joins result pages without dropping the header Salesforce repeats on each page.
    if (row.Id === 'Id') continue;
    seen++;
    if (seen <= skip) continue;
    page.push(fromCsv(row));
    if (page.length === BULK_PAGE_SIZE) {
      yield { results: page, checkpoint: { phase: 'initial', after: `${BULK_MARK}${seen}`, startedAt } };
      page = [];
    }
  }
  yield { results: page, checkpoint: { phase: 'incremental', since: startedAt } };
}

export async function* readPages(session: SalesforceSession, target: ReadTarget, from: Checkpoint | null): AsyncGenerator<RawPage> {
  if (from?.phase === 'incremental') {
    yield* restPages(session, target, from.since, from.afterId);
    return;
  }
  const startedAt = from?.startedAt ?? new Date().toISOString();
  const resumeBulk = from?.after?.startsWith(BULK_MARK) ? Number(from.after.slice(BULK_MARK.length)) : null;
  const useBulk = resumeBulk !== null || (target.bulkEnabled && (await countRecords(session, target.sobject)) > target.bulkThreshold);
  if (useBulk) {
    try {
      yield* bulkPages(session, target, startedAt, resumeBulk ?? 0);
      yield* restPages(session, target, startedAt);
      return;
    } catch (error) {
      // Group and Professional editions have no Bulk API 2.0: the REST path reads the same records.
      if (!(error instanceof ConnectorError) || resumeBulk !== null || !/API_DISABLED_FOR_ORG|NOT_FOUND|404/.test(error.message)) throw error;
    }
  }
  yield* restPages(session, target, EPOCH);
}
