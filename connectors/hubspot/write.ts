/**
 * Write-back through batch update, 100 inputs per request. Every input carries an objectWriteTraceId so
 * HubSpot answers a partial failure with 207 and per-record errors; where it still rejects a whole batch
 * with 400, the batch is split in halves until the bad records stand alone, so one bad value never
 * blocks the others.
 */
import type { RecordUpdate, WriteBatchConfirmed, WriteResult } from '../connector.ts';
import { isoInstant } from '../shared/edge.ts';
import { ConnectorError } from '../shared/errors.ts';
import { BATCH_SIZE, chunk } from './associations.ts';
import type { HubSpotSession } from './session.ts';

interface BatchError {
  message?: string;
  context?: Record<string, string[] | undefined>;
  objectWriteTraceId?: string;
}

function failedIds(error: BatchError, traceToId: Map<string, string>): string[] {
  const ids = [...(error.context?.ids ?? []), ...(error.context?.id ?? [])];
  if (error.objectWriteTraceId && traceToId.has(error.objectWriteTraceId)) ids.push(traceToId.get(error.objectWriteTraceId)!);
  return [...new Set(ids)];
}

/** Each request's results go to `onBatch` as soon as HubSpot answered it, bisected halves one by one. */
async function writeBatch(session: HubSpotSession, hubspotType: string, updates: RecordUpdate[], runTag: string, onBatch: WriteBatchConfirmed): Promise<WriteResult[]> {
  const confirm = async (results: WriteResult[]): Promise<WriteResult[]> => {
    await onBatch(results);
    return results;
  };
  const traceToId = new Map(updates.map((u) => [`${runTag}:${u.externalId}`, u.externalId]));
  let response;
  try {
    // https://developers.hubspot.com/docs/api-reference/crm-objects-v3/batch/post-crm-v3-objects-objectType-batch-update
    response = await session.call('standard', `batch update ${hubspotType}`, (c) =>
      c.crm.objects.batchApi.update(hubspotType, {
        inputs: updates.map((u) => ({ id: u.externalId, properties: u.properties, objectWriteTraceId: `${runTag}:${u.externalId}` })),
      }),
    );
  } catch (error) {
    if (error instanceof ConnectorError && error.code === 'bad_request') {
      if (updates.length === 1) return confirm([{ externalId: updates[0]!.externalId, ok: false, error: error.message, retryable: false }]);
      const half = Math.ceil(updates.length / 2);
      return [
        ...(await writeBatch(session, hubspotType, updates.slice(0, half), runTag, onBatch)),
        ...(await writeBatch(session, hubspotType, updates.slice(half), runTag, onBatch)),
      ];
    }
    if (error instanceof ConnectorError && error.code !== 'needs_reauth' && error.code !== 'forbidden') {
      // Throttled or unavailable after every retry: the writes stay queued for the next cycle.
      return confirm(updates.map((u) => ({ externalId: u.externalId, ok: false as const, error: error.message, retryable: true })));
    }
    throw error;
  }
  const results = new Map<string, WriteResult>();
  for (const result of response.results) {
    results.set(String(result.id), { externalId: String(result.id), ok: true, modifiedAt: isoInstant(result.updatedAt) });
  }
  const errors = ('errors' in response ? response.errors : undefined) as BatchError[] | undefined;
  for (const error of errors ?? []) {
    for (const id of failedIds(error, traceToId)) {
      results.set(id, { externalId: id, ok: false, error: error.message ?? 'rejected by HubSpot', retryable: false });
    }
  }
  // A record HubSpot neither confirmed nor rejected is not assumed written: it stays queued.
  return confirm(
    updates.map((u) => results.get(u.externalId) ?? { externalId: u.externalId, ok: false, error: 'no result returned for this record', retryable: true }),
  );
}

export async function writeUpdates(session: HubSpotSession, hubspotType: string, updates: RecordUpdate[], onBatch?: WriteBatchConfirmed): Promise<WriteResult[]> {
  const runTag = Date.now().toString(36);
  const confirmed = onBatch ?? (async () => undefined);
  const out: WriteResult[] = [];
  for (const batch of chunk(updates, BATCH_SIZE)) out.push(...(await writeBatch(session, hubspotType, batch, runTag, confirmed)));
  return out;
}
