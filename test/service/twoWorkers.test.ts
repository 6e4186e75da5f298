/**
 * Two worker processes on one PostgreSQL server (TEST_DATABASE_URL), 10 tenants, 3 rounds sent as the
 * schedule sends them (round jobs that fan out one cycle job per tenant): every tenant is cycled exactly
 * once per round, no run is marked interrupted, and both workers take part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CYCLE_QUEUE, createQueues, openBoss, triggerRound } from '../../src/pipeline/jobs/index.ts';
import { openStoreWithDb, type OpenedStore } from '../../src/store/index.ts';
import { untilRuns } from './jobSuite.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const databaseUrl = process.env.TEST_DATABASE_URL ?? '';
if (!databaseUrl) console.warn('[two workers] TEST_DATABASE_URL is not set: the two-worker-process test is skipped (.ci/run sets it)');

const schema = `test_workers_${randomBytes(6).toString('hex')}`;
const bossSchema = `${schema}_boss`;
const TENANTS = Array.from({ length: 10 }, (_, i) => `tenant-${String(i).padStart(2, '0')}`);

function startWorkerProcess(id: string): Promise<{ child: ChildProcess; stderr: () => string }> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, CRM_SIGNALS_WORKER_ID: id, CRM_SIGNALS_SECRET: 'two-workers-test-secret' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/service/workerProcess.ts', '--store-schema', schema, '--boss-schema', bossSchema], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve({ child, stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`worker ${id} exited with ${code} before it was ready: ${stderr}`)));
  });
}

describe.skipIf(!databaseUrl)('two worker processes on one PostgreSQL server', () => {
  let opened: OpenedStore;
  let boss: PgBoss;
  const workers: Array<{ child: ChildProcess; stderr: () => string }> = [];

  beforeAll(async () => {
    // The store and the queue exist before the workers start, as after a deployment's migration.
    opened = await openStoreWithDb({ databaseUrl, schema, secret: 'two-workers-test-secret' });
    for (const id of TENANTS) await opened.store.upsertTenant({ id, crm: 'hubspot', name: id, mode: 'live', accountId: null });
    boss = await openBoss(opened.db, { schema: bossSchema, schedule: false, supervise: false });
    await createQueues(boss);
    workers.push(...(await Promise.all([startWorkerProcess('worker-1'), startWorkerProcess('worker-2')])));
  });

  afterAll(async () => {
    for (const w of workers) {
      const exited = new Promise((resolve) => w.child.once('exit', resolve));
      w.child.kill('SIGTERM');
      await exited;
    }
    await boss?.stop({ graceful: false, wait: true });
    if (opened) {
      await opened.db.exec(`DROP SCHEMA IF EXISTS "${bossSchema}" CASCADE; DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await opened.store.close();
    }
  });

  it('cycles every tenant exactly once per round, never interrupting a run', async () => {
    const { store } = opened;
    for (const round of ['round-1', 'round-2', 'round-3']) {
      await triggerRound(boss, round);
      for (const id of TENANTS) await untilRuns(store, id, 1, (r) => r.summary.round === round && r.summary.job !== undefined);
    }
    const runs = (await Promise.all(TENANTS.map((id) => store.listRuns(id, 100)))).flat();
    expect(runs).toHaveLength(30);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    for (const id of TENANTS) {
      const rounds = (await store.listRuns(id, 100)).map((r) => r.summary.round).sort();
      expect(rounds).toEqual(['round-1', 'round-2', 'round-3']);
    }
    // Nothing else is queued or running: no tenant got a second job in any round.
    const { rows } = await opened.db.query(`SELECT state::text, count(*)::int AS n FROM "${bossSchema}".job WHERE name = $1 GROUP BY state`, [CYCLE_QUEUE]);
    expect(rows).toEqual([{ state: 'completed', n: 30 }]);
    const byWorker = new Map<string, number>();
    for (const r of runs) byWorker.set(String(r.summary.worker), (byWorker.get(String(r.summary.worker)) ?? 0) + 1);
    expect([...byWorker.keys()].sort(), workers.map((w) => w.stderr()).join('\n')).toEqual(['worker-1', 'worker-2']);
  });
});
