/**
 * The record card's answers, cached per tenant and contact: a rep opening records in a row reads the
 * store once per contact. A tenant's entries are dropped when its signals or written values change
 * (src/pipeline/events.ts) and when a person is erased (src/pipeline/privacy.ts): invalidation bumps the
 * tenant's generation, which every entry carries, so dropping a tenant costs nothing.
 *
 * The hooks are in-process: with several hosts a write on one does not reach the others' caches, and the
 * ttl is what bounds how stale a card served by another host can be.
 */
import { LRUCache } from 'lru-cache';
import type { ContactCardPayload } from '../../domain/card.ts';
import { onTenantWritten } from '../../pipeline/events.ts';
import { erasureHooks } from '../../pipeline/privacy.ts';

export const CARD_CACHE_MAX_ENTRIES = 10_000;
/** A backstop for caches on other hosts; the hooks invalidate this host's at once. */
export const CARD_CACHE_TTL_MS = 60_000;

export interface CardCache {
  /** The cached payload, or `load()`'s (kept unless an error: a contact not synced yet is looked up again). */
  get(tenantId: string, contactId: string, load: () => Promise<ContactCardPayload>): Promise<ContactCardPayload>;
  invalidate(tenantId: string): void;
  /** Unsubscribes from the hooks. */
  close(): void;
}

interface Entry {
  generation: number;
  payload: ContactCardPayload;
}

export function createCardCache(options: { max?: number; ttlMs?: number } = {}): CardCache {
  const entries = new LRUCache<string, Entry>({ max: options.max ?? CARD_CACHE_MAX_ENTRIES, ttl: options.ttlMs ?? CARD_CACHE_TTL_MS });
  const generations = new Map<string, number>();
  const generation = (tenantId: string) => generations.get(tenantId) ?? 0;
  const invalidate = (tenantId: string) => void generations.set(tenantId, generation(tenantId) + 1);
  const unsubscribe = [onTenantWritten(invalidate), erasureHooks.onErased((event) => invalidate(event.tenantId))];
  return {
    async get(tenantId, contactId, load) {
      // NUL cannot occur in either id (the store refuses it), so the key is unambiguous.
      const key = `${tenantId}\u0000${contactId}`;
      const hit = entries.get(key);
      if (hit && hit.generation === generation(tenantId)) return hit.payload;
      const before = generation(tenantId);
      const payload = await load();
      // A write that landed while loading makes this answer stale already: serve it, do not keep it.
      if (payload.status !== 'error' && generation(tenantId) === before) entries.set(key, { generation: before, payload });
      return payload;
    },
    invalidate,
    close: () => unsubscribe.forEach((off) => off()),
  };
}
