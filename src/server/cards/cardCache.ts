/**
 * The record card's answers, cached per tenant and contact: a rep opening records in a row reads the
 * store once per contact. An entry is kept only under its tenant's generation (../tenantGenerations.ts:
 * moved by signal or written-value changes and by erasures), and the ttl bounds how stale a card served
 * after a write on another host can be.
 */
import { LRUCache } from 'lru-cache';
import type { ContactCardPayload } from '../../domain/card.ts';
import { tenantGenerations } from '../tenantGenerations.ts';

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
  const generations = tenantGenerations();
  const generation = generations.of;
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
    invalidate: generations.bump,
    close: generations.close,
  };
}
