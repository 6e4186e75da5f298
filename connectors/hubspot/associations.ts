/**
 * Associations and line items for a page of records, fetched in batches of 100 ids.
 * Association batch reads are exempt from the ten-second limit (per the v4 spec).
 */
import type { HubSpotSession } from './session.ts';

export const BATCH_SIZE = 100;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** from id -> associated ids, in HubSpot's order. */
export async function readAssociations(session: HubSpotSession, from: string, to: string, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const batch of chunk(ids, BATCH_SIZE)) {
    // https://developers.hubspot.com/docs/api-reference/crm-associations-v4/batch/post-crm-v4-associations-fromObjectType-toObjectType-batch-read
    const response = await session.call('associations', `associations ${from}->${to}`, (c) =>
      c.crm.associations.v4.batchApi.getPage(from, to, { inputs: batch.map((id) => ({ id })) }),
    );
    for (const result of response.results) {
      out.set(String(result._from.id), result.to.map((t) => String(t.toObjectId)));
    }
  }
  return out;
}

/** Batch read by id (never search: newly written objects reach the search index only after a while). */
export async function batchRead(session: HubSpotSession, hubspotType: string, ids: string[], properties: string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const batch of chunk(ids, BATCH_SIZE)) {
    // https://developers.hubspot.com/docs/api-reference/crm-objects-v3/batch/post-crm-v3-objects-objectType-batch-read
    const response = await session.call('standard', `batch read ${hubspotType}`, (c) =>
      c.crm.objects.batchApi.read(hubspotType, { inputs: batch.map((id) => ({ id })), properties, propertiesWithHistory: [] }),
    );
    out.push(...response.results);
  }
  return out;
}
