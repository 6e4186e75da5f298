/**
 * Privacy deletion end to end: a real cycle gives the person records, signals, written values, audit rows
 * and models; the erasure leaves no trace of their email or name in any table of the store (a dump of every
 * table, searched); the next cycle retrains every model because of it and does not sync the person back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { startSalesforceHarness, type SalesforceHarness } from '../helpers/salesforceHarness.ts';
import { dumpStore, tablesMentioning } from '../helpers/storeDump.ts';
import { openStoreWithDb } from '../../src/store/index.ts';
import type { Db } from '../../src/store/db.ts';
import type { CycleSummary } from '../../src/pipeline/cycle.ts';
import { erasePerson, erasureHooks, ErasureHooks, PrivacyRequestError, type ErasedEvent } from '../../src/pipeline/privacy.ts';
import { PERSON_ERASED } from '../../src/store/types.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

/** Unlike any seeded name, so a hit in the dump can only be this person. */
const PERSON = { first: 'Zephyrine', last: 'Quillfeather', email: 'zephyrine.quillfeather@example.org' };
const TERMS = [PERSON.email, PERSON.first, PERSON.last];

async function inMemoryStore() {
  return openStoreWithDb({ inMemory: true });
}

async function expectTraces(db: Db, present: boolean): Promise<void> {
  const dump = await dumpStore(db);
  expect(Object.keys(dump.tables)).toEqual(expect.arrayContaining(['public.records', 'public.audit', 'public.models', 'public.runs', 'public.erasures']));
  for (const term of TERMS) {
    if (present) expect(dump.text, `${term} before the erasure`).toContain(term.toLowerCase());
    else expect(tablesMentioning(dump, term), `tables still holding ${term}`).toEqual([]);
  }
}

function retrainReasons(summary: CycleSummary): Record<string, string> {
  return Object.fromEntries(summary.signals.map((s) => [s.signal, s.reason]));
}

async function modelBodiesLeft(db: Db, tenantId: string): Promise<Array<{ kind: string; status: string }>> {
  const { rows } = await db.query<{ kind: string; status: string }>(`SELECT kind, status FROM models WHERE tenant_id = $1 AND model IS NOT NULL AND status <> 'active' ORDER BY kind`, [tenantId]);
  return rows;
}

describe('privacy deletion on the HubSpot emulator', () => {
  it('a contact.privacyDeletion erases every trace of the person, the next cycle retrains every model and does not bring them back', async () => {
    const { store, db } = await inMemoryStore();
    const harness: Harness = await startHarness({ store });
    close = async () => {
      await harness.close();
      await store.close();
    };
    const { emulator, ctx } = harness;
    const state = emulator.state;
    // An open contact (its score gets written) with a ticket and a won deal (recommendations train on it).
    const wonDeal = (contact: string) => state.associations('contacts', contact, 'deals').some((d) => state.get('deals', d)?.properties.dealstage === 'closedwon');
    const person = state.openContactIds().find((id) => state.associations('contacts', id, 'tickets').length > 0 && wonDeal(id));
    expect(person, 'an open contact with a ticket and a won deal').toBeDefined();
    const id = person!;
    state.update('contacts', id, { email: PERSON.email, firstname: PERSON.first, lastname: PERSON.last });
    const ticket = state.associations('contacts', id, 'tickets')[0]!;
    state.update('tickets', ticket, { content: `${PERSON.first} ${PERSON.last} here: the parcel arrived broken` });

    const first = await harness.cycle();
    expect(first.status, first.error ?? '').toBe('succeeded');
    expect((await store.latestSignals(ctx.tenant.id, 'contact', 'leadScore')).has(id)).toBe(true);
    expect((await store.writtenValues(ctx.tenant.id, 'contact')).has(id)).toBe(true);
    expect((await store.audit(ctx.tenant.id, { limit: 1_000_000 })).some((a) => a.externalId === id)).toBe(true);
    await expectTraces(db, true);
    // The recommender keeps its user x item matrix: the person's purchases under their id.
    const usersOf = async () => ((await store.getActiveModel(ctx.tenant.id, 'recommendations'))?.model as { users?: Array<[string, unknown]> } | null)?.users?.map(([u]) => u) ?? [];
    expect(await usersOf()).toContain(id);

    const heard: ErasedEvent[] = [];
    const hooks = new ErasureHooks();
    hooks.onErased((event) => void heard.push(event));
    hooks.onErased(() => {
      throw new Error('card cache is down');
    });
    const logs: string[] = [];
    // HubSpot's privacyDeletion carries the contact id only.
    const erased = await erasePerson(store, ctx.tenant, ctx.mapping, { ids: [id] }, { hooks, log: (m) => void logs.push(m) });
    expect(erased.found).toBe(true);
    expect(erased.result?.records.contact).toBe(1);
    expect(erased.result?.records.ticket).toBeGreaterThanOrEqual(1);
    expect(erased.result?.retrain).toEqual(expect.arrayContaining(['leadScore', 'segment', 'sentiment', 'recommendations']));
    expect(erased.listenerFailures).toEqual(['card cache is down']);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ tenantId: ctx.tenant.id });
    expect(heard[0]!.records).toEqual(expect.arrayContaining([{ objectType: 'contact', externalId: id }, { objectType: 'ticket', externalId: ticket }]));
    expect(logs.join('\n')).not.toContain(PERSON.email);
    await expectTraces(db, false);
    expect(await store.getActiveModel(ctx.tenant.id, 'recommendations')).toBeNull();
    const { rows: holding } = await db.query(`SELECT kind, version FROM models WHERE tenant_id = $1 AND position($2 IN model::text) > 0`, [ctx.tenant.id, JSON.stringify(id)]);
    expect(holding).toEqual([]);
    const audit = (await store.audit(ctx.tenant.id, { limit: 1_000_000 })).filter((a) => a.externalId === id);
    expect(audit.length).toBeGreaterThan(0);
    for (const row of audit) expect(row).toMatchObject({ oldValue: null, newValue: expect.stringMatching(/^erased on \d{4}-\d{2}-\d{2}$/), erasedAt: erased.result!.erasedAt });

    // HubSpot also sends contact.deletion for the same contact: erasing again is harmless.
    const again = await erasePerson(store, ctx.tenant, ctx.mapping, { ids: [id] }, { hooks });
    expect(again.found).toBe(false);
    expect(again.result).toMatchObject({ records: {}, audit: 0, retrain: [] });

    // The contact still changes in the CRM before HubSpot removes it: the sync must not bring it back.
    state.update('contacts', id, { lifecyclestage: 'lead' });
    const next = await harness.cycle();
    expect(next.status, next.error ?? '').toBe('succeeded');
    const reasons = retrainReasons(next);
    for (const signal of ['leadScore', 'segment', 'recommendations', 'ticketSentiment']) expect(reasons[signal], signal).toBe(PERSON_ERASED);
    expect(next.signals.every((s) => s.trained)).toBe(true);
    expect((await store.retrainRequests(ctx.tenant.id)).size).toBe(0);
    expect(await store.getRecords(ctx.tenant.id, 'contact', [id])).toEqual([]);
    expect((await store.latestSignals(ctx.tenant.id, 'contact', 'leadScore')).has(id)).toBe(false);
    expect(await modelBodiesLeft(db, ctx.tenant.id)).toEqual([]);
    expect(await usersOf()).not.toContain(id);
    expect((await usersOf()).length).toBeGreaterThan(0);
    await expectTraces(db, false);

    // A third cycle has nothing more to retrain for it.
    const third = await harness.cycle();
    expect(Object.values(retrainReasons(third))).not.toContain(PERSON_ERASED);
  });

  it('refuses a request that names nobody or is malformed, before touching the store', async () => {
    const { store } = await inMemoryStore();
    close = () => store.close();
    const tenant = await store.upsertTenant({ id: 'privacy-bad-input', crm: 'hubspot', name: 'T', mode: 'live', accountId: null });
    const { DEFAULT_HUBSPOT_MAPPING } = await import('../../src/mapping/index.ts');
    const erase = (request: unknown) => erasePerson(store, tenant, DEFAULT_HUBSPOT_MAPPING, request as never, { hooks: new ErasureHooks() });
    await expect(erase({})).rejects.toThrow(/needs ids, emails or linkedIds/);
    await expect(erase(null)).rejects.toThrow(PrivacyRequestError);
    await expect(erase({ ids: '101' })).rejects.toThrow(/ids must be a list/);
    await expect(erase({ ids: [101] })).rejects.toThrow(/ids\[0\] is not a string/);
    await expect(erase({ ids: [''] })).rejects.toThrow(/ids\[0\] is empty/);
    await expect(erase({ emails: ['not-an-email'] })).rejects.toThrow(/emails\[0\] is not an email address/);
    await expect(erase({ ids: Array(101).fill('1') })).rejects.toThrow(/at most 100/);
    // An email that matches no one erases nothing and tombstones nothing.
    expect(await erase({ emails: ['nobody@example.org'] })).toMatchObject({ found: false, ids: [], result: null });

    // A bounded fuzz of request shapes: every one is either refused with a PrivacyRequestError or erases cleanly.
    const fc = await import('fast-check');
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.integer()), { maxLength: 4 }));
    await fc.assert(
      fc.asyncProperty(fc.record({ ids: value, emails: value, linkedIds: value }, { requiredKeys: [] }), async (request) => {
        try {
          await erase(request);
        } catch (error) {
          expect(error).toBeInstanceOf(PrivacyRequestError);
        }
      }),
      { numRuns: 60, seed: 9 },
    );
  });

  it('the process-wide hooks reach a subscriber until it unsubscribes', async () => {
    const { store } = await inMemoryStore();
    close = () => store.close();
    const tenant = await store.upsertTenant({ id: 'privacy-hooks', crm: 'hubspot', name: 'T', mode: 'live', accountId: null });
    const { DEFAULT_HUBSPOT_MAPPING } = await import('../../src/mapping/index.ts');
    const heard: string[] = [];
    const unsubscribe = erasureHooks.onErased((e) => void heard.push(e.records.map((r) => r.externalId).join(',')));
    await erasePerson(store, tenant, DEFAULT_HUBSPOT_MAPPING, { ids: ['9001'] });
    unsubscribe();
    await erasePerson(store, tenant, DEFAULT_HUBSPOT_MAPPING, { ids: ['9002'] });
    expect(heard).toEqual(['9001']);
  });
});

describe('privacy deletion on the Salesforce emulator', () => {
  it('the admin route by email erases the lead and its cases, and a lead still in the org is not synced back', async () => {
    const { store, db } = await inMemoryStore();
    const harness: SalesforceHarness = await startSalesforceHarness({ store });
    close = async () => {
      await harness.close();
      await store.close();
    };
    const { emulator, ctx } = harness;
    const state = emulator.state;
    // A converted lead: its contact's cases and opportunities are linked back to it.
    const lead = state.list('Lead').find((l) => l.IsConverted === true && state.findBy('Case', 'ContactId', String(l.ConvertedContactId)).length > 0);
    expect(lead, 'a converted lead with cases').toBeDefined();
    const id = String(lead!.Id);
    state.update('Lead', id, { Email: PERSON.email, FirstName: PERSON.first, LastName: PERSON.last });
    const cases = state.findBy('Case', 'ContactId', String(lead!.ConvertedContactId)).map((c) => String(c.Id));

    const first = await harness.cycle();
    expect(first.status, first.error ?? '').toBe('succeeded');
    expect((await store.getRecords(ctx.tenant.id, 'ticket', cases)).length).toBe(cases.length);
    await expectTraces(db, true);

    const erased = await erasePerson(store, ctx.tenant, ctx.mapping, { emails: [PERSON.email.toUpperCase()] }, { hooks: new ErasureHooks() });
    expect(erased.ids).toEqual([id]);
    expect(erased.result?.records.contact).toBe(1);
    expect(await store.getRecords(ctx.tenant.id, 'ticket', cases)).toEqual([]);
    await expectTraces(db, false);

    // The admin route erased it here; the org still holds the lead and its cases, and they change.
    state.update('Lead', id, { Description: 'touched after the erasure' });
    for (const c of cases) state.update('Case', c, { Subject: 'touched after the erasure' });
    const next = await harness.cycle();
    expect(next.status, next.error ?? '').toBe('succeeded');
    expect(retrainReasons(next).leadScore).toBe(PERSON_ERASED);
    expect(await store.getRecords(ctx.tenant.id, 'contact', [id])).toEqual([]);
    expect(await store.getRecords(ctx.tenant.id, 'ticket', cases)).toEqual([]);
    expect(await modelBodiesLeft(db, ctx.tenant.id)).toEqual([]);
    await expectTraces(db, false);
  });
});
