/**
 * The emulator against HubSpot's own contract where the connector once went wrong (issue 12, item 5):
 * paging faults that keep a cursor still, ids no HubSpot object has, association pages (batch read per
 * id, continued by the per-record GET, 500 per call), both forms of `sorts`, and the properties batch
 * read's `dataSensitivity`. Without a fault switched on, paging is HubSpot's.
 */
import { describe, expect, it } from 'vitest';
import { expectHubSpotError, harness } from './helpers.ts';

interface Page {
  results: { id: string; properties: Record<string, string | null> }[];
  paging?: { next: { after: string } };
}
interface AssocBatch {
  results: { from: { id: string }; to: { toObjectId: string }[]; paging?: { next: { after: string } } }[];
}

const search = (extra: Record<string, unknown> = {}) => ({
  filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: '0' }] }],
  sorts: ['lastmodifieddate'],
  limit: 100,
  ...extra,
});

describe('paging faults', () => {
  it('by default, list and search cursors move on; with repeatCursor they point back at the page asked for', async () => {
    const h = harness();
    const first = await h.json<Page>('GET', '/crm/v3/objects/contacts?limit=100');
    const after = first.body.paging?.next.after ?? '';
    const second = await h.json<Page>('GET', `/crm/v3/objects/contacts?limit=100&after=${after}`);
    expect(second.body.paging?.next.after).not.toBe(after);
    const page2 = await h.json<Page>('POST', '/crm/v3/objects/contacts/search', search({ after: '100' }));
    expect(page2.body.paging?.next.after).toBe('200');

    h.sb.faults.set({ repeatCursor: true });
    // The first page (no cursor) is still right; every later one names itself as the next.
    expect((await h.json<Page>('GET', '/crm/v3/objects/contacts?limit=100')).body.paging?.next.after).toBe(after);
    const stuck = await h.json<Page>('GET', `/crm/v3/objects/contacts?limit=100&after=${after}`);
    expect(stuck.body.paging?.next.after).toBe(after);
    expect(stuck.body.results.map((r) => r.id)).toEqual(second.body.results.map((r) => r.id));
    expect((await h.json<Page>('POST', '/crm/v3/objects/contacts/search', search())).body.paging?.next.after).toBe('100');
    expect((await h.json<Page>('POST', '/crm/v3/objects/contacts/search', search({ after: '100' }))).body.paging?.next.after).toBe('100');

    h.sb.faults.reset();
    expect((await h.json<Page>('GET', `/crm/v3/objects/contacts?limit=100&after=${after}`)).body.paging?.next.after).not.toBe(after);
  });

  it('malformedIds serves the chosen records with an id that is not a number, in list and search', async () => {
    const h = harness();
    const [a, b] = h.sb.state.ids('contacts');
    h.sb.faults.set({ malformedIds: [a as string] });
    const list = await h.json<Page>('GET', '/crm/v3/objects/contacts?limit=2');
    expect(list.body.results.map((r) => r.id)).toEqual([`obj-${a}`, b]);
    h.sb.faults.set({ malformedIds: 'all' });
    const found = await h.json<Page>('POST', '/crm/v3/objects/contacts/search', search({ limit: 5 }));
    expect(found.body.results.every((r) => !/^\d+$/.test(r.id))).toBe(true);
  });
});

describe('association pages', () => {
  function dealWith(h: ReturnType<typeof harness>, lineItems: number): string {
    const deal = h.sb.state.list('deals')[0]?.id as string;
    for (let i = 0; i < lineItems; i++) {
      const item = h.sb.state.insert('line_items', { name: `Extra ${i}`, quantity: '1', price: '10' });
      h.sb.state.associate('deals', deal, 'line_items', item.id);
    }
    return deal;
  }

  it('a batch read result holds one page of 500 with a cursor the per-record GET continues from', async () => {
    const h = harness();
    const deal = dealWith(h, 700);
    const all = h.sb.state.associations('deals', deal, 'line_items');
    expect(all.length).toBeGreaterThan(700);
    const batch = await h.json<AssocBatch>('POST', '/crm/v4/associations/deals/line_items/batch/read', { inputs: [{ id: deal }] });
    const first = batch.body.results[0];
    expect(first?.to).toHaveLength(500);
    const after = first?.paging?.next.after;
    expect(after).toBeTruthy();
    // The GET's default and maximum page is 500 ("Limit 500 per call"), and paging is absent on the last page.
    const rest = await h.json<Page & { results: { toObjectId: string }[] }>('GET', `/crm/v4/objects/deals/${deal}/associations/line_items?after=${after}&limit=500`);
    expect(rest.body.paging).toBeUndefined();
    expect([...(first?.to ?? []), ...rest.body.results].map((t) => t.toObjectId)).toEqual(all);
    expect((await h.json('GET', `/crm/v4/objects/deals/${deal}/associations/line_items?limit=501`)).status).toBe(400);
    // The same cursor alongside the id in a batch read gives the same rest (the documented alternative).
    const again = await h.json<AssocBatch>('POST', '/crm/v4/associations/deals/line_items/batch/read', { inputs: [{ id: deal, after }] });
    expect(again.body.results[0]?.to.map((t) => t.toObjectId)).toEqual(all.slice(500));
  });

  it('a record with no more than one page has no paging', async () => {
    const h = harness();
    const deal = dealWith(h, 0);
    const batch = await h.json<AssocBatch>('POST', '/crm/v4/associations/deals/line_items/batch/read', { inputs: [{ id: deal }] });
    expect(batch.body.results[0]?.paging).toBeUndefined();
  });
});

describe('request forms the real API takes', () => {
  it('sorts as strings ("prop", "-prop") and as {propertyName, direction} objects order alike', async () => {
    const h = harness();
    h.sb.faults.set({ searchPerSecond: 100 });
    const ids = async (sorts: unknown[]) => (await h.json<Page>('POST', '/crm/v3/objects/contacts/search', { sorts, limit: 50, properties: ['age'] })).body.results.map((r) => r.id);
    expect(await ids(['age'])).toEqual(await ids([{ propertyName: 'age', direction: 'ASCENDING' }]));
    expect(await ids(['-age'])).toEqual(await ids([{ propertyName: 'age', direction: 'DESCENDING' }]));
    expect(await ids(['-age'])).not.toEqual(await ids(['age']));
  });

  it('properties batch read: dataSensitivity may be absent or one of the enum, never anything else', async () => {
    const h = harness();
    const inputs = [{ name: 'email' }];
    for (const body of [{ inputs, archived: false }, { inputs, archived: false, dataSensitivity: 'non_sensitive' }, { inputs }]) {
      const res = await h.json<{ results: { name: string; dataSensitivity: string }[] }>('POST', '/crm/v3/properties/contacts/batch/read', body);
      expect(res.status).toBe(200);
      expect(res.body.results[0]).toMatchObject({ name: 'email', dataSensitivity: 'non_sensitive' });
    }
    const bad = await h.json<Record<string, unknown>>('POST', '/crm/v3/properties/contacts/batch/read', { inputs, archived: false, dataSensitivity: 'secret' });
    expect(bad.status).toBe(400);
    expectHubSpotError(bad.body, 'VALIDATION_ERROR');
    expect(String(bad.body['message'])).toContain('dataSensitivity must be one of non_sensitive, sensitive, highly_sensitive');
    const archived = await h.json<Record<string, unknown>>('POST', '/crm/v3/properties/contacts/batch/read', { inputs, archived: 'no' });
    expect(archived.status).toBe(400);
    expect(String(archived.body['message'])).toContain('archived must be a boolean');
  });
});
