/**
 * A cycle's run holds a lease while it runs: started through the store (which marks interrupted only the
 * tenant's runs whose lease expired) and extended by a heartbeat until the run finishes. A process that
 * dies stops renewing, so its runs become interruptible one ttl later and never earlier.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RunLease, RunRow, Store } from '../../store/types.ts';
import type { RunProgressSink } from '../context.ts';

export interface LeaseSettings extends RunLease {
  /** How often the lease is extended while the run is running; well under ttlMs. */
  heartbeatMs: number;
}

/** Runs outlive a missed heartbeat or two: a long GC pause or a slow query must not cost the lease. */
export const DEFAULT_LEASE_TTL_MS = 60_000;
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** This process as a lease holder; `owner` stays the same when the same worker slot restarts (same host and pid). */
export function processLease(owner = `${hostname()}:${process.pid}`): LeaseSettings {
  return { owner, instance: randomUUID(), ttlMs: DEFAULT_LEASE_TTL_MS, heartbeatMs: DEFAULT_HEARTBEAT_MS };
}

/** Contexts that bring no lease share one for the whole process. */
let processDefault: LeaseSettings | null = null;
function defaultLease(): LeaseSettings {
  processDefault ??= processLease();
  return processDefault;
}

export interface LeasedRun {
  runId: number;
  /** Stops the heartbeat and records the run's outcome. */
  finish(status: RunRow['status'], summary: Record<string, unknown>): Promise<void>;
}

export async function startLeasedRun(
  ctx: { store: Store; tenant: { id: string }; lease?: LeaseSettings; log: (message: string) => void; runProgress?: RunProgressSink },
  kind: string,
): Promise<LeasedRun> {
  const lease = ctx.lease ?? defaultLease();
  const { store, tenant } = ctx;
  const { runId, interrupted } = await store.startLeasedRun(tenant.id, kind, lease);
  if (interrupted.length) ctx.log(`marked interrupted (their process stopped): run #${interrupted.join(', #')} of ${tenant.id}`);
  let lost = false;
  const heartbeat = setInterval(() => {
    store.renewRunLease(tenant.id, runId, lease).then(
      (held) => {
        if (!held && !lost) {
          lost = true;
          ctx.log(`run #${runId} of ${tenant.id} lost its lease (another process took the tenant over)`);
        }
      },
      (error: unknown) => ctx.log(`run #${runId} of ${tenant.id}: lease heartbeat failed: ${(error as Error).message}`),
    );
  }, lease.heartbeatMs);
  // The heartbeat alone must not keep a finished process alive.
  heartbeat.unref();
  ctx.runProgress?.started(runId);
  return {
    runId,
    async finish(status, summary) {
      clearInterval(heartbeat);
      await ctx.runProgress?.ended();
      await store.finishRun(tenant.id, runId, status, summary);
    },
  };
}
