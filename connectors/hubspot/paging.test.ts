/**
 * Defects (issue 12, item 5), each against the emulator made to behave that way:
 * - list and search paging looped forever when the API repeated a cursor (770 identical requests in 90 s);
 *   a cursor that does not move now ends the read with PagingStuckError after a bounded number of requests;
 * - the search resume point was taken from raw results without the mapper's id check, so a malformed
 *   result could become the checkpoint; only results the mapper accepts count now;
 * - v4 association batch reads ignored the per-id paging cursor, losing all but the first page.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Checkpoint, Page } from '../connector.ts';
import { createHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/index.ts';
import { startHarness, type Harness } from '../../test/helpers/harness.ts';
import { HubSpotConnector, exchangeCode } from './index.ts';
import { PagingStuckError, SEARCH_RESULT_CAP } from './paging.ts';

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

async function setup(contacts = 300): Promise<{ emulator: HubSpotEmulator; connector: HubSpotConnector }> {
  const emulator = createHubSpotEmulator({ seed: 11, contacts, clientId: 'c', clientSecret: 's' });
  const { url, close } = await emulator.listen(0);
  closers.push(close);
  const app = { clientId: 'c', clientSecret: 's', redirectUri: 'http://localhost/cb', baseUrl: url };
  const tokens = await exchangeCode(app, emulator.issueAuthCode(app.redirectUri));
  // Search's 5 per second would make these reads slow, not different.
  emulator.faults.set({ searchPerSecond: 1000 });
  const connector = new HubSpotConnector({ baseUrl: url, tokens, app, searchLimit: { max: 1000, intervalMs: 1000 } });
  emulator.resetStats();
  return { emulator, connector };
}

const FROM_THE_START: Checkpoint = { phase: 'incremental', since: new Date(0).toISOString() };

/** Every page of a read, and what ended it. */
async function readAll(connector: HubSpotConnector, objectType: 'contact' | 'deal', from: Checkpoint | null): Promise<{ pages: Page[]; error: unknown }> {
  const pages: Page[] = [];
  try {
    for await (const page of connector.read(objectType, from)) pages.push(page);
    return { pages, error: null };
  } catch (error) {
    return { pages, error };
  }
}

const requests = (emulator: HubSpotEmulator, route: string) => emulator.stats().byRoute[route] ?? 0;
const LIST = 'GET /crm/v3/objects/contacts';
const SEARCH = 'POST /crm/v3/objects/contacts/search';

describe('paging that does not advance', () => {
  it('a list that hands back the cursor it was asked with ends with an error naming the object and cursor', async () => {
    const { emulator, connector } = await setup();
    emulator.faults.set({ repeatCursor: true });
    const { pages, error } = await readAll(connector, 'contact', null);
    expect(error).toBeInstanceOf(PagingStuckError);
    const stuck = error as PagingStuckError;
    expect(stuck.code).toBe('bad_response');
    // The first page pointed at the second; the second pointed at itself: two requests, not a loop.
    expect(requests(emulator, LIST)).toBe(2);
    expect(pages).toHaveLength(1);
    const cursor = (pages[0]?.checkpoint as { after?: string }).after;
    expect(stuck.message).toContain(`HubSpot paging of contacts is stuck at cursor after=${cursor}`);
  });

  it('a resumed list whose first answer repeats the stored cursor stops at once', async () => {
    const { emulator, connector } = await setup();
    const after = String(Number(emulator.state.ids('contacts')[100]));
    emulator.faults.set({ repeatCursor: true });
    const { pages, error } = await readAll(connector, 'contact', { phase: 'initial', after, startedAt: new Date().toISOString() });
    expect(error).toBeInstanceOf(PagingStuckError);
    expect((error as Error).message).toContain(`after=${after}`);
    expect(pages).toHaveLength(0);
    expect(requests(emulator, LIST)).toBe(1);
  });

  it('a search whose next offset does not move ends with an error after two requests', async () => {
    const { emulator, connector } = await setup(600);
    emulator.faults.set({ repeatCursor: true });
    const { pages, error } = await readAll(connector, 'contact', FROM_THE_START);
    expect(error).toBeInstanceOf(PagingStuckError);
    expect((error as Error).message).toMatch(/^HubSpot paging of contacts is stuck at cursor after=200: search from offset 200/);
    expect(requests(emulator, SEARCH)).toBe(2);
    expect(pages).toHaveLength(2);
  });

  it('a search window that cannot move past 10,000 results (none of them valid) ends with an error, not a loop', async () => {
    const { emulator, connector } = await setup(SEARCH_RESULT_CAP + 300);
    emulator.faults.set({ malformedIds: 'all' });
    const { pages, error } = await readAll(connector, 'contact', FROM_THE_START);
    expect(error).toBeInstanceOf(PagingStuckError);
    expect((error as Error).message).toContain(`stuck at cursor since=${FROM_THE_START.since}`);
    expect(requests(emulator, SEARCH)).toBe(SEARCH_RESULT_CAP / 200);
    // Nothing valid was read, so no checkpoint moved.
    expect(pages.every((p) => p.records.length === 0 && JSON.stringify(p.checkpoint) === JSON.stringify(FROM_THE_START))).toBe(true);
  }, 60_000);

  it('without the fault the same reads finish, re-windowing past 10,000 results', async () => {
    const { emulator, connector } = await setup(SEARCH_RESULT_CAP + 300);
    const { pages, error } = await readAll(connector, 'contact', FROM_THE_START);
    expect(error).toBeNull();
    const ids = new Set(pages.flatMap((p) => p.records.map((r) => r.externalId)));
    expect(ids.size).toBe(emulator.state.count('contacts'));
  }, 60_000);
});

describe('a cycle whose list repeats a cursor', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('fails with that message, keeps what was stored, and goes on from there once the API behaves', async () => {
    h = await startHarness();
    h.emulator.faults.set({ repeatCursor: true });
    const failed = await h.cycle({ syncOnly: true });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/HubSpot paging of contacts is stuck at cursor after=\d+/);
    const stored = await h.store.getRecords('test-portal', 'contact');
    expect(stored).toHaveLength(100);
    const checkpoint = (await h.store.getCheckpoint('test-portal', 'contact')) as { phase: string; after?: string };
    expect(checkpoint.phase).toBe('initial');
    expect(failed.error).toContain(`after=${checkpoint.after}`);

    h.emulator.faults.reset();
    const next = await h.cycle({ syncOnly: true });
    expect(next.status).toBe('succeeded');
    expect(next.synced.contact?.resumed).toBe(true);
    expect(await h.store.getRecords('test-portal', 'contact')).toHaveLength(h.emulator.state.count('contacts'));
  }, 60_000);
});

describe('search checkpoints come only from results the mapper accepts', () => {
  it('a malformed id at the end of a page is rejected and never becomes the resume point', async () => {
    const { emulator, connector } = await setup();
    // The order search answers in: lastmodifieddate ascending, ties by id.
    const ordered = [...emulator.state.list('contacts')].sort((a, b) => a.updatedAt - b.updatedAt || Number(a.id) - Number(b.id));
    const lastOfPage = ordered[199]?.id as string;
    const before = ordered[198];
    emulator.faults.set({ malformedIds: [lastOfPage] });
    const { pages, error } = await readAll(connector, 'contact', FROM_THE_START);
    expect(error).toBeNull();
    const first = pages[0] as Page;
    expect(first.rejected).toEqual([{ objectType: 'contact', externalId: `obj-${lastOfPage}`, reason: 'id: id is not a HubSpot object id' }]);
    expect(first.checkpoint).toEqual({ phase: 'incremental', since: new Date(before?.updatedAt ?? NaN).toISOString(), afterId: before?.id });
    expect(first.records.at(-1)?.externalId).toBe(before?.id);
    for (const page of pages) expect(JSON.stringify(page.checkpoint)).not.toContain('obj-');
  });

  it('a page of malformed results keeps the checkpoint where it was', async () => {
    const { emulator, connector } = await setup();
    emulator.faults.set({ malformedIds: 'all' });
    const { pages, error } = await readAll(connector, 'contact', FROM_THE_START);
    expect(error).toBeNull();
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) {
      expect(page.records).toHaveLength(0);
      expect(page.checkpoint).toEqual(FROM_THE_START);
    }
  });
});

describe('association pages are followed', () => {
  it('a deal with more line items and contacts than one page gets all of them', async () => {
    const { emulator, connector } = await setup();
    const deal = emulator.state.list('deals')[0]?.id as string;
    for (let i = 0; i < 620; i++) {
      const item = emulator.state.insert('line_items', { name: `Part ${i}`, quantity: '2', price: '5' });
      emulator.state.associate('deals', deal, 'line_items', item.id);
    }
    const contacts = emulator.state.ids('contacts');
    for (const id of contacts) emulator.state.associate('deals', deal, 'contacts', id);
    const extra = Array.from({ length: 300 }, (_, i) => emulator.state.insert('contacts', { email: `more.${i}@example.com` }).id);
    for (const id of extra) emulator.state.associate('deals', deal, 'contacts', id);
    const wantItems = emulator.state.associations('deals', deal, 'line_items');
    const wantContacts = emulator.state.associations('deals', deal, 'contacts');
    expect(wantItems.length).toBeGreaterThan(620);
    expect(wantContacts.length).toBeGreaterThan(500);

    const { pages, error } = await readAll(connector, 'deal', null);
    expect(error).toBeNull();
    const record = pages.flatMap((p) => p.records).find((r) => r.externalId === deal);
    expect(record?.lineItems?.map((l) => l.id)).toEqual(wantItems);
    expect(record?.associations.contact).toEqual(wantContacts);
    // One GET per association type for the second page (500 per call), none for deals within one page.
    expect(requests(emulator, 'GET /crm/v4/objects/deals/{id}/associations/line_items')).toBe(1);
    expect(requests(emulator, 'GET /crm/v4/objects/deals/{id}/associations/contacts')).toBe(1);
  });

  it('an association cursor the API hands back again ends the read with an error naming the record', async () => {
    const { emulator, connector } = await setup();
    const deal = emulator.state.list('deals')[0]?.id as string;
    for (let i = 0; i < 1100; i++) emulator.state.associate('deals', deal, 'line_items', emulator.state.insert('line_items', { name: `Part ${i}` }).id);
    emulator.faults.set({ repeatCursor: true });
    // The deals list itself is one page here, so only the association paging can repeat.
    const { pages, error } = await readAll(connector, 'deal', null);
    expect(pages).toHaveLength(0);
    expect(error).toBeInstanceOf(PagingStuckError);
    expect((error as Error).message).toBe(`HubSpot paging of deals ${deal} -> line_items associations is stuck at cursor after=500: the API handed back a cursor it gave before; stopped instead of asking again`);
    // The batch read gave after=500; the GET for it pointed at 500 again: one GET, not a loop.
    expect(requests(emulator, 'GET /crm/v4/objects/deals/{id}/associations/line_items')).toBe(1);
  });
});
