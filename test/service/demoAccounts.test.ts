/**
 * The demo's emulated accounts resume only from a dump saved after the tenant's newest run: a run that
 * started after the save (a killed cycle) may have written values the dump lacks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savedAccount } from '../../functions/demoAccounts.ts';
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
