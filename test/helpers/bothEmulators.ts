/**
 * A HubSpot portal and a Salesforce org on loopback ports with their OAuth clients, and an in-memory store,
 * for one test file: connect-flow tests call the CRMs through `urls` and issue codes from the emulators.
 */
import { afterAll, beforeAll } from 'vitest';
import { createHubSpotEmulator, type HubSpotEmulator } from '../../connectors/emulators/hubspot/index.ts';
import { createSalesforceEmulator, type SalesforceEmulator } from '../../connectors/emulators/salesforce/index.ts';
import type { Crm } from '../../src/domain/records.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';

export const REDIRECT_URI = 'http://localhost/callback';

export interface BothEmulators {
  hubspot: HubSpotEmulator;
  salesforce: SalesforceEmulator;
  /** Filled in by beforeAll. */
  urls: Record<Crm, string>;
  store: Store;
}

/** Registers the file's beforeAll/afterAll; read the fields inside tests. */
export function useBothEmulators(options: { seed: number; records: number }): BothEmulators {
  const env = {
    hubspot: createHubSpotEmulator({ seed: options.seed, contacts: options.records, clientId: 'hs-client', clientSecret: 'hs-secret' }),
    salesforce: createSalesforceEmulator({ seed: options.seed, leads: options.records, clientId: 'sf-client', clientSecret: 'sf-secret' }),
    urls: { hubspot: '', salesforce: '' },
    store: undefined as unknown as Store,
  } satisfies BothEmulators;
  let closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    const [h, s] = await Promise.all([env.hubspot.listen(0), env.salesforce.listen(0)]);
    closers = [h.close, s.close];
    env.urls = { hubspot: h.url, salesforce: s.url };
    env.store = await openStore({ inMemory: true });
  });
  afterAll(async () => {
    await env.store.close();
    await Promise.all(closers.map((close) => close()));
  });
  return env;
}
