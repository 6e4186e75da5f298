/**
 * The change feed end to end: the emulated portal's signed webhooks (subscribed as the manifest
 * subscribes) reach the real receiver, the webhook job notes the records, and the next cycle reads only
 * those by id: no search for a cycle where nothing changed, one batch read for a UI edit, a search again
 * when the reconcile is due or the mapping reads a property no subscription delivers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { manifestSubscriptions } from '../../functions/demoPortals.ts';
import { DEFAULT_RECONCILE_MS, hubspotChangeFeed, syncSource } from '../../src/pipeline/changeFeed.ts';
import type { CycleSummary } from '../../src/pipeline/cycle.ts';
import { signalReport, startHarness, totalWritten, type Harness } from '../helpers/harness.ts';
import { receiveWebhooks } from '../helpers/webhookReceiver.ts';

let harness: Harness | undefined;
let stopReceiver: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopReceiver?.();
  await harness?.close();
  harness = undefined;
  stopReceiver = undefined;
});

/** The harness with its portal's webhooks delivered to the service's receiver; cycles with the change feed. */
async function feedHarness(): Promise<{ h: Harness; deliver(): Promise<number>; cycle(at?: Date): Promise<CycleSummary> }> {
  const h = await startHarness({ emulator: { webhooks: { subscriptions: manifestSubscriptions(), retryDelaysMs: [] } } });
  harness = h;
  const receiver = await receiveWebhooks(h);
  stopReceiver = receiver.close;
  h.ctx.changeFeed = hubspotChangeFeed();
  return {
    h,
    deliver: async () => (await receiver.deliver()).noted,
    cycle: (at) => {
      if (at) h.ctx.now = () => at;
      return h.cycle();
    },
  };
}

/** Counts, from now on, the calls of the store methods that read records, signals or written values in bulk. */
function countRecordReads(h: Harness): () => Record<string, number> {
  const counts: Record<string, number> = {};
  const store = h.ctx.store;
  h.ctx.store = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (['recordPages', 'recordPagesChangedSince', 'getRecords', 'latestSignals', 'writtenValues'].includes(String(name))) {
        return (...args: unknown[]) => {
          counts[String(name)] = (counts[String(name)] ?? 0) + 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return () => counts;
}

const searches = (h: Harness) => Object.entries(h.emulator.stats().byRoute).filter(([route]) => route.includes('search')).reduce((n, [, calls]) => n + calls, 0);

describe('the change feed', () => {
  it('a no-change cycle searches nothing; a UI edit is read by id and re-scored; our own writes are never read back', async () => {
    const { h, deliver, cycle } = await feedHarness();
    const first = await cycle();
    expect(first.status).toBe('succeeded');
    expect(first.synced.contact).toMatchObject({ source: 'search', why: 'first full read', read: 600 });
    expect(totalWritten(first)).toBeGreaterThan(0);
    // Our write-back changes only output properties, which no subscription covers: nothing to read.
    expect(await deliver()).toBe(0);

    h.emulator.resetStats();
    const reads = countRecordReads(h);
    const quiet = await cycle();
    expect(quiet.status).toBe('succeeded');
    // Nothing any stage or the diff reads changed: each keeps its last pass without paging the store.
    for (const report of quiet.signals) expect(report, report.signal).toMatchObject({ trained: false, computed: 0, reason: 'model is current (nothing changed since the last pass)' });
    expect(signalReport(quiet, 'leadScore').eligible).toBe(signalReport(first, 'leadScore').eligible);
    expect(reads()).toEqual({});
    for (const type of ['contact', 'deal', 'ticket'] as const) expect(quiet.synced[type]).toMatchObject({ source: 'webhooks', read: 0, fromWebhooks: 0 });
    expect(searches(h)).toBe(0);
    expect(totalWritten(quiet)).toBe(0);
    // What a no-change cycle costs: no reads at all (the write-back has nothing to send either).
    expect(quiet.api.calls).toBeLessThanOrEqual(2);

    // A rep edits a model input in the CRM, and a field no model reads on another contact.
    const [edited, other] = h.emulator.state.openContactIds();
    h.emulator.state.update('contacts', edited!, { previous_outcome: 'success', previous_contacts: '6', days_since_previous_contact: '2' });
    h.emulator.state.update('contacts', other!, { firstname: 'Renamed' });
    expect(await deliver()).toBe(1);
    expect(await h.store.changedRecords(h.ctx.tenant.id, 'contact', 10)).toEqual([{ externalId: edited, version: 1 }]);

    h.emulator.resetStats();
    const next = await cycle();
    expect(next.synced.contact).toMatchObject({ source: 'webhooks', read: 1, fromWebhooks: 1, changed: 1 });
    expect(searches(h)).toBe(0);
    expect(signalReport(next, 'leadScore').computed).toBe(1);
    expect(signalReport(next, 'leadScore').reason).toBe('model is current');
    // The lead score and the segments check the one changed contact, not the portal; the lead score's
    // retrain decision counts the labelled contacts in SQL; tickets and deals did not change, so sentiment
    // and recommendations read nothing: no pass over any whole table.
    const counted = reads();
    expect(counted.recordPagesChangedSince).toBe(2);
    expect(counted.recordPages).toBeUndefined();
    expect(counted.getRecords).toBeUndefined();
    expect(counted.writtenValues).toBeGreaterThan(0);
    expect((await h.store.getRecords(h.ctx.tenant.id, 'contact', [edited!]))[0]?.properties.previous_outcome).toBe('success');
    expect(await h.store.countChanged(h.ctx.tenant.id, 'contact')).toBe(0);
  });

  it('searches again when the reconcile is due, and whenever the mapping reads a property no subscription delivers', async () => {
    const { h, cycle } = await feedHarness();
    const start = new Date();
    await cycle(start);
    expect(await syncSource(h.ctx, 'contact')).toEqual({ source: 'webhooks' });

    // A property the app does not subscribe to: its changes would go unseen, so this tenant's contacts are searched.
    const lead = h.ctx.mapping.leadScore;
    const custom = { ...h.ctx, mapping: { ...h.ctx.mapping, leadScore: { ...lead, required: [...lead.required, 'firstname'] } } };
    expect(await syncSource(custom, 'contact')).toEqual({ source: 'search', why: 'the mapping reads firstname, which no webhook subscription delivers' });
    expect(await syncSource(custom, 'deal')).toEqual({ source: 'webhooks' });

    h.emulator.resetStats();
    const later = new Date(start.getTime() + DEFAULT_RECONCILE_MS + 1000);
    const reconcile = await cycle(later);
    expect(reconcile.synced.contact).toMatchObject({ source: 'search', why: `reconciling: the last full read started ${start.toISOString()}` });
    expect(searches(h)).toBeGreaterThan(0);
    // ...and the reconcile starts the next day's window.
    h.emulator.resetStats();
    const after = await cycle(new Date(later.getTime() + 60_000));
    expect(after.synced.contact).toMatchObject({ source: 'webhooks' });
    expect(searches(h)).toBe(0);
  });
});
