import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, FieldInfo } from '../../connectors/connector.ts';
import type { ObjectType } from '../domain/records.ts';
import { DEFAULT_HUBSPOT_MAPPING, DEFAULT_SALESFORCE_MAPPING, MappingError, parseMapping } from '../mapping/index.ts';
import { openStore } from '../store/index.ts';
import type { Store, Tenant } from '../store/types.ts';
import { saveTenantMapping, tenantMapping } from './mappings.ts';

let store: Store;
beforeAll(async () => {
  store = await openStore({ inMemory: true });
});
afterAll(async () => {
  await store.close();
});

const tenant = (crm: Tenant['crm'] = 'hubspot') => store.upsertTenant({ id: `t-${randomUUID()}`, crm, name: 'T', mode: 'shadow', accountId: null });
const field = (name: string, type = 'string'): FieldInfo => ({ name, label: name, type, readOnly: false });
const lead = DEFAULT_HUBSPOT_MAPPING.leadScore;

/** A connector whose discover() lists the default mapping's fields plus `extra`; it reads and writes nothing. */
function connector(extra: Partial<Record<ObjectType, FieldInfo[]>> = {}): Connector & { discovered: ObjectType[] } {
  const fields: Record<string, FieldInfo[]> = {
    contact: [...lead.numeric.map((n) => field(n, 'number')), ...lead.categorical.map((n) => field(n, 'enumeration')), field('lifecyclestage', 'enumeration'), field('email'), ...(extra.contact ?? [])],
    deal: [field('dealstage', 'enumeration'), ...(extra.deal ?? [])],
    ticket: [field('content'), field('subject'), field('createdate', 'datetime'), field('feedback_label', 'enumeration'), ...(extra.ticket ?? [])],
  };
  const discovered: ObjectType[] = [];
  const unused = () => {
    throw new Error('not used by the mapping checks');
  };
  return {
    crm: 'hubspot',
    discovered,
    check: unused,
    install: unused,
    read: unused,
    write: unused,
    readValues: unused,
    usage: () => ({ calls: 0, retries: 0, throttled: 0 }),
    discover: async (objectType) => {
      discovered.push(objectType);
      return fields[objectType] ?? [];
    },
  };
}

describe('tenant mappings', () => {
  it("a tenant without a mapping gets its CRM's default as version 1, once", async () => {
    const t = await tenant('salesforce');
    expect(await tenantMapping(store, t)).toEqual({ version: 1, mapping: DEFAULT_SALESFORCE_MAPPING });
    expect(await tenantMapping(store, t)).toEqual({ version: 1, mapping: DEFAULT_SALESFORCE_MAPPING });
    expect((await store.listMappings(t.id)).map((m) => [m.version, m.note, m.author])).toEqual([[1, 'default salesforce mapping', 'crm-signals']]);
  });

  it('a stored mapping that no longer parses is an error naming the tenant, the version and the path', async () => {
    const t = await tenant();
    await store.saveMapping(t.id, { ...DEFAULT_HUBSPOT_MAPPING, deals: { stageField: 'dealstage', wonStages: [] } });
    await expect(tenantMapping(store, t)).rejects.toThrow(new RegExp(`tenant ${t.id}: stored mapping version 1 is no longer valid: .*deals\\.wonStages`));
  });

  it('saves a fitting mapping as the next version, discovering every object it reads', async () => {
    const t = await tenant();
    const c = connector({ ticket: [field('hs_ticket_category')] });
    const input = { ...DEFAULT_HUBSPOT_MAPPING, sentiment: { ...DEFAULT_HUBSPOT_MAPPING.sentiment, text: ['content', 'subject', 'hs_ticket_category'] } };
    const saved = await saveTenantMapping(store, t, c, input, { note: 'category too', author: 'revops' });
    expect(saved).toEqual({ version: 2, mapping: parseMapping(input) });
    expect([...c.discovered].sort()).toEqual(['contact', 'deal', 'ticket']);
    expect((await tenantMapping(store, t)).mapping.sentiment.text).toEqual(['content', 'subject', 'hs_ticket_category']);
  });

  it('reads again from the start only the objects whose read fields grew', async () => {
    const t = await tenant();
    const run = await store.startRun(t.id, 'sync');
    for (const objectType of ['contact', 'deal', 'ticket'] as const) {
      await store.savePage(t.id, { runId: run, objectType, records: [], rejected: [], checkpoint: { phase: 'incremental', since: '2024-01-01T00:00:00Z' } });
    }
    await saveTenantMapping(store, t, connector({ ticket: [field('hs_ticket_category')] }), { ...DEFAULT_HUBSPOT_MAPPING, sentiment: { ...DEFAULT_HUBSPOT_MAPPING.sentiment, text: ['hs_ticket_category'] } });
    expect(await store.getCheckpoint(t.id, 'ticket')).toBeNull();
    expect(await store.getCheckpoint(t.id, 'contact')).not.toBeNull();
    expect(await store.getCheckpoint(t.id, 'deal')).not.toBeNull();
    // fewer fields read: nothing to read again
    await saveTenantMapping(store, t, connector(), { ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, categorical: lead.categorical.slice(1) } });
    expect(await store.getCheckpoint(t.id, 'contact')).not.toBeNull();
  });

  it('a refused mapping leaves the active one as it was', async () => {
    const t = await tenant();
    const before = await tenantMapping(store, t);
    const bad = { ...DEFAULT_HUBSPOT_MAPPING, deals: { stageField: 'deal_phase', wonStages: ['won'] } };
    const error = await saveTenantMapping(store, t, connector(), bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).problems).toEqual([{ path: 'deals.stageField', field: 'deal_phase', message: `field "deal_phase" does not exist on the CRM's deal object` }]);
    expect(await tenantMapping(store, t)).toEqual(before);
    expect(await store.listMappings(t.id)).toHaveLength(1);
  });

  it('refuses a connector of another CRM than the tenant', async () => {
    const t = await tenant('salesforce');
    await expect(saveTenantMapping(store, t, connector(), DEFAULT_SALESFORCE_MAPPING)).rejects.toThrow(/runs on salesforce, the connector given is for hubspot/);
  });
});
