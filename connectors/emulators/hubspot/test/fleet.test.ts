import { describe, expect, it } from 'vitest';
import { connectHubSpotTenant } from '../../../../src/cli/tenants.ts';
import { DEFAULT_HUBSPOT_MAPPING } from '../../../../src/mapping/index.ts';
import { openStore } from '../../../../src/store/index.ts';
import { createHubSpotFleet } from '../fleet.ts';

const REDIRECT = 'http://localhost/callback';
const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('a fleet of HubSpot portals behind one URL', () => {
  const sizes = [4, 7, 5];
  const answered: Array<[number, number]> = [];
  const fleet = () =>
    createHubSpotFleet({
      portals: sizes.length,
      portal: (i) => ({ contacts: sizes[i]!, rateLimit: { max: i === 0 ? 2 : 100, intervalMs: 10_000 } }),
      onResponse: (i, response) => void answered.push([i, response.status]),
    });

  it('sends each request to the portal that issued its code or token, with that portal\'s data and limits', async () => {
    const f = fleet();
    const creds = { client_id: 'fleet-client-id', client_secret: 'fleet-client-secret', redirect_uri: REDIRECT };
    const tokens: Array<Record<string, string>> = [];
    for (const portal of f.portals) {
      const res = await f.app.request('/oauth/v1/token', form({ grant_type: 'authorization_code', code: portal.issueAuthCode(REDIRECT), ...creds }));
      expect(res.status).toBe(200);
      tokens.push((await res.json()) as Record<string, string>);
    }
    expect(tokens.map((t) => Number(t['hub_id']))).toEqual(f.portals.map((p) => p.portalId));
    expect(answered.splice(0)).toEqual([[0, 200], [1, 200], [2, 200]]);

    const info = await f.app.request(`/oauth/v1/access-tokens/${tokens[1]!['access_token']}`);
    expect(await info.json()).toMatchObject({ hub_id: f.portals[1]!.portalId });
    const refreshed = await f.app.request('/oauth/v1/token', form({ grant_type: 'refresh_token', refresh_token: tokens[2]!['refresh_token']!, ...creds }));
    expect(await refreshed.json()).toMatchObject({ hub_id: f.portals[2]!.portalId });

    const contacts = async (i: number) => {
      const res = await f.app.request('/crm/v3/objects/contacts?limit=100', { headers: { Authorization: `Bearer ${tokens[i]!['access_token']}` } });
      return { status: res.status, ids: res.status === 200 ? ((await res.json()) as { results: Array<{ id: string }> }).results.map((r) => r.id) : [] };
    };
    for (const [i, size] of sizes.entries()) expect((await contacts(i)).ids).toHaveLength(size);

    // Portal 0 allows 2 requests per 10 s: its third is refused, the other portals' budgets are their own.
    expect((await contacts(0)).status).toBe(200);
    expect((await contacts(0)).status).toBe(429);
    expect(answered.at(-1)).toEqual([0, 429]);
    expect((await contacts(1)).status).toBe(200);

    const unknown = await f.app.request('/crm/v3/objects/contacts', { headers: { Authorization: 'Bearer not-issued-by-anyone' } });
    expect(unknown.status).toBe(401);
    expect(f.portalOf('not-issued-by-anyone')).toBeUndefined();
  });

  it('installs a tenant per portal through the official client at one base URL', async () => {
    const f = fleet();
    const { url, close } = await f.listen(0);
    const store = await openStore({ inMemory: true });
    try {
      const app = { baseUrl: url, clientId: 'fleet-client-id', clientSecret: 'fleet-client-secret', redirectUri: REDIRECT };
      const accounts: Array<string | null> = [];
      for (const [i, portal] of f.portals.entries()) {
        const { tenant } = await connectHubSpotTenant(store, { tenantId: `t${i}`, name: `Portal ${i}`, mode: 'live', app, mapping: DEFAULT_HUBSPOT_MAPPING, authCode: portal.issueAuthCode(REDIRECT) });
        accounts.push(tenant.accountId);
      }
      expect(accounts).toEqual(f.portals.map((p) => String(p.portalId)));
    } finally {
      await store.close();
      await close();
    }
  });

  it('refuses a fleet without portals or with a repeated portal id', () => {
    expect(() => createHubSpotFleet({ portals: 0 })).toThrow(/whole number of portals/);
    expect(() => createHubSpotFleet({ portals: 2, portal: () => ({ portalId: 5 }) })).toThrow(/distinct portalIds/);
  });
});
