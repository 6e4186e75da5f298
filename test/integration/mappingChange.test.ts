/**
 * RevOps change the mapping while the service runs: a saved mapping is validated against the portal's own
 * fields and the stored data, and the next cycle retrains the models whose spec changed and succeeds.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_HUBSPOT_MAPPING, leadScoreSpecHash, MappingError, parseMapping, type Mapping } from '../../src/mapping/index.ts';
import { runCycle } from '../../src/pipeline/cycle.ts';
import { saveTenantMapping } from '../../src/pipeline/mappings.ts';
import { emulatorScores, signalReport, startHarness, totalWritten, type Harness } from '../helpers/harness.ts';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const lead = DEFAULT_HUBSPOT_MAPPING.leadScore;
const withLead = (base: Mapping, changes: Partial<Mapping['leadScore']>): Mapping => parseMapping({ ...base, leadScore: { ...base.leadScore, ...changes } });

async function refusal(promise: Promise<unknown>): Promise<MappingError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MappingError);
  return error as MappingError;
}

describe('a mapping changed between two cycles', () => {
  it('a cycle whose mapping dropped an input the models were fitted on retrains instead of failing every signal', async () => {
    harness = await startHarness();
    const first = await harness.cycle();
    expect(first.status, first.error ?? '').toBe('succeeded');
    const mapping = withLead(DEFAULT_HUBSPOT_MAPPING, { categorical: lead.categorical.filter((c) => c !== 'job') });
    // changed contacts are due for scoring: before the spec hash, "150 of 150 rows lack columns the pipeline was fitted on"
    for (const id of harness.emulator.state.openContactIds().slice(0, 5)) harness.emulator.state.update('contacts', id, { age: '41' });
    const second = await runCycle({ ...harness.ctx, mapping });
    expect(second.status, second.error ?? '').toBe('succeeded');
    expect(signalReport(second, 'leadScore')).toMatchObject({ trained: true, reason: 'mapping changed' });
    expect(signalReport(second, 'segment')).toMatchObject({ trained: true, reason: 'mapping changed' });
  });

  it('drop an input, add one, change the outcome definition: each next cycle retrains what changed and succeeds', async () => {
    harness = await startHarness();
    const { store, ctx, emulator } = harness;
    const first = await harness.cycle();
    expect(first.status, first.error ?? '').toBe('succeeded');
    const before = await store.getActiveModel(ctx.tenant.id, 'leadScore');

    // drop "job"; add the call duration (no longer excluded: this portal decided it is known in time)
    const dropAdd = withLead(DEFAULT_HUBSPOT_MAPPING, { categorical: lead.categorical.filter((c) => c !== 'job'), exclude: [] });
    const saved = await saveTenantMapping(store, ctx.tenant, harness.connector, dropAdd, { note: 'drop job, add call duration', author: 'revops@example.com' });
    expect(saved.version).toBe(2);
    // the added field was never read: contacts are read again from the start
    expect(await store.getCheckpoint(ctx.tenant.id, 'contact')).toBeNull();
    expect(await store.getCheckpoint(ctx.tenant.id, 'deal')).not.toBeNull();

    const second = await harness.cycle();
    expect(second.status, second.error ?? '').toBe('succeeded');
    expect(second.synced.contact?.read).toBe(emulator.state.count('contacts'));
    expect(signalReport(second, 'leadScore')).toMatchObject({ trained: true, reason: 'mapping changed' });
    expect(signalReport(second, 'segment')).toMatchObject({ trained: true, reason: 'mapping changed' });
    expect(signalReport(second, 'recommendations').trained).toBe(false);
    expect(signalReport(second, 'ticketSentiment').trained).toBe(false);
    const active = await store.getActiveModel(ctx.tenant.id, 'leadScore');
    expect(active?.version).toBeGreaterThan(before!.version);
    expect(active?.trainedOn.specHash).toBe(leadScoreSpecHash(dropAdd));
    const features = (active?.model as { featureNames: string[] }).featureNames;
    expect(features.some((f) => f.startsWith('job'))).toBe(false);
    expect(features).toContain('call_duration');
    const stored = await store.getRecords(ctx.tenant.id, 'contact');
    expect(stored.filter((c) => c.properties.call_duration).length).toBe(stored.length);
    for (const [id, score] of emulatorScores(emulator)) {
      expect(score, `contact ${id}`).toMatch(/^\d+$/);
      expect(emulator.state.get('contacts', id)?.properties.crm_signals_model_version).toBe(`leadScore v${active!.version}`);
    }

    // a narrower outcome: only the lead score is about the outcome, so only it retrains
    const outcome = withLead(dropAdd, { outcome: { field: 'lifecyclestage', converted: ['customer'], lost: ['other'] } });
    expect((await saveTenantMapping(store, ctx.tenant, harness.connector, outcome)).version).toBe(3);
    expect(await store.getCheckpoint(ctx.tenant.id, 'contact')).not.toBeNull();
    const third = await harness.cycle();
    expect(third.status, third.error ?? '').toBe('succeeded');
    expect(signalReport(third, 'leadScore')).toMatchObject({ trained: true, reason: 'mapping changed' });
    expect(signalReport(third, 'segment')).toMatchObject({ trained: false, reason: 'model is current' });
    expect((await store.getActiveModel(ctx.tenant.id, 'leadScore'))?.trainedOn.specHash).toBe(leadScoreSpecHash(outcome));

    const fourth = await harness.cycle();
    expect(fourth.status, fourth.error ?? '').toBe('succeeded');
    expect(fourth.signals.every((s) => !s.trained)).toBe(true);
    expect(totalWritten(fourth)).toBe(0);
    expect((await store.listMappings(ctx.tenant.id)).map((m) => [m.version, m.note])).toEqual([
      [3, null],
      [2, 'drop job, add call duration'],
      [1, 'default hubspot mapping'],
    ]);
  });

  it('an invalid mapping is refused on save with a message naming the field, and the running mapping is unchanged', async () => {
    harness = await startHarness();
    const { store, ctx } = harness;
    const first = await harness.cycle();
    expect(first.status, first.error ?? '').toBe('succeeded');
    const save = (input: unknown) => saveTenantMapping(store, ctx.tenant, harness!.connector, input);

    const unknown = await refusal(save(withLead(DEFAULT_HUBSPOT_MAPPING, { categorical: [...lead.categorical, 'favourite_colour'] })));
    expect(unknown.problems).toEqual([{ path: `leadScore.categorical.${lead.categorical.length}`, field: 'favourite_colour', message: `field "favourite_colour" does not exist on the CRM's contact object` }]);
    expect(unknown.message).toContain('favourite_colour');

    const malformed = await refusal(save({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, numeric: ['age; DROP TABLE'] } }));
    expect(malformed.message).toMatch(/leadScore\.numeric\.0: is not a valid field name/);

    const picklist = await refusal(save(withLead(DEFAULT_HUBSPOT_MAPPING, { outcome: { field: 'lifecyclestage', converted: ['Customer'], lost: ['other'] } })));
    expect(picklist.problems[0]).toMatchObject({ path: 'leadScore.outcome.converted.0', field: 'lifecyclestage', message: expect.stringContaining('"Customer" is not an option') });

    const typed = await refusal(save(withLead(DEFAULT_HUBSPOT_MAPPING, { numeric: [...lead.numeric, 'marital'], categorical: lead.categorical.filter((c) => c !== 'marital') })));
    expect(typed.problems.map((p) => p.field)).toEqual(['marital']);
    expect(typed.message).toMatch(/"marital" is mapped as numeric but the CRM says it is enumeration/);

    // the lead status is set when a lead is disqualified: on the stored contacts it gives the outcome away
    // (the check reads the stored labelled contacts page by page, never the whole table: a million contacts at scale)
    const whole = vi.spyOn(store, 'getRecords');
    const leak = await refusal(save(withLead(DEFAULT_HUBSPOT_MAPPING, { categorical: [...lead.categorical, 'hs_lead_status'] })));
    expect(leak.problems).toHaveLength(1);
    expect(leak.problems[0]).toMatchObject({ field: 'hs_lead_status', message: expect.stringMatching(/alone predicts the outcome of \d+ stored labelled contacts \(cross-validated AUC (0\.9[5-9]\d|1\.000) > 0\.95\).*add "hs_lead_status" to leadScore\.exclude/) });

    // a field never synced (the running mapping does not read it) is checked on values read from the CRM
    await harness.connector.install([{ key: 'wonReason', objectType: 'contact', label: 'Won reason', description: 'filled in when a deal is won', type: 'string', names: { hubspot: 'won_reason', salesforce: 'Won_Reason__c' } }]);
    for (const contact of harness.emulator.state.list('contacts')) harness.emulator.state.update('contacts', contact.id, { won_reason: contact.properties.lifecyclestage === 'customer' ? 'signed' : 'none yet' });
    const unsyncedLeak = await refusal(save(withLead(DEFAULT_HUBSPOT_MAPPING, { categorical: [...lead.categorical, 'won_reason'] })));
    expect(unsyncedLeak.problems).toEqual([expect.objectContaining({ field: 'won_reason', message: expect.stringMatching(/alone predicts the outcome of \d+ stored labelled contacts/) })]);
    expect(whole.mock.calls.filter(([, , ids]) => ids === undefined)).toEqual([]);
    whole.mockRestore();

    const otherCrm = await refusal(save({ ...DEFAULT_HUBSPOT_MAPPING, crm: 'salesforce' }));
    expect(otherCrm.problems).toEqual([{ path: 'crm', message: 'the mapping is for salesforce but tenant test-portal runs on hubspot' }]);

    // nothing was saved, nothing is read again, nothing retrains, nothing is written
    expect((await store.listMappings(ctx.tenant.id)).map((m) => m.version)).toEqual([1]);
    expect((await store.activeMapping(ctx.tenant.id))?.mapping).toEqual(JSON.parse(JSON.stringify(DEFAULT_HUBSPOT_MAPPING)));
    const second = await harness.cycle();
    expect(second.status, second.error ?? '').toBe('succeeded');
    expect(second.synced.contact?.resumed).toBe(true);
    expect(second.synced.contact?.changed).toBe(0);
    expect(second.signals.every((s) => !s.trained)).toBe(true);
    expect(totalWritten(second)).toBe(0);
  });
});
