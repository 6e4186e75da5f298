import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHubSpotEmulator, loadEmulatorDump, saveEmulatorDump, type HubSpotEmulator } from '../index.ts';
import { harness, START, type Harness } from './helpers.ts';

/** A portal the app has used: a custom group and enumeration property installed, values written, records added. */
async function usedPortal(): Promise<Harness> {
  const h = harness();
  expect((await h.json('POST', '/crm/v3/properties/contacts/groups', { name: 'crm_signals', label: 'CRM Signals' })).status).toBe(201);
  const created = await h.json('POST', '/crm/v3/properties/contacts', {
    name: 'crm_signals_tier', label: 'Signals tier', type: 'enumeration', fieldType: 'select', groupName: 'crm_signals',
    options: [{ label: 'Hot', value: 'hot', displayOrder: 0 }, { label: 'Cold', value: 'cold', displayOrder: 1 }],
  });
  expect(created.status).toBe(201);
  h.clock.advance(60_000);
  const ids = h.sb.state.ids('contacts').slice(0, 3);
  const updated = await h.json('POST', '/crm/v3/objects/contacts/batch/update', {
    inputs: ids.map((id, i) => ({ id, properties: { crm_signals_tier: i % 2 === 0 ? 'hot' : 'cold', job: 'student' } })),
  });
  expect(updated.status).toBe(200);
  h.sb.faults.insertMalformedContacts();
  const added = h.sb.state.insert('deals', { dealname: 'Added after seeding', dealstage: 'qualifiedtobuy' });
  h.sb.state.associate('deals', added.id, 'contacts', ids[0] as string);
  return h;
}

function restored(h: Harness): { sb: HubSpotEmulator; call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }> } {
  // Through JSON text, as the demo saves it to disk.
  const sb = createHubSpotEmulator({ seed: 42, clock: () => h.clock.now, restore: JSON.parse(JSON.stringify(h.sb.state.toJSON())) });
  const token = sb.issueAccessToken();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await sb.app.request(path, {
      method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  };
  return { sb, call };
}

describe('HubSpot emulator persistence', () => {
  it('restores a used portal with the same snapshot, catalogue and portal id', async () => {
    const h = await usedPortal();
    const r = restored(h);
    expect(r.sb.state.snapshot()).toEqual(h.sb.state.snapshot());
    expect(r.sb.state.toJSON()).toEqual(h.sb.state.toJSON());
    expect(r.sb.portalId).toBe(h.sb.portalId);
    expect(r.sb.state.openContactIds()).toEqual(h.sb.state.openContactIds());
    expect(r.sb.state.property('contacts', 'crm_signals_tier')?.options.map((o) => o.value)).toEqual(['hot', 'cold']);
  });

  it('answers list, read, search, properties and associations as the original did', async () => {
    const h = await usedPortal();
    const r = restored(h);
    const contact = h.sb.state.ids('contacts')[0] as string;
    const deal = h.sb.state.ids('deals').at(-1) as string;
    const requests: [string, string, unknown?][] = [
      ['GET', '/crm/v3/objects/contacts?limit=50&properties=crm_signals_tier,job,email'],
      ['GET', '/crm/v3/objects/deals?limit=100&after=3000050'],
      ['GET', `/crm/v3/objects/contacts/${contact}?properties=crm_signals_tier&associations=deals`],
      ['POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'crm_signals_tier', operator: 'EQ', value: 'hot' }] }], properties: ['crm_signals_tier'] }],
      ['GET', '/crm/v3/properties/contacts'],
      ['GET', '/crm/v3/properties/contacts/groups'],
      ['GET', `/crm/v4/objects/deals/${deal}/associations/contacts`],
    ];
    for (const [method, path, body] of requests) {
      const original = await h.json(method, path, body);
      const again = await r.call(method, path, body);
      expect({ path, status: again.status }).toEqual({ path, status: original.status });
      expect(again.body).toEqual(original.body);
    }
    const hot = (await r.call('POST', '/crm/v3/objects/contacts/search', requests[3]?.[2])).body as { total: number };
    expect(hot.total).toBe(2);
  });

  it('hands out the same ids next and stamps writes the same way', async () => {
    const h = await usedPortal();
    const r = restored(h);
    for (const t of ['contacts', 'deals', 'tickets'] as const) {
      expect(r.sb.state.insert(t, { name: 'next' }).id).toBe(h.sb.state.insert(t, { name: 'next' }).id);
    }
    const id = h.sb.state.ids('contacts')[1] as string;
    h.clock.advance(5_000);
    expect(r.sb.state.update('contacts', id, { job: 'retired' })).toEqual(h.sb.state.update('contacts', id, { job: 'retired' }));
  });

  it('refuses a corrupt dump with a message naming what is wrong', () => {
    const dump = JSON.parse(JSON.stringify(harness().sb.state.toJSON())) as Record<string, any>;
    const restore = (d: unknown) => () => createHubSpotEmulator({ restore: d });
    expect(restore({ ...dump, kind: 'crm-signals/salesforce-emulator' })).toThrow(/not a HubSpot emulator dump: expected kind "crm-signals\/hubspot-emulator"/);
    expect(restore({ ...dump, version: 99 })).toThrow(/unsupported HubSpot emulator dump version 99/);
    expect(restore('{')).toThrow(/not a HubSpot emulator dump: expected a JSON object, got string/);

    const badRecord = structuredClone(dump);
    badRecord.tables.contacts.records[2].createdAt = 'yesterday';
    expect(restore(badRecord)).toThrow(/invalid HubSpot emulator dump: tables\.contacts\.records\.2\.createdAt/);

    const reusedId = structuredClone(dump);
    reusedId.tables.deals.nextId = 3_000_001;
    expect(restore(reusedId)).toThrow(/tables\.deals\.nextId: 3000001 would hand out an id already used/);

    const repeated = structuredClone(dump);
    repeated.tables.contacts.records[1].id = repeated.tables.contacts.records[0].id;
    expect(restore(repeated)).toThrow(/tables\.contacts\.records\.1: id \d+ is not above the previous id/);

    const dangling = structuredClone(dump);
    dangling.associations[0][3] = ['999999999'];
    expect(restore(dangling)).toThrow(/associations\.0: .* record 999999999 does not exist/);

    const noGroup = structuredClone(dump);
    noGroup.catalogues.contacts.groups = [];
    expect(restore(noGroup)).toThrow(/catalogues\.contacts\.properties\.0: property \w+ is in group \w+, which the dump does not have/);

    expect(() => createHubSpotEmulator({ restore: dump, portalId: 7 })).toThrow(/portalId 7 contradicts the restored dump, which is portal 24681357/);
  });
});

describe('saveEmulatorDump / loadEmulatorDump', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the dump atomically, reads it back, and answers null when there is none', () => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-dump-'));
    const path = join(dir, 'nested', 'hubspot.json');
    expect(loadEmulatorDump(path)).toBeNull();
    const sb = createHubSpotEmulator({ seed: 42, contacts: 50, clock: () => START });
    saveEmulatorDump(path, sb.state.toJSON());
    saveEmulatorDump(path, sb.state.toJSON());
    const loaded = loadEmulatorDump(path);
    expect(createHubSpotEmulator({ restore: loaded, clock: () => START }).state.snapshot()).toEqual(sb.state.snapshot());
    expect(readFileSync(path, 'utf8').startsWith('{"kind":"crm-signals/hubspot-emulator"')).toBe(true);
    writeFileSync(path, '{"kind": ');
    expect(() => loadEmulatorDump(path)).toThrow(/emulator dump .*hubspot\.json is not valid JSON/);
  });
});
