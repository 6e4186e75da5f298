/**
 * The whole loop against the HubSpot emulator: sync -> store -> train -> score -> write back, for the four
 * signals (lead score with reasons, segment, recommendations, feedback sentiment).
 */
import { formatSummary } from '../../src/cli/summary.ts';
import { SIGNAL_STAGES } from '../../src/pipeline/signals/index.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countOutputValues, SCORE, emulatorOutputs, emulatorScores, signalReport, startHarness, totalWritten, type Harness } from '../helpers/harness.ts';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

describe('a full cycle on the emulator', () => {
  it('the signal stages read contacts, deals and tickets page by page, never a whole table at once (memory stays at a page at 1M contacts)', async () => {
    harness = await startHarness();
    const { store, ctx } = harness;
    expect((await harness.cycle({ syncOnly: true })).status).toBe('succeeded');
    const whole = vi.spyOn(store, 'getRecords');
    const pages = vi.spyOn(store, 'recordPages');
    const signals = vi.spyOn(store, 'latestSignals');
    const runId = await store.startRun(ctx.tenant.id, 'cycle');
    for (const stage of SIGNAL_STAGES) expect((await stage.run(ctx, runId, { retrain: false })).computed, stage.name).toBeGreaterThan(10);
    expect(whole.mock.calls.filter(([, , ids]) => ids === undefined)).toEqual([]);
    const paged = (type: string) => pages.mock.calls.filter(([, t]) => t === type).length;
    expect(paged('contact')).toBeGreaterThanOrEqual(3); // training, scoring, segments
    expect(paged('deal')).toBeGreaterThanOrEqual(1); // the purchases
    expect(paged('ticket')).toBeGreaterThanOrEqual(2); // counting the labels, scoring
    // Stored signals are compared a page or a chunk at a time, never a whole signal table.
    expect(signals.mock.calls.filter(([, , , ids]) => ids === undefined).map(([, type, signal]) => `${type} ${signal}`)).toEqual([]);
  });

  it('writes all four signals, audits every write, and writes nothing on a second cycle', async () => {
    harness = await startHarness();
    const { emulator, store, ctx } = harness;
    const signals = vi.spyOn(store, 'latestSignals');
    const written = vi.spyOn(store, 'writtenValues');
    const first = await harness.cycle();
    expect(first.status, first.error ?? '').toBe('succeeded');
    // The write-back diff read signals and written values a key range at a time, never a whole table.
    expect(written.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(written.mock.calls.filter(([, , range]) => range === undefined)).toEqual([]);
    expect(signals.mock.calls.filter(([, , , scope]) => scope === undefined)).toEqual([]);
    expect(first.synced.contact?.read).toBe(emulator.state.count('contacts'));
    expect(first.synced.deal?.read).toBe(emulator.state.count('deals'));
    expect(first.synced.ticket?.read).toBe(emulator.state.count('tickets'));
    const lead = signalReport(first, 'leadScore');
    expect(lead.trained).toBe(true);
    expect(lead.metrics.auc).toBeGreaterThan(0.6);

    // Lead score with reasons on every open contact, and only there.
    const scores = emulatorScores(emulator);
    expect(scores.size).toBeGreaterThan(100);
    // Reasons name inputs by the portal's own property labels, with whole points; the codes beside them are versioned JSON.
    const labels = new Set(emulator.state.properties('contacts').map((p) => p.label));
    for (const [id, score] of scores) {
      expect(score, `contact ${id}`).toMatch(/^\d+$/);
      expect(Number(score)).toBeGreaterThanOrEqual(1);
      expect(Number(score)).toBeLessThanOrEqual(99);
      const properties = emulator.state.get('contacts', id)!.properties;
      const text = properties.crm_signals_score_reasons!;
      const reasons = text === 'No single factor moved this score.' ? [] : text.split('; ');
      for (const reason of reasons) {
        expect(reason).toMatch(/^[^:]+: .+ — (raises|lowers) the score by (\d+ points?|less than 1 point)$/);
        expect(labels, reason).toContain(reason.slice(0, reason.indexOf(': ')));
      }
      const codes = JSON.parse(properties.crm_signals_score_reason_codes!);
      expect(codes).toMatchObject({ v: 1, model: properties.crm_signals_model_version });
      expect(codes.reasons).toHaveLength(reasons.length);
    }
    const known = emulator.state.list('contacts').filter((c) => c.properties.lifecyclestage === 'customer');
    expect(known.length).toBeGreaterThan(0);
    for (const c of known) expect(c.properties[SCORE]).toBeUndefined();

    // A segment on every contact, one of the property's options, labelled with its name.
    const options = new Map((emulator.state.property('contacts', 'crm_signals_segment')?.options ?? []).map((o) => [o.value, o.label]));
    expect(options.size).toBeGreaterThanOrEqual(2);
    for (const c of emulator.state.list('contacts')) expect(options.has(c.properties.crm_signals_segment ?? ''), `contact ${c.id}`).toBe(true);
    for (const label of options.values()) expect(label).not.toMatch(/^seg-\d+$/);

    // Recommendations for contacts who bought something, never what they already own.
    const buyers = new Map<string, Set<string>>();
    for (const deal of emulator.state.list('deals').filter((d) => d.properties.dealstage === 'closedwon')) {
      const items = emulator.state.associations('deals', deal.id, 'line_items').map((id) => emulator.state.get('line_items', id)?.properties.name ?? '');
      for (const contact of emulator.state.associations('deals', deal.id, 'contacts')) buyers.set(contact, new Set([...(buyers.get(contact) ?? []), ...items]));
    }
    expect(buyers.size).toBeGreaterThan(10);
    for (const [contact, owned] of buyers) {
      const text = emulator.state.get('contacts', contact)?.properties.crm_signals_recommendations ?? '';
      const lines = text.split('\n');
      expect(lines.length, `contact ${contact}`).toBeGreaterThanOrEqual(1);
      for (const line of lines) {
        const match = /^\d\. (.+) \((.+)\)$/.exec(line);
        expect(match, line).not.toBeNull();
        expect(owned.has(match![1]!)).toBe(false);
      }
    }

    // Sentiment on every ticket, rolled up onto the contacts that filed them.
    for (const t of emulator.state.list('tickets')) {
      expect(Number(t.properties.crm_signals_sentiment)).toBeGreaterThanOrEqual(-1);
      expect(Number(t.properties.crm_signals_sentiment)).toBeLessThanOrEqual(1);
      expect(['positive', 'neutral', 'negative']).toContain(t.properties.crm_signals_sentiment_label);
      for (const contact of emulator.state.associations('tickets', t.id, 'contacts')) {
        expect(emulator.state.get('contacts', contact)?.properties.crm_signals_feedback_label).toMatch(/^(positive|neutral|negative)$/);
      }
    }
    // Trained on the tickets agents labelled: most labelled tickets read as their label says.
    const labelled = emulator.state.list('tickets').filter((t) => t.properties.feedback_label);
    const agree = labelled.filter((t) => t.properties.crm_signals_sentiment_label === t.properties.feedback_label).length;
    expect(agree / labelled.length).toBeGreaterThan(0.8);
    expect(signalReport(first, 'ticketSentiment').metrics.type).toBe('naive-bayes');

    // One audit row per property written, each matching what the CRM now holds.
    const outputs = emulatorOutputs(emulator);
    const audit = await store.audit(ctx.tenant.id, { limit: 100_000 });
    expect(audit.length).toBe(countOutputValues(outputs));
    for (const row of audit) {
      expect(outputs[`${row.objectType}s/${row.externalId}`]?.[row.property]).toBe(row.newValue);
      expect(row.oldValue).toBeNull();
    }
    expect(totalWritten(first)).toBe(Object.keys(outputs).length);

    const writesBefore = emulator.stats().writeCalls;
    const second = await harness.cycle();
    expect(second.status).toBe('succeeded');
    expect(emulator.stats().writeCalls).toBe(writesBefore);
    expect(second.changes).toEqual({ contact: 0, ticket: 0 });
    expect(totalWritten(second)).toBe(0);
    expect(second.synced.contact?.changed).toBe(0);
    expect(second.synced.ticket?.changed).toBe(0);
    expect(second.synced.deal?.changed).toBe(0);
    expect(second.signals.every((s) => !s.trained && s.computed === 0)).toBe(true);
    // Our own writes came back through the incremental search and were recognised as ours.
    expect(second.synced.contact?.ownWrites).toBe(Object.keys(outputs).filter((k) => k.startsWith('contacts/')).length);
    expect(await store.countAudit(ctx.tenant.id)).toBe(audit.length);
  });

  it('after 10 contacts change, reads only those as changed and writes only values that changed', async () => {
    harness = await startHarness();
    const { emulator, store, ctx } = harness;
    await harness.cycle();
    const before = emulatorOutputs(emulator);
    const auditBefore = await store.countAudit(ctx.tenant.id);

    const changed = emulator.state.openContactIds().slice(0, 10);
    for (const [i, id] of changed.entries()) {
      // A second successful campaign contact moves most leads' scores.
      emulator.state.update('contacts', id, { previous_outcome: i % 2 ? 'success' : 'failure', previous_contacts: String(3 + i), days_since_previous_contact: '3' });
    }
    const writesBefore = emulator.stats().writeCalls;
    const next = await harness.cycle();
    expect(next.status).toBe('succeeded');
    expect(next.synced.contact?.changed).toBe(10);
    expect(next.synced.ticket?.changed).toBe(0);
    expect(signalReport(next, 'leadScore').computed).toBe(10);
    expect(signalReport(next, 'segment').computed).toBe(10);

    const after = emulatorOutputs(emulator);
    const differs = Object.keys(after).filter((key) => JSON.stringify(after[key]) !== JSON.stringify(before[key]));
    expect(differs.length).toBeGreaterThan(0);
    for (const key of differs) expect(changed.map((id) => `contacts/${id}`)).toContain(key);
    expect(totalWritten(next)).toBe(differs.length);
    expect(emulator.stats().writeCalls - writesBefore).toBe(1);
    // The audit grew by exactly the properties that changed, old and new values as they were.
    const newRows = (await store.audit(ctx.tenant.id, { limit: 100_000 })).slice(0, (await store.countAudit(ctx.tenant.id)) - auditBefore);
    expect(newRows.length).toBeGreaterThan(0);
    for (const row of newRows) {
      expect(changed).toContain(row.externalId);
      expect(row.oldValue).toBe(before[`contacts/${row.externalId}`]?.[row.property]);
      expect(row.newValue).toBe(after[`contacts/${row.externalId}`]?.[row.property]);
    }
  });

  it('skips malformed contacts with a clear reason and writes the rest of the batch', async () => {
    harness = await startHarness();
    const { emulator } = harness;
    const [wrongTypes, missingEmail, huge, oddUnicode, unknownOptions, oddNumbers] = emulator.faults.insertMalformedContacts();
    const summary = await harness.cycle();
    expect(summary.status).toBe('succeeded');
    const reasons = new Map(summary.rejected.map((r) => [r.externalId, r.reason]));
    expect(reasons.get(wrongTypes!)).toMatch(/"age" should be a number but is "forty"/);
    expect(reasons.get(missingEmail!)).toMatch(/required property "email" is missing/);
    expect(reasons.get(huge!)).toMatch(/"lastname" is 102400 characters long/);
    expect(reasons.get(oddUnicode!)).toMatch(/invalid unicode/);
    expect(reasons.get(oddNumbers!)).toMatch(/"emp_var_rate" should be a number but is "1,1"/);
    // Unknown enumeration options are still usable input: they are scored like any other level.
    expect(reasons.has(unknownOptions!)).toBe(false);
    expect(emulator.state.get('contacts', unknownOptions!)?.properties[SCORE]).toMatch(/^\d+$/);
    for (const id of [wrongTypes, missingEmail, huge, oddUnicode, oddNumbers]) expect(emulator.state.get('contacts', id!)?.properties[SCORE]).toBeUndefined();
    for (const [id, score] of emulatorScores(emulator)) expect(score, `contact ${id}`).toMatch(/^\d+$/);
  });

  it('replaces a stored model of an older format instead of failing to score with it', async () => {
    harness = await startHarness();
    const { store, ctx } = harness;
    expect((await harness.cycle()).status).toBe('succeeded');
    // a version-1 lead score (ml-random-forest era) left active by an older build
    const old = await store.saveModel(ctx.tenant.id, { kind: 'leadScore', status: 'candidate', metrics: { auc: 0.99 }, model: { kind: 'leadScore', version: 1 }, trainedOn: { rows: 1, reason: 'older build' } });
    await store.promoteModel(ctx.tenant.id, 'leadScore', old);
    const second = await harness.cycle();
    expect(second.status, second.error ?? '').toBe('succeeded');
    const lead = signalReport(second, 'leadScore');
    expect(lead.trained).toBe(true);
    expect(lead.reason).toBe('model format upgraded');
    const active = await store.getActiveModel(ctx.tenant.id, 'leadScore');
    expect(active?.version).toBeGreaterThan(old);
    expect((active?.model as { version?: number }).version).toBe(2);
    expect(lead.computed).toBe(lead.eligible);
  });

  it('shadow mode and dry runs compute and report, and write nothing', async () => {
    harness = await startHarness({ mode: 'shadow' });
    const { emulator } = harness;
    const shadow = await harness.cycle();
    expect(shadow.status).toBe('succeeded');
    expect(shadow.changes.contact).toBe(emulator.state.count('contacts'));
    expect(shadow.changes.ticket).toBe(emulator.state.count('tickets'));
    expect(shadow.preview.find((p) => p.properties[SCORE])?.properties[SCORE]).toMatch(/^\d+$/);
    expect(shadow.write).toBeNull();
    expect(emulator.stats().writeCalls).toBe(0);
    expect(Object.keys(emulatorOutputs(emulator))).toHaveLength(0);

    const dry = await harness.cycle({ dryRun: true });
    expect(dry.changes).toEqual(shadow.changes);
    expect(emulator.stats().writeCalls).toBe(0);
    // Both keep every value they would write; the terminal shows the first with old and new value.
    expect(dry.proposedChanges).toBe(shadow.proposedChanges);
    expect((await harness.store.proposedChanges(harness.ctx.tenant.id, dry.runId)).total).toBe(dry.proposedChanges);
    const first = dry.preview[0]!;
    const [property, value] = Object.entries(first.properties)[0]!;
    const printed = formatSummary(dry, []);
    expect(printed).toContain(`would write: ${dry.changes.contact!.toLocaleString('en-US')} contacts`);
    expect(printed).toContain(`    ${first.objectType} ${first.externalId} ${property}: (empty) -> ${value.length > 70 ? value.slice(0, 67) : value}`);
    expect(printed).toContain(`${dry.proposedChanges!.toLocaleString('en-US')} field values in all`);
  });
});
