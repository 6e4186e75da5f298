/**
 * `crm-signals start`: the main job on the embedded default. Starts the HubSpot sandbox (unless a
 * HubSpot URL is given), opens the store, installs the app into the demo portal on first run, runs a
 * cycle with progress, prints the summary, then serves the status page and repeats the cycle on a
 * schedule (or exits with --once).
 */
import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { createHubSpotSandbox } from '../../connectors/sandbox/hubspot/index.ts';
import { OUTPUT_FIELDS } from '../domain/outputFields.ts';
import { DEFAULT_HUBSPOT_MAPPING } from '../mapping/index.ts';
import { runCycle, type CycleSummary } from '../pipeline/cycle.ts';
import { scoreDistribution } from '../pipeline/report.ts';
import { createApp } from '../server/app.ts';
import { openStore } from '../store/index.ts';
import { createProgress } from './progress.ts';
import { formatSummary } from './summary.ts';
import { connectHubSpotTenant } from './tenants.ts';

export interface StartOptions {
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
  const started = Date.now();
  let baseUrl = options.hubspotUrl;
  let authCode = options.authCode;
  let clientId = options.clientId ?? process.env.HUBSPOT_CLIENT_ID;
  let clientSecret = options.clientSecret ?? process.env.HUBSPOT_CLIENT_SECRET;
  let closeSandbox: (() => Promise<void>) | null = null;
  if (!baseUrl) {
    // The embedded demo: a sandbox portal whose OAuth client is made up for this process only.
    clientId = 'crm-signals-demo';
    clientSecret = randomBytes(16).toString('hex');
    const sandbox = createHubSpotSandbox({ clientId, clientSecret, ...(options.rateLimit ? { rateLimit: { max: options.rateLimit, intervalMs: 10_000 } } : {}) });
    const listening = await sandbox.listen(0);
    baseUrl = listening.url;
    closeSandbox = listening.close;
    authCode = sandbox.issueAuthCode();
    out(`HubSpot sandbox (portal ${sandbox.portalId}) at ${baseUrl}`);
  }
  if (!clientId || !clientSecret) throw new Error('a HubSpot URL needs --client-id and --client-secret (or HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET)');

  const store = await openStore({ dataDir: options.dataDir, ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}) });
  out(`store: ${store.engine}${store.engine === 'pglite' ? ` in ${options.dataDir}` : ''}`);
  const log = (message: string) => process.stderr.write(`  ${message}\n`);
  const { tenant, connector, installed } = await connectHubSpotTenant(store, {
    tenantId: 'demo-hubspot',
    name: 'Demo HubSpot portal',
    mode: options.shadow ? 'shadow' : 'live',
    app: { baseUrl, clientId, clientSecret, redirectUri: `http://localhost:${options.port}/install/hubspot/callback` },
    mapping: DEFAULT_HUBSPOT_MAPPING,
    ...(authCode ? { authCode } : {}),
    freshAccount: closeSandbox !== null,
    ...(options.rateLimit ? { limit: { max: options.rateLimit, intervalMs: 10_000 } } : {}),
    log,
  });
  if (installed) {
    const result = await connector.install(OUTPUT_FIELDS);
    out(`installed into portal ${tenant.accountId}: ${result.created.length} properties created, ${result.existing.length} already there`);
  }

  const cycle = async (): Promise<CycleSummary> => {
    const progress = createProgress();
    const ctx = { store, tenant: (await store.getTenant(tenant.id)) ?? tenant, connector, mapping: DEFAULT_HUBSPOT_MAPPING, seed: options.seed, log, onProgress: progress.onProgress };
    try {
      return await runCycle(ctx, { dryRun: options.dryRun, retrain: options.retrain });
    } finally {
      progress.stop();
    }
  };

  const first = await cycle();
  out(formatSummary(first, await scoreDistribution(store, tenant.id)));
  if (options.once) {
    out(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await store.close();
    await closeSandbox?.();
    return first.status === 'succeeded' ? 0 : 1;
  }

  const server = serve({ fetch: createApp({ store }).fetch, port: options.port, hostname: '127.0.0.1' });
  out(`status page: http://localhost:${options.port} (cycle every ${options.everyMinutes} min; Ctrl-C to stop)`);
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const summary = await cycle();
      out(formatSummary(summary, await scoreDistribution(store, tenant.id)));
    } finally {
      running = false;
    }
  }, options.everyMinutes * 60_000);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(timer);
  server.close();
  await store.close();
  await closeSandbox?.();
  return 0;
}
