/**
 * The score distribution of each tenant, cached: the status page and /api/status show it on every
 * request, and at a million contacts counting it costs a pass over the signals table. Concurrent requests
 * for one tenant share one count (200 admins refreshing at once cost one query), an answer is kept under
 * its tenant's generation (../tenantGenerations.ts: until the tenant's signals change or a person is
 * erased), and the ttl bounds how old it can be when the write happened on another host.
 */
import { LRUCache } from 'lru-cache';
import type { ScoreBand } from '../../pipeline/report.ts';
import { tenantGenerations } from '../tenantGenerations.ts';

export const BANDS_CACHE_TTL_MS = 15_000;

export interface BandsCache {
  get(tenantId: string, count: () => Promise<ScoreBand[]>): Promise<ScoreBand[]>;
  invalidate(tenantId: string): void;
  close(): void;
}

export function createBandsCache(options: { max?: number; ttlMs?: number } = {}): BandsCache {
  const entries = new LRUCache<string, { generation: number; bands: ScoreBand[] }>({ max: options.max ?? 1_000, ttl: options.ttlMs ?? BANDS_CACHE_TTL_MS });
  const inFlight = new Map<string, { generation: number; promise: Promise<ScoreBand[]> }>();
  const generations = tenantGenerations();
  const generation = generations.of;
  return {
    get(tenantId, count) {
      const now = generation(tenantId);
      const hit = entries.get(tenantId);
      if (hit && hit.generation === now) return Promise.resolve(hit.bands);
      const pending = inFlight.get(tenantId);
      if (pending && pending.generation === now) return pending.promise;
      const promise = count().then(
        (bands) => {
          // kept only if no write landed while counting (that answer may already be stale)
          if (generation(tenantId) === now) entries.set(tenantId, { generation: now, bands });
          return bands;
        },
      ).finally(() => {
        if (inFlight.get(tenantId)?.promise === promise) inFlight.delete(tenantId);
      });
      inFlight.set(tenantId, { generation: now, promise });
      return promise;
    },
    invalidate: generations.bump,
    close: generations.close,
  };
}
