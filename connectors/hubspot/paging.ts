/**
 * The two page generators every HubSpot object read uses. Each page comes with the checkpoint to resume
 * after it; the runner saves that checkpoint only once the page is stored.
 * - initial: the list endpoint with the `after` cursor, 100 per page.
 * - incremental: search on the last-modified property, ascending, 200 per page; search stops at 10,000
 *   results, so the window moves to the last record seen (with an id tie-break) instead of stopping.
 * A cursor that does not move (the API handing back one it already gave, a search offset that does not
 * grow, a re-window that stays put) ends the read with PagingStuckError instead of asking forever.
 */
import type { Checkpoint } from '../connector.ts';
import { ConnectorError } from '../shared/errors.ts';
import { trustedStamp } from './mapRecord.ts';
import type { HubSpotSession } from './session.ts';
import type { FilterGroup } from '@hubspot/api-client/lib/codegen/crm/objects/models/FilterGroup.js';

export const LIST_PAGE_SIZE = 100;
export const SEARCH_PAGE_SIZE = 200;
export const SEARCH_RESULT_CAP = 10_000;

/**
 * The API's paging does not advance. A bad answer, not a passing fault: asking again gets the same page,
 * so the read stops here (the pages stored before it stay, with their checkpoint) and the cycle fails
 * with this message.
 */
export class PagingStuckError extends ConnectorError {
  constructor(
    readonly hubspotType: string,
    readonly cursor: string,
    detail: string,
  ) {
    super('bad_response', `HubSpot paging of ${hubspotType} is stuck at cursor ${cursor}: ${detail}; stopped instead of asking again`);
  }
}

export interface RawPage {
  results: unknown[];
  checkpoint: Checkpoint;
}

export interface PagingTarget {
  /** HubSpot object type path segment: contacts, deals, tickets, products. */
  hubspotType: string;
  properties: string[];
  /** contacts: lastmodifieddate is what search sorts by; every other object: hs_lastmodifieddate. */
  modifiedProperty: string;
}

export async function* readPages(session: HubSpotSession, target: PagingTarget, from: Checkpoint | null): AsyncGenerator<RawPage> {
  let checkpoint: Checkpoint = from ?? { phase: 'initial', startedAt: new Date().toISOString() };
  if (checkpoint.phase === 'initial') {
    yield* listPages(session, target, checkpoint);
    // Anything modified after the initial read began is picked up by the incremental phase.
    checkpoint = { phase: 'incremental', since: checkpoint.startedAt };
  }
  yield* searchPages(session, target, checkpoint);
}

async function* listPages(
  session: HubSpotSession,
  target: PagingTarget,
  from: Extract<Checkpoint, { phase: 'initial' }>,
): AsyncGenerator<RawPage> {
  let after = from.after;
  // Every cursor this read was handed: one seen twice means the API is going round in a loop.
  const seen = new Set<string>(after === undefined ? [] : [after]);
  for (;;) {
    // https://developers.hubspot.com/docs/api-reference/crm-objects-v3/basic/get-crm-v3-objects-objectType
    const page = await session.call('standard', `list ${target.hubspotType}`, (c) =>
      c.crm.objects.basicApi.getPage(target.hubspotType, LIST_PAGE_SIZE, after, target.properties),
    );
    const next = page.paging?.next?.after;
    if (!next) {
      // The last list page hands over to the incremental phase in the same checkpoint write.
      yield { results: page.results, checkpoint: { phase: 'incremental', since: from.startedAt } };
      return;
    }
    if (seen.has(next)) {
      const detail = next === after ? 'the page for it points to itself as the next page' : 'the API handed back a cursor it gave before';
      throw new PagingStuckError(target.hubspotType, `after=${next}`, `list ${detail}`);
    }
    seen.add(next);
    after = next;
    yield { results: page.results, checkpoint: { phase: 'initial', after: next, startedAt: from.startedAt } };
  }
}

function windowFilters(target: PagingTarget, since: string, afterId: string | undefined): FilterGroup[] {
  const sinceMs = String(Date.parse(since));
  if (afterId === undefined) return [{ filters: [{ propertyName: target.modifiedProperty, operator: 'GTE', value: sinceMs }] }] as FilterGroup[];
  return [
    { filters: [{ propertyName: target.modifiedProperty, operator: 'GT', value: sinceMs }] },
    {
      filters: [
        { propertyName: target.modifiedProperty, operator: 'EQ', value: sinceMs },
        { propertyName: 'hs_object_id', operator: 'GT', value: afterId },
      ],
    },
  ] as FilterGroup[];
}

/** Whether the window (since, afterId) moved strictly forward: a later time, or the same time and a higher id. */
function windowAdvanced(since: string, afterId: string | undefined, next: { since: string; afterId?: string | undefined }): boolean {
  const from = Date.parse(since);
  const to = Date.parse(next.since);
  if (to !== from) return to > from;
  if (next.afterId === undefined) return false;
  return afterId === undefined || BigInt(next.afterId) > BigInt(afterId);
}

async function* searchPages(
  session: HubSpotSession,
  target: PagingTarget,
  from: Extract<Checkpoint, { phase: 'incremental' }>,
): AsyncGenerator<RawPage> {
  let since = from.since;
  // A tie-break id saved before ids were checked may not be one: then re-read the boundary instant
  // (`>=`, idempotent upserts) rather than filter on it.
  let afterId = from.afterId !== undefined && /^\d+$/.test(from.afterId) ? from.afterId : undefined;
  let offset = 0;
  for (;;) {
    // https://developers.hubspot.com/docs/api-reference/crm-objects-v3/search/post-crm-v3-objects-objectType-search
    const page = await session.call('search', `search ${target.hubspotType}`, (c) =>
      c.crm.objects.searchApi.doSearch(target.hubspotType, {
        filterGroups: windowFilters(target, since, afterId),
        // The string form: what the spec (PublicObjectSearchRequest.sorts: string[]) and the SDK's type say,
        // and what HubSpot's SDK README documents ("name" ascending, "-name" descending). The API takes the
        // guide's {propertyName, direction} objects too, but only behind a cast that hides real type errors.
        sorts: [target.modifiedProperty],
        properties: target.properties,
        limit: SEARCH_PAGE_SIZE,
        after: String(offset),
      }),
    );
    // Resume from the newest record of the page: with `>=` on time plus the id tie-break a replayed
    // boundary is harmless (upserts are idempotent) and a page is never skipped. Only a result the mapper
    // accepts may become the resume point: a malformed one is rejected there and must not steer the sync.
    let last: { id: string; modified: string } | null = null;
    for (const result of page.results) last = trustedStamp(result, target.modifiedProperty) ?? last;
    const resume: Checkpoint = last
      ? { phase: 'incremental', since: last.modified, afterId: last.id }
      : { phase: 'incremental', since, ...(afterId ? { afterId } : {}) };
    const next = page.paging?.next?.after;
    yield { results: page.results, checkpoint: resume };
    if (!next || page.results.length === 0) return;
    const nextOffset = Number(next);
    if (!Number.isInteger(nextOffset) || nextOffset <= offset) {
      throw new PagingStuckError(target.hubspotType, `after=${next}`, `search from offset ${offset} answered a next offset that does not move past it (window since ${since}${afterId ? `, after id ${afterId}` : ''})`);
    }
    if (nextOffset + SEARCH_PAGE_SIZE > SEARCH_RESULT_CAP) {
      // Re-window instead of paging past the cap: HubSpot answers 400 beyond 10,000 results.
      if (resume.phase !== 'incremental' || !windowAdvanced(since, afterId, resume)) {
        throw new PagingStuckError(
          target.hubspotType,
          `since=${since}${afterId ? ` afterId=${afterId}` : ''}`,
          `search reached ${SEARCH_RESULT_CAP} results without a valid record past the window to move it to`,
        );
      }
      since = resume.since;
      afterId = resume.afterId;
      offset = 0;
    } else {
      offset = nextOffset;
    }
  }
}
