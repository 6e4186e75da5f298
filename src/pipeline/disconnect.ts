/**
 * Disconnecting a tenant: the app was uninstalled (HubSpot's app-lifecycle event), or the CRM refused or
 * revoked our refresh token. The tenant is marked disconnected with a reason its admin can act on, its
 * tokens are deleted (one transaction, Store.disconnectTenant), and its queued cycle jobs are cancelled
 * when the caller has the job queue at hand. A cycle job that still starts for it ends without touching
 * the CRM (cycleJobs.ts), so cancelling is a saving, not what keeps the CRM untouched.
 */
import type { Store } from '../store/types.ts';

export interface DisconnectJobs {
  /** Cancels the tenant's cycle jobs that have not started; returns how many. */
  cancelQueued(tenantId: string): Promise<number>;
}

export interface Disconnected {
  /** False when the tenant was already disconnected (the first reason stays) or does not exist. */
  changed: boolean;
  cancelledJobs: number;
}

export async function disconnect(store: Store, tenantId: string, reason: string, jobs?: DisconnectJobs): Promise<Disconnected> {
  const text = reason.trim();
  if (text === '') throw new Error(`disconnecting tenant ${tenantId} needs a reason its admin can read`);
  const changed = await store.disconnectTenant(tenantId, text);
  const cancelledJobs = jobs ? await jobs.cancelQueued(tenantId) : 0;
  return { changed, cancelledJobs };
}
