/**
 * `crm-signals start`: the main job on the embedded default. Starts the CRM emulators (unless a HubSpot
 * URL is given), opens the store, installs the app on first run, runs a cycle with progress, prints the
 * summary, then serves the status page and repeats the cycle on a schedule (or exits with --once).
 * With --crm both, the lead score is one model trained across both CRMs.
 */
import { serve } from '@hono/node-server';
import { runCycle, type CycleSummary } from '../pipeline/cycle.ts';
import { runLinkedCycle } from '../pipeline/linked.ts';
import { scoreDistribution } from '../pipeline/report.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { createApp } from '../server/app.ts';
import { openStore } from '../store/index.ts';
import { connectPortals, type CrmChoice } from './portals.ts';
import { createProgress } from './progress.ts';
import { formatSummary } from './summary.ts';

export interface StartOptions {
  crm: CrmChoice;
  once: boolean;
  port: number;
  dataDir: string;
  hubspotUrl?: string;
  authCode?: string;
  clientId?: string;
  clientSecret?: string;
  rateLimit?: number;
  dryRun: boolean;
  shadow: boolean;
  retrain: boolean;
  everyMinutes: number;
  seed: number;
}

export async function start(options: StartOptions): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const log = (message: string) => process.stderr.write(`  ${message}\n`);
  const started = Date.now();
  const store = await openStore({ dataDir: options.dataDir, ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}) });
  out(`store: ${store.engine}${store.engine === 'pglite' ? ` in ${options.dataDir}` : ''}`);
  const portals = await connectPortals(store, {
    crm: options.crm,
    port: options.port,
    shadow: options.shadow,
    out,
    log,
    ...(options.hubspotUrl ? { hubspotUrl: options.hubspotUrl } : {}),
    ...(options.authCode ? { authCode: options.authCode } : {}),
    ...(options.clientId ? { clientId: options.clientId } : {}),
    ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  const closeAll = async () => {
    await store.close();
    for (const p of portals) await p.close();
  };

  const cycle = async (): Promise<CycleSummary[]> => {
    const progress = createProgress();
    try {
      const contexts: PipelineContext[] = [];
      for (const p of portals) {
        const tenant = (await store.getTenant(p.tenant.id)) ?? p.tenant;
        contexts.push({ store, tenant, connector: p.connector, mapping: p.mapping, seed: options.seed, log, onProgress: progress.onProgress });
      }
      const cycleOptions = { dryRun: options.dryRun, retrain: options.retrain };
      if (contexts.length > 1) return await runLinkedCycle(contexts, cycleOptions);
      return [await runCycle(contexts[0]!, cycleOptions)];
    } finally {
      progress.stop();
    }
  };
  const report = async (summaries: CycleSummary[]) => {
    for (const summary of summaries) out(formatSummary(summary, await scoreDistribution(store, summary.tenantId)));
  };

  const first = await cycle();
  await report(first);
  const ok = first.every((s) => s.status === 'succeeded');
  if (options.once) {
    out(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await closeAll();
    return ok ? 0 : 1;
  }

  const server = serve({ fetch: createApp({ store }).fetch, port: options.port, hostname: '127.0.0.1' });
  out(`status page: http://localhost:${options.port} (cycle every ${options.everyMinutes} min; Ctrl-C to stop)`);
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await report(await cycle());
    } finally {
      running = false;
    }
  }, options.everyMinutes * 60_000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  clearInterval(timer);
  server.close();
  await closeAll();
  return 0;
}
