/**
 * Live run progress. The recorder writes a run's progress on its row at most once per interval (a stage
 * change at once, the newest skipped event when the interval is over, nothing after the run ended); and
 * a real cycle, run as a pg-boss job against the HubSpot emulator and held half-way through its
 * write-back, shows "writing n / total" in GET /api/tenants/:id/runs and on the status page (which then
 * reloads itself and says how long the run has been running), and the finished row keeps no progress.
 */
import { randomBytes } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Connector } from '../../connectors/connector.ts';
import { cycleRunner, mappingFor } from '../../functions/wiring.ts';
import { CYCLE_QUEUE, openBoss, processLease, registerCycleJobs, runProgressRecorder, sendCycle, waitForJobs } from '../../src/pipeline/jobs/index.ts';
import { createApp } from '../../src/server/app.ts';
import { LIVE_REFRESH_SECONDS } from '../../src/server/status/page.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { openStoreWithDb, type OpenedStore } from '../../src/store/index.ts';
import type { RunProgress, RunRow, Store } from '../../src/store/types.ts';
import { signInFor, type SignedIn } from '../helpers/adminSession.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

describe('the progress recorder', () => {
  afterEach(() => void vi.useRealTimers());

  it('writes a stage change at once, then at most once per interval with the newest event, and nothing after the run ended', async () => {
    vi.useFakeTimers();
    let t = 0;
    const saved: Array<[number, string]> = [];
    const saveRunProgress = async (_tenant: string, runId: number, p: Omit<RunProgress, 'updatedAt'>) => {
      saved.push([runId, p.message]);
      return true;
    };
    const store = { saveRunProgress } as unknown as Store;
    const recorder = runProgressRecorder(store, 't', () => undefined, { clock: () => t, intervalMs: 1000 });

    recorder.onProgress({ stage: 'write', done: 1, total: 9 });
    recorder.started(5);
    recorder.onProgress({ stage: 'sync', objectType: 'contact', records: 100, pages: 1 });
    t = 100;
    recorder.onProgress({ stage: 'sync', objectType: 'contact', records: 200, pages: 2 });
    t = 200;
    recorder.onProgress({ stage: 'sync', objectType: 'contact', records: 300, pages: 3 });
    await vi.advanceTimersByTimeAsync(0);
    expect(saved).toEqual([[5, 'reading contacts: 100 records']]);
    t = 1000;
    await vi.advanceTimersByTimeAsync(1000);
    expect(saved).toEqual([
      [5, 'reading contacts: 100 records'],
      [5, 'reading contacts: 300 records'],
    ]);
    t = 1100;
    recorder.onProgress({ stage: 'sync', objectType: 'deal', records: 50, pages: 1 });
    t = 1200;
    recorder.onProgress({ stage: 'write', done: 100, total: 1200 });
    t = 1300;
    recorder.onProgress({ stage: 'write', done: 200, total: 1200 });
    await recorder.ended();
    await vi.advanceTimersByTimeAsync(5000);
    recorder.onProgress({ stage: 'write', done: 300, total: 1200 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(saved.slice(2)).toEqual([
      [5, 'reading deals: 50 records'],
      [5, 'writing 100 / 1,200'],
    ]);
  });
});

describe('a running cycle job shows its progress', () => {
  let opened: OpenedStore;
  let harness: Harness;
  let boss: PgBoss;
  let app: ReturnType<typeof createApp>;
  let admin: SignedIn;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    opened = await openStoreWithDb({ inMemory: true });
    harness = await startHarness({ store: opened.store });
    const { store, ctx } = harness;
    const raw = harness.connector;
    let held = false;
    // The portal's connector, held after the first contact batch of the write-back until the test has looked.
    const holding: Connector = {
      get crm() {
        return raw.crm;
      },
      check: () => raw.check(),
      discover: (objectType) => raw.discover(objectType),
      install: (fields) => raw.install(fields),
      read: (objectType, checkpoint) => raw.read(objectType, checkpoint),
      readValues: (objectType, ids, properties) => raw.readValues(objectType, ids, properties),
      usage: () => raw.usage(),
      write: (objectType, updates, onBatch) =>
        raw.write(objectType, updates, async (results) => {
          await onBatch?.(results);
          if (objectType === 'contact' && !held) {
            held = true;
            await gate;
          }
        }),
    };
    const connectors = new Map([[ctx.tenant.id, { mapping: await mappingFor(store, ctx.tenant), connector: holding }]]);
    const runUnit = cycleRunner({ store, apps: {}, connectors, seed: 42, cycle: {}, lease: processLease('progress-test'), log: ctx.log });
    boss = await openBoss(opened.db, { schema: 'progress_jobs', schedule: false, supervise: false });
    await registerCycleJobs(boss, { store, runUnit, units: async () => [[ctx.tenant.id]], log: ctx.log, rounds: false, retry: { limit: 0, delaySeconds: 1 } });
    app = createApp({ store, signer: createSigner([randomBytes(32)]), log: () => undefined });
    admin = await signInFor(app, store, ctx.tenant.id);
  });
  afterAll(async () => {
    release();
    await boss?.stop({ graceful: false, wait: true });
    await harness?.close();
    await opened?.store.close();
  });

  const runs = async () => ((await (await app.request(`/api/tenants/${harness.ctx.tenant.id}/runs`, { headers: admin.read })).json()) as { runs: RunRow[] }).runs;
  const page = async () => (await app.request('/', { headers: admin.read })).text();

  it('in GET .../runs and on the status page while it runs; the finished row has none', async () => {
    const job = await sendCycle(boss, [harness.ctx.tenant.id], 'progress test', { limit: 0, delaySeconds: 1 });
    let running: RunRow | undefined;
    while (!running) {
      const [newest] = await runs();
      if (newest?.status === 'running' && newest.progress?.stage === 'write') running = newest;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const progress = running.progress!;
    const total = await harness.store.countPending(harness.ctx.tenant.id, 'contact');
    expect(progress).toMatchObject({ stage: 'write', done: 100, message: `writing 100 / ${(progress.total ?? 0).toLocaleString('en-US')}` });
    expect(progress.total).toBe(total + 100);
    expect(Date.parse(progress.updatedAt)).toBeGreaterThanOrEqual(Date.parse(running.startedAt));

    const html = await page();
    expect(html).toContain(`<meta http-equiv="refresh" content="${LIVE_REFRESH_SECONDS}">`);
    expect(html).toContain(`<td>running: <span class="progress">${progress.message}</span></td>`);
    expect(html).toContain(`Now: write (${progress.message})`);
    expect(html).toMatch(new RegExp(`<tr><td>${running.id}</td>.*<td>running for \\d+ s</td>`));
    expect(html).not.toMatch(new RegExp(`<tr><td>${running.id}</td>.*<td>0\\.0 s</td>`));

    release();
    const [end] = await waitForJobs(boss, CYCLE_QUEUE, [job!]);
    expect(end?.state).toBe('completed');
    const [finished] = await runs();
    expect(finished).toMatchObject({ id: running.id, status: 'succeeded' });
    expect(finished).not.toHaveProperty('progress');
    const after = await page();
    expect(after).not.toContain('http-equiv="refresh"');
    expect(after).not.toContain('running for');
  });
});
