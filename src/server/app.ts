/**
 * The service's HTTP app. Dependencies are injected so tests call app.request() without a socket.
 * Every route but /healthz and /login needs an admin session (src/server/auth/sessions.ts), and a session
 * sees only its tenants: another tenant's id answers 404, exactly as a tenant that does not exist.
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { OUTPUT_FIELDS } from '../domain/outputFields.ts';
import type { WebhookQueue } from '../pipeline/jobs/webhookJobs.ts';
import { scoreDistribution } from '../pipeline/report.ts';
import type { Signer } from '../store/crypto.ts';
import type { AdminSession, Store } from '../store/types.ts';
import { canAccess, endSession, redeemLoginToken, requireAdmin, startSession, type SessionDeps } from './auth/sessions.ts';
import { dateFormatter, renderMessagePage, renderStatusPage, type TenantStatus } from './status/page.ts';
import { routeTableOnly, servedPaths } from './routeTable.ts';
import { createCardCache, type CardCache } from './cards/cardCache.ts';
import { createCardLoader } from './cards/cardLoader.ts';
import { createBandsCache, type BandsCache } from './status/bandsCache.ts';
import { createReadCache, type ReadCache } from './readCache.ts';
import { cachedContactCard, cardError } from './cards/contactCard.ts';
import { mountHubSpotContactCard } from './cards/hubspotContact.ts';
import { mountHubSpotWebhooks, type HubSpotAppSecrets } from './webhooks/hubspot.ts';
import { mountInstall, type InstallDeps } from './install/routes.ts';
import type { ConnectorOf } from './console/crmActions.ts';
import { proposalOf } from './console/proposedChanges.ts';
import { budgetStatus } from '../pipeline/jobs/apiBudget.ts';
import { mountConsole } from './console/routes.ts';
import { openApiDocument } from './openapi.ts';
import { accessibleTenant, params, recordIdParam, tenantIdParam, type ServiceEnv } from './requests.ts';

export interface AppDeps {
  store: Store;
  /** Signs the session cookie (and OAuth state); from the store's keys (OpenedStore.signer). */
  signer: Signer;
  /**
   * The service's external base URL (e.g. https://signals.example.com): HubSpot signs the URL it called,
   * redirect URIs are built on it, and cookies are Secure when it is https. Default http://127.0.0.1.
   */
  publicUrl?: string;
  log?: (message: string) => void;
  /** The HubSpot app: its client secret verifies webhooks and card calls, its id tells our own writes apart. */
  hubspot?: HubSpotAppSecrets;
  /** Where the webhook receiver hands what it stored (pg-boss, src/pipeline/jobs/webhookJobs.ts). */
  jobs?: { webhooks: WebhookQueue };
  /** The record card's cache; by default one per app, made on first use. */
  cardCache?: CardCache;
  /** The status routes' score distributions (default: one per app, invalidated by this process's writes). */
  bandsCache?: BandsCache;
  /** Clock of the signature window (tests). */
  now?: () => number;
  /** The CRM apps admins install through (GET /install/<crm>); without one, those pages say it is not set up. */
  install?: InstallDeps;
  /** A connector on a tenant's stored tokens, for console routes that ask the CRM (its fields, a mapping's check). */
  connectorOf?: ConnectorOf;
}

export type { ServiceEnv } from './requests.ts';

/** Our output properties in HubSpot: a change our own app made to one of them is an echo, not news. */
const HUBSPOT_OUTPUT_PROPERTIES: ReadonlySet<string> = new Set(OUTPUT_FIELDS.map((f) => f.names.hubspot));

/** What the status page and /api/status show per tenant; the proposal (two more queries) only for the page. */
async function tenantStatuses(store: Store, reads: ReadCache, bands: BandsCache, c: Context<ServiceEnv>, options: { proposals: boolean }): Promise<TenantStatus[]> {
  const tenants = (await reads.get('tenants', () => store.listTenants())).filter((t) => canAccess(c.get('session'), t.id));
  return Promise.all(
    tenants.map(async (tenant) => ({
      tenant,
      runs: await reads.get(`newest runs of ${tenant.id}`, () => store.listRuns(tenant.id, 10)),
      bands: await bands.get(tenant.id, () => scoreDistribution(store, tenant.id)),
      // a run's proposed changes are a GROUP BY over its rows (millions at 1M contacts): asked once per store write, not per page view
      ...(options.proposals
        ? { proposal: await reads.get(`proposal of ${tenant.id}`, () => proposalOf(store, tenant.id)), budget: await reads.get(`budget of ${tenant.id}`, () => budgetStatus(store, tenant.id)) }
        : {}),
    })),
  );
}

const wantsHtml = (c: Context) => !c.req.path.startsWith('/api/') && (c.req.header('accept') ?? '').includes('text/html');

export function createApp(deps: AppDeps): Hono<ServiceEnv> {
  const { store } = deps;
  const reads = createReadCache(store);
  const sessions: SessionDeps = {
    store,
    reads,
    signer: deps.signer,
    // Read per request: an app built only for its route table (routeTable.ts) never touches its deps.
    get secureCookies() {
      return (deps.publicUrl ?? '').startsWith('https://');
    },
  };
  const admin = requireAdmin(sessions);
  // created on first use, like the card cache: an app built only for its route table subscribes to nothing
  let bandsCache: BandsCache | undefined = deps.bandsCache;
  const bandsCacheOf = () => (bandsCache ??= createBandsCache());
  const app = new Hono<ServiceEnv>();
  app.use(
    '*',
    secureHeaders({
      // The pages are server-rendered with inline styles and no script.
      contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], imgSrc: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"] },
      referrerPolicy: 'no-referrer',
    }),
  );

  app.get('/healthz', (c) => c.json({ ok: true }));
  // Built on first use, then kept: the schemas it renders do not change while the app runs.
  let openApi: Record<string, unknown> | undefined;
  app.get('/api/openapi.json', (c) => c.json((openApi ??= openApiDocument(deps.publicUrl))));
  app.get('/login', async (c) => {
    const token = c.req.query('token');
    const scope = token ? await redeemLoginToken(store, token) : null;
    if (!scope) {
      return c.html(renderMessagePage('This login link does not work', ['It was already used, has expired, or was mistyped. `npm start` prints a fresh one each time it starts.']), 401);
    }
    await startSession(c, sessions, scope);
    return c.redirect('/', 303);
  });
  app.post('/logout', admin, async (c) => {
    await endSession(c, sessions);
    return c.html(renderMessagePage('Signed out', ['Open a new login link to sign in again.']));
  });
  // Read per request, like secureCookies: a route-table-only app must not touch its deps while mounting.
  mountInstall(app, sessions, () => deps.install, (message) => (deps.log ?? console.error)(message));
  app.get('/api/session', admin, (c) => {
    const session = c.get('session')!;
    return c.json({ operator: session.operator, tenants: session.tenantIds, label: session.label, expiresAt: session.expiresAt, csrfToken: session.csrfToken });
  });

  app.get('/', admin, async (c) => c.html(renderStatusPage(await tenantStatuses(store, reads, bandsCacheOf(), c, { proposals: true }), c.get('session') ?? null, dateFormatter(c.req.header('accept-language')))));
  app.get('/api/status', admin, async (c) => {
    const session = c.get('session') as AdminSession;
    // Sessions that see the same tenants share the answer, text included: under load this route
    // serializes once per store write (or per read-cache ttl), not once per request.
    const scope = session.operator ? 'every tenant' : [...session.tenantIds].sort().join('\u0000');
    const body = await reads.get(`/api/status for ${scope}`, async () => {
      const statuses = await tenantStatuses(store, reads, bandsCacheOf(), c, { proposals: false });
      return JSON.stringify({
        tenants: statuses.map((s) => ({
          id: s.tenant.id,
          crm: s.tenant.crm,
          mode: s.tenant.mode,
          status: s.tenant.status,
          statusReason: s.tenant.statusReason,
          lastRun: s.runs[0] ?? null,
          scoreDistribution: s.bands,
        })),
      });
    });
    return c.body(body, 200, { 'content-type': 'application/json' });
  });
  app.get('/api/tenants/:id/runs', admin, params({ id: tenantIdParam }), async (c) => {
    const tenant = await accessibleTenant(c, store, c.req.valid('param').id);
    return c.json({ runs: await store.listRuns(tenant.id, 50) });
  });

  mountConsole(app, { store, admin, log: deps.log ?? console.error, ...(deps.connectorOf ? { connectorOf: deps.connectorOf } : {}) });

  // Signed by HubSpot, not by a session: these never read a cookie.
  let cardCache: CardCache | undefined = deps.cardCache;
  const cardCacheOf = () => (cardCache ??= createCardCache());
  mountHubSpotWebhooks(app, deps, HUBSPOT_OUTPUT_PROPERTIES);
  const loadCard = createCardLoader(store);
  mountHubSpotContactCard(app, deps, { cache: cardCacheOf, load: loadCard }, reads);
  // The Salesforce record page's history list (and any admin's view of one contact): the same payload.
  app.get('/api/tenants/:id/contacts/:contactId/card', admin, params({ id: tenantIdParam, contactId: recordIdParam }), async (c) => {
    const { id, contactId } = c.req.valid('param');
    const tenant = await accessibleTenant(c, store, id);
    const payload = await cachedContactCard(loadCard, cardCacheOf(), tenant.id, contactId);
    return payload ? c.json(payload, 200) : c.json(cardError(`contact ${contactId} not found in tenant ${tenant.id}`), 404);
  });

  app.onError((error, c) => {
    const status = error instanceof HTTPException ? error.status : 500;
    const message = error instanceof HTTPException ? error.message : 'internal error';
    if (!(error instanceof HTTPException)) (deps.log ?? console.error)(`${c.req.method} ${c.req.path}: ${error instanceof Error ? error.message : String(error)}`);
    if (wantsHtml(c)) return c.html(renderMessagePage(status === 401 ? 'Sign in to crm-signals' : 'Something went wrong', [message]), status);
    return c.json({ error: message }, status);
  });
  return app;
}

/** The paths the app answers (from its route table): the manifests name a backend path only if it is here. */
export const SERVED_PATHS: readonly string[] = Object.freeze(servedPaths(createApp(routeTableOnly<AppDeps>())));
