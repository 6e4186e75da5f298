/**
 * Short-lived answers of the store reads every request makes (the admin's session, the tenant list and
 * their newest runs, the tenant a HubSpot portal id belongs to), shared by concurrent requests: under
 * load a route then answers from memory instead of queueing for the database.
 *
 * An answer is kept while the store has not written since it was asked (`store.changes()`), so a write
 * made through this process (a logout, an install, a run starting or ending) is seen by the very next
 * request. Writes by other processes on the same database are not seen until the ttl ends: that is the
 * staleness a multi-host deployment accepts for these routes (2 s by default).
 */
import { LRUCache } from 'lru-cache';
import type { Store } from '../store/types.ts';

export const READ_CACHE_TTL_MS = 2_000;

export interface ReadCache {
  /** `load()`'s answer, or the one a request since the store's last write already has (or is waiting for). */
  get<T>(key: string, load: () => Promise<T>): Promise<T>;
}

export function createReadCache(store: Pick<Store, 'changes'>, options: { ttlMs?: number; max?: number } = {}): ReadCache {
  const entries = new LRUCache<string, { changes: number; answer: Promise<unknown> }>({ max: options.max ?? 10_000, ttl: options.ttlMs ?? READ_CACHE_TTL_MS });
  return {
    get<T>(key: string, load: () => Promise<T>): Promise<T> {
      const changes = store.changes();
      const hit = entries.get(key);
      if (hit && hit.changes === changes) return hit.answer as Promise<T>;
      const answer = load();
      entries.set(key, { changes, answer });
      // a failed read is not kept: the next request asks the store again
      answer.catch(() => {
        if (entries.get(key)?.answer === answer) entries.delete(key);
      });
      return answer;
    },
  };
}
