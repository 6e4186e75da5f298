/**
 * Each signal stage runs on its own: one that throws is reported, the run records the failure, and the
 * other signals are still computed and written.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { crmField, modelInputs, segmentSpecHash } from '../../src/mapping/index.ts';
import { leadScoreStage } from '../../src/pipeline/signals/leadScore.ts';
import { segmentStage } from '../../src/pipeline/signals/segments.ts';
import { formatSummary } from '../../src/cli/summary.ts';
import { emulatorScores, signalReport, startHarness, totalWritten, type Harness } from '../helpers/harness.ts';

let harness: Harness | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await harness?.close();
  harness = null;
});

const written = (harness: Harness, type: 'contacts' | 'tickets', property: string) =>
  harness.emulator.state.list(type).filter((r) => r.properties[property] !== undefined).length;

describe('one failing signal stage', () => {
  it('a corrupt segments model fails its stage; lead score, recommendations and sentiment are still written', async () => {
    harness = await startHarness();
    const { store, ctx, emulator } = harness;
    // An active segments model that looks current (same spec, same row count) but whose body is unreadable.
    const broken = await store.saveModel(ctx.tenant.id, {
      kind: 'segment',
      status: 'candidate',
      metrics: {},
      model: { pipeline: null, segments: null },
      trainedOn: { rows: emulator.state.count('contacts'), reason: 'test', specHash: segmentSpecHash(ctx.mapping) },
    });
    await store.promoteModel(ctx.tenant.id, 'segment', broken);

    const summary = await harness.cycle();
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatch(/^1 of 4 signal stages failed \(segment: /);
    const segment = signalReport(summary, 'segment');
    expect(segment.error).toBeTruthy();
    expect(segment.computed).toBe(0);
    for (const signal of ['leadScore', 'recommendations', 'ticketSentiment']) expect(signalReport(summary, signal).error).toBeUndefined();

    expect(totalWritten(summary)).toBeGreaterThan(0);
    for (const [id, score] of emulatorScores(emulator)) expect(score, `contact ${id}`).toMatch(/^\d+$/);
    expect(written(harness, 'contacts', 'crm_signals_recommendations')).toBeGreaterThan(10);
    expect(written(harness, 'tickets', 'crm_signals_sentiment')).toBe(emulator.state.count('tickets'));
    expect(written(harness, 'contacts', 'crm_signals_feedback_sentiment')).toBeGreaterThan(0);
    expect(written(harness, 'contacts', 'crm_signals_segment')).toBe(0);

    const [run] = await store.listRuns(ctx.tenant.id, 1);
    expect(run?.status).toBe('failed');
    expect(run?.summary.error).toBe(summary.error);
    expect((run?.summary.signals as Array<{ signal: string; error?: string }>).find((s) => s.signal === 'segment')?.error).toBe(segment.error);
    expect(formatSummary(summary, [])).toMatch(/segment: FAILED: /);
  });

  it('contacts all alike in the mapped inputs make no segments: the stage says why instead of failing the cycle', async () => {
    harness = await startHarness();
    const { emulator, ctx } = harness;
    const { numeric, categorical } = modelInputs(ctx.mapping.leadScore);
    const fields = [...numeric, ...categorical].map((c) => crmField(ctx.mapping.leadScore, c));
    const [first, ...rest] = emulator.state.list('contacts');
    const same = Object.fromEntries(fields.map((f) => [f, first!.properties[f] ?? '']));
    for (const c of rest) emulator.state.update('contacts', c.id, same);

    // The stage alone after a sync: a report without an error is what keeps the cycle from failing (cycle.ts).
    expect((await harness.cycle({ syncOnly: true })).status).toBe('succeeded');
    const segment = await segmentStage.run(ctx, await harness.store.startRun(ctx.tenant.id, 'cycle'), { retrain: false });
    expect(segment.error).toBeUndefined();
    expect(segment).toMatchObject({ trained: false, modelVersion: null, computed: 0 });
    expect(segment.reason).toMatch(/cannot make segments \(.*(identical|distinct rows)/);
    expect(await harness.store.listModels(ctx.tenant.id, 'segment')).toEqual([]);
  });

  it('the first stage throwing does not stop the three after it', async () => {
    harness = await startHarness();
    vi.spyOn(leadScoreStage, 'run').mockRejectedValueOnce(new Error('lead score exploded'));
    const summary = await harness.cycle();
    expect(summary.status).toBe('failed');
    expect(signalReport(summary, 'leadScore').error).toBe('lead score exploded');
    expect(summary.error).toContain('leadScore: lead score exploded');
    for (const signal of ['segment', 'recommendations', 'ticketSentiment']) expect(signalReport(summary, signal).computed).toBeGreaterThan(0);
    expect(written(harness, 'contacts', 'crm_signals_lead_score')).toBe(0);
    expect(written(harness, 'contacts', 'crm_signals_segment')).toBe(harness.emulator.state.count('contacts'));

    // the next cycle has the stage back and catches up
    const next = await harness.cycle();
    expect(next.status, next.error ?? '').toBe('succeeded');
    for (const [id, score] of emulatorScores(harness.emulator)) expect(score, `contact ${id}`).toMatch(/^\d+$/);
  });
});
