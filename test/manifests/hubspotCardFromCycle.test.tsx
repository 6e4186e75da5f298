/**
 * The HubSpot contact card rendered with what a real cycle on the emulator stored: the payload comes from
 * contactCardPayload over the store the cycle filled, so the card, the payload type and the pipeline's
 * reasons are tested together, not against a hand-made fixture. Also the empty state (a contact synced
 * but not yet computed) and the error state (a contact the portal does not hold), from the same store.
 * Last, on the same store, which labels the lead score stage words reasons with.
 */
import { EmptyState, ErrorState, List, StatisticsItem, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactSignalsCard } from '../../manifests/hubspot/src/app/cards/ContactSignalsCard.tsx';
import type { CardResponse } from '../../manifests/hubspot/src/app/cards/contactCard.ts';
import type { ContactCardPayload } from '../../src/domain/card.ts';
import { humaniseColumn } from '../../src/domain/humanise.ts';
import { modelInputs, parseMapping } from '../../src/mapping/index.ts';
import { CONTACT_NOT_FOUND, contactCardPayload, NOTHING_COMPUTED } from '../../src/pipeline/cardPayload.ts';
import { leadScoreStage } from '../../src/pipeline/signals/leadScore.ts';
import type { LeadScoreValue } from '../../src/pipeline/signals/index.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  const summary = await harness.cycle();
  expect(summary.status, summary.error ?? '').toBe('succeeded');
});
afterAll(async () => {
  await harness?.close();
});

const answer = (payload: ContactCardPayload): CardResponse => ({ status: payload.status === 'error' ? 403 : 200, ok: payload.status !== 'error', json: async () => JSON.parse(JSON.stringify(payload)) });

function render(objectId: string, payload: ContactCardPayload) {
  const renderer = createRenderer('crm.record.tab');
  renderer.render(<ContactSignalsCard objectId={objectId} load={async () => answer(payload)} />);
  return renderer;
}

describe('the contact card with a payload from a real cycle', () => {
  it('shows the score and the reasons in words, with the portal’s field labels and score points', async () => {
    const { emulator, ctx } = harness;
    const labels = new Set(emulator.state.properties('contacts').map((p) => p.label));
    const id = emulator.state.openContactIds()[0]!;
    const payload = await contactCardPayload(ctx.store, ctx.tenant.id, id);
    if (payload.status !== 'ready') throw new Error(`expected a ready payload, got ${JSON.stringify(payload)}`);
    const lead = payload.signals.leadScore!;
    expect(lead.codesVersion).toBe(1);
    expect(lead.reasons.length).toBeGreaterThan(0);
    // the card says what the CRM field says
    const written = emulator.state.get('contacts', id)!.properties;
    expect(String(lead.score)).toBe(written.crm_signals_lead_score);
    expect(lead.reasons.map((r) => r.text).join('; ')).toBe(written.crm_signals_score_reasons);
    expect(JSON.parse(written.crm_signals_score_reason_codes!).reasons.map((r: { points: number }) => r.points)).toEqual(lead.reasons.map((r) => r.points));
    for (const r of lead.reasons) {
      expect(labels).toContain(r.label);
      expect(r.text).toBe(`${r.label}: ${r.value} — ${r.direction} the score by ${r.points >= 1 ? `${r.points} point${r.points === 1 ? '' : 's'}` : 'less than 1 point'}`);
    }

    const renderer = render(id, payload);
    await renderer.waitFor(() => expect(renderer.maybeFind(StatisticsItem)).not.toBeNull());
    expect(renderer.findAll(StatisticsItem)[0]!.props.number).toBe(String(lead.score));
    expect(renderer.findByTestId(List, 'reasons').findAll(Text).map((t) => t.text)).toEqual(lead.reasons.map((r) => r.text));
    expect(renderer.findByTestId(Text, 'segment').text).toBe(payload.signals.segment!.name);
    expect(renderer.findByTestId(Text, 'footer').text).toMatch(/^Model leadScore v\d+, scored \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  });

  it('shows the empty state for a contact synced but not computed yet', async () => {
    const { emulator, ctx } = harness;
    const fresh = emulator.state.insert('contacts', { email: 'new.lead@example.com', firstname: 'New', lastname: 'Lead', lifecyclestage: 'lead' });
    const synced = await harness.cycle({ syncOnly: true });
    expect(synced.status, synced.error ?? '').toBe('succeeded');
    const payload = await contactCardPayload(ctx.store, ctx.tenant.id, fresh.id);
    expect(payload).toEqual({ status: 'empty', message: NOTHING_COMPUTED });
    const renderer = render(fresh.id, payload);
    await renderer.waitFor(() => expect(renderer.maybeFind(EmptyState)).not.toBeNull());
    expect(renderer.find(EmptyState).find(Text).text).toBe(NOTHING_COMPUTED);
  });

  it('shows the error state for a contact this portal does not hold', async () => {
    const { ctx } = harness;
    const payload = await contactCardPayload(ctx.store, ctx.tenant.id, '987654321');
    expect(payload).toEqual({ status: 'error', message: CONTACT_NOT_FOUND });
    const renderer = render('987654321', payload);
    await renderer.waitFor(() => expect(renderer.maybeFind(ErrorState)).not.toBeNull());
    expect(renderer.find(ErrorState).find(Text).text).toBe(CONTACT_NOT_FOUND);
  });
});

describe('the labels reasons are worded with', () => {
  it('rewords with the mapping override first and readable column names when discover fails, without retraining, once', async () => {
    const { ctx, store } = harness;
    const mapping = parseMapping({ ...ctx.mapping, leadScore: { ...ctx.mapping.leadScore, labels: { previous_outcome: 'Last campaign result' } } });
    const connector = Object.create(ctx.connector, { discover: { value: async () => Promise.reject(new Error('HTTP 403 forbidden')) } }) as typeof ctx.connector;
    const logs: string[] = [];
    const stageCtx = { ...ctx, mapping, connector, log: (m: string) => void logs.push(m) };

    const report = await leadScoreStage.run(stageCtx, await store.startRun(ctx.tenant.id, 'cycle'), { retrain: false });
    expect(report.error).toBeUndefined();
    expect(report.trained).toBe(false);
    expect(report.computed).toBe(report.eligible);
    expect(logs).toContain('lead score: field labels unavailable (HTTP 403 forbidden); reasons use readable column names');

    const values = [...(await store.latestSignals(ctx.tenant.id, 'contact', 'leadScore')).values()].map((r) => r.value as LeadScoreValue);
    const used = new Set(values.flatMap((v) => v.readable!.map((r) => r.label)));
    expect(used).toContain('Last campaign result');
    const { numeric, categorical } = modelInputs(mapping.leadScore);
    const readable = new Set([...numeric, ...categorical].filter((c) => c !== 'previous_outcome').map(humaniseColumn));
    for (const label of used) if (label !== 'Last campaign result') expect(readable, label).toContain(label);
    for (const v of values) expect(v.reasons).not.toContain('Previous campaign outcome');

    const again = await leadScoreStage.run(stageCtx, await store.startRun(ctx.tenant.id, 'cycle'), { retrain: false });
    expect(again.computed).toBe(0);
  });
});
