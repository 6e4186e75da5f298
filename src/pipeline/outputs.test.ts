import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { crmFieldName } from '../domain/outputFields.ts';
import { openStore } from '../store/index.ts';
import type { OutboxInput, SignalRow, Store } from '../store/types.ts';
import { diffPages } from './outputs.ts';
import { LEAD_SCORE, SEGMENT } from './signals/index.ts';

let store: Store;
beforeAll(async () => {
  store = await openStore({ inMemory: true });
});
afterAll(async () => store.close());

const score = (externalId: string, value: number, modelVersion = 1): SignalRow => ({
  objectType: 'contact',
  externalId,
  signal: LEAD_SCORE,
  modelVersion,
  value: { score: value, probability: value / 100, reasons: 'No single factor moved this score.' },
  inputHash: `h${value}`,
});
const segment = (externalId: string, id: string): SignalRow => ({ objectType: 'contact', externalId, signal: SEGMENT, modelVersion: 1, value: { id, name: id }, inputHash: 'h' });

async function all(tenantId: string, pageSize: number): Promise<{ pages: OutboxInput[][]; items: OutboxInput[] }> {
  const pages: OutboxInput[][] = [];
  for await (const page of diffPages(store, tenantId, 'hubspot', 'contact', undefined, pageSize)) pages.push(page);
  return { pages, items: pages.flat() };
}

describe('diffPages', () => {
  it('streams the same diff as one whole page, a key range at a time, each record once, with signals on different records', async () => {
    const tenant = { id: 'paged', crm: 'hubspot' as const, name: 'P', mode: 'live' as const, accountId: '1' };
    await store.upsertTenant(tenant);
    const ids = Array.from({ length: 23 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const first = await store.startRun(tenant.id, 'cycle');
    // lead scores on c00..c17, segments on c05..c22: ranges must take both signals' ids
    await store.saveSignals(tenant.id, first, [...ids.slice(0, 18).map((id, i) => score(id, i)), ...ids.slice(5).map((id) => segment(id, 'A'))]);
    const second = await store.startRun(tenant.id, 'cycle');
    // newer rows of some records: the newest is desired, older rows do not repeat a record
    await store.saveSignals(tenant.id, second, [score('c03', 90, 2), score('c11', 91, 2), segment('c20', 'B')]);
    // c04 was written with today's score: only its unwritten fields differ
    const leadScore = crmFieldName('hubspot', 'leadScore');
    await store.enqueue(tenant.id, first, [{ objectType: 'contact', externalId: 'c04', properties: { [leadScore]: '4' }, previous: {}, modelVersion: 1 }]);
    const [pending] = await store.pendingOutbox(tenant.id, 'contact', 10);
    await store.completeOutbox(tenant.id, first, [{ id: pending!.id, modifiedAt: null }]);

    const whole = await all(tenant.id, 1000);
    expect(whole.pages).toHaveLength(1);
    expect(whole.items.map((i) => i.externalId)).toEqual(ids);
    expect(whole.items.find((i) => i.externalId === 'c03')?.properties[leadScore]).toBe('90');
    expect(whole.items.find((i) => i.externalId === 'c20')?.properties[crmFieldName('hubspot', 'segment')]).toBe('B');
    expect(whole.items.find((i) => i.externalId === 'c04')?.properties[leadScore]).toBeUndefined();

    for (const size of [1, 3, 7, 18]) {
      const paged = await all(tenant.id, size);
      expect(paged.items, `pages of ${size}`).toEqual(whole.items);
      expect(paged.pages.length, `pages of ${size}`).toBeGreaterThan(1);
      // a page holds at most `size` records of each signal
      for (const page of paged.pages) expect(page.length).toBeLessThanOrEqual(2 * size);
    }
  });

  it('reads every signal and written value by key range, never a whole table', async () => {
    const tenant = { id: 'ranged', crm: 'hubspot' as const, name: 'R', mode: 'live' as const, accountId: '2' };
    await store.upsertTenant(tenant);
    const run = await store.startRun(tenant.id, 'cycle');
    await store.saveSignals(tenant.id, run, Array.from({ length: 10 }, (_, i) => score(`r${i}`, i)));
    const signals = vi.spyOn(store, 'latestSignals');
    const written = vi.spyOn(store, 'writtenValues');
    try {
      expect((await all(tenant.id, 4)).items).toHaveLength(10);
      expect(signals.mock.calls.length).toBeGreaterThan(0);
      expect(signals.mock.calls.filter(([, , , scope]) => scope === undefined)).toEqual([]);
      expect(written.mock.calls.filter(([, , range]) => range === undefined)).toEqual([]);
      expect(written.mock.calls).toHaveLength(3); // 4 + 4 + 2
    } finally {
      signals.mockRestore();
      written.mockRestore();
    }
  });

  it('finds nothing for a tenant without signals, and never another tenant’s', async () => {
    await store.upsertTenant({ id: 'empty', crm: 'hubspot', name: 'E', mode: 'live', accountId: '3' });
    expect((await all('empty', 5)).pages).toEqual([]);
    expect(await store.nextSignalRange('empty', 'contact', [LEAD_SCORE, SEGMENT], null, 5)).toBeNull();
    expect(await store.nextSignalRange('paged', 'contact', [LEAD_SCORE], 'c17', 5)).toBeNull();
    expect(await store.nextSignalRange('paged', 'contact', [LEAD_SCORE, SEGMENT], 'c17', 6)).toEqual({ after: 'c17', through: null });
    // a page filled exactly may have more after it: the next range finds none
    expect(await store.nextSignalRange('paged', 'contact', [LEAD_SCORE, SEGMENT], 'c17', 5)).toEqual({ after: 'c17', through: 'c22' });
    expect(await store.nextSignalRange('paged', 'contact', [LEAD_SCORE, SEGMENT], 'c22', 5)).toBeNull();
    await expect(store.nextSignalRange('paged', 'contact', [LEAD_SCORE], null, 0)).rejects.toThrow(/size must be a positive integer/);
  });
});
