/**
 * The cycle jobs on one engine: jobs.test.ts runs it on PGlite (through the executeSql adapter) and, when
 * TEST_DATABASE_URL is set, on a PostgreSQL server. The cycles are cheap injected ones that hold a real
 * run lease, so what is tested is the queue: fan-out per round, one job per tenant at a time, retries
 * with backoff and the failure's reason on the run row.
 */
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleSummary } from '../../src/pipeline/cycle.ts';
import {
  CYCLE_QUEUE,
  ROUND_QUEUE,
  cancelAbandonedCycleJobs,
  createQueues,
  openBoss,
  processLease,
  registerCycleJobs,
  scheduleRounds,
  sendRound,
  startLeasedRun,
  triggerRound,
  waitForJobs,
  type CycleJobDeps,
} from '../../src/pipeline/jobs/index.ts';
import { quoteSchema } from '../../src/store/db.ts';
import type { OpenedStore } from '../../src/store/index.ts';
import type { RunRow, Store, Tenant } from '../../src/store/types.ts';

export interface JobTarget {
  opened: OpenedStore;
  bossSchema: string;
  cleanup?: () => Promise<void>;
}

/** A cycle that only starts and finishes a leased run, recording which round it belonged to. */
export function cheapCycle(store: Store, outcome: (tenant: Tenant) => 'succeeded' | 'failed' | 'throw' = () => 'succeeded'): CycleJobDeps['runUnit'] {
  const lease = processLease(`test:${randomUUID()}`);
  return async (tenants, job) => {
    const out: CycleSummary[] = [];
    for (const tenant of tenants) {
      const result = outcome(tenant);
      if (result === 'throw') throw new Error(`the CRM of ${tenant.id} exploded`);
      const run = await startLeasedRun({ store, tenant, lease, log: () => undefined }, 'cycle');
      const error = result === 'failed' ? 'connection: token revoked' : null;
      await run.finish(result, { round: job.round, error });
      out.push({ runId: run.runId, tenantId: tenant.id, status: result, error } as CycleSummary);
    }
    return out;
  };
}

export async function untilRuns(store: Store, tenantId: string, count: number, done: (r: RunRow) => boolean = (r) => r.status !== 'running'): Promise<RunRow[]> {
  for (;;) {
    const runs = await store.listRuns(tenantId, 100);
    if (runs.filter(done).length >= count) return runs;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function defineJobSuite(label: string, open: () => Promise<JobTarget>): void {
  describe(label, () => {
    let target: JobTarget;
    let store: Store;
    const bosses: PgBoss[] = [];

    beforeAll(async () => {
      target = await open();
      store = target.opened.store;
    });

    afterAll(async () => {
      if (!target) return;
      for (const boss of bosses) await boss.stop({ graceful: false, wait: true });
      try {
        await target.cleanup?.();
      } finally {
        await store.close();
      }
    });

    async function tenants(n: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = `t-${randomUUID()}`;
        await store.upsertTenant({ id, crm: 'hubspot', name: id, mode: 'live', accountId: null });
        ids.push(id);
      }
      return ids;
    }

    /** A queue of its own per test: jobs of one test never reach another test's handlers. */
    async function worker(deps: Omit<CycleJobDeps, 'store' | 'log'>, schema = `${target.bossSchema}_${randomUUID().slice(0, 8)}`): Promise<PgBoss> {
      const boss = await openBoss(target.opened.db, { schema, schedule: false, supervise: false });
      bosses.push(boss);
      await registerCycleJobs(boss, { store, log: () => undefined, ...deps });
      return boss;
    }

    it('a round sends one cycle job per tenant; each runs once and its run names the job', async () => {
      const ids = await tenants(3);
      const boss = await worker({ units: async () => ids.map((id) => [id]), runUnit: cheapCycle(store) });
      for (const round of ['r1', 'r2']) {
        await triggerRound(boss, round);
        for (const id of ids) await untilRuns(store, id, 1, (r) => r.summary.round === round && r.summary.job !== undefined);
      }
      for (const id of ids) {
        const runs = await store.listRuns(id, 10);
        expect(runs.map((r) => [r.status, r.summary.round])).toEqual([
          ['succeeded', 'r2'],
          ['succeeded', 'r1'],
        ]);
        expect(runs[0]?.summary.job).toMatchObject({ attempt: 1, attempts: 4, round: 'r2', final: false });
      }
    });

    it('runs as many tenants side by side as its concurrency, each once per round', async () => {
      const ids = await tenants(6);
      const inner = cheapCycle(store);
      let running = 0;
      let most = 0;
      const started: string[] = [];
      const runUnit: CycleJobDeps['runUnit'] = async (unit, job) => {
        running++;
        most = Math.max(most, running);
        started.push(unit[0]!.id);
        // long enough for the other jobs of the round to be fetched while this one runs
        await new Promise((r) => setTimeout(r, 600));
        try {
          return await inner(unit, job);
        } finally {
          running--;
        }
      };
      const boss = await worker({ units: async () => ids.map((id) => [id]), runUnit, concurrency: 3 });
      await triggerRound(boss, 'parallel');
      for (const id of ids) await untilRuns(store, id, 1, (r) => r.summary.round === 'parallel');
      expect(most).toBe(3);
      expect([...started].sort()).toEqual([...ids].sort());
    });

    it('never queues a second cycle of a tenant while one is waiting', async () => {
      const [id] = await tenants(1);
      // No worker: the first job stays queued.
      const boss = await openBoss(target.opened.db, { schema: `${target.bossSchema}_idle`, schedule: false, supervise: false });
      bosses.push(boss);
      await createQueues(boss);
      const units = { store, units: async () => [[id!]] };
      const first = await sendRound(boss, units, 'a');
      const second = await sendRound(boss, units, 'b');
      expect(Object.keys(first.sent)).toEqual([id]);
      expect(second).toEqual({ round: 'b', sent: {}, skipped: [id] });
    });

    it('cancels a cycle job left running by a worker that is gone: no live run lease among its tenants, or only an earlier instance of this worker', async () => {
      const [gone, live, fresh, restarted] = await tenants(4);
      const schema = `${target.bossSchema}_reap`;
      const boss = await openBoss(target.opened.db, { schema, schedule: false, supervise: false });
      bosses.push(boss);
      await createQueues(boss);
      const round = await sendRound(boss, { store, units: async () => [[gone!], [live!], [fresh!], [restarted!]] }, 'killed');
      const job = (tenantId: string) => round.sent[tenantId]!;
      // Fetched and never finished: what a worker killed mid-cycle leaves behind.
      expect(await boss.fetch(CYCLE_QUEUE, { batchSize: 10 })).toHaveLength(4);
      await target.opened.db.query(`UPDATE ${quoteSchema(schema)}.job SET started_on = now() - interval '5 minutes' WHERE id = ANY($1::uuid[])`, [[job(gone!), job(live!), job(restarted!)]]);
      const log = () => undefined;
      const me = processLease('this-worker');
      const runs = [
        // Another worker is still running `live` (its lease is renewed); `restarted` was this worker's slot before a restart.
        await startLeasedRun({ store, tenant: { id: live! }, lease: processLease('another-worker'), log }, 'cycle'),
        await startLeasedRun({ store, tenant: { id: restarted! }, lease: { ...me, instance: randomUUID() }, log }, 'cycle'),
      ];
      try {
        // Another process does not know the earlier instance is gone: its run's live lease keeps the job.
        expect((await cancelAbandonedCycleJobs(boss, target.opened.db, schema, { graceMs: 60_000 })).sort()).toEqual([job(gone!)]);
        expect((await cancelAbandonedCycleJobs(boss, target.opened.db, schema, { graceMs: 60_000, lease: me })).sort()).toEqual([job(restarted!)]);
        const states = async () => Object.fromEntries(await Promise.all([gone!, live!, fresh!, restarted!].map(async (t) => [t, (await boss.getJobById(CYCLE_QUEUE, job(t)))?.state])));
        expect(await states()).toEqual({ [gone!]: 'cancelled', [live!]: 'active', [fresh!]: 'active', [restarted!]: 'cancelled' });
        // Within the grace a job may not have started its first run yet: it is kept.
        expect(await cancelAbandonedCycleJobs(boss, target.opened.db, schema, { graceMs: 10 * 60_000 })).toEqual([]);
      } finally {
        for (const run of runs) await run.finish('interrupted', {});
      }
    });

    it('a round leaves out disconnected tenants: no job is queued for an uninstalled account', async () => {
      const [connected, gone] = await tenants(2);
      await store.disconnectTenant(gone!, 'uninstalled in a test');
      const boss = await openBoss(target.opened.db, { schema: `${target.bossSchema}_gone`, schedule: false, supervise: false });
      bosses.push(boss);
      await createQueues(boss);
      const round = await sendRound(boss, { store, units: async () => [[connected!], [gone!], [connected!, gone!]] }, 'r');
      expect(Object.keys(round.sent).sort()).toEqual([connected!]);
      expect(round.skipped).toEqual([connected!]);
    });

    it('a cycle that throws is retried with backoff; when it finally fails its reason is on the run row', async () => {
      const [id] = await tenants(1);
      const boss = await worker({ units: async () => [[id!]], runUnit: cheapCycle(store, () => 'throw'), retry: { limit: 2, delaySeconds: 1 } });
      const round = await sendRound(boss, { store, units: async () => [[id!]], retry: { limit: 2, delaySeconds: 1 } }, 'failing');
      const [end] = await waitForJobs(boss, CYCLE_QUEUE, Object.values(round.sent));
      expect(end?.state).toBe('failed');
      const job = await boss.getJobById(CYCLE_QUEUE, end!.id, { includeArchive: true });
      expect(job).toMatchObject({ retryLimit: 2, retryCount: 2, retryDelay: 1, retryBackoff: true });
      expect((end?.output as { message: string }).message).toBe(`the CRM of ${id} exploded`);
      const runs = await store.listRuns(id!, 10);
      expect(runs.map((r) => [r.status, r.summary.error, (r.summary.job as { attempt: number; final: boolean }).attempt, (r.summary.job as { final: boolean }).final])).toEqual([
        ['failed', `the CRM of ${id} exploded`, 3, true],
        ['failed', `the CRM of ${id} exploded`, 2, false],
        ['failed', `the CRM of ${id} exploded`, 1, false],
      ]);
    });

    it('a cycle whose run failed fails its job: the run keeps the error and the attempt', async () => {
      const [id] = await tenants(1);
      const boss = await worker({ units: async () => [[id!]], runUnit: cheapCycle(store, () => 'failed'), retry: { limit: 0, delaySeconds: 1 } });
      const round = await sendRound(boss, { store, units: async () => [[id!]], retry: { limit: 0, delaySeconds: 1 } }, 'once');
      const [end] = await waitForJobs(boss, CYCLE_QUEUE, Object.values(round.sent));
      expect(end?.state).toBe('failed');
      const [run] = await store.listRuns(id!, 10);
      expect((end?.output as { message: string }).message).toBe(`${id} run #${run?.id}: connection: token revoked`);
      expect(run).toMatchObject({ status: 'failed', summary: { error: 'connection: token revoked', job: { attempt: 1, attempts: 1, final: true } } });
    });

    it('a job with a bad payload fails naming the field', async () => {
      const boss = await worker({ units: async () => [], runUnit: cheapCycle(store) });
      const id = await boss.send(CYCLE_QUEUE, { tenantIds: [] }, { retryLimit: 0 });
      const [end] = await waitForJobs(boss, CYCLE_QUEUE, [id!]);
      expect(end?.state).toBe('failed');
      expect((end?.output as { message: string }).message).toMatch(new RegExp(`${CYCLE_QUEUE} job ${id} has an invalid payload: tenantIds: `));
    });

    it('rounds are a pg-boss cron schedule', async () => {
      const boss = await worker({ units: async () => [], runUnit: cheapCycle(store) });
      await scheduleRounds(boss, 15);
      expect((await boss.getSchedules()).map((s) => [s.name, s.cron])).toEqual([[ROUND_QUEUE, '*/15 * * * *']]);
    });
  });
}
