/**
 * One connect flow for every CRM in the registry: the profile checks the app's credentials, exchanges the
 * install code and builds the connector from what the store keeps.
 */
import { describe, expect, it } from 'vitest';
import { REDIRECT_URI, useBothEmulators } from '../../test/helpers/bothEmulators.ts';
import { DEFAULT_HUBSPOT_MAPPING, DEFAULT_SALESFORCE_MAPPING } from '../mapping/index.ts';
import { connectTenant } from './connect.ts';

const env = useBothEmulators({ seed: 3, records: 30 });
const { hubspot, salesforce } = env;
const redirectUri = REDIRECT_URI;

const apps = () => ({
  hubspot: { clientId: 'hs-client', clientSecret: 'hs-secret', redirectUri, baseUrl: env.urls.hubspot },
  salesforce: { clientId: 'sf-client', clientSecret: 'sf-secret', redirectUri, loginUrl: env.urls.salesforce },
});
const mappings = { hubspot: DEFAULT_HUBSPOT_MAPPING, salesforce: DEFAULT_SALESFORCE_MAPPING };
const PRODUCTION = { hubspot: { baseUrl: 'https://api.hubapi.com' }, salesforce: { loginUrl: 'https://login.salesforce.com' } };
const codes = { hubspot: () => hubspot.issueAuthCode(redirectUri), salesforce: () => salesforce.issueAuthCode(redirectUri) };

describe('connectTenant', () => {
  it('refuses a CRM without a profile before touching the store', async () => {
    await expect(connectTenant(env.store, { crm: 'pipedrive', tenantId: 'p1', name: 'P', mode: 'shadow', mapping: DEFAULT_HUBSPOT_MAPPING, app: {} })).rejects.toThrow(
      'unknown CRM "pipedrive": crm-signals connects hubspot, salesforce',
    );
    expect(await env.store.getTenant('p1')).toBeNull();
  });

  it("refuses app credentials with a missing field, naming it, before any request", async () => {
    const { clientSecret: _, ...app } = apps().salesforce;
    await expect(connectTenant(env.store, { crm: 'salesforce', tenantId: 's0', name: 'S', mode: 'shadow', mapping: DEFAULT_SALESFORCE_MAPPING, app, authCode: 'x' })).rejects.toThrow(
      /Salesforce app credentials: clientSecret is missing \(the connected app's consumer secret\)/,
    );
    expect(await env.store.getTenant('s0')).toBeNull();
  });

  it('refuses a field mapping written for another CRM', async () => {
    await expect(connectTenant(env.store, { crm: 'hubspot', tenantId: 'h0', name: 'H', mode: 'shadow', mapping: DEFAULT_SALESFORCE_MAPPING, app: apps().hubspot, authCode: 'x' })).rejects.toThrow(
      /a salesforce field mapping cannot drive a HubSpot connection/,
    );
  });

  for (const crm of ['hubspot', 'salesforce'] as const) {
    it(`installs a ${crm} tenant through its profile, then reconnects from the stored credentials`, async () => {
      const tenantId = `t-${crm}`;
      const options = { crm, tenantId, name: crm, mode: 'live' as const, mapping: mappings[crm], app: apps()[crm] };
      const first = await connectTenant(env.store, { ...options, authCode: codes[crm]() });
      expect(first.installed).toBe(true);
      expect(first.connector.crm).toBe(crm);
      expect(first.tenant).toMatchObject({ crm, accountId: expect.any(String) });
      expect(await env.store.loadCredentials(tenantId)).toMatchObject({ accessToken: expect.any(String), endpoint: env.urls[crm] });

      const again = await connectTenant(env.store, options);
      expect(again.installed).toBe(false);
      expect((await again.connector.check()).ok).toBe(true);

      // Credentials from another endpoint (say the vendor's production one) cannot be used: install again.
      await expect(connectTenant(env.store, { ...options, app: { ...options.app, ...PRODUCTION[crm] } })).rejects.toThrow(/has no (HubSpot|Salesforce) connection for https:\/\/.*: install the app first/);
    });
  }
});
