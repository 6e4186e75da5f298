import { describe, expect, it } from 'vitest';
import { createSalesforceEmulator, type SalesforceEmulator } from '../index.ts';
import { API, harness, type Harness } from './helpers.ts';

/** An org the app has used: package installed, one field locked down, scores written, records created and deleted. */
async function usedOrg(): Promise<Harness> {
  const h = harness();
  h.sb.state.installSignalsPackage();
  h.sb.state.setFieldAccess('Contact', 'Signals_Model_Version__c', { editable: false });
  h.clock.advance(60_000);
  const leads = h.sb.state.list('Lead').slice(0, 3).map((r) => r['Id'] as string);
  const patched = await h.json<{ success: boolean }[]>('PATCH', `${API}/composite/sobjects`, {
    allOrNone: false,
    records: leads.map((id, i) => ({ attributes: { type: 'Lead' }, id, Signals_Lead_Score__c: 10 + i, Signals_Model_Version__c: 'v1' })),
  });
  expect(patched.body.map((r) => r.success)).toEqual([true, true, true]);
  const lead = await h.json<{ id: string }>('POST', `${API}/sobjects/Lead`, { LastName: 'Added', Company: 'Persisted Ltd', Signals_Lead_Score__c: 77 });
  expect(lead.status).toBe(201);
  const history = await h.json('POST', `${API}/sobjects/Signal_History__c`, { Lead__c: lead.body.id, Score__c: 77, External_Id__c: 'run-1' });
  expect(history.status).toBe(201);
  h.clock.advance(60_000);
  expect((await h.call('DELETE', `${API}/sobjects/Lead/${leads[2]}`)).status).toBe(204);
  h.sb.state.insert('Case', { Subject: 'Added case', Status: 'New' });
  return h;
}

function restored(h: Harness): { sb: SalesforceEmulator; json: (method: string, path: string) => Promise<{ status: number; body: unknown }> } {
  // Through JSON text, as the demo saves it to disk.
  const sb = createSalesforceEmulator({ seed: 42, clock: () => h.clock.now, restore: JSON.parse(JSON.stringify(h.sb.state.toJSON())) });
  const token = sb.issueAccessToken();
  const json = async (method: string, path: string) => {
    const res = await sb.app.request(path, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  };
  return { sb, json };
}

describe('Salesforce emulator persistence', () => {
  it('restores a used org with the same snapshot, users, orgId and field security', async () => {
    const h = await usedOrg();
    const r = restored(h);
    expect(r.sb.state.snapshot()).toEqual(h.sb.state.snapshot());
    expect(r.sb.state.toJSON()).toEqual(h.sb.state.toJSON());
    expect(r.sb.orgId).toBe(h.sb.orgId);
    expect(r.sb.integrationUserId).toBe(h.sb.integrationUserId);
    expect(r.sb.state.accessOf('Contact', 'Signals_Model_Version__c')).toEqual({ readable: true, editable: false });
    expect(r.sb.state.openLeadIds()).toEqual(h.sb.state.openLeadIds());
    expect(r.sb.state.deletedLog('Lead')).toHaveLength(1);
  });

  it('answers describe, query, queryAll and the replication endpoints as the original did', async () => {
    const h = await usedOrg();
    const r = restored(h);
    const q = (soql: string, all = false) => `${API}/${all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`;
    const window = 'start=2026-11-01T00:00:00Z&end=2026-11-30T00:00:00Z';
    const paths = [
      `${API}/sobjects`,
      `${API}/sobjects/Lead/describe`,
      `${API}/sobjects/Contact/describe`,
      `${API}/sobjects/Signal_History__c/describe`,
      q('SELECT Id, Name, Signals_Lead_Score__c, SystemModstamp FROM Lead WHERE Signals_Lead_Score__c != null ORDER BY Id'),
      q('SELECT Id, IsDeleted FROM Lead WHERE IsDeleted = true', true),
      q('SELECT Id, Name, Lead__c, Score__c FROM Signal_History__c'),
      q('SELECT Id, CaseNumber, Subject FROM Case ORDER BY CaseNumber DESC LIMIT 3'),
      `${API}/sobjects/Lead/deleted?${window}`,
      `${API}/sobjects/Lead/updated?${window}`,
    ];
    for (const path of paths) {
      const original = await h.json('GET', path);
      const again = await r.json('GET', path);
      expect({ path, status: again.status }).toEqual({ path, status: original.status });
      expect(again.body).toEqual(original.body);
    }
    const scored = (await r.json('GET', paths[4] as string)).body as { totalSize: number };
    expect(scored.totalSize).toBe(3);
  });

  it('hands out the same ids, case numbers and auto-numbers next', async () => {
    const h = await usedOrg();
    const r = restored(h);
    for (const object of ['Lead', 'Contact', 'Case', 'Signal_History__c']) {
      const a = h.sb.state.insert(object, { LastName: 'Next', Subject: 'Next' });
      const b = r.sb.state.insert(object, { LastName: 'Next', Subject: 'Next' });
      expect(b).toEqual(a);
    }
    h.sb.state.addCustomObject({ name: 'Later__c', fields: [] });
    r.sb.state.addCustomObject({ name: 'Later__c', fields: [] });
    expect(r.sb.state.object('Later__c')?.keyPrefix).toBe(h.sb.state.object('Later__c')?.keyPrefix);
  });

  it('refuses a corrupt dump with a message naming what is wrong', () => {
    const dump = JSON.parse(JSON.stringify(harness().sb.state.toJSON())) as Record<string, any>;
    const restore = (d: unknown) => () => createSalesforceEmulator({ restore: d });
    expect(restore({ ...dump, kind: 'crm-signals/hubspot-emulator' })).toThrow(/not a Salesforce emulator dump: expected kind "crm-signals\/salesforce-emulator"/);
    expect(restore({ ...dump, version: 2 })).toThrow(/unsupported Salesforce emulator dump version 2/);
    expect(restore(null)).toThrow(/not a Salesforce emulator dump: expected a JSON object, got null/);

    const badField = structuredClone(dump);
    badField.tables[0].def.fields[1].type = 'blob';
    expect(restore(badField)).toThrow(/invalid Salesforce emulator dump: tables\.0\.def\.fields\.1\.type/);

    const leadIndex = dump.tables.findIndex((t: { def: { name: string } }) => t.def.name === 'Lead');
    const reused = structuredClone(dump);
    reused.tables[leadIndex].counter -= 1;
    expect(restore(reused)).toThrow(/tables\.\d+ \(Lead\)\.counter: \d+ would hand out an id already used/);

    const wrongPrefix = structuredClone(dump);
    wrongPrefix.tables[leadIndex].records[0].Id = dump.orgId;
    expect(restore(wrongPrefix)).toThrow(/records\.0: Id 00D\w+ does not start with 00Q/);

    const notDeleted = structuredClone(dump);
    notDeleted.deleted = [['Lead', [{ id: dump.tables[leadIndex].records[0].Id, deletedDate: 0 }]]];
    expect(restore(notDeleted)).toThrow(/deleted\.Lead: \w+ is not a deleted Lead record/);

    const unknownLead = structuredClone(dump);
    unknownLead.hidden = [['00Q000000000000AAA', 'yes']];
    expect(restore(unknownLead)).toThrow(/hidden\.00Q000000000000AAA: no such lead/);

    expect(() => createSalesforceEmulator({ restore: dump, integrationUserId: '0058c000000XYZ1AAA' })).toThrow(/integrationUserId 0058c000000XYZ1AAA contradicts the restored dump/);
  });
});
