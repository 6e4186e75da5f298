import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rec } from '../store/store.suite.ts';
import { openStore } from '../store/index.ts';
import type { SignalRow, Store } from '../store/types.ts';
import { CONTACT_NOT_FOUND, contactCardPayload, contactCardPayloads, NOTHING_COMPUTED } from './cardPayload.ts';
import type { LeadScoreValue } from './signals/index.ts';

let store: Store;
beforeAll(async () => {
  store = await openStore({ inMemory: true });
});
afterAll(async () => {
  await store.close();
});

async function tenantWith(contacts: string[]): Promise<{ id: string; runId: number }> {
  const id = `t-${randomUUID()}`;
  await store.upsertTenant({ id, crm: 'hubspot', name: 'T', mode: 'live', accountId: null });
  const runId = await store.startRun(id, 'cycle');
  await store.savePage(id, { runId, objectType: 'contact', records: contacts.map((c) => rec(c, `h-${c}`)), rejected: [], checkpoint: { phase: 'incremental', since: '2024-01-01T00:00:00Z' } });
  return { id, runId };
}

const signal = (externalId: string, name: string, value: unknown, modelVersion = 3): SignalRow => ({ objectType: 'contact', externalId, signal: name, modelVersion, value, inputHash: 'h' });

const READABLE = [
  { label: 'Previous campaign outcome', value: 'success', direction: 'raises' as const, points: 18, text: 'Previous campaign outcome: success — raises the score by 18 points' },
  { label: 'Number of employees (thousands)', value: '5,228 or more', direction: 'lowers' as const, points: 5, text: 'Number of employees (thousands): 5,228 or more — lowers the score by 5 points' },
];
const SCORE: LeadScoreValue = {
  score: 64,
  probability: 0.64,
  reasons: READABLE.map((r) => r.text).join('; '),
  readable: READABLE,
  reasonCodes: { v: 1, model: 'leadScore v3', modelId: 'm1', reasons: [] },
  labelsKey: 'k',
  scoredAt: '2026-11-20T09:30:00.000Z',
};

describe('contactCardPayloads', () => {
  it('answers many contacts at once, each as contactCardPayload would, newest signal winning', async () => {
    const t = await tenantWith(['a', 'b', 'c']);
    await store.saveSignals(t.id, t.runId, [signal('a', 'leadScore', { ...SCORE, score: 20 }), signal('b', 'segment', { id: 's', name: 'S' })]);
    const later = await store.startRun(t.id, 'cycle');
    await store.saveSignals(t.id, later, [signal('a', 'leadScore', { ...SCORE, score: 81 }, 4)]);
    const many = await contactCardPayloads(store, t.id, ['a', 'b', 'c', 'gone', 'a', 'bad\u0001id']);
    expect([...many.keys()].sort()).toEqual(['a', 'b', 'bad\u0001id', 'c', 'gone']);
    for (const id of ['a', 'b', 'c', 'gone']) expect(many.get(id)).toEqual(await contactCardPayload(store, t.id, id));
    expect(many.get('a')).toMatchObject({ status: 'ready', signals: { leadScore: { score: 81, modelVersion: 'leadScore v4' } } });
    expect(many.get('b')).toMatchObject({ status: 'ready', signals: { leadScore: null, segment: { id: 's', name: 'S' } } });
    expect(many.get('c')).toEqual({ status: 'empty', message: NOTHING_COMPUTED });
    expect(many.get('gone')).toEqual({ status: 'error', message: CONTACT_NOT_FOUND });
    expect(many.get('bad\u0001id')).toEqual({ status: 'error', message: 'contact id must not contain control characters' });
  });
});

describe('contactCardPayload', () => {
  it('gives the four signals of a scored contact', async () => {
    const t = await tenantWith(['c1', 'c2']);
    await store.saveSignals(t.id, t.runId, [
      signal('c1', 'leadScore', SCORE),
      signal('c1', 'segment', { id: 'seg-2', name: 'Young professionals' }),
      signal('c1', 'recommendations', { items: [{ item: 'GTX Pro', reason: 'bought by 40 % of contacts that own GTX Lite' }] }),
      signal('c1', 'feedbackSentiment', { score: -0.25, label: 'negative', count: 2 }),
      signal('c2', 'leadScore', { ...SCORE, score: 12 }),
    ]);
    expect(await contactCardPayload(store, t.id, 'c1')).toEqual({
      status: 'ready',
      signals: {
        leadScore: { score: 64, reasons: READABLE, codesVersion: 1, modelVersion: 'leadScore v3', scoredAt: '2026-11-20T09:30:00.000Z' },
        segment: { id: 'seg-2', name: 'Young professionals' },
        recommendations: [{ item: 'GTX Pro', reason: 'bought by 40 % of contacts that own GTX Lite' }],
        feedbackSentiment: { score: -0.25, label: 'negative', tickets: 2 },
      },
    });
  });

  it('shows the newest value and leaves signals not computed empty', async () => {
    const t = await tenantWith(['c1']);
    await store.saveSignals(t.id, t.runId, [signal('c1', 'leadScore', SCORE, 3)]);
    const later = await store.startRun(t.id, 'cycle');
    await store.saveSignals(t.id, later, [signal('c1', 'leadScore', { ...SCORE, score: 70 }, 4)]);
    const payload = await contactCardPayload(store, t.id, 'c1');
    expect(payload).toEqual({
      status: 'ready',
      signals: { leadScore: expect.objectContaining({ score: 70, modelVersion: 'leadScore v4' }), segment: null, recommendations: [], feedbackSentiment: null },
    });
  });

  it('is empty for a known contact with nothing computed', async () => {
    const t = await tenantWith(['c1']);
    expect(await contactCardPayload(store, t.id, 'c1')).toEqual({ status: 'empty', message: NOTHING_COMPUTED });
  });

  it("refuses a contact the tenant does not hold, including another tenant's", async () => {
    const mine = await tenantWith(['c1']);
    const theirs = await tenantWith(['c9']);
    await store.saveSignals(theirs.id, theirs.runId, [signal('c9', 'leadScore', SCORE)]);
    expect(await contactCardPayload(store, mine.id, 'c9')).toEqual({ status: 'error', message: CONTACT_NOT_FOUND });
    expect(await contactCardPayload(store, `t-${randomUUID()}`, 'c1')).toEqual({ status: 'error', message: CONTACT_NOT_FOUND });
    expect(await contactCardPayload(store, theirs.id, 'c9')).toMatchObject({ status: 'ready' });
  });

  it('names what is wrong with a contact id that cannot be one', async () => {
    const t = await tenantWith(['c1']);
    expect(await contactCardPayload(store, t.id, '')).toEqual({ status: 'error', message: 'contact id must be a non-empty string' });
    expect(await contactCardPayload(store, t.id, '   ')).toEqual({ status: 'error', message: 'contact id must be a non-empty string' });
    expect(await contactCardPayload(store, t.id, 'x'.repeat(256))).toEqual({ status: 'error', message: 'contact id must be at most 255 characters' });
    expect(await contactCardPayload(store, t.id, 'c1\n')).toEqual({ status: 'error', message: 'contact id must not contain control characters' });
    expect(await contactCardPayload(store, t.id, undefined as unknown as string)).toEqual({ status: 'error', message: 'contact id must be a non-empty string' });
  });

  it('any contact id gets an answer, never a throw (bounded fuzz)', async () => {
    const t = await tenantWith(['c1', "o'brien", '__proto__']);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('c1', "o'brien", '__proto__', "'; DROP TABLE records; --", 'c1\u0000')), async (id) => {
        const payload = await contactCardPayload(store, t.id, id);
        expect(['empty', 'error']).toContain(payload.status);
        if (payload.status === 'empty') expect(['c1', "o'brien", '__proto__']).toContain(id);
      }),
      { numRuns: 60, seed: 5 },
    );
    expect(await store.countRecords(t.id, 'contact')).toBe(3);
  });

  it('a score from before reasons were worded shows without reasons, codes version 0, and the time it was computed', async () => {
    const t = await tenantWith(['c1']);
    const legacy = { score: 41, probability: 0.41, reasons: 'Raised by: age 31-42 (+3)', reasonCodes: [{ code: 'age|q2|up', column: 'age', bucketKey: 'q2', direction: 'up', weight: 3, modelVersion: 'm0' }] };
    await store.saveSignals(t.id, t.runId, [signal('c1', 'leadScore', legacy)]);
    const payload = await contactCardPayload(store, t.id, 'c1');
    if (payload.status !== 'ready') throw new Error(`expected ready, got ${payload.status}`);
    expect(payload.signals.leadScore).toMatchObject({ score: 41, reasons: [], codesVersion: 0, modelVersion: 'leadScore v3' });
    expect(Number.isNaN(Date.parse(payload.signals.leadScore!.scoredAt))).toBe(false);
  });

  it('leaves a damaged stored value out of the card and shows the rest', async () => {
    const t = await tenantWith(['c1']);
    await store.saveSignals(t.id, t.runId, [
      signal('c1', 'leadScore', { ...SCORE, readable: [READABLE[0], { text: 'x', direction: 'sideways' }, 'y'] }),
      signal('c1', 'segment', { id: 7 }),
      signal('c1', 'recommendations', { items: [{ item: 'A', reason: 'r' }, { item: 3 }] }),
      signal('c1', 'feedbackSentiment', { score: 0.5, label: 'angry', count: 1 }),
    ]);
    expect(await contactCardPayload(store, t.id, 'c1')).toEqual({
      status: 'ready',
      signals: {
        leadScore: expect.objectContaining({ score: 64, reasons: [READABLE[0]] }),
        segment: null,
        recommendations: [{ item: 'A', reason: 'r' }],
        feedbackSentiment: null,
      },
    });
    await store.saveSignals(t.id, await store.startRun(t.id, 'cycle'), [signal('c1', 'leadScore', null)]);
    const payload = await contactCardPayload(store, t.id, 'c1');
    expect(payload.status === 'ready' && payload.signals.leadScore).toBeNull();
  });
});
