/**
 * The loop against the Salesforce emulator, through jsforce: REST and Bulk API 2.0 reads, sObject
 * Collections writes, score history, session refresh, the daily API allocation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { orgOutputs, startSalesforceHarness, type SalesforceHarness } from '../helpers/salesforceHarness.ts';
import { signalReport, totalWritten } from '../helpers/harness.ts';
import { DEFAULT_SALESFORCE_MAPPING } from '../../src/mapping/index.ts';
import { saveTenantMapping } from '../../src/pipeline/mappings.ts';

let harness: SalesforceHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

describe('a cycle on the Salesforce emulator', () => {
  it('scores every open Lead with one history record per significant change, and writes nothing on a second cycle', async () => {
    harness = await startSalesforceHarness();
    const { emulator } = harness;
    const first = await harness.cycle();
    expect(first.status, first.error ?? '').toBe('succeeded');
    expect(first.synced.contact?.read).toBe(emulator.state.count('Lead'));
    const open = emulator.state.openLeadIds();
    expect(open.length).toBeGreaterThan(100);
    for (const id of open) {
      const lead = emulator.state.get('Lead', id)!;
      expect(lead.Signals_Lead_Score__c, `lead ${id}`).toEqual(expect.any(Number));
      // worded with the org's field labels, never API names; the codes beside them are versioned JSON
      expect(lead.Signals_Score_Reasons__c).toMatch(/^[^:]+: .+ — (raises|lowers) the score by (\d+ points?|less than 1 point)|^No single factor moved this score\.$/);
      expect(lead.Signals_Score_Reasons__c).not.toMatch(/__c/);
      expect(JSON.parse(String(lead.Signals_Score_Reason_Codes__c))).toMatchObject({ v: 1, model: lead.Signals_Model_Version__c });
      expect(lead.Signals_Segment__c).toEqual(expect.any(String));
    }
    for (const c of emulator.state.list('Case')) expect(['positive', 'neutral', 'negative']).toContain(c.Signals_Sentiment_Label__c);
    expect(signalReport(first, 'leadScore').metrics.auc).toBeGreaterThan(0.6);

    // First scores are significant changes: one history row per Lead score, keyed so a replay cannot double it.
    const history = emulator.state.list('Signal_History__c');
    const scoreRows = history.filter((h) => h.Signal__c === 'leadScore');
    expect(scoreRows).toHaveLength(open.length);
    expect(new Set(scoreRows.map((h) => h.Lead__c))).toEqual(new Set(open));
    for (const h of scoreRows) expect(String(h.New_Value__c)).toBe(String(emulator.state.get('Lead', String(h.Lead__c))!.Signals_Lead_Score__c));
    expect(first.history).toBe(history.length);

    const writes = emulator.stats().writeCalls;
    const second = await harness.cycle();
    expect(second.status).toBe('succeeded');
    expect(totalWritten(second)).toBe(0);
    expect(emulator.stats().writeCalls).toBe(writes);
    expect(second.synced.contact?.changed).toBe(0);
    // Our own writes moved SystemModstamp, but the query leaves out what the integration user changed last.
    expect(second.synced.contact?.read).toBe(0);
    expect(second.synced.contact?.ownWrites ?? 0).toBe(0);
    expect(emulator.state.list('Signal_History__c')).toHaveLength(history.length);
  });

  it('never reads back its own writes between reconciles, and a user edit our write covered is caught at the daily reconcile', async () => {
    harness = await startSalesforceHarness();
    const { emulator } = harness;
    await harness.cycle();
    const [edited, later] = emulator.state.openLeadIds();
    // A rep edits an input; before our next sync, our integration writes the same Lead (another signal, a retry):
    // the integration user is now its last modifier, so the excluding read cannot see the rep's change.
    emulator.state.update('Lead', edited!, { Previous_Outcome__c: 'success', Previous_Contacts__c: 9 });
    emulator.state.update('Lead', edited!, { Signals_Segment__c: 'touched by us' }, { userId: emulator.state.users.integration });
    // Another rep's edit a second later moves the checkpoint past the covered one.
    emulator.state.update('Lead', later!, { Previous_Contacts__c: 7 }, { at: Date.now() + 1000 });
    const excluded = await harness.cycle();
    expect(excluded.status, excluded.error ?? '').toBe('succeeded');
    expect(excluded.synced.contact?.read).toBe(1);
    expect(excluded.synced.contact?.changed).toBe(1);
    expect(excluded.synced.contact?.source).toBe('search');

    // A day later the reconcile reads everything modified since the last full read, whoever changed it last.
    harness.ctx.now = () => new Date(Date.now() + 25 * 60 * 60 * 1000);
    const reconciled = await harness.cycle();
    expect(reconciled.status, reconciled.error ?? '').toBe('succeeded');
    expect(reconciled.synced.contact?.why).toMatch(/^reconciling: the last full read started /);
    expect(reconciled.synced.contact?.changed).toBe(1);
    expect(signalReport(reconciled, 'leadScore').computed).toBe(1);
    expect(reconciled.synced.contact?.ownWrites).toBeGreaterThan(0);

    // and the excluding reads take over again until the next one is due.
    const after = await harness.cycle();
    expect(after.synced.contact?.read).toBe(0);
    expect(after.synced.contact?.why ?? null).toBeNull();
  });

  it('after 10 Leads change, reads only those as changed', async () => {
    harness = await startSalesforceHarness();
    const { emulator } = harness;
    await harness.cycle();
    const before = orgOutputs(emulator);
    const changed = emulator.state.openLeadIds().slice(0, 10);
    for (const [i, id] of changed.entries()) emulator.state.update('Lead', id, { Previous_Outcome__c: i % 2 ? 'success' : 'failure', Previous_Contacts__c: 3 + i });
    const next = await harness.cycle();
    expect(next.status).toBe('succeeded');
    expect(next.synced.contact?.changed).toBe(10);
    expect(signalReport(next, 'leadScore').computed).toBe(10);
    const after = orgOutputs(emulator);
    const differs = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
    expect(differs.length).toBeGreaterThan(0);
    for (const key of differs) expect(changed.map((id) => `Lead/${id}`)).toContain(key);
  });

  it('forgets Leads deleted in Salesforce, through the deleted-records endpoint', async () => {
    harness = await startSalesforceHarness();
    const { emulator, store, ctx } = harness;
    await harness.cycle();
    const [gone] = emulator.state.openLeadIds();
    emulator.state.delete('Lead', gone!);
    // The deleted-records window must span more than a minute: move the cursor back as time would.
    await store.saveCursor(ctx.tenant.id, 'deleted:contact', { until: new Date(Date.now() - 5 * 60_000).toISOString() });
    const next = await harness.cycle();
    expect(next.status, next.error ?? '').toBe('succeeded');
    expect(next.synced.contact?.deleted).toBe(1);
    expect(await store.getRecords(ctx.tenant.id, 'contact', [gone!])).toEqual([]);
    expect((await store.latestSignals(ctx.tenant.id, 'contact', 'leadScore')).has(gone!)).toBe(false);
    expect(await store.countRecords(ctx.tenant.id, 'contact')).toBe(emulator.state.count('Lead'));
  });

  it('refreshes an expired session mid-sync transparently', async () => {
    harness = await startSalesforceHarness();
    const { emulator } = harness;
    emulator.expireSessions();
    const summary = await harness.cycle();
    expect(summary.status, summary.error ?? '').toBe('succeeded');
    expect(emulator.stats().byRoute['POST /services/oauth2/token']).toBeGreaterThanOrEqual(2);
    for (const id of emulator.state.openLeadIds()) expect(emulator.state.get('Lead', id)!.Signals_Lead_Score__c).toEqual(expect.any(Number));
  });

  it('stops cleanly when the daily API allocation runs out, keeps its checkpoint, and resumes on the next cycle', async () => {
    harness = await startSalesforceHarness();
    const { emulator, store, ctx } = harness;
    emulator.faults.set({ dailyApiLimit: emulator.stats().apiUsed + 5 });
    const starved = await harness.cycle();
    expect(starved.status).toBe('failed');
    expect(starved.error).toMatch(/throttled: .*REQUEST_LIMIT_EXCEEDED/);
    const kept = await store.getCheckpoint(ctx.tenant.id, 'contact');
    expect(kept).not.toBeNull();
    const storedBefore = await store.countRecords(ctx.tenant.id, 'contact');
    expect(storedBefore).toBeGreaterThan(0);

    emulator.faults.set({ dailyApiLimit: 1_000_000 });
    const resumed = await harness.cycle();
    expect(resumed.status, resumed.error ?? '').toBe('succeeded');
    expect(await store.countRecords(ctx.tenant.id, 'contact')).toBe(emulator.state.count('Lead'));
    // It went on from the checkpoint: the records already stored were not read again.
    expect(resumed.synced.contact!.read).toBeLessThan(emulator.state.count('Lead'));
    for (const id of emulator.state.openLeadIds()) expect(emulator.state.get('Lead', id)!.Signals_Lead_Score__c).toEqual(expect.any(Number));
  });

  it('retries per-record lock failures inside an HTTP 200 and reports the ones that cannot be written', async () => {
    harness = await startSalesforceHarness();
    const { emulator } = harness;
    const [locked, invalid] = emulator.state.openLeadIds();
    emulator.faults.failRecordIds([locked!], 'UNABLE_TO_LOCK_ROW', { times: 1 });
    emulator.faults.failRecordIds([invalid!], 'FIELD_CUSTOM_VALIDATION_EXCEPTION', { times: 100, message: 'Score may not change during review' });
    const first = await harness.cycle();
    expect(first.status).toBe('succeeded');
    expect(first.write?.contact?.failures).toEqual([{ externalId: invalid, error: expect.stringMatching(/^FIELD_CUSTOM_VALIDATION_EXCEPTION: Score may not change during review/) }]);
    expect(first.write?.contact?.stillPending).toBe(1);
    const second = await harness.cycle();
    expect(second.write?.contact?.written).toBe(1);
    expect(emulator.state.get('Lead', locked!)!.Signals_Lead_Score__c).toEqual(expect.any(Number));
    expect(emulator.state.get('Lead', invalid!)!.Signals_Lead_Score__c ?? null).toBeNull();
  });

  it('refuses a mapped field name that could inject SOQL or that the org does not have', async () => {
    harness = await startSalesforceHarness();
    const { connector } = harness;
    const read = async (fields: string[]) => {
      const bad = new (connector.constructor as typeof import('../../connectors/salesforce/index.ts').SalesforceConnector)({ ...(connector as unknown as { options: object }).options, fields: { contact: fields } } as never);
      for await (const _ of bad.read('contact', null)) break;
    };
    await expect(read(['Name; DELETE'])).rejects.toThrow(/refused to query Lead: "Name; DELETE" is not a Salesforce field name/);
    await expect(read(['Shoe_Size__c'])).rejects.toThrow(/Lead has no field "Shoe_Size__c"/);
    await expect(connector.write('contact', [{ externalId: harness.emulator.state.openLeadIds()[0]!, properties: { 'Signals_Lead_Score__c = 1, Name': '5' } }])).rejects.toThrow(/not a Salesforce field name/);
  });
});

describe('first syncs', () => {
  // Syncs only: what is compared is what each path reads into the store (the models after it are the same code).
  it('go through Bulk API 2.0 above the threshold and through REST below it, reading the same records', async () => {
    const bulk = await startSalesforceHarness({ emulator: { seed: 3, leads: 1200 }, bulkThreshold: 500 });
    const rest = await startSalesforceHarness({ emulator: { seed: 3, leads: 1200 }, bulkThreshold: 1_000_000 });
    const stored = async (h: SalesforceHarness) =>
      (await h.store.getRecords(h.ctx.tenant.id, 'contact')).map((r) => ({ id: r.externalId, modifiedAt: r.modifiedAt, properties: r.properties, associations: r.associations }));
    try {
      const viaBulk = await bulk.cycle({ syncOnly: true });
      const viaRest = await rest.cycle({ syncOnly: true });
      expect(viaBulk.status, viaBulk.error ?? '').toBe('succeeded');
      expect(bulk.emulator.stats().bulkJobs).toBeGreaterThan(0);
      expect(rest.emulator.stats().bulkJobs).toBe(0);
      expect(viaBulk.synced.contact?.read).toBe(1200);
      expect(viaRest.synced.contact?.read).toBe(1200);
      const records = await stored(bulk);
      expect(records).toHaveLength(1200);
      expect(records).toEqual(await stored(rest));
    } finally {
      await bulk.close();
      await rest.close();
    }
  });

  it('fall back to REST in an org without Bulk API 2.0', async () => {
    harness = await startSalesforceHarness({ emulator: { seed: 3, leads: 1500, bulkApiEnabled: false }, bulkThreshold: 100 });
    const summary = await harness.cycle({ syncOnly: true });
    expect(summary.status, summary.error ?? '').toBe('succeeded');
    expect(summary.synced.contact?.read).toBe(1500);
  });
});

describe('a Salesforce org refuses a mapping that does not fit it', () => {
  it("checks outcome and stage values against the org's active picklist values, naming the field", async () => {
    harness = await startSalesforceHarness();
    const status = (await harness.connector.discover('contact')).find((f) => f.name === 'Status');
    expect(status?.options).toEqual(expect.arrayContaining(['Closed - Converted', 'Closed - Not Converted']));
    const wrong = { ...DEFAULT_SALESFORCE_MAPPING, leadScore: { ...DEFAULT_SALESFORCE_MAPPING.leadScore, outcome: { ...DEFAULT_SALESFORCE_MAPPING.leadScore.outcome, converted: ['Won'] } } };
    await expect(saveTenantMapping(harness.store, harness.ctx.tenant, harness.connector, wrong)).rejects.toThrow(/outcome value "Won" is not an option of field "Status"/);
    await expect(saveTenantMapping(harness.store, harness.ctx.tenant, harness.connector, DEFAULT_SALESFORCE_MAPPING)).resolves.toMatchObject({ version: expect.any(Number) });
  });
});
