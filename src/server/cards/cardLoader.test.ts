import { describe, expect, it } from 'vitest';
import type { ComputedSignal, Store } from '../../store/types.ts';
import { createCardLoader } from './cardLoader.ts';

/** A store holding a lead score for contacts 1..n of tenant t1, counting its queries. */
function fakeStore(n: number, fail = false) {
  const queries: Array<{ tenantId: string; ids: readonly string[] }> = [];
  const store = {
    async signalsOfRecords(tenantId: string, _type: string, ids: readonly string[]) {
      queries.push({ tenantId, ids });
      if (fail) throw new Error('database gone');
      const out = new Map<string, Map<string, ComputedSignal>>();
      for (const id of ids) {
        if (tenantId === 't1' && Number(id) >= 1 && Number(id) <= n) {
          out.set(id, new Map([['leadScore', { objectType: 'contact', externalId: id, signal: 'leadScore', modelVersion: 1, value: { score: Number(id) }, inputHash: 'h', computedAt: '2026-12-01T00:00:00.000Z' }]]));
        }
      }
      return out;
    },
    async getRecords() {
      return [];
    },
  };
  return { store: store as unknown as Pick<Store, 'signalsOfRecords' | 'getRecords'>, queries };
}

describe('card loader', () => {
  it('reads the cards asked in one turn with one query per tenant, each caller getting its own card', async () => {
    const { store, queries } = fakeStore(300);
    const load = createCardLoader(store);
    const ids = Array.from({ length: 200 }, (_, i) => String(i + 1));
    const answers = await Promise.all([...ids.map((id) => load('t1', id)), load('t1', '7'), load('t2', '1')]);
    expect(queries).toHaveLength(2);
    expect(queries.find((q) => q.tenantId === 't1')?.ids).toHaveLength(200);
    answers.slice(0, 200).forEach((a, i) => expect(a).toMatchObject({ status: 'ready', signals: { leadScore: { score: i + 1 } } }));
    expect(answers[200]).toMatchObject({ status: 'ready', signals: { leadScore: { score: 7 } } });
    // another tenant never gets t1's card for the same id
    expect(answers[201]).toEqual({ status: 'error', message: 'contact not found in this portal' });
    // the next turn is a new batch
    await load('t1', '5');
    expect(queries).toHaveLength(3);
  });

  it('splits a big turn into batches of at most maxBatch, and a failed batch fails only its own callers', async () => {
    const { store, queries } = fakeStore(1000);
    const load = createCardLoader(store, { maxBatch: 100 });
    await Promise.all(Array.from({ length: 250 }, (_, i) => load('t1', String(i + 1))));
    expect(queries.map((q) => q.ids.length)).toEqual([100, 100, 50]);

    const broken = createCardLoader(fakeStore(10, true).store);
    const results = await Promise.allSettled([broken('t1', '1'), broken('t1', '2')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new Error('database gone'));
  });
});
