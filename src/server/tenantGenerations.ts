/**
 * Per tenant, a count that moves whenever the tenant's derived data may be stale: its signals or written
 * values changed (src/pipeline/events.ts) or a person was erased (src/pipeline/privacy.ts). The caches of
 * derived answers (the record card, the score distribution) keep an entry only while its tenant's count
 * is the one it was read under, so dropping a tenant costs nothing.
 *
 * The hooks are in-process: a write on another host does not reach these counts, and each cache's ttl is
 * what bounds how stale its answers can be there.
 */
import { onTenantWritten } from '../pipeline/events.ts';
import { erasureHooks } from '../pipeline/privacy.ts';

export interface TenantGenerations {
  of(tenantId: string): number;
  /** Makes every entry read under the tenant's current count stale. */
  bump(tenantId: string): void;
  /** Unsubscribes from the hooks. */
  close(): void;
}

export function tenantGenerations(): TenantGenerations {
  const counts = new Map<string, number>();
  const of = (tenantId: string) => counts.get(tenantId) ?? 0;
  const bump = (tenantId: string) => void counts.set(tenantId, of(tenantId) + 1);
  const unsubscribe = [onTenantWritten(bump), erasureHooks.onErased((event) => bump(event.tenantId))];
  return { of, bump, close: () => unsubscribe.forEach((off) => off()) };
}
