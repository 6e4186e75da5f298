/**
 * A local Salesforce org: a real HTTP server speaking the REST API (any vNN.N), SOQL, sObject
 * Collections, Bulk API 2.0 query and OAuth as a jsforce-based connector uses them, seeded with
 * the same demo people as the HubSpot emulator, with Salesforce's limits, error bodies and
 * failure modes.
 */
import { Hono } from 'hono';
import { countCalls } from '../shared/http.ts';
import { listen, type Listening } from '../shared/listen.ts';
import { AuthStore } from './auth.ts';
import { BulkJobs } from './bulkJobs.ts';
import { json, type Env, type EmulatorContext, type Stats } from './context.ts';
import { Cursors } from './cursors.ts';
import { LIMIT_EXCEEDED, SESSION_EXPIRED, SfError } from './errors.ts';
import { Faults, type FaultSettings } from './faults.ts';
import { ApiUsage } from './limits.ts';
import { mountBulk } from './routes/bulk.ts';
import { mountComposite } from './routes/composite.ts';
import { mountOAuth } from './routes/oauth.ts';
import { mountQuery } from './routes/query.ts';
import { mountRest } from './routes/rest.ts';
import { mountSObjects } from './routes/sobjects.ts';
import { seedOrg } from './seed.ts';
import { SalesforceState } from './state.ts';
import { deriveSeed } from '../../../src/domain/random.mjs';

export { SalesforceState, SEED_BASE_DATE_MS, type Outcome, type FieldAccess, type DeletedEntry } from './state.ts';
export { Faults, type FaultSettings } from './faults.ts';
export { parseSalesforceDump, SALESFORCE_DUMP_KIND, SALESFORCE_DUMP_VERSION, type SalesforceEmulatorDump } from './dump.ts';
export { saveEmulatorDump, loadEmulatorDump } from '../shared/persist.ts';
export { SIGNALS_PACKAGE, type CustomFieldInput, type CustomObjectInput, type FieldDef, type ObjectDef, type FieldType } from './schema.ts';
export { normalizeId, KEY_PREFIX } from './ids.ts';
export { syntheticEmail } from '../shared/seedPlan.ts';
export type { StoredRecord, Value } from './values.ts';

export interface SalesforceEmulatorOptions {
  seed?: number;
  /** Default 5000. */
  leads?: number;
  /** Share of leads still open, whose outcome is hidden; default 0.2. */
  openShare?: number;
  /** DailyApiRequests.Max; default 100,000. */
  dailyApiLimit?: number;
  /** Session timeout without use; default 7200 (two hours). */
  sessionTtlSeconds?: number;
  clientId?: string;
  clientSecret?: string;
  /** The connected app's callback URLs; authorize refuses any other redirect_uri. Default: any http(s) URL. */
  callbackUrls?: readonly string[];
  /** Overrides the seeded integration user's id (must be a valid 005 id if given). */
  integrationUserId?: string;
  /** Time source for sessions, limits, cursors and write timestamps; default Date.now. */
  clock?: () => number;
  /** Wall-clock ms a Bulk query job stays InProgress; default 50. */
  bulkJobDelayMs?: number;
  /** Rows per Bulk results page when the client gives no maxRecords; default 50,000. */
  bulkResultPageSize?: number;
  /** false: the org has no Bulk API 2.0 (Group/Professional edition); default true. */
  bulkApiEnabled?: boolean;
  /**
   * A dump from state.toJSON() (e.g. loadEmulatorDump's result): the org is rebuilt from it
   * instead of seeded, so leads and openShare are ignored (an integrationUserId must match the dump's). A bad dump throws,
   * naming the problem.
   */
  restore?: unknown;
}

export interface SalesforceEmulatorStats {
  calls: number;
  byRoute: Record<string, number>;
  writeCalls: number;
  bulkJobs: number;
  /** The rolling 24-hour API usage, as Sforce-Limit-Info reports it. */
  apiUsed: number;
}

export interface SalesforceEmulator {
  app: Hono<Env>;
  /** Binds 127.0.0.1; port 0 picks a free port. Sets instanceUrl. */
  listen(port?: number): Promise<Listening>;
  state: SalesforceState;
  faults: Faults;
  stats(): SalesforceEmulatorStats;
  resetStats(): void;
  /** Every authorization code, access token and refresh token this emulator handed out, oldest first. */
  issuedSecrets(): string[];
  /** A one-time code for the token endpoint, as if the admin had just approved the app (as the integration user). */
  issueAuthCode(redirectUri?: string): string;
  /** A session token without the OAuth dance; for the integration user unless another user id is given. */
  issueAccessToken(userId?: string): string;
  /** Every session dies (refresh tokens survive): API calls answer 401 INVALID_SESSION_ID. */
  expireSessions(): void;
  /**
   * An admin revokes the app's OAuth tokens: refreshes answer 400 invalid_grant "expired access/refresh
   * token" and the sessions they opened die. Returns how many refresh tokens were revoked.
   */
  revokeAppTokens(): number;
  orgId: string;
  integrationUserId: string;
  clientId: string;
  clientSecret: string;
  /** The listen() URL (http://localhost before listen). */
  readonly instanceUrl: string;
}

/** Stats keys keep the route shape: "GET /services/data/vXX.X/sobjects/Lead/{id}". */
function routeKey(method: string, path: string): string {
  const shaped = path
    .replace(/^\/services\/data\/v\d+\.\d+/, '/services/data/vXX.X')
    .replace(/\/(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?(?:-\d+)?(?=\/|$)/g, '/{id}');
  return `${method} ${shaped}`;
}

const SERVER_ERRORS: Record<number, { errorCode: string; message: string }> = {
  500: { errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred. Please include this ErrorId if you contact support: 1947483647-12345 (-1234567890)' },
  502: { errorCode: 'SERVER_UNAVAILABLE', message: 'Bad gateway' },
  503: { errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable' },
};

export function createSalesforceEmulator(options: SalesforceEmulatorOptions = {}): SalesforceEmulator {
  const clock = options.clock ?? Date.now;
  const seed = options.seed ?? 1;
  const clientId = options.clientId ?? '3MVG9sandbox.crm-signals.client-id';
  const clientSecret = options.clientSecret ?? 'sandbox-client-secret';

  let state: SalesforceState;
  if (options.restore === undefined) {
    state = new SalesforceState(clock, deriveSeed(seed, 'sf-org') % 100_000);
    seedOrg(state, { seed, leads: options.leads ?? 5000, openShare: options.openShare ?? 0.2, integrationUserId: options.integrationUserId });
  } else {
    state = SalesforceState.fromDump(options.restore, clock);
    if (options.integrationUserId !== undefined && options.integrationUserId !== state.users.integration) {
      throw new Error(`integrationUserId ${options.integrationUserId} contradicts the restored dump, whose integration user is ${state.users.integration}`);
    }
  }
  const defaults: FaultSettings = {
    serverErrorRate: 0,
    latencyMs: 0,
    dailyApiLimit: options.dailyApiLimit ?? 100_000,
    bulkApiEnabled: options.bulkApiEnabled ?? true,
    bulkDisabledAs: 'API_DISABLED_FOR_ORG',
    bulkJobDelayMs: options.bulkJobDelayMs ?? 50,
    bulkJobsFail: false,
    queryBatchSizeCap: null,
    jwtPreAuthorized: true,
  };
  const faults = new Faults(state, seed, defaults);
  const auth = new AuthStore({ clientId, clientSecret, sessionTtlSeconds: options.sessionTtlSeconds ?? 7200, orgId: state.orgId, clock });
  const usage = new ApiUsage(clock);
  const stats: Stats = { calls: 0, byRoute: {}, writeCalls: 0, bulkJobs: 0 };
  let baseUrl = 'http://localhost';

  const ctx: EmulatorContext = {
    state, auth, faults, usage, stats,
    cursors: new Cursors(clock),
    jobs: new BulkJobs(),
    instanceUrl: () => baseUrl,
    idUrl: (userId) => `https://login.salesforce.com/id/${state.orgId}/${userId}`,
    callbackUrls: options.callbackUrls,
  };

  const app = new Hono<Env>({ strict: false });

  app.use('*', countCalls(stats, routeKey));

  // Every /services/data/vXX.X call: session check, the daily allocation, faults, and the
  // Sforce-Limit-Info header on the answer (errors included).
  app.use('*', async (c, next) => {
    if (!/^\/services\/data\/v\d+\.\d+(?:\/|$)/.test(c.req.path)) return next();
    const m = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '');
    const check = auth.check(m?.[1]);
    if (!check.ok) return json(SESSION_EXPIRED, 401, { 'WWW-Authenticate': 'Token' });
    const limit = faults.current.dailyApiLimit;
    const used = usage.used();
    if (used >= limit) return json(LIMIT_EXCEEDED, 403, { 'Sforce-Limit-Info': `api-usage=${used}/${limit}` });
    usage.record();
    c.set('session', check.session);
    c.set('version', c.req.path.split('/')[3]?.slice(1) ?? '62.0');
    await faults.delay();
    const failure = faults.drawServerError();
    if (failure) return json([SERVER_ERRORS[failure]], failure, { 'Sforce-Limit-Info': `api-usage=${usage.used()}/${limit}` });
    await next();
    c.res.headers.set('Sforce-Limit-Info', `api-usage=${usage.used()}/${limit}`);
  });

  mountOAuth(app, ctx);
  mountRest(app, ctx);
  mountQuery(app, ctx);
  mountBulk(app, ctx, { resultPageSize: options.bulkResultPageSize ?? 50_000 });
  mountComposite(app, ctx);
  mountSObjects(app, ctx);

  app.notFound(() => json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }], 404));
  app.onError((err) => {
    if (err instanceof SfError) return json(err.body, err.status, err.headers);
    return json([{ message: `An unexpected error occurred in the emulator: ${err instanceof Error ? err.message : String(err)}`, errorCode: 'UNKNOWN_EXCEPTION' }], 500);
  });

  return {
    app,
    state,
    faults,
    orgId: state.orgId,
    get integrationUserId() {
      return state.users.integration;
    },
    clientId,
    clientSecret,
    get instanceUrl() {
      return baseUrl;
    },
    stats: () => ({ ...stats, byRoute: { ...stats.byRoute }, apiUsed: usage.used() }),
    resetStats: () => {
      stats.calls = 0;
      stats.byRoute = {};
      stats.writeCalls = 0;
      stats.bulkJobs = 0;
      usage.reset();
    },
    issueAuthCode: (redirectUri) => auth.issueCode(state.users.integration, redirectUri),
    issuedSecrets: () => [...auth.issued],
    issueAccessToken: (userId) => auth.openSession(userId ?? state.users.integration).token,
    expireSessions: () => auth.expireSessions(),
    revokeAppTokens: () => auth.revokeApp(),
    listen: async (port = 0) => {
      const listening = await listen(app.fetch, port);
      baseUrl = listening.url;
      return listening;
    },
  };
}
