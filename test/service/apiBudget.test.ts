/**
 * The daily API budget against the HubSpot emulator: a budget well below what a first cycle needs pauses
 * the cycle at a batch boundary (in the sync one day, half-way through the write-back the next), the run
 * says why and when it goes on, the portal gets no more calls than the budget (give or take the batch in
 * flight), and day by day (the budget's clock moved to the next UTC day) the cycles finish the work with
 * the portal in exactly the state an unbudgeted run leaves: no value lost, none written twice. A rollback
 * on a used-up budget is refused before it touches anything. The scheduler sends no cycle for a tenant
 * whose budget is used up, and still sends the others'.
 */
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCycle, type CycleSummary } from '../../src/pipeline/cycle.ts';
import {
  CYCLE_QUEUE,
  openBoss,
  processLease,
  registerCycleJobs,
  sendCycle,
  sendRound,
  startLeasedRun,
  utcDay,
  waitForJobs,
  type CycleJobDeps,
  type CycleJobOutput,
} from '../../src/pipeline/jobs/index.ts';
import { RollbackError, rollbackRun } from '../../src/pipeline/rollback.ts';
import { openStoreWithDb, type OpenedStore } from '../../src/store/index.ts';
import type { AuditRow } from '../../src/store/types.ts';
import { emulatorOutputs, startHarness, type Harness } from '../helpers/harness.ts';

/**
 * The most calls one batch boundary lets through: a deal page (the list, its associations to contacts and
 * to line items, the line items) and a token refresh. The budget is checked before each such batch.
 */
const ONE_BATCH = 8;
const BUDGET = 50;
const DAY_MS = 86_400_000;

let reference: Harness;
let budgeted: Harness;
/** The portal before the budgeted cycle that finished, its run, and the budget's clock then. */
let beforeLast: Record<string, Record<string, string>>;
let lastRun: number;
let lastDay: number;

beforeAll(async () => {
  [reference, budgeted] = await Promise.all([startHarness(), startHarness()]);
});
afterAll(async () => {
  await reference?.close();
  await budgeted?.close();
});

const allAudit = async (h: Harness): Promise<AuditRow[]> => h.store.audit(h.ctx.tenant.id, { limit: 10_000_000 });

describe('a cycle under a daily API budget', () => {
  it('pauses at batch boundaries, says why, and finishes over the next days exactly as an unbudgeted run', async () => {
    const unbudgeted = await reference.cycle();
    expect(unbudgeted.status, unbudgeted.error ?? '').toBe('succeeded');
    // Far more than one day's budget: the test below pauses at least twice.
    expect(unbudgeted.api.calls).toBeGreaterThan(BUDGET * 1.5);

    const { store, ctx, emulator } = budgeted;
    const tenantId = ctx.tenant.id;
    await store.setApiBudget(tenantId, BUDGET);
    let at = Date.parse('2031-03-04T10:00:00.000Z');
    const now = () => new Date(at);
    const days: Array<{ summary: CycleSummary; calls: number; emulatorCalls: number; writtenBefore: number; writtenAfter: number }> = [];
    for (let day = 0; day < 6; day++) {
      beforeLast = emulatorOutputs(emulator);
      const emulatorBefore = emulator.stats().calls;
      const writtenBefore = (await allAudit(budgeted)).length;
      const summary = await runCycle({ ...ctx, tenant: (await store.getTenant(tenantId))!, now });
      const { calls } = await store.apiUsage(tenantId, utcDay(now()));
      days.push({ summary, calls, emulatorCalls: emulator.stats().calls - emulatorBefore, writtenBefore, writtenAfter: (await allAudit(budgeted)).length });
      if (summary.status !== 'paused') break;

      // The run row says why it stopped and when it goes on; it is no failure, so no retry follows.
      const [row] = await store.listRuns(tenantId, 1);
      expect(row).toMatchObject({ id: summary.runId, status: 'paused', summary: { error: null, paused: { budget: BUDGET, resumesAt: new Date(Date.UTC(2031, 2, 5 + day)).toISOString() } } });
      expect(summary.paused?.reason).toBe(`daily API budget of ${BUDGET} calls reached; resumes at 00:00 UTC (${new Date(Date.UTC(2031, 2, 5 + day)).toISOString()})`);
      // A rollback on a used-up budget is refused before it changes anything (the tenant stays live).
      if (days.at(-1)!.writtenAfter > days.at(-1)!.writtenBefore) {
        await expect(rollbackRun({ ...ctx, tenant: (await store.getTenant(tenantId))!, now }, summary.runId)).rejects.toThrow(RollbackError);
        await expect(rollbackRun({ ...ctx, tenant: (await store.getTenant(tenantId))!, now }, summary.runId)).rejects.toThrow(/daily API budget of 50 calls reached/);
        expect((await store.getTenant(tenantId))?.mode).toBe('live');
      }
      at += DAY_MS;
    }

    const last = days.at(-1)!;
    expect(last.summary.status, last.summary.error ?? '').toBe('succeeded');
    lastRun = last.summary.runId;
    lastDay = at;
    expect(days.length).toBeGreaterThanOrEqual(3);
    for (const [i, day] of days.entries()) {
      // Within the budget but for the batch in flight when it ran out; every call the portal saw was counted.
      expect(day.calls, `day ${i + 1}`).toBeLessThanOrEqual(BUDGET + ONE_BATCH);
      expect(day.emulatorCalls, `day ${i + 1}`).toBeLessThanOrEqual(day.calls);
      if (i > 0) expect(day.emulatorCalls, `day ${i + 1}`).toBe(day.calls);
    }
    // One day paused in the sync (nothing written yet), a later one half-way through the write-back.
    expect(days[0]!.summary.synced.ticket?.read ?? 0).toBeLessThan(2000);
    expect(days[0]!.writtenAfter).toBe(0);
    const midWrite = days.find((d) => d.summary.status === 'paused' && d.writtenAfter > d.writtenBefore);
    expect(midWrite, 'a day that paused during the write-back').toBeDefined();
    expect(midWrite!.summary.paused!.pendingWrites).toBeGreaterThan(0);

    // The portal ends as the unbudgeted run left its twin: every value there, none written twice.
    expect(emulatorOutputs(budgeted.emulator)).toEqual(emulatorOutputs(reference.emulator));
    const audit = await allAudit(budgeted);
    expect(audit.length).toBe((await allAudit(reference)).length);
    expect(new Set(audit.map((r) => `${r.objectType}/${r.externalId}/${r.property}`)).size).toBe(audit.length);
    expect(await store.countPending(tenantId)).toBe(0);
  });
});

describe('a rollback under a daily API budget', () => {
  it('pauses when the budget runs out, keeps what it restored, and the next day restores the rest', async () => {
    const { store, ctx, emulator } = budgeted;
    const tenantId = ctx.tenant.id;
    let at = lastDay;
    const now = () => new Date(at);
    const left = BUDGET - (await store.apiUsage(tenantId, utcDay(now()))).calls;
    const toRestore = (await store.audit(tenantId, { runId: lastRun, limit: 1_000_000 })).length;
    // Reading the values back and writing them takes a call per 100 records each: more than is left today.
    expect(2 * Math.ceil(toRestore / 100)).toBeGreaterThan(left);

    const paused = rollbackRun({ ...ctx, tenant: (await store.getTenant(tenantId))!, now }, lastRun);
    await expect(paused).rejects.toThrow(RollbackError);
    const message = await paused.catch((error: Error) => error.message);
    expect(message).toMatch(new RegExp(`^rollback of run #${lastRun} paused after \\d+ values: daily API budget of ${BUDGET} calls reached; resumes at 00:00 UTC \\(.+\\); roll run #${lastRun} back again then to restore the rest$`));
    const [row] = await store.listRuns(tenantId, 1);
    expect(row).toMatchObject({ kind: 'rollback', status: 'paused', summary: { paused: { budget: BUDGET } } });
    const restored = (await store.audit(tenantId, { runId: row!.id, limit: 1_000_000 })).length;
    expect(restored).toBeGreaterThan(0);
    expect(restored).toBeLessThan(toRestore);
    expect((row!.summary as { restored: number }).restored).toBe(restored);
    expect((await store.apiUsage(tenantId, utcDay(now()))).calls).toBeLessThanOrEqual(BUDGET + ONE_BATCH);

    at += DAY_MS;
    const rest = await rollbackRun({ ...ctx, tenant: (await store.getTenant(tenantId))!, now }, lastRun);
    expect(rest.restored).toBe(toRestore - restored);
    expect(emulatorOutputs(emulator)).toEqual(beforeLast);
    expect(await store.countPending(tenantId)).toBe(0);
  });
});

describe('the scheduler and a used-up budget', () => {
  let opened: OpenedStore;
  let boss: PgBoss;
  const ran: string[] = [];
  let at = Date.parse('2031-06-01T23:30:00.000Z');
  const now = () => new Date(at);

  beforeAll(async () => {
    opened = await openStoreWithDb({ inMemory: true });
    boss = await openBoss(opened.db, { schema: 'budget_jobs', schedule: false, supervise: false });
    const lease = processLease(`test:${randomUUID()}`);
    const runUnit: CycleJobDeps['runUnit'] = async (tenants) => {
      const out: CycleSummary[] = [];
      for (const tenant of tenants) {
        ran.push(tenant.id);
        const run = await startLeasedRun({ store: opened.store, tenant, lease, log: () => undefined }, 'cycle');
        await run.finish('succeeded', {});
        out.push({ runId: run.runId, tenantId: tenant.id, status: 'succeeded', error: null } as CycleSummary);
      }
      return out;
    };
    await registerCycleJobs(boss, { store: opened.store, runUnit, units: async () => [], log: () => undefined, now, rounds: false, retry: { limit: 0, delaySeconds: 1 } });
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false, wait: true });
    await opened?.store.close();
  });

  it('sends no cycle for an exhausted tenant (its unit waits), the others as usual, and the exhausted one the next UTC day', async () => {
    const { store } = opened;
    for (const id of ['spent', 'within', 'unlimited']) await store.upsertTenant({ id, crm: 'hubspot', name: id, mode: 'live', accountId: null });
    await store.setApiBudget('spent', 100);
    await store.setApiBudget('within', 100);
    await store.addApiCalls('spent', utcDay(now()), 100);
    await store.addApiCalls('within', utcDay(now()), 99);
    // Calls of another day do not count today.
    await store.addApiCalls('unlimited', '2031-05-31', 5_000);
    const deps = { store, now, units: async () => [['spent'], ['within'], ['unlimited'], ['spent', 'within']] };

    const round = await sendRound(boss, deps, 'late');
    expect(Object.keys(round.sent).sort()).toEqual(['unlimited', 'within']);
    const resumesAt = '2031-06-02T00:00:00.000Z';
    expect(round.paused).toEqual({
      spent: [{ tenantId: 'spent', budget: 100, calls: 100, resumesAt }],
      'spent+within': [{ tenantId: 'spent', budget: 100, calls: 100, resumesAt }],
    });
    await waitForJobs(boss, CYCLE_QUEUE, Object.values(round.sent));
    expect(ran.sort()).toEqual(['unlimited', 'within']);

    // A cycle queued before the budget ran out (a webhook's, an install's) does not start either.
    const queued = await sendCycle(boss, ['spent'], 'webhook', { limit: 0, delaySeconds: 1 });
    const [end] = await waitForJobs(boss, CYCLE_QUEUE, [queued!]);
    expect(end).toMatchObject({ state: 'completed' });
    expect((end!.output as CycleJobOutput).paused).toEqual([{ tenantId: 'spent', budget: 100, calls: 100, resumesAt }]);
    expect(await store.listRuns('spent', 10)).toEqual([]);

    at = Date.parse('2031-06-02T00:00:00.000Z');
    const next = await sendRound(boss, { ...deps, units: async () => [['spent']] }, 'next day');
    expect(next.paused).toBeUndefined();
    await waitForJobs(boss, CYCLE_QUEUE, Object.values(next.sent));
    expect(ran).toContain('spent');
    expect((await store.listRuns('spent', 10)).map((r) => r.status)).toEqual(['succeeded']);
  });
});
