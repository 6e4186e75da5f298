import { describe, expect, it } from 'vitest';
import { expectHubSpotError, harness } from './helpers.ts';

interface SearchBody {
  total: number;
  results: { id: string; properties: Record<string, string | null> }[];
  paging?: { next: { after: string } };
}

const since = (ms: number | string, extra: Record<string, unknown> = {}) => ({
  filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(ms) }] }],
  sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
  limit: 200,
  ...extra,
});

describe('search', () => {
  it('finds exactly the records updated after a cursor, oldest first', async () => {
    const h = harness();
    const cursor = h.sb.state.now();
    const ids = h.sb.state.list('contacts').map((r) => r.id);
    // Updated in descending id order so ascending timestamps differ from id order.
    const touched = [ids[50], ids[20], ids[10]] as string[];
    for (const id of touched) {
      h.clock.advance(1000);
      h.sb.state.update('contacts', id, { job: 'retired' });
    }
    const res = await h.json<SearchBody>('POST', '/crm/v3/objects/contacts/search', since(cursor));
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.results.map((r) => r.id)).toEqual(touched);
    // Same answer with an ISO cursor and with the contacts-only lastmodifieddate.
    const iso = await h.json<SearchBody>('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: new Date(cursor).toISOString() }] }],
      sorts: ['lastmodifieddate'],
    });
    expect(iso.body.results.map((r) => r.id)).toEqual(touched);
  });

  it('pages by numeric offset and keeps ties in id order', async () => {
    const h = harness({ contacts: 1000 });
    const all: string[] = [];
    let after: string | undefined = '0';
    while (after !== undefined) {
      const res: { body: SearchBody } = await h.json<SearchBody>('POST', '/crm/v3/objects/contacts/search', since(0, { after, properties: ['email'] }));
      all.push(...res.body.results.map((r) => r.id));
      after = res.body.paging?.next.after;
      h.clock.advance(250); // stay under 5 searches per second
    }
    expect(all).toHaveLength(1000);
    expect(new Set(all).size).toBe(1000);
    const byTime = h.sb.state
      .list('contacts')
      .slice()
      .sort((a, b) => a.updatedAt - b.updatedAt || Number(a.id) - Number(b.id))
      .map((r) => r.id);
    expect(all).toEqual(byTime);
  });

  it('supports the comparison operators', async () => {
    const h = harness();
    const q = async (filters: unknown[]) =>
      (await h.json<SearchBody>('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters }], limit: 200, properties: ['age', 'job'] })).body;
    const contacts = h.sb.state.list('contacts');
    const count = (p: (age: number, job: string) => boolean) => contacts.filter((c) => p(Number(c.properties['age']), c.properties['job'] ?? '')).length;
    h.clock.advance(1000);
    expect((await q([{ propertyName: 'age', operator: 'BETWEEN', value: '30', highValue: '40' }])).total).toBe(count((a) => a >= 30 && a <= 40));
    expect((await q([{ propertyName: 'age', operator: 'LT', value: '30' }])).total).toBe(count((a) => a < 30));
    expect((await q([{ propertyName: 'job', operator: 'IN', values: ['retired', 'student'] }])).total).toBe(count((_, j) => j === 'retired' || j === 'student'));
    expect((await q([{ propertyName: 'job', operator: 'NEQ', value: 'admin.' }])).total).toBe(count((_, j) => j !== 'admin.'));
    h.clock.advance(1000);
    expect((await q([{ propertyName: 'hs_lead_status', operator: 'NOT_HAS_PROPERTY' }])).total).toBe(contacts.filter((c) => !c.properties['hs_lead_status']).length);
    expect((await q([{ propertyName: 'hs_lead_status', operator: 'HAS_PROPERTY' }, { propertyName: 'age', operator: 'GTE', value: 60 }])).total).toBe(
      contacts.filter((c) => c.properties['hs_lead_status'] && Number(c.properties['age']) >= 60).length,
    );
  });

  it('enforces limit, the 10,000 window and the filter limits with HubSpot 400s', async () => {
    const h = harness();
    const bad = [
      { limit: 201 },
      { limit: 100, after: 9950 },
      { after: 'abc' },
      { filterGroups: Array.from({ length: 6 }, () => ({ filters: [{ propertyName: 'age', operator: 'GT', value: '1' }] })) },
      { filterGroups: [{ filters: Array.from({ length: 7 }, () => ({ propertyName: 'age', operator: 'GT', value: '1' })) }] },
      { filterGroups: Array.from({ length: 4 }, () => ({ filters: Array.from({ length: 5 }, () => ({ propertyName: 'age', operator: 'GT', value: '1' })) })) },
      { sorts: ['age', 'job'] },
      { filterGroups: [{ filters: [{ propertyName: 'age', operator: 'GREATER', value: '1' }] }] },
    ];
    for (const body of bad) {
      h.clock.advance(1000);
      const res = await h.json('POST', '/crm/v3/objects/contacts/search', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectHubSpotError(res.body, 'VALIDATION_ERROR');
    }
    h.clock.advance(1000);
    const edge = await h.json<SearchBody>('POST', '/crm/v3/objects/contacts/search', { limit: 200, after: 9800 });
    expect(edge.status).toBe(200);
  });

  it('has its own per-second limit with the SECONDLY body, separate from the 10-second one', async () => {
    const h = harness();
    h.sb.faults.set({ rateLimit: { max: 1, intervalMs: 10_000 } });
    await h.call('GET', '/crm/v3/objects/contacts'); // exhausts the 10-second window
    for (let i = 0; i < 5; i++) expect((await h.call('POST', '/crm/v3/objects/contacts/search', {})).status).toBe(200);
    const res = await h.call('POST', '/crm/v3/objects/contacts/search', {});
    expect(res.status).toBe(429);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', policyName: 'SECONDLY' });
    expect(res.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    h.clock.advance(1000);
    expect((await h.call('POST', '/crm/v3/objects/contacts/search', {})).status).toBe(200);
    expect(h.sb.stats().throttled).toBe(1);
  });

  it('hides very recent changes while the search index lags', async () => {
    const h = harness();
    const cursor = h.sb.state.now();
    const id = h.sb.state.list('contacts')[0]?.id ?? '';
    h.sb.faults.set({ searchLagMs: 5000 });
    h.sb.state.update('contacts', id, { job: 'student' });
    expect((await h.json<SearchBody>('POST', '/crm/v3/objects/contacts/search', since(cursor))).body.total).toBe(0);
    h.clock.advance(5001);
    expect((await h.json<SearchBody>('POST', '/crm/v3/objects/contacts/search', since(cursor))).body.results.map((r) => r.id)).toEqual([id]);
  });
});

describe('search: the incremental window from the index', () => {
  it('answers exactly as a pass over every record would, before and after writes (fuzzed windows)', async () => {
    const fc = (await import('fast-check')).default;
    const h = harness();
    const ids = h.sb.state.list('contacts').map((r) => r.id);
    const stamps: number[] = [h.sb.state.now()];
    // a portal where many records share a stamp (ties broken by id) and others move one by one
    for (let i = 0; i < 120; i++) {
      if (i % 3 === 0) h.clock.advance(1000);
      h.sb.state.update('contacts', ids[(i * 37) % ids.length] as string, { job: i % 2 === 0 ? 'retired' : 'student' });
      stamps.push(h.sb.state.now());
    }
    // an extra filter every record passes takes the general path: same meaning, no index
    const general = (body: { filterGroups: Array<{ filters: unknown[] }> } & Record<string, unknown>) => ({
      ...body,
      filterGroups: body.filterGroups.map((g) => ({ filters: [...g.filters, { propertyName: 'hs_object_id', operator: 'HAS_PROPERTY' }] })),
    });
    const search = async (body: unknown) => {
      h.clock.advance(250); // stay under 5 searches per second
      const res = await h.json<SearchBody>('POST', '/crm/v3/objects/contacts/search', body);
      expect(res.status).toBe(200);
      return { total: res.body.total, ids: res.body.results.map((r) => r.id), next: res.body.paging?.next.after ?? null };
    };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: stamps.length - 1 }),
        fc.option(fc.integer({ min: 0, max: ids.length - 1 }), { nil: undefined }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        async (s, idAt, after, limit, write) => {
          if (write) h.sb.state.update('contacts', ids[(s * 13) % ids.length] as string, { job: 'admin.' });
          const since = String(stamps[s]);
          const filterGroups =
            idAt === undefined
              ? [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: since }] }]
              : [
                  { filters: [{ propertyName: 'lastmodifieddate', operator: 'GT', value: since }] },
                  { filters: [{ propertyName: 'lastmodifieddate', operator: 'EQ', value: since }, { propertyName: 'hs_object_id', operator: 'GT', value: ids[idAt] }] },
                ];
          const body = { filterGroups, sorts: ['lastmodifieddate'], limit, after: String(after), properties: ['job'] };
          expect(await search(body)).toEqual(await search(general(body)));
        },
      ),
      { numRuns: 60, seed: 20261204 },
    );
  });
});
