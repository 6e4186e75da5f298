/**
 * The embedded default, `crm-signals start`: the CRM emulators (or a HubSpot API given by URL), the
 * store (PGlite under the data dir, or DATABASE_URL), the status page and the job worker in one
 * process. Cycles run as jobs: one round now, then on the schedule. `--once` sends one round's cycle
 * job through the same queue and handler (with --crm both, one linked job for both portals), prints
 * the summary and exits 0 (all succeeded) or 1.
 */
import { resolve } from 'node:path';
import { configureRequestTimeout } from '../connectors/shared/send.ts';
import { createProgress } from '../src/cli/progress.ts';
import { formatSummary } from '../src/cli/summary.ts';
import { hubspotChangeFeed } from '../src/pipeline/changeFeed.ts';
import type { CycleSummary } from '../src/pipeline/cycle.ts';
import { cancelOrphanedCycleJobs, CYCLE_QUEUE, DEFAULT_BOSS_SCHEMA, processLease, scheduleRounds, sendRound, triggerRound, waitForJobs } from '../src/pipeline/jobs/index.ts';
import { scoreDistribution } from '../src/pipeline/report.ts';
import { createLoginLink } from '../src/server/auth/sessions.ts';
import type { Config } from './config.ts';
import { installDemoPortals } from './demoPortals.ts';
import { startServer, untilStopped } from './server.ts';
import { connectorLookup, cycleRunner, installDeps, openServiceStore, startJobs } from './wiring.ts';

export interface DemoIo {
  out: (line: string) => void;
  log: (message: string) => void;
}

const processIo: DemoIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  log: (message) => void process.stderr.write(`  ${message}\n`),
};

export async function runDemo(config: Config, io: DemoIo = processIo): Promise<number> {
  const started = Date.now();
  configureRequestTimeout(config.requestTimeoutMs);
  const opened = await openServiceStore(config);
  const { store } = opened;
  const embedded = opened.db.engine === 'pglite';
  io.out(`store: ${store.engine}${embedded ? ` in ${config.dataDir}` : ''}`);
  const closers: Array<() => Promise<void>> = [() => store.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const portals = await installDemoPortals(store, config, io);
    closers.push(() => portals.close());
    // Both CRMs of the demo are one company: one cycle job trains one lead score across them.
    const units = async () => [portals.tenants.map((t) => t.id)];
    const report = async (summaries: CycleSummary[]) => {
      await portals.persist();
      for (const s of summaries) io.out(formatSummary(s, await scoreDistribution(store, s.tenantId)));
    };
    // The embedded store belongs to one process at a time: a new process on the same data dir is the same owner restarted.
    const lease = processLease(config.workerId ?? (embedded ? `embedded:${resolve(config.dataDir)}` : undefined));
    const runUnit = cycleRunner({
      store,
      apps: portals.apps,
      connectors: portals.connectors,
      seed: config.seed,
      cycle: { dryRun: config.dryRun, retrain: config.retrain },
      lease,
      log: io.log,
      progress: () => createProgress(),
      report,
      // The server (not a one-off run) receives the portal's webhooks: its cycles read what they named.
      ...(config.once ? {} : { changeFeed: hubspotChangeFeed() }),
    });
    // A one-off run reports its failure at once instead of retrying.
    const retry = config.once ? { limit: 0, delaySeconds: 1 } : undefined;
    const jobs = await startJobs(opened, { store, runUnit, units, log: io.log, rounds: !config.once, concurrency: config.cycleConcurrency, ...(retry ? { retry } : {}) }, { schedule: !config.once, lease });
    closers.push(() => jobs.stop());
    if (embedded) {
      const orphans = await cancelOrphanedCycleJobs(jobs.boss, opened.db, DEFAULT_BOSS_SCHEMA);
      if (orphans.length) io.log(`cancelled ${orphans.length} cycle job(s) left running by an earlier process`);
    }

    if (config.once) {
      const round = await sendRound(jobs.boss, { store, units, ...(retry ? { retry } : {}) }, 'once');
      if (round.skipped.length) throw new Error(`a cycle of ${round.skipped.join(', ')} is already queued`);
      const ends = await waitForJobs(jobs.boss, CYCLE_QUEUE, Object.values(round.sent));
      io.out(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return ends.every((e) => e.state === 'completed') ? 0 : 1;
    }

    const served = await startServer(
      {
        store,
        signer: opened.signer,
        publicUrl: config.publicUrl,
        log: io.log,
        jobs: { webhooks: jobs.webhooks },
        ...(portals.hubspotSecrets ? { hubspot: portals.hubspotSecrets } : {}),
        // An admin may install (or re-install) the demo's accounts through the browser, as on a marketplace.
        install: installDeps(portals.apps, jobs, portals.connectors),
        connectorOf: connectorLookup({ store, apps: portals.apps, connectors: portals.connectors, log: io.log }),
      },
      { port: config.port, host: config.host },
    );
    closers.push(() => served.close());
    portals.sendWebhooksTo(`${config.publicUrl}/webhooks/hubspot`);
    await scheduleRounds(jobs.boss, config.everyMinutes);
    await triggerRound(jobs.boss, 'start');
    // The page needs a session: the person at this terminal gets a one-time link (never logged elsewhere).
    // Links on the public URL: the install's callback comes back there, so its cookies are that host's.
    const base = config.port === 0 ? served.url : config.publicUrl;
    const login = await createLoginLink(store, base, { operator: true, tenantIds: [], label: 'operator (npm start)' });
    io.out(`status page: ${base} (a cycle every ${config.everyMinutes} min; Ctrl-C to stop)`);
    io.out(`sign in once with: ${login} (valid 15 min)`);
    for (const crm of Object.keys(portals.apps)) io.out(`install through the browser: ${base}/install/${crm}`);
    await untilStopped();
    return 0;
  } finally {
    await closeAll();
  }
}
