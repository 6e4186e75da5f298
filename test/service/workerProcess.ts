/**
 * A worker process for twoWorkers.test.ts: functions/worker.ts's startWorker on the server from
 * DATABASE_URL, with a cheap cycle that holds a real run lease for a moment and notes which worker ran it.
 * Usage: tsx workerProcess.ts --store-schema S --boss-schema B (and CRM_SIGNALS_WORKER_ID, DATABASE_URL).
 * Prints "ready" once subscribed; stops cleanly on SIGTERM.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../functions/config.ts';
import { startWorker } from '../../functions/worker.ts';
import { processLease, startLeasedRun } from '../../src/pipeline/jobs/index.ts';
import type { CycleSummary } from '../../src/pipeline/cycle.ts';

const { values } = parseArgs({ options: { 'store-schema': { type: 'string' }, 'boss-schema': { type: 'string' } } });
const config = loadConfig([], process.env);
const lease = processLease(config.workerId);
const worker = await startWorker({
  config,
  log: (message) => void process.stderr.write(`${message}\n`),
  storeSchema: values['store-schema']!,
  bossSchema: values['boss-schema']!,
  // The test sends the rounds itself: a cron round firing mid-test would be a fourth.
  schedule: false,
  runUnit: ({ store }) => async (tenants, job) => {
    const out: CycleSummary[] = [];
    for (const tenant of tenants) {
      const run = await startLeasedRun({ store, tenant, lease, log: (m) => void process.stderr.write(`${m}\n`) }, 'cycle');
      // Long enough that both workers get jobs of a round.
      await new Promise((resolve) => setTimeout(resolve, 150));
      await run.finish('succeeded', { worker: config.workerId, round: job.round });
      out.push({ runId: run.runId, tenantId: tenant.id, status: 'succeeded', error: null } as CycleSummary);
    }
    return out;
  },
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  worker.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
