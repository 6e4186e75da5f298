/**
 * Defect (issue 13, item 6): API calls were under-counted. jsforce's own read retries, OAuth token calls
 * and Bulk result pages never reached the counter, so a report said 49 calls where the CRM saw 74. Every
 * request the connector sends is now counted at its transport; the emulators count every request they
 * answer, so after a full cycle the two numbers must be equal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHubSpotEmulator } from '../emulators/hubspot/index.ts';
import { createSalesforceEmulator } from '../emulators/salesforce/index.ts';
import { OBJECT_TYPES, type ObjectType } from '../../src/domain/records.ts';
import { OUTPUT_FIELDS } from '../../src/domain/outputFields.ts';
import type { Connector } from '../connector.ts';
import { HubSpotConnector, exchangeCode } from '../hubspot/index.ts';
import { SalesforceConnector, exchangeSalesforceCode } from '../salesforce/index.ts';
import { salesforceObject } from '../salesforce/objects.ts';
import { installPackageInto } from '../../functions/demoPortals.ts';

const redirectUri = 'http://localhost/cb';
let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

/** What a sync cycle asks of a connector: check, discover, install, read everything, write scores back. */
async function fullCycle(connector: Connector, objectTypes: readonly ObjectType[], between?: () => void): Promise<void> {
  await connector.check();
  for (const objectType of objectTypes) await connector.discover(objectType);
  await connector.install(OUTPUT_FIELDS);
  between?.();
  const contacts: string[] = [];
  for (const objectType of objectTypes) {
    for await (const page of connector.read(objectType, null)) {
      if (objectType === 'contact') contacts.push(...page.records.map((r) => r.externalId));
    }
    if (connector.deleted) await connector.deleted(objectType, null);
  }
  const score = OUTPUT_FIELDS.find((f) => f.key === 'leadScore')!;
  const name = score.names[connector.crm];
  await connector.write('contact', contacts.slice(0, 25).map((externalId, i) => ({ externalId, properties: { [name]: String(10 + i) } })));
}

async function hubspotSetup(tokenTtlSeconds?: number) {
  const emulator = createHubSpotEmulator({ seed: 5, contacts: 120, clientId: 'c', clientSecret: 's', ...(tokenTtlSeconds ? { tokenTtlSeconds } : {}) });
  const { url, close } = await emulator.listen(0);
  closers.push(close);
  const app = { clientId: 'c', clientSecret: 's', redirectUri, baseUrl: url };
  const tokens = await exchangeCode(app, emulator.issueAuthCode(redirectUri));
  emulator.resetStats();
  return { emulator, connector: new HubSpotConnector({ baseUrl: url, tokens, app }) };
}

async function salesforceSetup(sessionTtlSeconds?: number) {
  const emulator = createSalesforceEmulator({ seed: 5, leads: 120, clientId: 'c', clientSecret: 's', ...(sessionTtlSeconds ? { sessionTtlSeconds } : {}) });
  installPackageInto(emulator);
  const { url, close } = await emulator.listen(0);
  closers.push(close);
  const app = { loginUrl: url, clientId: 'c', clientSecret: 's', redirectUri };
  const tokens = await exchangeSalesforceCode(app, emulator.issueAuthCode(redirectUri));
  emulator.resetStats();
  // Small Bulk threshold: the first sync of Leads goes through a Bulk job and its result pages.
  return { emulator, connector: new SalesforceConnector({ tokens, app, bulkThreshold: 50 }) };
}

const SALESFORCE_TYPES = OBJECT_TYPES.filter((t) => salesforceObject(t));

describe('connector.usage() counts every request the CRM answers', () => {
  it('HubSpot: a full cycle reports exactly the calls the portal answered', async () => {
    const { emulator, connector } = await hubspotSetup();
    await fullCycle(connector, OBJECT_TYPES);
    expect(emulator.stats().calls).toBeGreaterThan(10);
    expect(connector.usage().calls).toBe(emulator.stats().calls);
  });

  it('HubSpot: with 2-second tokens, token refreshes are counted too', async () => {
    const { emulator, connector } = await hubspotSetup(2);
    emulator.faults.set({ latencyMs: 40 });
    await fullCycle(connector, OBJECT_TYPES);
    expect(emulator.stats().byRoute['POST /oauth/v3/token'] ?? 0).toBeGreaterThan(0);
    expect(connector.usage().calls).toBe(emulator.stats().calls);
  });

  it("Salesforce: a full cycle with server errors counts jsforce's own retries and the Bulk result pages", async () => {
    const { emulator, connector } = await salesforceSetup();
    emulator.faults.set({ serverErrorRate: 0.08 });
    await fullCycle(connector, SALESFORCE_TYPES);
    expect(emulator.stats().bulkJobs).toBeGreaterThan(0);
    expect(emulator.stats().calls).toBeGreaterThan(10);
    expect(connector.usage().calls).toBe(emulator.stats().calls);
  });

  it('Salesforce: a session that dies mid-cycle counts the 401, the token refresh and the replay', async () => {
    const { emulator, connector } = await salesforceSetup(3600);
    await fullCycle(connector, SALESFORCE_TYPES, () => emulator.expireSessions());
    expect(emulator.stats().byRoute['POST /services/oauth2/token'] ?? 0).toBeGreaterThan(0);
    expect(connector.usage().calls).toBe(emulator.stats().calls);
  });
});
