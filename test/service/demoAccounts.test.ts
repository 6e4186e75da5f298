/**
 * The demo's emulated accounts resume only from a dump saved after the tenant's newest run: a run that
 * started after the save (a killed cycle) may have written values the dump lacks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/config.ts';
import { savedAccount } from '../../functions/demoAccounts.ts';
import { installDemoPortals } from '../../functions/demoPortals.ts';
import type { HubSpotEmulatorDump } from '../../connectors/emulators/hubspot/dump.ts';
import type { SalesforceEmulatorDump } from '../../connectors/emulators/salesforce/dump.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';

let store: Store;
let dataDir: string;
beforeAll(async () => {
  store = await openStore({ inMemory: true });
  dataDir = await mkdtemp(join(tmpdir(), 'crm-signals-accounts-'));
  await store.upsertTenant({ id: 't1', crm: 'hubspot', name: 'T1', mode: 'live', accountId: '1' });
});
afterAll(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('functions/demoAccounts.ts', () => {
  it('restores nothing before a first save, the dump after one, and nothing once a later run started', async () => {
    expect((await savedAccount(store, dataDir, 'hubspot', 't1')).restore).toBeNull();
    const run = await store.startRun('t1', 'cycle');
    await store.finishRun('t1', run, 'succeeded', {});
    await (await savedAccount(store, dataDir, 'hubspot', 't1')).save({ kind: 'test-dump', records: [1, 2] });
    expect((await savedAccount(store, dataDir, 'hubspot', 't1')).restore).toEqual({ kind: 'test-dump', records: [1, 2] });
    await store.startRun('t1', 'cycle'); // killed before the next save
    expect((await savedAccount(store, dataDir, 'hubspot', 't1')).restore).toBeNull();
    expect((await savedAccount(store, dataDir, 'salesforce', 't1')).restore).toBeNull();
  });
});

describe('--demo-contacts', () => {
  it('seeds a new demo portal and org with that many people, and says a restored one keeps its own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crm-signals-demo-contacts-'));
    const own = await openStore({ inMemory: true });
    try {
      const config = loadConfig(['--demo-contacts', '6500', '--crm', 'both', '--data-dir', dir], {});
      expect(config.demoContacts).toBe(6500);
      const lines: string[] = [];
      const io = { out: (line: string) => void lines.push(line), log: () => undefined };
      const first = await installDemoPortals(own, config, io);
      // a saved account is trusted only with the tenant's newest run on it (demoAccounts.ts)
      for (const t of first.tenants) await own.finishRun(t.id, await own.startRun(t.id, 'cycle'), 'succeeded', {});
      await first.persist();
      await first.close();
      const hubspot = (await savedAccount(own, dir, 'hubspot', 'demo-hubspot')).restore as HubSpotEmulatorDump;
      const salesforce = (await savedAccount(own, dir, 'salesforce', 'demo-salesforce')).restore as SalesforceEmulatorDump;
      expect(hubspot.tables.contacts.records).toHaveLength(6500);
      expect(salesforce.tables.find((t) => t.def.name === 'Lead')?.records).toHaveLength(6500);
      // people past the 6,000 shipped rows are new: no two contacts share their inputs
      const inputs = new Set(hubspot.tables.contacts.records.map((r) => JSON.stringify(['age', 'job', 'euribor_3m', 'campaign_contacts', 'previous_outcome', 'call_duration', 'housing', 'last_contact_day'].map((k) => r.properties[k]))));
      expect(inputs.size).toBeGreaterThan(6400);
      expect(lines.some((l) => l.includes('--demo-contacts'))).toBe(false);

      const again = await installDemoPortals(own, loadConfig(['--demo-contacts', '9000', '--crm', 'both', '--data-dir', dir], {}), io);
      await again.close();
      expect(lines.filter((l) => l.startsWith('--demo-contacts applies to a new demo account'))).toHaveLength(2);
    } finally {
      await own.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it.each([
    ['0', /--demo-contacts must be at least 1, got "0"/],
    ['many', /--demo-contacts must be a whole number, got "many"/],
    ['10000001', /--demo-contacts must be at most 10000000/],
  ])('refuses %s, naming the flag', (value, message) => {
    expect(() => loadConfig(['--demo-contacts', value], {})).toThrow(message);
    expect(() => loadConfig([], { CRM_SIGNALS_DEMO_CONTACTS: value })).toThrow(message.source.replace('--demo-contacts', 'CRM_SIGNALS_DEMO_CONTACTS'));
  });
});
