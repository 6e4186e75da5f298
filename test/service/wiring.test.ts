/**
 * The composition root's seams: the apps from the configuration, the mapping and the connector of a tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/config.ts';
import { appsFromConfig, connectorFor, mappingFor } from '../../functions/wiring.ts';
import { defaultMapping } from '../../src/mapping/index.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store, Tenant } from '../../src/store/types.ts';

let store: Store;
beforeAll(async () => {
  store = await openStore({ inMemory: true });
});
afterAll(() => store.close());

describe('functions/wiring.ts', () => {
  it('builds the real apps from the configuration, with the vendors’ endpoints by default', () => {
    const env = { HUBSPOT_CLIENT_ID: 'hid', HUBSPOT_CLIENT_SECRET: 'hsecret', SALESFORCE_CONSUMER_KEY: 'key', SALESFORCE_CONSUMER_SECRET: 'ssecret' };
    expect(appsFromConfig(loadConfig(['--rate-limit', '40'], env))).toEqual({
      hubspot: { app: { baseUrl: 'https://api.hubapi.com', clientId: 'hid', clientSecret: 'hsecret', redirectUri: 'http://localhost:3000/install/hubspot/callback' }, settings: { limit: { max: 40, intervalMs: 10_000 } } },
      salesforce: { app: { loginUrl: 'https://login.salesforce.com', clientId: 'key', clientSecret: 'ssecret', redirectUri: 'http://localhost:3000/install/salesforce/callback' } },
    });
    expect(appsFromConfig(loadConfig([], {}))).toEqual({});
  });

  it("a tenant's cycles use its active mapping, the default of its CRM until RevOps save another", async () => {
    const sf = await store.upsertTenant({ id: 'x', crm: 'salesforce', name: 'X', mode: 'live', accountId: null });
    const hs = await store.upsertTenant({ id: 'y', crm: 'hubspot', name: 'Y', mode: 'live', accountId: null });
    expect(await mappingFor(store, sf)).toEqual(defaultMapping('salesforce'));
    expect(await mappingFor(store, hs)).toEqual(defaultMapping('hubspot'));
    const narrower = { ...defaultMapping('hubspot'), leadScore: { ...defaultMapping('hubspot').leadScore, categorical: ['job'] } };
    await store.saveMapping(hs.id, narrower);
    expect((await mappingFor(store, hs)).leadScore.categorical).toEqual(['job']);
  });

  it('refuses to connect a tenant whose CRM has no app configured, or that was never installed', async () => {
    const sf: Tenant = await store.upsertTenant({ id: 'org-1', crm: 'salesforce', name: 'Org', mode: 'live', accountId: null });
    await expect(connectorFor(store, sf, {}, defaultMapping('salesforce'), () => undefined)).rejects.toThrow(
      'tenant org-1 is a Salesforce account but no Salesforce app is configured (SALESFORCE_CONSUMER_KEY, SALESFORCE_CONSUMER_SECRET)',
    );
    const hs: Tenant = await store.upsertTenant({ id: 'portal-1', crm: 'hubspot', name: 'Portal', mode: 'live', accountId: null });
    await expect(connectorFor(store, hs, {}, defaultMapping('hubspot'), () => undefined)).rejects.toThrow(/no HubSpot app is configured \(HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET\)/);
    const apps = appsFromConfig(loadConfig([], { HUBSPOT_CLIENT_ID: 'hid', HUBSPOT_CLIENT_SECRET: 'hsecret' }));
    await expect(connectorFor(store, hs, apps, defaultMapping('hubspot'), () => undefined)).rejects.toThrow(/tenant portal-1 has no HubSpot connection for https:\/\/api.hubapi.com: install the app first/);
  });
});
