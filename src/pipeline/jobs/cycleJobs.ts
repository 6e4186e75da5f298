/**
 * The cycle and round job handlers on pg-boss. Every cycle job is sent with the tenant (or tenant group)
 * as singleton key on a `stately` queue: at most one queued and one running per key, so a round that
 * fires while a tenant's cycle still runs queues one more and no pile-up. The run lease (runLease.ts)
 * guards the same thing from the store's side, for a job pg-boss hands out again after it expired.
 *
 * A cycle that fails (its run reports 'failed', or it throws before starting one) fails the job, which
 * pg-boss retries with exponential backoff; each attempt's run carries `job: { id, attempt, attempts,
 * final }` beside its error, so the run row of the last attempt says why the job finally failed.
 */
import type PgBoss from 'pg-boss';
import type { CycleSummary } from '../cycle.ts';
import { quoteSchema, type Queryable } from '../../store/db.ts';
import { RunLeaseHeldError, type RunLease, type Store, type Tenant } from '../../store/types.ts';
import { budgetStatus } from './apiBudget.ts';
import { ensureQueue } from './bossDb.ts';
import { CYCLE_EXPIRE_SECONDS, CYCLE_QUEUE, CycleJobData, DEFAULT_RETRY, parseJobData, ROUND_QUEUE, RoundJobData, cronEvery, type RetryPolicy } from './queues.ts';

export interface CycleJobDeps {
  store: Store;
  /** Runs one cycle job's tenants: one tenant, or a group whose lead score is one model (see unit.ts). */
  runUnit(tenants: Tenant[], job: JobAttempt): Promise<CycleSummary[]>;
  /** What one round schedules: one cycle job per entry. */
  units(): Promise<string[][]>;
  log(message: string): void;
  retry?: RetryPolicy;
  /** Cycle jobs this process runs at the same time (each on another tenant). Default 1. */
  concurrency?: number;
  /** Whether this process also runs round jobs (fans them out); a one-off run does not. Default true. */
  rounds?: boolean;
  /** The clock of the daily API budget's UTC day (tests); the system clock by default. */
  now?: () => Date;
}

export interface JobAttempt {
  id: string;
  /** 1 for the first attempt. */
  attempt: number;
  attempts: number;
  round: string | null;
  /** No retry follows if this attempt fails. */
  final: boolean;
}

/** What a finished cycle job leaves as its pg-boss output. */
export interface CycleJobOutput {
  runs: Array<{ tenantId: string; runId: number; status: CycleSummary['status']; disconnected?: string }>;
  /** Tenants of the job that were disconnected when it started: their cycle did not run. */
  skipped: string[];
  /** Set when the job did not run because a tenant's daily API budget is used up (the unit waits for it). */
  paused?: PausedTenant[];
}

/** A tenant whose daily API budget is used up: no cycle of it starts before `resumesAt`. */
export interface PausedTenant {
  tenantId: string;
  budget: number;
  calls: number;
  resumesAt: string;
}

/**
 * The tenants among these whose budget for today is used up. A unit waits as a whole: a linked unit
 * trains one model across its CRMs, which a cycle of only some of them would not.
 */
export async function pausedByBudget(store: Store, tenantIds: readonly string[], at: Date): Promise<PausedTenant[]> {
  const out: PausedTenant[] = [];
  for (const tenantId of tenantIds) {
    const status = await budgetStatus(store, tenantId, at);
    if (status.exhausted) out.push({ tenantId, budget: status.budget!, calls: status.calls, resumesAt: status.resumesAt! });
  }
  return out;
}

const pausedLine = (paused: PausedTenant[]) => paused.map((p) => `${p.tenantId} (${p.calls} of ${p.budget} calls used; resumes at ${p.resumesAt})`).join(', ');

export const unitKey = (tenantIds: readonly string[]): string => [...tenantIds].sort().join('+');

function sendOptions(tenantIds: readonly string[], retry: RetryPolicy): PgBoss.SendOptions {
  return { singletonKey: unitKey(tenantIds), retryLimit: retry.limit, retryDelay: retry.delaySeconds, retryBackoff: true, expireInSeconds: CYCLE_EXPIRE_SECONDS };
}

/** Both queues (idempotent: every process may create them). */
export async function createQueues(boss: PgBoss, retry: RetryPolicy = DEFAULT_RETRY): Promise<void> {
  await ensureQueue(boss, CYCLE_QUEUE, { policy: 'stately', retryLimit: retry.limit, retryDelay: retry.delaySeconds, retryBackoff: true });
  await ensureQueue(boss, ROUND_QUEUE, { policy: 'stately' });
}

/** Creates the queues and subscribes this process to them. */
export async function registerCycleJobs(boss: PgBoss, deps: CycleJobDeps): Promise<void> {
  await createQueues(boss, deps.retry);
  const poll = { pollingIntervalSeconds: 0.5, batchSize: 1, includeMetadata: true as const };
  for (let i = 0; i < Math.max(1, deps.concurrency ?? 1); i++) {
    await boss.work<unknown>(CYCLE_QUEUE, poll, async ([job]) => (job ? runCycleJob(deps, job) : undefined));
  }
  if (deps.rounds === false) return;
  await boss.work<unknown>(ROUND_QUEUE, poll, async ([job]) => {
    if (!job) return undefined;
    const { round } = parseJobData(RoundJobData, ROUND_QUEUE, job.id, job.data);
    return sendRound(boss, deps, round ?? job.id);
  });
}

async function runCycleJob(deps: CycleJobDeps, job: PgBoss.JobWithMetadata<unknown>): Promise<CycleJobOutput> {
  const { store, log } = deps;
  const data = parseJobData(CycleJobData, CYCLE_QUEUE, job.id, job.data);
  const attempt: JobAttempt = {
    id: job.id,
    attempt: job.retryCount + 1,
    attempts: job.retryLimit + 1,
    round: data.round ?? null,
    final: job.retryCount >= job.retryLimit,
  };
  const tenants: Tenant[] = [];
  const skipped: string[] = [];
  for (const id of data.tenantIds) {
    const tenant = await store.getTenant(id);
    if (!tenant) throw new Error(`${CYCLE_QUEUE} job ${job.id}: no tenant ${id}`);
    // Disconnected (uninstalled, token refused): no tokens are kept and the CRM must not be called.
    if (tenant.status === 'disconnected') skipped.push(id);
    else tenants.push(tenant);
  }
  if (skipped.length > 0) log(`cycle job ${job.id}: skipping disconnected tenant(s) ${skipped.join(', ')}`);
  if (tenants.length === 0) return { runs: [], skipped };
  // Queued before the budget ran out (a round, a webhook, an install): it waits like a round would.
  const paused = await pausedByBudget(store, tenants.map((t) => t.id), deps.now?.() ?? new Date());
  if (paused.length > 0) {
    log(`cycle job ${job.id}: daily API budget used up for ${pausedLine(paused)}; not started`);
    return { runs: [], skipped, paused };
  }
  let summaries: CycleSummary[];
  try {
    summaries = await deps.runUnit(tenants, attempt);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // A busy tenant's live run is the one that counts: no failed run row for this attempt.
    if (!(error instanceof RunLeaseHeldError)) {
      for (const t of tenants) await store.recordFailedRun(t.id, 'cycle', { tenantId: t.id, status: 'failed', error: reason, job: attempt });
    }
    log(`cycle job ${job.id} (${unitKey(data.tenantIds)}) attempt ${attempt.attempt}/${attempt.attempts} failed: ${reason}`);
    throw error;
  }
  for (const s of summaries) await store.annotateRun(s.tenantId, s.runId, { job: attempt });
  // A cycle that disconnected its tenant (the CRM refused our refresh token) is final: a retry cannot help.
  for (const s of summaries) if (s.disconnected) log(`tenant ${s.tenantId} disconnected: ${s.disconnected}`);
  const failed = summaries.filter((s) => s.status === 'failed' && !s.disconnected);
  if (failed.length > 0) {
    const reason = failed.map((s) => `${s.tenantId} run #${s.runId}: ${s.error ?? 'failed'}`).join('; ');
    log(`cycle job ${job.id} attempt ${attempt.attempt}/${attempt.attempts} failed: ${reason}`);
    throw new Error(reason);
  }
  return { runs: summaries.map((s) => ({ tenantId: s.tenantId, runId: s.runId, status: s.status, ...(s.disconnected ? { disconnected: s.disconnected } : {}) })), skipped };
}

export interface RoundSent {
  round: string;
  /** Cycle job ids by unit key. */
  sent: Record<string, string>;
  /** Units whose previous job is still queued (the stately queue keeps one). */
  skipped: string[];
  /** Units not sent because a tenant's daily API budget is used up, by unit key (present only when there are any). */
  paused?: Record<string, PausedTenant[]>;
}

/**
 * One cycle job per unit, leaving out disconnected tenants (uninstalled: nothing may call their CRM).
 * Used by the round job and by a one-off run (`--once`).
 */
export async function sendRound(
  boss: PgBoss,
  deps: Pick<CycleJobDeps, 'store' | 'units' | 'retry'> & Partial<Pick<CycleJobDeps, 'now' | 'log'>>,
  round: string,
  retry?: RetryPolicy,
): Promise<RoundSent> {
  const policy = retry ?? deps.retry ?? DEFAULT_RETRY;
  const out: RoundSent = { round, sent: {}, skipped: [] };
  const at = deps.now?.() ?? new Date();
  for (const tenantIds of await connectedUnits(deps.store, await deps.units())) {
    const paused = await pausedByBudget(deps.store, tenantIds, at);
    if (paused.length > 0) {
      (out.paused ??= {})[unitKey(tenantIds)] = paused;
      deps.log?.(`round ${round}: daily API budget used up for ${pausedLine(paused)}; no cycle sent`);
      continue;
    }
    const id = await sendCycle(boss, tenantIds, round, policy);
    if (id) out.sent[unitKey(tenantIds)] = id;
    else out.skipped.push(unitKey(tenantIds));
  }
  return out;
}

/**
 * One cycle job for these tenants now (e.g. a new install's first sync); null when one is already queued
 * for them (the stately queue keeps one queued per unit, and that one will sync as well).
 */
export async function sendCycle(boss: PgBoss, tenantIds: readonly string[], round: string, retry: RetryPolicy = DEFAULT_RETRY): Promise<string | null> {
  const data: CycleJobData = { tenantIds: [...tenantIds], round };
  return boss.send(CYCLE_QUEUE, data, sendOptions(tenantIds, retry));
}

/** A round's units without disconnected tenants (a unit left empty is dropped). */
export async function connectedUnits(store: Store, units: string[][]): Promise<string[][]> {
  const connected = new Set((await store.listTenants()).filter((t) => t.status === 'connected').map((t) => t.id));
  return units.map((unit) => unit.filter((id) => connected.has(id))).filter((unit) => unit.length > 0);
}

/**
 * Cancels the tenant's cycle jobs that have not started (queued or waiting for a retry), alone or in a
 * linked unit. A running one is left to end on its own: it sees the tenant disconnected at its next start.
 */
export async function cancelQueuedCycleJobs(boss: PgBoss, db: Queryable, schema: string, tenantId: string): Promise<string[]> {
  return cancelCycleJobsWhere(boss, db, schema, `j.state IN ('created', 'retry') AND j.data->'tenantIds' ? $2`, [tenantId]);
}

/**
 * Cancels the cycle jobs matching `where` (over pg-boss's job table as `j`; $1 is the queue's name, the
 * params follow). pg-boss 10 has no API listing jobs by state or payload: its job table is read (schema
 * pinned with pg-boss 10.4.2).
 */
async function cancelCycleJobsWhere(boss: PgBoss, db: Queryable, schema: string, where: string, params: unknown[] = []): Promise<string[]> {
  const { rows } = await db.query(`SELECT j.id FROM ${quoteSchema(schema)}.job j WHERE j.name = $1 AND ${where}`, [CYCLE_QUEUE, ...params]);
  const ids = rows.map((r) => String(r.id));
  if (ids.length > 0) await boss.cancel(CYCLE_QUEUE, ids);
  return ids;
}

/** Rounds on pg-boss cron (one schedule for the whole service: every process may set it, pg-boss fires it once). Needs the queues. */
export async function scheduleRounds(boss: PgBoss, everyMinutes: number): Promise<void> {
  await boss.schedule(ROUND_QUEUE, cronEvery(everyMinutes), {});
}

/** Starts a round now (outside the schedule). */
export async function triggerRound(boss: PgBoss, round?: string): Promise<string | null> {
  return boss.send(ROUND_QUEUE, round ? { round } : {});
}

export type JobEnd = { id: string; state: 'completed' | 'failed' | 'cancelled'; output: unknown };

/** Waits until each job completed, failed for good or was cancelled. */
export async function waitForJobs(boss: PgBoss, queue: string, ids: string[], pollMs = 250): Promise<JobEnd[]> {
  const ends = new Map<string, JobEnd>();
  while (ends.size < ids.length) {
    for (const id of ids) {
      if (ends.has(id)) continue;
      const job = await boss.getJobById(queue, id, { includeArchive: true });
      if (!job) throw new Error(`job ${id} of ${queue} is gone`);
      if (job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled') ends.set(id, { id, state: job.state, output: job.output });
    }
    if (ends.size < ids.length) await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return ids.map((id) => ends.get(id)!);
}

/**
 * Cancels the cycle jobs pg-boss still counts as running. Only for a database no other process uses
 * (the embedded PGlite store): there, a job left active belongs to a process that is gone, and would keep
 * its tenant's next job waiting until it expires. Its run is marked interrupted by the next run's lease.
 */
export async function cancelOrphanedCycleJobs(boss: PgBoss, db: Queryable, schema: string): Promise<string[]> {
  return cancelCycleJobsWhere(boss, db, schema, `j.state = 'active'`);
}

/** How often a worker looks for cycle jobs whose process is gone (startJobs). */
export const ABANDONED_SCAN_MS = 30_000;

/**
 * Cancels the cycle jobs pg-boss counts as running whose process is gone, on a database other processes
 * share. pg-boss 10 has no job heartbeat: a worker killed mid-cycle (OOM, SIGKILL on a deploy) would leave
 * its job active until it expires (CYCLE_EXPIRE_SECONDS, an hour), and its tenants' next cycles queued
 * behind it. The run lease is the heartbeat we have: a job is abandoned when it started more than
 * `graceMs` ago (its first run may not have started yet) and none of its tenants has a running run whose
 * lease is live, not counting a run of this worker's own slot from an earlier instance (the same worker
 * restarted: its runs are dead at once, as the run lease itself rules). The job is cancelled, not failed:
 * the next round runs its tenants again, and their interrupted runs are closed by the next run's lease.
 */
export async function cancelAbandonedCycleJobs(boss: PgBoss, db: Queryable, schema: string, options: { graceMs: number; lease?: RunLease }): Promise<string[]> {
  return cancelCycleJobsWhere(
    boss,
    db,
    schema,
    `j.state = 'active' AND j.started_on < now() - $2::int * interval '1 millisecond'
     AND NOT EXISTS (
       SELECT 1 FROM runs r
       WHERE r.status = 'running' AND r.lease_expires_at > now()
         AND r.tenant_id IN (SELECT jsonb_array_elements_text(j.data->'tenantIds'))
         AND ($3::text IS NULL OR r.lease_owner IS DISTINCT FROM $3::text OR r.lease_instance = $4::text))`,
    [Math.max(0, Math.round(options.graceMs)), options.lease?.owner ?? null, options.lease?.instance ?? null],
  );
}
