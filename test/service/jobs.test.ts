/**
 * Cycle jobs on both engines (PGlite always; PostgreSQL when TEST_DATABASE_URL is set, in a random schema
 * dropped afterwards), and the real cycle handler on PGlite against the HubSpot emulator.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleRunner } from '../../functions/wiring.ts';
import { CYCLE_QUEUE, openBoss, processLease, registerCycleJobs, sendRound, triggerRound, waitForJobs } from '../../src/pipeline/jobs/index.ts';
import { openStoreWithDb, type OpenedStore } from '../../src/store/index.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { defineJobSuite, untilRuns } from './jobSuite.ts';
import type PgBoss from 'pg-boss';

defineJobSuite('cycle jobs on PGlite (executeSql adapter)', async () => ({ opened: await openStoreWithDb({ inMemory: true }), bossSchema: 'jobs' }));

const databaseUrl = process.env.TEST_DATABASE_URL ?? '';
if (!databaseUrl) console.warn('[jobs] TEST_DATABASE_URL is not set: the cycle jobs on a PostgreSQL server are skipped (.ci/run sets it)');

describe.skipIf(!databaseUrl)('PostgreSQL server (TEST_DATABASE_URL)', () => {
  defineJobSuite('cycle jobs on PostgreSQL', async () => {
    const schema = `test_jobs_${randomBytes(6).toString('hex')}`;
    const opened = await openStoreWithDb({ databaseUrl, schema, secret: 'jobs-suite-secret' });
    return {
      opened,
      bossSchema: `${schema}_boss`,
      cleanup: async () => {
        const { rows } = await opened.db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${schema}%`]);
        for (const r of rows) await opened.db.exec(`DROP SCHEMA IF EXISTS "${String(r.nspname)}" CASCADE`);
      },
    };
  });
});

describe('the real cycle as a job (PGlite, HubSpot emulator)', () => {
  let opened: OpenedStore;
  let harness: Harness;
  let boss: PgBoss;

  beforeAll(async () => {
    opened = await openStoreWithDb({ inMemory: true });
    harness = await startHarness({ store: opened.store });
    const { store, ctx, url } = harness;
    boss = await openBoss(opened.db, { schema: 'jobs', schedule: false, supervise: false });
    const runUnit = cycleRunner({
      store,
      // As a worker does: the connector is built from the tokens the install stored, through the app.
      apps: { hubspot: { app: { baseUrl: url, clientId: 'test-client', clientSecret: 'test-secret', redirectUri: 'http://localhost/callback' } } },
      seed: 42,
      cycle: {},
      lease: processLease('test-worker'),
      log: ctx.log,
    });
    await registerCycleJobs(boss, { store, runUnit, units: async () => [[ctx.tenant.id]], log: ctx.log });
  });

  afterAll(async () => {
    await boss?.stop({ graceful: false, wait: true });
    await harness?.close();
    await opened?.store.close();
  });

  it('a round runs the tenant cycle: synced, scored and written back; the next round writes nothing', async () => {
    const { store, ctx, emulator } = harness;
    await triggerRound(boss, 'first');
    // The job notes its attempt on the run once the cycle finished it.
    const [first] = await untilRuns(store, ctx.tenant.id, 1, (r) => r.summary.job !== undefined);
    expect(first).toMatchObject({ status: 'succeeded', kind: 'cycle', summary: { job: { attempt: 1, round: 'first' } } });
    const summary = first!.summary as { synced: { contact: { read: number } }; write: { contact: { written: number } }; signals: Array<{ signal: string; modelVersion: number }> };
    expect(summary.synced.contact.read).toBe(600);
    expect(summary.write.contact.written).toBeGreaterThan(0);
    expect(summary.signals.map((s) => [s.signal, s.modelVersion])).toEqual([
      ['leadScore', 1],
      ['segment', 1],
      ['recommendations', 1],
      ['ticketSentiment', 1],
    ]);
    const writesAfterFirst = emulator.stats().writeCalls;

    const round = await sendRound(boss, { store, units: async () => [[ctx.tenant.id]] }, 'second');
    const [end] = await waitForJobs(boss, CYCLE_QUEUE, Object.values(round.sent));
    expect(end).toMatchObject({ state: 'completed', output: { runs: [{ tenantId: ctx.tenant.id, status: 'succeeded' }] } });
    const [second] = await store.listRuns(ctx.tenant.id, 1);
    expect((second!.summary as { write: { contact: { written: number } } }).write.contact.written).toBe(0);
    expect(emulator.stats().writeCalls).toBe(writesAfterFirst);
    expect((await store.listRuns(ctx.tenant.id, 10)).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });
});
