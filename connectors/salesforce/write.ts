/**
 * Write-back through sObject Collections, 200 records per request, allOrNone false. Salesforce answers
 * HTTP 200 even when records fail, with a result per record: each is read, retryable failures
 * (UNABLE_TO_LOCK_ROW) stay queued, others are reported with Salesforce's code and message.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm
 */
import type { HistoryEntry, RecordUpdate, WriteBatchConfirmed, WriteResult } from '../connector.ts';
import { ConnectorError } from '../shared/errors.ts';
import type { SalesforceSession } from './session.ts';
import { SALESFORCE_NUMERIC_TYPES, type DescribedObject } from './soql.ts';

export const COLLECTION_SIZE = 200;
const RETRYABLE = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'REQUEST_RUNNING_TOO_LONG']);

interface SaveResult {
  id?: string | null;
  success: boolean;
  errors?: Array<{ statusCode?: string; errorCode?: string; message?: string; fields?: string[] }>;
}

/** Values arrive as strings (as HubSpot takes them); Salesforce wants JSON numbers for numeric fields. */
export function typedValues(object: DescribedObject, properties: Record<string, string>): Record<string, string | number | null> {
  const types = new Map(object.fields.map((f) => [f.name, f.type]));
  return Object.fromEntries(
    Object.entries(properties).map(([name, value]) => {
      if (value === '') return [name, null];
      return [name, SALESFORCE_NUMERIC_TYPES.has(types.get(name) ?? '') ? Number(value) : value];
    }),
  );
}

function failure(externalId: string, result: SaveResult | undefined): WriteResult {
  const error = result?.errors?.[0];
  // jsforce's types say errorCode; the wire says statusCode.
  const code = error?.statusCode ?? error?.errorCode ?? 'UNKNOWN';
  return { externalId, ok: false, error: `${code}: ${error?.message ?? 'no result returned for this record'}${error?.fields?.length ? ` (${error.fields.join(', ')})` : ''}`, retryable: !result || RETRYABLE.has(code) };
}

/** One request per collection; each collection's results go to `onBatch` before the next is sent. */
export async function writeCollections(session: SalesforceSession, object: DescribedObject, updates: RecordUpdate[], onBatch?: WriteBatchConfirmed): Promise<WriteResult[]> {
  const out: WriteResult[] = [];
  for (let i = 0; i < updates.length; i += COLLECTION_SIZE) {
    const batch = updates.slice(i, i + COLLECTION_SIZE);
    const confirmed = await writeCollection(session, object, batch);
    await onBatch?.(confirmed);
    out.push(...confirmed);
  }
  return out;
}

async function writeCollection(session: SalesforceSession, object: DescribedObject, batch: RecordUpdate[]): Promise<WriteResult[]> {
  let results: SaveResult[];
  try {
    results = (await session.call(`update ${object.name}`, (c) =>
      c.sobject(object.name).update(
        batch.map((u) => ({ Id: u.externalId, ...typedValues(object, u.properties) })),
        { allOrNone: false },
      ),
    )) as unknown as SaveResult[];
  } catch (error) {
    if (error instanceof ConnectorError && (error.code === 'unavailable' || error.code === 'throttled')) {
      return batch.map((u) => ({ externalId: u.externalId, ok: false as const, error: error.message, retryable: true }));
    }
    throw error;
  }
  return batch.map((u, j) => {
    const result = results[j];
    return result?.success ? { externalId: u.externalId, ok: true as const, modifiedAt: null } : failure(u.externalId, result);
  });
}

/** Score-history rows, upserted on an external id so a replayed cycle never duplicates one. */
export async function upsertHistory(session: SalesforceSession, entries: Array<{ entry: HistoryEntry; parentField: string }>, log?: (message: string) => void): Promise<number> {
  let written = 0;
  for (let i = 0; i < entries.length; i += COLLECTION_SIZE) {
    const batch = entries.slice(i, i + COLLECTION_SIZE);
    const rows = batch.map(({ entry: e, parentField }) => ({
      External_Id__c: e.key,
      [parentField]: e.externalId,
      Signal__c: e.signal,
      Old_Value__c: e.oldValue,
      New_Value__c: e.newValue,
      Reasons__c: e.reasons,
      Model_Version__c: e.modelVersion,
      Changed_At__c: e.changedAt,
    }));
    const results = (await session.call('upsert Signal_History__c', (c) => c.sobject('Signal_History__c').upsert(rows, 'External_Id__c', { allOrNone: false }))) as unknown as SaveResult[];
    written += results.filter((r) => r.success).length;
    const failed = results.filter((r) => !r.success);
    if (failed.length) log?.(`${failed.length} history entries not recorded: ${failure('', failed[0]).ok ? '' : (failure('', failed[0]) as { error: string }).error}`);
  }
  return written;
}
