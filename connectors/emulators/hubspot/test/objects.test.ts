import { describe, expect, it } from 'vitest';
import { expectHubSpotError, harness } from './helpers.ts';

interface ListBody {
  results: { id: string; properties: Record<string, string | null>; associations?: Record<string, { results: { id: string; type: string }[] }> }[];
  paging?: { next: { after: string; link: string } };
}

describe('list and read', () => {
  it('pages through every contact exactly once, in id order', async () => {
    const h = harness({ contacts: 250 });
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const q = after ? `&after=${after}` : '';
      const res = await h.json<ListBody>('GET', `/crm/v3/objects/contacts?limit=100&properties=age${q}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.results.map((r) => r.id));
      after = res.body.paging?.next.after;
      if (after) expect(res.body.paging?.next.link).toContain(`after=${after}`);
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen).toEqual(h.sb.state.list('contacts').map((r) => r.id));
  });

  it('returns only the requested properties plus the system ones', async () => {
    const h = harness();
    const res = await h.json<ListBody>('GET', '/crm/v3/objects/contacts?limit=1&properties=age,job,nonexistent');
    expect(Object.keys(res.body.results[0]?.properties ?? {}).sort()).toEqual(
      ['age', 'createdate', 'hs_lastmodifieddate', 'hs_object_id', 'job', 'lastmodifieddate'].sort(),
    );
    const deals = await h.json<ListBody>('GET', '/crm/v3/objects/deals?limit=1&properties=amount');
    expect(Object.keys(deals.body.results[0]?.properties ?? {}).sort()).toEqual(['amount', 'createdate', 'hs_lastmodifieddate', 'hs_object_id']);
  });

  it('refuses a limit above 100 with a HubSpot validation error', async () => {
    const h = harness();
    const res = await h.json('GET', '/crm/v3/objects/contacts?limit=101');
    expect(res.status).toBe(400);
    expectHubSpotError(res.body, 'VALIDATION_ERROR');
  });

  it('includes v3 associations when asked', async () => {
    const h = harness();
    const deal = h.sb.state.list('deals')[0];
    const res = await h.json<ListBody['results'][number]>('GET', `/crm/v3/objects/deals/${deal?.id}?associations=line_items,contacts`);
    expect(res.status).toBe(200);
    expect(res.body.associations?.['line_items']?.results.map((r) => r.id)).toEqual(h.sb.state.associations('deals', deal?.id ?? '', 'line_items'));
    expect(res.body.associations?.['contacts']?.results[0]?.type).toBe('deal_to_contact');
  });

  it('answers 404 for an unknown object type or id', async () => {
    const h = harness();
    const a = await h.json('GET', '/crm/v3/objects/widgets');
    expect(a.status).toBe(404);
    expectHubSpotError(a.body, 'OBJECT_NOT_FOUND');
    const b = await h.json('GET', '/crm/v3/objects/contacts/999999999');
    expect(b.status).toBe(404);
    expectHubSpotError(b.body, 'OBJECT_NOT_FOUND');
  });

  it('answers 401 with HubSpot body without, or with an unknown, token', async () => {
    const h = harness();
    for (const tok of [null, 'not-a-token']) {
      const res = await h.call('GET', '/crm/v3/objects/contacts', undefined, tok);
      expect(res.status).toBe(401);
      const body = (await res.json()) as Record<string, unknown>;
      expectHubSpotError(body, 'INVALID_AUTHENTICATION');
      expect(body['message']).toMatch(/^Authentication credentials not found/);
    }
  });

  it('serves malformed stored values as plain strings', async () => {
    const h = harness();
    const ids = h.sb.faults.insertMalformedContacts();
    expect(ids).toHaveLength(6);
    const res = await h.call('GET', `/crm/v3/objects/contacts/${ids[0]}?properties=age,email`);
    const wrong = (await res.json()) as ListBody['results'][number];
    expect(wrong.properties['age']).toBe('forty');
    const noEmail = await h.json<ListBody['results'][number]>('GET', `/crm/v3/objects/contacts/${ids[1]}?properties=email`);
    expect(noEmail.body.properties['email']).toBeNull();
    const huge = await h.json<ListBody['results'][number]>('GET', `/crm/v3/objects/contacts/${ids[2]}?properties=lastname`);
    expect(huge.body.properties['lastname']?.length).toBe(100 * 1024);
    const odd = await h.json<ListBody['results'][number]>('GET', `/crm/v3/objects/contacts/${ids[3]}?properties=firstname`);
    expect(odd.body.properties['firstname']).toBe(h.sb.state.get('contacts', ids[3] ?? '')?.properties['firstname']);
    expect(odd.body.properties['firstname']).toContain('\uD800');
    expect(odd.body.properties['firstname']).not.toContain('\u0000');
  });
});
