/**
 * What the entry points share: the store, the job queue on the store's database, and how a cycle job
 * becomes pipeline contexts (mapping, connector, lease). Wiring only: every rule lives in src/.
 */
import type { Connector } from '../connectors/connector.ts';
import { profileOf } from '../connectors/registry.ts';
import type { WindowLimit } from '../connectors/shared/rateLimiter.ts';
import type { Crm } from '../src/domain/records.ts';
import { sameMapping, type Mapping } from '../src/mapping/index.ts';
import type { ChangeFeed } from '../src/pipeline/changeFeed.ts';
import { APP_SETTINGS, connectTenant } from '../src/pipeline/connect.ts';
import { tenantMapping } from '../src/pipeline/mappings.ts';
import type { PipelineContext, ProgressEvent } from '../src/pipeline/context.ts';
import type { CycleOptions, CycleSummary } from '../src/pipeline/cycle.ts';
import {
  ABANDONED_SCAN_MS,
  cancelAbandonedCycleJobs,
  cancelQueuedCycleJobs,
  DEFAULT_BOSS_SCHEMA,
  DEFAULT_LEASE_TTL_MS,
  fanOut,
  meteredConnector,
  openBoss,
  registerCycleJobs,
  registerWebhookJobs,
  runCycleUnit,
  runProgressRecorder,
  sendCycle,
  webhookQueue,
  type CycleJobDeps,
  type LeaseSettings,
  type WebhookQueue,
} from '../src/pipeline/jobs/index.ts';
import type { InstallDeps } from '../src/server/install/routes.ts';
import { openStoreWithDb, type OpenedStore } from '../src/store/index.ts';
import type { Store, Tenant } from '../src/store/types.ts';
import { requireEncryptionKeys, storeKeys, type Config } from './config.ts';
import type PgBoss from 'pg-boss';

/** The app a CRM's tenants are connected through: its credentials and the CRM's own connection settings. */
export interface CrmAppConfig {
  /** Checked by the CRM's profile (connectors/<crm>/profile.ts) before any request. */
  app: unknown;
  settings?: Record<string, unknown>;
}

/** The OAuth apps tenants are connected through, per CRM. */
export type CrmApps = Partial<Record<Crm, CrmAppConfig>>;

/** The real apps of a deployment (HubSpot client id/secret, Salesforce consumer key/secret). */
export function appsFromConfig(config: Config): CrmApps {
  const apps: CrmApps = {};
  const h = config.hubspot;
  if (h.clientId && h.clientSecret) {
    apps.hubspot = {
      app: { baseUrl: h.apiUrl ?? 'https://api.hubapi.com', clientId: h.clientId, clientSecret: h.clientSecret, redirectUri: h.redirectUri },
      ...(config.rateLimit ? { settings: { limit: rateWindow(config.rateLimit) } } : {}),
    };
  }
  const s = config.salesforce;
  if (s.consumerKey && s.consumerSecret) {
    apps.salesforce = { app: { loginUrl: s.loginUrl ?? 'https://login.salesforce.com', clientId: s.consumerKey, clientSecret: s.consumerSecret, redirectUri: s.redirectUri } };
  }
  return apps;
}

export const rateWindow = (max: number): WindowLimit => ({ max, intervalMs: 10_000 });

/** The mapping a tenant's cycle uses: its active version in the store (the CRM's default at first). */
export async function mappingFor(store: Store, tenant: Tenant): Promise<Mapping> {
  return (await tenantMapping(store, tenant)).mapping;
}

/**
 * Live connectors by tenant. A process keeps one per tenant across cycles so that its rate limiter sees
 * every request to the account (the install's and each cycle's); a changed mapping gets a new one.
 */
export type ConnectorCache = Map<string, { mapping: Mapping; connector: Connector }>;

/** A connector on the tenant's stored (encrypted) tokens, through the app of its CRM. */
export async function connectorFor(store: Store, tenant: Tenant, apps: CrmApps, mapping: Mapping, log: (m: string) => void): Promise<Connector> {
  const configured = apps[tenant.crm];
  if (!configured) throw new Error(`tenant ${tenant.id} is a ${profileOf(tenant.crm).label} account but no ${profileOf(tenant.crm).label} app is configured (${APP_SETTINGS[tenant.crm]})`);
  const { connector } = await connectTenant(store, {
    crm: tenant.crm,
    tenantId: tenant.id,
    name: tenant.name,
    mode: tenant.mode,
    mapping,
    app: configured.app,
    ...(configured.settings ? { settings: configured.settings } : {}),
    log,
  });
  return connector;
}

export interface RunnerOptions {
  store: Store;
  apps: CrmApps;
  /** Connectors already made (the demo's installs); the runner adds the ones it makes. */
  connectors?: ConnectorCache;
  seed: number;
  cycle: CycleOptions;
  lease: LeaseSettings;
  log: (message: string) => void;
  /** Around each cycle job (the demo's progress bars). */
  progress?: () => { onProgress: (e: ProgressEvent) => void; stop: () => void };
  /** After each cycle job, with its summaries (the demo prints them). */
  report?: (summaries: CycleSummary[]) => Promise<void>;
  /** The clock of the daily API budget's UTC day (tests). */
  now?: () => Date;
  /** Set where this service receives the HubSpot app's webhooks: HubSpot tenants' syncs read what they named. */
  changeFeed?: ChangeFeed;
}

/**
 * The tenant's connector for its mapping: the cached one while the mapping is the same (one rate limiter
 * per account across cycles and console calls), else a new one on its stored tokens.
 */
export function connectorLookup(o: Pick<RunnerOptions, 'store' | 'apps' | 'connectors' | 'log'>): (tenant: Tenant, mapping?: Mapping) => Promise<Connector> {
  const cache: ConnectorCache = o.connectors ?? new Map();
  return async (tenant, given) => {
    const mapping = given ?? (await mappingFor(o.store, tenant));
    // Every call counts against the tenant's daily API budget; the runs that use it enforce the budget.
    const counted = (connector: Connector) => meteredConnector(connector, { store: o.store, tenantId: tenant.id, enforce: false });
    const cached = cache.get(tenant.id);
    if (cached && sameMapping(cached.mapping, mapping)) return counted(cached.connector);
    const connector = await connectorFor(o.store, tenant, o.apps, mapping, o.log);
    cache.set(tenant.id, { mapping, connector });
    return counted(connector);
  };
}

/** The cycle job's work: contexts for its tenants, then their (linked) cycle. */
export function cycleRunner(o: RunnerOptions): CycleJobDeps['runUnit'] {
  const connectorOf = connectorLookup(o);
  return async (tenants) => {
    const progress = o.progress?.();
    let summaries: CycleSummary[];
    try {
      const contexts: PipelineContext[] = [];
      for (const tenant of tenants) {
        const mapping = await mappingFor(o.store, tenant);
        const connector = await connectorOf(tenant, mapping);
        // The running run's progress on its row: the status page and GET .../runs show it live.
        const recorder = runProgressRecorder(o.store, tenant.id, o.log);
        const onProgress = fanOut(progress?.onProgress, recorder.onProgress)!;
        const changeFeed = tenant.crm === 'hubspot' ? o.changeFeed : undefined;
        contexts.push({ store: o.store, tenant, connector, mapping, seed: o.seed, log: o.log, lease: o.lease, onProgress, runProgress: recorder, ...(o.now ? { now: o.now } : {}), ...(changeFeed ? { changeFeed } : {}) });
      }
      summaries = await runCycleUnit(contexts, o.cycle);
    } finally {
      progress?.stop();
    }
    await o.report?.(summaries);
    return summaries;
  };
}

/**
 * The configured store. On DATABASE_URL, or whenever `keysRequiredBy` names an entry point that always
 * runs beside other hosts (the worker, the Lambda handler), the tokens' keys must be configured.
 */
export async function openServiceStore(config: Config, options: { keysRequiredBy?: string; schema?: string } = {}): Promise<OpenedStore> {
  const who = options.keysRequiredBy ?? (config.databaseUrl ? 'a store on DATABASE_URL' : undefined);
  return openStoreWithDb({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(options.schema ? { schema: options.schema } : {}),
    ...(who !== undefined ? requireEncryptionKeys(config, who) : storeKeys(config)),
  });
}

/**
 * Installs through the service (GET /install/<crm>) with these apps: the first sync is a cycle job, and
 * the install's connector is kept in `connectors` so that the cycles go on with its rate limiter.
 */
export function installDeps(apps: CrmApps, jobs: Pick<Jobs, 'boss'>, connectors?: ConnectorCache): InstallDeps {
  return {
    apps,
    requestSync: async (tenantId, reason) => void (await sendCycle(jobs.boss, [tenantId], reason)),
    onInstalled: (installed) => void connectors?.set(installed.tenant.id, { mapping: installed.mapping, connector: installed.connector }),
  };
}

export interface Jobs {
  boss: PgBoss;
  /** What the HTTP app's webhook receiver hands its stored events to (AppDeps.jobs). */
  webhooks: WebhookQueue;
  stop(): Promise<void>;
}

/**
 * pg-boss on the store's database with the cycle and round handlers of this process. `lease` is this
 * process's run lease (its cycles'): cycle jobs an earlier instance of the same worker left running are
 * cancelled as soon as it starts, other processes' abandoned jobs once their run leases lapse.
 */
export async function startJobs(opened: OpenedStore, deps: CycleJobDeps, options: { schedule: boolean; schema?: string; lease?: LeaseSettings }): Promise<Jobs> {
  const boss = await openBoss(
    opened.db,
    { schedule: options.schedule, supervise: options.schedule, ...(options.schema ? { schema: options.schema } : {}) },
    (error) => deps.log(`job queue: ${error.message}`),
  );
  await registerCycleJobs(boss, deps);
  // A webhook's changes run the cycle of the tenant's whole unit (a linked group trains one model).
  const unitOf = async (tenant: Tenant) => (await deps.units()).find((unit) => unit.includes(tenant.id)) ?? [tenant.id];
  const schema = options.schema ?? DEFAULT_BOSS_SCHEMA;
  await registerWebhookJobs(boss, {
    store: deps.store,
    log: deps.log,
    unitOf,
    // An uninstalled tenant's queued cycles are cancelled, not left to start and skip.
    cancelQueued: async (tenantId) => (await cancelQueuedCycleJobs(boss, opened.db, schema, tenantId)).length,
    ...(deps.retry ? { cycleRetry: deps.retry } : {}),
  });
  const reap = async () => {
    try {
      const ids = await cancelAbandonedCycleJobs(boss, opened.db, schema, { graceMs: DEFAULT_LEASE_TTL_MS, ...(options.lease ? { lease: options.lease } : {}) });
      if (ids.length > 0) deps.log(`cancelled ${ids.length} cycle job(s) whose worker is gone (no live run lease): ${ids.join(', ')}`);
    } catch (error) {
      deps.log(`job queue: looking for abandoned cycle jobs failed: ${(error as Error).message}`);
    }
  };
  await reap();
  const reaper = setInterval(() => void reap(), ABANDONED_SCAN_MS);
  reaper.unref();
  return {
    boss,
    webhooks: webhookQueue(boss),
    // Waits for running jobs: a cycle is never cut off by a clean shutdown.
    stop: () => {
      clearInterval(reaper);
      return boss.stop({ graceful: true, wait: true, timeout: 30 * 60_000 });
    },
  };
}
