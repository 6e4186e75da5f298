import { describe, expect, it } from 'vitest';
import { openStore } from '../store/index.ts';
import { createReadCache } from './readCache.ts';

describe('read cache', () => {
  it('shares one read among concurrent requests until the store writes', async () => {
    const store = await openStore({ inMemory: true, secret: 'read-cache-test-secret' });
    try {
      const cache = createReadCache(store);
      let reads = 0;
      const tenants = () => cache.get('tenants', async () => (reads++, store.listTenants()));
      await Promise.all(Array.from({ length: 50 }, tenants));
      expect(reads).toBe(1);
      expect(await tenants()).toEqual([]);
      expect(reads).toBe(1);
      // a write through this store is seen by the very next request
      await store.upsertTenant({ id: 't1', crm: 'hubspot', name: 'T1', mode: 'shadow', accountId: '1' });
      expect((await tenants()).map((t) => t.id)).toEqual(['t1']);
      expect(reads).toBe(2);
      // plain reads do not move the count
      const before = store.changes();
      await store.listRuns('t1', 10);
      await store.getTenant('t1');
      expect(store.changes()).toBe(before);
      await store.finishRun('t1', await store.startRun('t1', 'cycle'), 'succeeded', {});
      expect(store.changes()).toBeGreaterThan(before);
    } finally {
      await store.close();
    }
  });

  it('keeps no answer a write overtook, nor a failed one, and forgets answers after its ttl', async () => {
    let changes = 0;
    const cache = createReadCache({ changes: () => changes }, { ttlMs: 30 });
    let n = 0;
    const load = async () => ++n;
    expect(await cache.get('k', load)).toBe(1);
    changes++;
    expect(await cache.get('k', load)).toBe(2);
    expect(await cache.get('k', load)).toBe(2);
    await expect(cache.get('bad', () => Promise.reject(new Error('database gone')))).rejects.toThrow('database gone');
    expect(await cache.get('bad', load)).toBe(3);
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.get('k', load)).toBe(4);
  });

  it('a logout ends the session for the very next request', async () => {
    const store = await openStore({ inMemory: true, secret: 'read-cache-test-secret' });
    try {
      const cache = createReadCache(store);
      await store.saveSession('s1', { operator: true, tenantIds: [], label: 'op' }, 60_000);
      const session = () => cache.get('session s1', () => store.loadSession('s1'));
      expect(await session()).not.toBeNull();
      await store.deleteSession('s1');
      expect(await session()).toBeNull();
    } finally {
      await store.close();
    }
  });
});
