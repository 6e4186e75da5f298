/**
 * "A tenant's stored signals or written values changed": fired by the cycle (after its signal stages
 * saved signals and after write-back completed outbox items), by the webhook job (records forgotten or
 * merged) and heard by caches of derived data, the record card's cache above all.
 *
 * In-process only. With several hosts, a write on one host does not reach another host's cache: there
 * the cache's ttl bounds how stale a card can be (src/server/cards/cardCache.ts).
 */
export type TenantWrittenListener = (tenantId: string) => void;

const listeners = new Set<TenantWrittenListener>();

/** Returns the unsubscribe function. */
export function onTenantWritten(listener: TenantWrittenListener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** Tells every listener; a listener that throws does not keep the others (or the writer) from going on. */
export function tenantWritten(tenantId: string): void {
  for (const listener of [...listeners]) {
    try {
      listener(tenantId);
    } catch {
      // A cache that cannot drop an entry still expires it (ttl); the write itself succeeded.
    }
  }
}
