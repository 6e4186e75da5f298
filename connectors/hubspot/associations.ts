/**
 * Associations and line items for a page of records, fetched in batches of 100 ids.
 * Association batch reads are exempt from the ten-second limit (per the v4 spec). Each result of a batch
 * read is one page of that id's associations: when it carries `paging.next.after`, the rest is read with
 * the per-record GET, which the spec caps at 500 per call (and which counts against the limit).
 */
import { PagingStuckError } from './paging.ts';
import type { HubSpotSession } from './session.ts';

export const BATCH_SIZE = 100;
/** GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}: "Limit 500 per call" (v4 spec). */
export const ASSOCIATION_PAGE_SIZE = 500;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** from id -> associated ids, in HubSpot's order, every page of them. */
export async function readAssociations(session: HubSpotSession, from: string, to: string, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const batch of chunk(ids, BATCH_SIZE)) {
    // https://developers.hubspot.com/docs/api-reference/crm-associations-v4/batch/post-crm-v4-associations-fromObjectType-toObjectType-batch-read
    const response = await session.call('associations', `associations ${from}->${to}`, (c) =>
      c.crm.associations.v4.batchApi.getPage(from, to, { inputs: batch.map((id) => ({ id })) }),
    );
    for (const result of response.results) {
      const fromId = String(result._from.id);
      const associated = result.to.map((t) => String(t.toObjectId));
      const after = result.paging?.next?.after;
      if (after) associated.push(...(await remainingPages(session, from, to, fromId, after)));
      out.set(fromId, associated);
    }
  }
  return out;
}

/** The pages after the first of one record's associations, followed until the API gives no next cursor. */
async function remainingPages(session: HubSpotSession, from: string, to: string, fromId: string, first: string): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  let after: string | undefined = first;
  while (after) {
    if (seen.has(after)) throw new PagingStuckError(`${from} ${fromId} -> ${to} associations`, `after=${after}`, 'the API handed back a cursor it gave before');
    seen.add(after);
    const cursor: string = after;
    // https://developers.hubspot.com/docs/api-reference/crm-associations-v4/basic/get-crm-v4-objects-objectType-objectId-associations-toObjectType
    const page = await session.call('standard', `associations ${from} ${fromId}->${to}`, (c) =>
      c.crm.associations.v4.basicApi.getPage(from, fromId, to, cursor, ASSOCIATION_PAGE_SIZE),
    );
    out.push(...page.results.map((t) => String(t.toObjectId)));
    after = page.paging?.next?.after;
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
