/**
 * The job runner of a real deployment: the store and the queue on one PostgreSQL server (DATABASE_URL),
 * every tenant scheduled, connectors built from stored tokens through the configured CRM apps. Run as
 * many as needed: pg-boss hands each cycle job to one of them and the run leases keep a tenant's cycles
 * apart. `startWorker` takes the cycle work as a parameter so tests can run cheap cycles in real processes.
 */
import { fileURLToPath } from 'node:url';
import { configureRequestTimeout } from '../connectors/shared/send.ts';
import { hubspotChangeFeed } from '../src/pipeline/changeFeed.ts';
import { processLease, scheduleRounds, type CycleJobDeps } from '../src/pipeline/jobs/index.ts';
import { loadConfig, requireDatabaseUrl, type Config } from './config.ts';
import { untilStopped } from './server.ts';
import { appsFromConfig, cycleRunner, openServiceStore, startJobs, type Jobs } from './wiring.ts';
import type { OpenedStore } from '../src/store/index.ts';

export interface WorkerOptions {
  config: Config;
  log: (message: string) => void;
  /** The cycle work; by default the real pipeline through the configured apps. */
  runUnit?: (opened: OpenedStore) => CycleJobDeps['runUnit'];
  /** pg-boss's schema (default crm_signals_jobs). */
  bossSchema?: string;
  /** The store's schema on the server (tests isolate themselves in one). */
  storeSchema?: string;
  retry?: CycleJobDeps['retry'];
  /** Whether this worker registers the round schedule (every worker may: pg-boss keeps one). Default true. */
  schedule?: boolean;
}

export interface Worker {
  opened: OpenedStore;
  jobs: Jobs;
  stop(): Promise<void>;
}

export async function startWorker(o: WorkerOptions): Promise<Worker> {
  requireDatabaseUrl(o.config);
  configureRequestTimeout(o.config.requestTimeoutMs);
  const opened = await openServiceStore(o.config, { keysRequiredBy: 'a worker', ...(o.storeSchema ? { schema: o.storeSchema } : {}) });
  const { store } = opened;
  const lease = processLease(o.config.workerId);
  const runUnit =
    o.runUnit?.(opened) ??
    cycleRunner({
      store,
      apps: appsFromConfig(o.config),
      seed: o.config.seed,
      cycle: { dryRun: o.config.dryRun, retrain: o.config.retrain },
      lease,
      log: o.log,
      // The HTTP hosts beside the worker receive the app's webhooks into the same store.
      changeFeed: hubspotChangeFeed(),
    });
  const units = async () => (await store.listTenants()).map((t) => [t.id]);
  const jobs = await startJobs(opened, { store, runUnit, units, log: o.log, concurrency: o.config.cycleConcurrency, ...(o.retry ? { retry: o.retry } : {}) }, {
    schedule: o.schedule ?? true,
    lease,
    ...(o.bossSchema ? { schema: o.bossSchema } : {}),
  });
  if (o.schedule ?? true) await scheduleRounds(jobs.boss, o.config.everyMinutes);
  return {
    opened,
    jobs,
    stop: async () => {
      await jobs.stop();
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const log = (message: string) => void process.stderr.write(`${message}\n`);
  const worker = await startWorker({ config, log });
  log(`worker ${config.workerId ?? process.pid}: cycles every ${config.everyMinutes} min`);
  await untilStopped();
  await worker.stop();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    process.stderr.write(`crm-signals worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
