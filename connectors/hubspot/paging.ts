/**
 * The two page generators every HubSpot object read uses. Each page comes with the checkpoint to resume
 * after it; the runner saves that checkpoint only once the page is stored.
 * - initial: the list endpoint with the `after` cursor, 100 per page.
 * - incremental: search on the last-modified property, ascending, 200 per page; search stops at 10,000
 *   results, so the window moves to the last record seen (with an id tie-break) instead of stopping.
 */
import type { Checkpoint } from '../connector.ts';
import { modifiedAt } from './mapRecord.ts';
import type { HubSpotSession } from './session.ts';
import type { FilterGroup } from '@hubspot/api-client/lib/codegen/crm/objects/models/FilterGroup.js';

export const LIST_PAGE_SIZE = 100;
export const SEARCH_PAGE_SIZE = 200;
export const SEARCH_RESULT_CAP = 10_000;

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

function modifiedOf(result: unknown, property: string): { id: string; modified: string } | null {
  const r = result as { id?: unknown; properties?: Record<string, unknown>; updatedAt?: unknown };
  const modified = modifiedAt(r, property);
  return typeof r.id === 'string' && modified ? { id: r.id, modified } : null;
}

async function* searchPages(
  session: HubSpotSession,
  target: PagingTarget,
  from: Extract<Checkpoint, { phase: 'incremental' }>,
): AsyncGenerator<RawPage> {
  let since = from.since;
  let afterId = from.afterId;
  let offset = 0;
  for (;;) {
    // https://developers.hubspot.com/docs/api-reference/crm-objects-v3/search/post-crm-v3-objects-objectType-search
    const page = await session.call('search', `search ${target.hubspotType}`, (c) =>
      c.crm.objects.searchApi.doSearch(target.hubspotType, {
        filterGroups: windowFilters(target, since, afterId),
        // The SDK types `sorts` as strings; the API documents {propertyName, direction} objects.
        sorts: [{ propertyName: target.modifiedProperty, direction: 'ASCENDING' }] as unknown as string[],
        properties: target.properties,
        limit: SEARCH_PAGE_SIZE,
        after: String(offset),
      }),
    );
    // Resume from the newest record of the page: with `>=` on time plus the id tie-break a replayed
    // boundary is harmless (upserts are idempotent) and a page is never skipped.
    let last: { id: string; modified: string } | null = null;
    for (const result of page.results) last = modifiedOf(result, target.modifiedProperty) ?? last;
    const resume: Checkpoint = last
      ? { phase: 'incremental', since: last.modified, afterId: last.id }
      : { phase: 'incremental', since, ...(afterId ? { afterId } : {}) };
    const next = page.paging?.next?.after;
    yield { results: page.results, checkpoint: resume };
    if (!next || page.results.length === 0) return;
    if (Number(next) + SEARCH_PAGE_SIZE > SEARCH_RESULT_CAP) {
      // Re-window instead of paging past the cap: HubSpot answers 400 beyond 10,000 results.
      if (resume.phase === 'incremental') {
        since = resume.since;
        afterId = resume.afterId;
      }
      offset = 0;
    } else {
      offset = Number(next);
    }
  }
}
