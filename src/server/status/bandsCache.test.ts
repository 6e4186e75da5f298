import { afterEach, describe, expect, it } from 'vitest';
import { tenantWritten } from '../../pipeline/events.ts';
import type { ScoreBand } from '../../pipeline/report.ts';
import { createBandsCache, type BandsCache } from './bandsCache.ts';

const bands = (count: number): ScoreBand[] => [{ from: 0, to: 9, count }];

/** A count that resolves when told to, counting its calls. */
function controlledCount() {
  const calls: Array<(b: ScoreBand[]) => void> = [];
  const count = () => new Promise<ScoreBand[]>((resolve) => calls.push(resolve));
  return { count, calls };
}

describe('bands cache', () => {
  let cache: BandsCache;
  afterEach(() => cache.close());

  it('shares one count among concurrent requests and answers later ones from memory', async () => {
    cache = createBandsCache();
    const { count, calls } = controlledCount();
    const answers = Array.from({ length: 200 }, () => cache.get('t1', count));
    expect(calls).toHaveLength(1);
    calls[0]!(bands(7));
    expect((await Promise.all(answers)).every((a) => a[0]!.count === 7)).toBe(true);
    expect((await cache.get('t1', count))[0]!.count).toBe(7);
    expect(calls).toHaveLength(1);
  });

  it('counts again after the tenant is written, and only for that tenant', async () => {
    cache = createBandsCache();
    let n = 0;
    const count = async () => bands(++n);
    expect((await cache.get('t1', count))[0]!.count).toBe(1);
    expect((await cache.get('t2', count))[0]!.count).toBe(2);
    tenantWritten('t1');
    expect((await cache.get('t1', count))[0]!.count).toBe(3);
    expect((await cache.get('t2', count))[0]!.count).toBe(2);
  });

  it('does not keep a count that a write overtook, nor a failed one', async () => {
    cache = createBandsCache();
    const { count, calls } = controlledCount();
    const first = cache.get('t1', count);
    tenantWritten('t1');
    // a request after the write does not wait for the stale count
    const second = cache.get('t1', count);
    expect(calls).toHaveLength(2);
    calls[0]!(bands(1));
    calls[1]!(bands(2));
    expect((await first)[0]!.count).toBe(1);
    expect((await second)[0]!.count).toBe(2);
    expect((await cache.get('t1', count))[0]!.count).toBe(2);

    await expect(cache.get('t3', () => Promise.reject(new Error('database gone')))).rejects.toThrow('database gone');
    expect((await cache.get('t3', async () => bands(9)))[0]!.count).toBe(9);
  });

  it('expires answers after its ttl (a write on another host)', async () => {
    cache = createBandsCache({ ttlMs: 20 });
    let n = 0;
    const count = async () => bands(++n);
    await cache.get('t1', count);
    await new Promise((r) => setTimeout(r, 40));
    expect((await cache.get('t1', count))[0]!.count).toBe(2);
  });
});
