/**
 * A local HubSpot portal: a real HTTP server speaking the CRM v3/v4 and OAuth endpoints our
 * connector uses, seeded with demo data, with HubSpot's limits, error bodies and failure modes.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { countCalls } from '../shared/http.ts';
import { listen, type Listening } from '../shared/listen.ts';
import { AuthStore, DEFAULT_SCOPES } from './auth.ts';
import type { Policy, EmulatorContext, Stats } from './context.ts';
import { errorBody } from './errors.ts';
import { Faults } from './faults.ts';
import { RollingWindow, type WindowConfig } from './rateLimit.ts';
import { mountAssociations } from './routes/associations.ts';
import { AUTHORIZE_PATH, mountAuthorize } from './routes/authorize.ts';
import { mountLifecycle } from './routes/lifecycle.ts';
import { mountBatch } from './routes/batch.ts';
import { mountOAuth } from './routes/oauth.ts';
import { mountObjects } from './routes/objects.ts';
import { mountProperties } from './routes/properties.ts';
import { mountSearch } from './routes/search.ts';
import { seedPortal } from './seed.ts';
import type { ObjectType } from './objectTypes.ts';
import { EmulatorState, type StoredRecord } from './state.ts';
import { createWebhookSender, type WebhookOptions, type WebhookSender } from './webhooks.ts';

export { EmulatorState, type StoredRecord, type Outcome } from './state.ts';
export { parseHubSpotDump, HUBSPOT_DUMP_KIND, HUBSPOT_DUMP_VERSION, type HubSpotEmulatorDump } from './dump.ts';
export { saveEmulatorDump, loadEmulatorDump } from '../shared/persist.ts';
export { SEED_BASE_DATE_MS } from '../shared/seedPlan.ts';
export { Faults, type FaultSettings } from './faults.ts';
export type { PropertyDef, OptionDef, GroupDef } from './catalog.ts';
export { OBJECT_TYPES, type ObjectType } from './objectTypes.ts';
export { DEFAULT_SCOPES } from './auth.ts';
export { AUTHORIZE_PATH, CONSENT_PATH } from './routes/authorize.ts';
export { signV3, signatureUri, signedHeaders } from './webhookSigner.ts';
export {
  APP_LIFECYCLE_EVENT, APP_UNINSTALL_EVENT_TYPE_ID, DEFAULT_RETRY_DELAYS_MS, MAX_EVENTS_PER_REQUEST,
  type DeliveryAttempt, type SubscriptionSpec, type WebhookEvent, type WebhookOptions, type WebhookSender,
} from './webhooks.ts';
export type { Actor, StateChange } from './state.ts';

/** Where an emulator listening at `url` shows its install screen (app.hubspot.com/oauth/authorize in HubSpot). */
export function hubspotEmulatorAuthorizeUrl(url: string): string {
  return `${url.replace(/\/+$/, '')}${AUTHORIZE_PATH}`;
}

export interface EmulatorOptions {
  seed?: number;
  /** Default 5000. */
  contacts?: number;
  /** Share of contacts whose outcome is hidden (open leads); default 0.2. */
  openShare?: number;
  /** The 10-second rolling limit; default 110 per 10,000 ms (public marketplace app). */
  rateLimit?: { max: number; intervalMs: number };
  /** Search's own limit; default 5 per second. */
  searchPerSecond?: number;
  clientId?: string;
  clientSecret?: string;
  /** Default 1800 (HubSpot's 30 minutes). */
  tokenTtlSeconds?: number;
  portalId?: number;
  /** The app's id, the sourceId of its own writes in webhook events; default 3141592. */
  appId?: number;
  /** The scopes the app declares; the install URL may ask for these only. Default DEFAULT_SCOPES. */
  scopes?: readonly string[];
  /** Signed webhooks for the portal's changes (see webhooks.ts); without a targetUrl nothing is sent. */
  webhooks?: WebhookOptions;
  /** Time source for tokens, rate windows and write timestamps; default Date.now. */
  clock?: () => number;
  /**
   * A dump from state.toJSON() (e.g. loadEmulatorDump's result): the portal is rebuilt from it
   * instead of seeded, so contacts and openShare are ignored. A bad dump throws, naming the problem.
   */
  restore?: unknown;
}

export interface EmulatorStats {
  calls: number;
  byRoute: Record<string, number>;
  writeCalls: number;
  throttled: number;
}

export interface HubSpotEmulator {
  app: Hono;
  /** Binds 127.0.0.1; port 0 picks a free port. */
  listen(port?: number): Promise<Listening>;
  state: EmulatorState;
  faults: Faults;
  stats(): EmulatorStats;
  resetStats(): void;
  /** Every authorization code, access token and refresh token this emulator handed out, oldest first. */
  issuedSecrets(): string[];
  /** A one-time code for the token endpoint, as if the admin had just approved the install. */
  issueAuthCode(redirectUri?: string): string;
  /** A valid access token without the OAuth dance (tests that are not about OAuth). */
  issueAccessToken(ttlSeconds?: number): string;
  /** Forgets every rate-limit window, e.g. after a storm test. */
  resetRateLimits(): void;
  /**
   * The app is uninstalled: all tokens stop working, refreshes answer BAD_REFRESH_TOKEN, and the
   * uninstall lifecycle event goes to the webhook target.
   */
  uninstall(): void;
  /** Every access token stops working now (401) while refresh tokens still work: a session that dies mid-cycle. */
  expireAccessTokens(): void;
  /** A user edits a record in HubSpot's UI (no validation; the webhook events say CRM_UI). Throws for an unknown id. */
  edit(id: string, properties: Record<string, string>, type?: ObjectType): StoredRecord;
  /** Signed webhook delivery: target, flush, the log of attempts. */
  webhooks: WebhookSender;
  /** `${listen url}/oauth/authorize` once listening (configure the service's HubSpot authorize URL with it). */
  readonly authorizeUrl: string;
  portalId: number;
  appId: number;
  clientId: string;
  clientSecret: string;
}

const AUTH_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

/** Stats keys keep the route shape, not the record: "GET /crm/v3/objects/contacts/{id}". */
function routeKey(method: string, path: string): string {
  return `${method} ${path.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
}

export function createHubSpotEmulator(options: EmulatorOptions = {}): HubSpotEmulator {
  const clock = options.clock ?? Date.now;
  const seed = options.seed ?? 1;
  const state = options.restore === undefined ? new EmulatorState(clock, options.portalId) : EmulatorState.fromDump(options.restore, clock);
  if (options.portalId !== undefined && options.portalId !== state.portalId) {
    throw new Error(`portalId ${options.portalId} contradicts the restored dump, which is portal ${state.portalId}`);
  }
  const portalId = state.portalId;
  const appId = options.appId ?? 3_141_592;
  const rateLimit: WindowConfig = options.rateLimit ?? { max: 110, intervalMs: 10_000 };
  const searchPerSecond = options.searchPerSecond ?? 5;
  const clientId = options.clientId ?? 'sandbox-client-id';
  const clientSecret = options.clientSecret ?? 'sandbox-client-secret';

  if (options.restore === undefined) seedPortal(state, { seed, contacts: options.contacts ?? 5000, openShare: options.openShare ?? 0.2 });
  const faults = new Faults(state, seed);
  const auth = new AuthStore({ clientId, clientSecret, tokenTtlSeconds: options.tokenTtlSeconds ?? 1800, clock, scopes: options.scopes ?? DEFAULT_SCOPES });
  const webhooks = createWebhookSender(options.webhooks ?? {}, { portalId, appId, clientSecret, clock, seed });
  // After seeding or restoring: the portal's history is not news to anyone.
  state.observer = (change) => webhooks.record(change);
  let baseUrl = 'http://localhost';
  const stats: Stats = { calls: 0, byRoute: {}, writeCalls: 0, throttled: 0 };

  const tenSecondly = new RollingWindow(() => faults.current.rateLimit ?? rateLimit, clock);
  const searchWindow = new RollingWindow(() => ({ max: faults.current.searchPerSecond ?? searchPerSecond, intervalMs: 1000 }), clock);

  const guard = (policy: Policy): MiddlewareHandler => async (c, next) => {
    if (policy === 'ten-secondly') {
      const r = tenSecondly.take();
      c.header('X-HubSpot-RateLimit-Interval-Milliseconds', String(r.config.intervalMs));
      c.header('X-HubSpot-RateLimit-Max', String(r.config.max));
      if (!r.ok) {
        c.header('X-HubSpot-RateLimit-Remaining', '0');
        c.header('Retry-After', String(Math.ceil(r.retryAfterMs / 1000)));
        return c.json(
          {
            ...errorBody({ message: 'You have reached your ten_secondly_rolling limit.', category: 'RATE_LIMITS' }),
            errorType: 'RATE_LIMIT',
            policyName: 'TEN_SECONDLY_ROLLING',
            groupName: `publicapps:oauth:${appId}:${portalId}`,
          },
          429,
        );
      }
      c.header('X-HubSpot-RateLimit-Remaining', String(r.remaining));
    } else if (policy === 'search') {
      // Search answers carry no X-HubSpot-RateLimit-* headers (reference 5.3), only the 429 body.
      const r = searchWindow.take();
      if (!r.ok) {
        c.header('Retry-After', String(Math.ceil(r.retryAfterMs / 1000)));
        return c.json(
          {
            ...errorBody({ message: 'You have reached your secondly limit.', category: 'RATE_LIMITS' }),
            errorType: 'RATE_LIMIT',
            policyName: 'SECONDLY',
            groupName: `search:${portalId}`,
          },
          429,
        );
      }
    }
    await faults.delay();
    const failure = faults.drawServerError();
    if (failure === 502) {
      return c.json(errorBody({ message: 'The upstream server returned an invalid response. Please try again later.', category: 'BAD_GATEWAY' }), 502);
    }
    if (failure === 503) {
      return c.json(errorBody({ message: 'The service is temporarily unavailable. Please try again later.', category: 'SERVICE_UNAVAILABLE' }), 503);
    }
    await next();
  };

  const ctx: EmulatorContext = { state, auth, faults, stats, portalId, appId, guard };
  const app = new Hono();

  app.use('*', countCalls(stats, routeKey));
  app.use('*', async (c, next) => {
    await next();
    if (c.res.status === 429) stats.throttled++;
  });

  mountOAuth(app, ctx);
  mountAuthorize(app, ctx);

  app.use('/crm/*', async (c, next) => {
    const check = auth.check(c.req.header('Authorization'));
    if (!check.ok) {
      const message =
        check.reason === 'expired'
          ? `The OAuth token used to make this call expired ${Math.max(1, Math.round((check.expiredMs ?? 0) / 1000))} second(s) ago.`
          : AUTH_MESSAGE;
      return c.json(errorBody({ message, category: 'INVALID_AUTHENTICATION' }), 401);
    }
    await next();
  });

  // Search and batch before the /{objectId} routes they would otherwise resemble.
  mountSearch(app, ctx);
  mountBatch(app, ctx);
  mountLifecycle(app, ctx);
  mountObjects(app, ctx);
  mountProperties(app, ctx);
  mountAssociations(app, ctx);

  app.notFound((c) =>
    c.json(errorBody({ message: `No route for ${c.req.method} ${c.req.path}`, category: 'OBJECT_NOT_FOUND' }), 404),
  );
  app.onError((err, c) =>
    c.json(errorBody({ message: `Internal error in the emulator: ${err instanceof Error ? err.message : String(err)}`, category: 'INTERNAL_ERROR' }), 500),
  );

  return {
    app,
    state,
    faults,
    portalId,
    appId,
    clientId,
    clientSecret,
    webhooks,
    get authorizeUrl() {
      return hubspotEmulatorAuthorizeUrl(baseUrl);
    },
    expireAccessTokens: () => auth.expireAccessTokens(),
    edit: (id, properties, type = 'contacts') => {
      const record = state.update(type, id, properties, state.now(), 'CRM_UI');
      if (!record) throw new Error(`no ${type} record ${id} in portal ${portalId}`);
      return record;
    },
    stats: () => ({ ...stats, byRoute: { ...stats.byRoute } }),
    resetStats: () => {
      stats.calls = 0;
      stats.byRoute = {};
      stats.writeCalls = 0;
      stats.throttled = 0;
    },
    issueAuthCode: (redirectUri) => auth.issueCode(redirectUri),
    issuedSecrets: () => [...auth.issued],
    issueAccessToken: (ttlSeconds) => auth.issueAccessToken(ttlSeconds).token,
    resetRateLimits: () => {
      tenSecondly.reset();
      searchWindow.reset();
    },
    uninstall: () => {
      auth.revokeAll();
      webhooks.uninstalled();
    },
    listen: async (port = 0) => {
      const listening = await listen(app.fetch, port);
      baseUrl = listening.url;
      return listening;
    },
  };
}
