/**
 * The service's HTTP app. Dependencies are injected so tests call app.request() without a socket.
 * Every route but /healthz and /login needs an admin session (src/server/auth/sessions.ts), and a session
 * sees only its tenants: another tenant's id answers 404, exactly as a tenant that does not exist.
 */
import { zValidator } from '@hono/zod-validator';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { z } from 'zod';
import { OUTPUT_FIELDS } from '../domain/outputFields.ts';
import type { RollbackReport } from '../pipeline/rollback.ts';
import type { WebhookQueue } from '../pipeline/jobs/webhookJobs.ts';
import { scoreDistribution } from '../pipeline/report.ts';
import type { Signer } from '../store/crypto.ts';
import type { Store, Tenant } from '../store/types.ts';
import { canAccess, endSession, redeemLoginToken, requireAdmin, startSession, type SessionDeps, type SessionEnv } from './auth/sessions.ts';
import { dateFormatter, renderMessagePage, renderStatusPage, type TenantStatus } from './status/page.ts';
import { routeTableOnly, servedPaths } from './routeTable.ts';
import { createCardCache, type CardCache } from './cards/cardCache.ts';
import { cachedContactCard, cardError } from './cards/contactCard.ts';
import { mountHubSpotContactCard } from './cards/hubspotContact.ts';
import { mountHubSpotWebhooks, type HubSpotAppSecrets } from './webhooks/hubspot.ts';
import { mountInstall, type InstallDeps } from './install/routes.ts';
import { crmFields, MappedObject, MappingSave, mappingState, restoreMapping, rollbackThroughConsole, saveMapping, type ConnectorOf } from './console/crmActions.ts';
import { openApiDocument } from './openapi.ts';
import { PRIVACY_DELETIONS_PATH, privacyBodyLimit, privacyDeletion } from './privacy/routes.ts';
import { activeModelExport, AuditQuery, auditPage, ModelKind, modelVersions, scoresCsv } from './console/exports.ts';
import { changeMode, changesCsv, changesPage, ChangesQuery, ModeChange, modeChangeFromForm, proposalOf } from './console/proposedChanges.ts';

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
  /** Clock of the signature window (tests). */
  now?: () => number;
  /** The CRM apps admins install through (GET /install/<crm>); without one, those pages say it is not set up. */
  install?: InstallDeps;
  /** A connector on a tenant's stored tokens, for console routes that ask the CRM (its fields, a mapping's check). */
  connectorOf?: ConnectorOf;
}

export type ServiceEnv = SessionEnv;

/**
 * A tenant id as it may reach the store: PostgreSQL text cannot hold NUL or a lone surrogate, and control
 * characters are never part of an id, so such a parameter is the caller's mistake (400), not the database's.
 */
// With the u flag a surrogate pair is one code point, so only a lone half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
export const tenantIdParam = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((id) => !LONE_SURROGATE.test(id), 'must be well-formed Unicode')
  // eslint-disable-next-line no-control-regex
  .refine((id) => !/[\u0000-\u001f\u007f]/.test(id), 'must not contain control characters');

/** A CRM record id as a route parameter: the same rules as a tenant id, at the store's id length. */
export const recordIdParam = tenantIdParam.and(z.string().max(1000, 'must be at most 1000 characters'));

/** Our output properties in HubSpot: a change our own app made to one of them is an echo, not news. */
const HUBSPOT_OUTPUT_PROPERTIES: ReadonlySet<string> = new Set(OUTPUT_FIELDS.map((f) => f.names.hubspot));

/** Validates the route's parameters; the 400 names the first bad parameter and what is wrong with it. */
export function params<T extends z.ZodRawShape>(shape: T) {
  return zValidator('param', z.object(shape), (result, c) => {
    if (result.success) return undefined;
    const issue = result.error.issues[0];
    return c.json({ error: `route parameter ${issue?.path.join('.') || '?'} ${issue?.message ?? 'is invalid'}` }, 400);
  });
}

const firstProblem = (error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }, where: string, whole: string) => {
  const issue = error.issues[0];
  return `${where} ${issue?.path.map(String).join('.') || whole}: ${issue?.message ?? 'is invalid'}`;
};

/** Validates the query string; the 400 names the first bad parameter and what is wrong with it. */
export function validatedQuery<T extends z.ZodType>(schema: T) {
  return zValidator('query', schema, (result, c) => (result.success ? undefined : c.json({ error: firstProblem(result.error, 'query parameter', '?') }, 400)));
}

/** The JSON body parsed with `schema`; a 400 names the first bad field (or says the body is not JSON). */
export async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  if (!(c.req.header('content-type') ?? '').startsWith('application/json')) throw new HTTPException(415, { message: 'send the body as application/json' });
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw new HTTPException(400, { message: 'field body: is not valid JSON' });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new HTTPException(400, { message: firstProblem(parsed.error, 'field', 'body') });
  return parsed.data;
}

/** The session's tenant, or 404 for one it may not see (indistinguishable from one that does not exist). */
export async function accessibleTenant(c: Context<ServiceEnv>, store: Store, tenantId: string): Promise<Tenant> {
  const tenant = canAccess(c.get('session'), tenantId) ? await store.getTenant(tenantId) : null;
  if (!tenant) throw new HTTPException(404, { message: `no tenant ${tenantId}` });
  return tenant;
}

async function tenantStatuses(store: Store, c: Context<ServiceEnv>): Promise<TenantStatus[]> {
  const tenants = (await store.listTenants()).filter((t) => canAccess(c.get('session'), t.id));
  return Promise.all(
    tenants.map(async (tenant) => ({
      tenant,
      runs: await store.listRuns(tenant.id, 10),
      bands: await scoreDistribution(store, tenant.id),
      proposal: await proposalOf(store, tenant.id),
    })),
  );
}

const isForm = (c: Context) => (c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded');

const wantsHtml = (c: Context) => !c.req.path.startsWith('/api/') && (c.req.header('accept') ?? '').includes('text/html');

export function createApp(deps: AppDeps): Hono<ServiceEnv> {
  const { store } = deps;
  const sessions: SessionDeps = {
    store,
    signer: deps.signer,
    // Read per request: an app built only for its route table (routeTable.ts) never touches its deps.
    get secureCookies() {
      return (deps.publicUrl ?? '').startsWith('https://');
    },
  };
  const admin = requireAdmin(sessions);
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
  app.get('/api/openapi.json', (c) => c.json(openApiDocument(deps.publicUrl)));
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

  app.get('/', admin, async (c) => c.html(renderStatusPage(await tenantStatuses(store, c), c.get('session') ?? null, dateFormatter(c.req.header('accept-language')))));
  app.get('/api/status', admin, async (c) => {
    const statuses = await tenantStatuses(store, c);
    return c.json({
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
  app.get('/api/tenants/:id/runs', admin, params({ id: tenantIdParam }), async (c) => {
    const tenant = await accessibleTenant(c, store, c.req.valid('param').id);
    return c.json({ runs: await store.listRuns(tenant.id, 50) });
  });

  // What going live would write (a shadow run's or dry run's proposals), and going live.
  const runParams = params({ id: tenantIdParam, runId: z.coerce.number().int('must be a whole number').positive('must be positive').max(Number.MAX_SAFE_INTEGER) });
  app.get('/api/tenants/:id/runs/:runId/changes', admin, runParams, validatedQuery(ChangesQuery), async (c) => {
    const { id, runId } = c.req.valid('param');
    return c.json(await changesPage(store, await accessibleTenant(c, store, id), runId, c.req.valid('query')));
  });
  app.get('/api/tenants/:id/runs/:runId/changes.csv', admin, runParams, async (c) => {
    const { id, runId } = c.req.valid('param');
    return changesCsv(c, store, await accessibleTenant(c, store, id), runId);
  });
  app.post('/api/tenants/:id/mode', admin, params({ id: tenantIdParam }), async (c) => {
    // The tenant first: another tenant's admin learns nothing from the body's validation.
    const tenant = await accessibleTenant(c, store, c.req.valid('param').id);
    const log = deps.log ?? console.error;
    if (isForm(c)) {
      // The status page's button: the same checks, answered as pages.
      const parsed = ModeChange.safeParse(modeChangeFromForm(await c.req.parseBody()));
      if (!parsed.success) return c.html(renderMessagePage('Not switched', [firstProblem(parsed.error, 'field', 'body')]), 400);
      const answer = await changeMode(store, tenant, parsed.data, log);
      return answer.status === 200 ? c.redirect('/', 303) : c.html(renderMessagePage('Not switched to live', [answer.body.error, 'Reload the status page and read the changes again.']), answer.status);
    }
    const answer = await changeMode(store, tenant, await jsonBody(c, ModeChange), log);
    return c.json(answer.body, answer.status);
  });

  // The field mapping: versions, the CRM's fields, saving and restoring (validated against the CRM).
  // After params(): the id is checked by then.
  const tenantOf = (c: Context<ServiceEnv>) => accessibleTenant(c, store, c.req.param('id') ?? '');
  const authorOf = (c: Context<ServiceEnv>) => c.get('session')?.label ?? 'admin';
  app.get('/api/tenants/:id/mapping', admin, params({ id: tenantIdParam }), async (c) => c.json(await mappingState(store, await tenantOf(c))));
  app.get('/api/tenants/:id/fields/:objectType', admin, params({ id: tenantIdParam, objectType: MappedObject }), async (c) => {
    const answer = await crmFields(deps.connectorOf, await tenantOf(c), c.req.valid('param').objectType);
    return c.json(answer.body, answer.status);
  });
  app.post('/api/tenants/:id/mapping', admin, params({ id: tenantIdParam }), async (c) => {
    const tenant = await tenantOf(c);
    const answer = await saveMapping(store, deps.connectorOf, tenant, await jsonBody(c, MappingSave), authorOf(c));
    return c.json(answer.body, answer.status);
  });
  app.post('/api/tenants/:id/mapping/versions/:version/restore', admin, params({ id: tenantIdParam, version: z.coerce.number().int('must be a whole number').positive('must be positive').max(1_000_000) }), async (c) => {
    const answer = await restoreMapping(store, deps.connectorOf, await tenantOf(c), c.req.valid('param').version, authorOf(c));
    return c.json(answer.body, answer.status);
  });

  // Rolling a run back: the CRM gets the values from before it wherever it still holds the run's.
  app.post('/api/tenants/:id/runs/:runId/rollback', admin, runParams, async (c) => {
    const tenant = await tenantOf(c);
    const { runId } = c.req.valid('param');
    const answer = await rollbackThroughConsole(store, deps.connectorOf, tenant, runId, deps.log ?? console.error);
    if (!isForm(c)) return c.json(answer.body, answer.status);
    // The status page's button: the outcome as a page.
    if (answer.status !== 200) return c.html(renderMessagePage(`Run #${runId} was not rolled back`, [answer.body.error]), answer.status);
    const report = answer.body as RollbackReport;
    return c.html(
      renderMessagePage(`Run #${runId} is rolled back`, [
        `${report.restored} values are back as they were before it; ${report.skipped.length} were changed since and left alone${report.skipped.length ? ` (${report.skipped.slice(0, 10).map((k) => `${k.objectType} ${k.externalId} ${k.property}`).join(', ')}${report.skipped.length > 10 ? ', ...' : ''})` : ''}.`,
        `The tenant is in shadow mode: nothing more is written until you go live again (rollback run #${report.runId}).`,
      ]),
    );
  });

  // The audit of every write, the exports an admin takes away.
  app.get('/api/tenants/:id/audit', admin, params({ id: tenantIdParam }), validatedQuery(AuditQuery), async (c) =>
    c.json(await auditPage(store, await accessibleTenant(c, store, c.req.valid('param').id), c.req.valid('query'))),
  );
  app.get('/api/tenants/:id/exports/scores.csv', admin, params({ id: tenantIdParam }), async (c) => scoresCsv(c, store, await accessibleTenant(c, store, c.req.valid('param').id)));
  app.get('/api/tenants/:id/models', admin, params({ id: tenantIdParam }), async (c) => c.json(await modelVersions(store, await accessibleTenant(c, store, c.req.valid('param').id))));
  app.get('/api/tenants/:id/models/:kind/active.json', admin, params({ id: tenantIdParam, kind: ModelKind }), async (c) => {
    const { id, kind } = c.req.valid('param');
    const tenant = await accessibleTenant(c, store, id);
    return (await activeModelExport(c, store, tenant, kind)) ?? c.json({ error: `tenant ${tenant.id} has no active ${kind} model yet` }, 404);
  });

  app.post(PRIVACY_DELETIONS_PATH, privacyBodyLimit, admin, params({ id: tenantIdParam }), async (c) =>
    privacyDeletion(c, store, await accessibleTenant(c, store, c.req.valid('param').id), deps.log ?? console.error),
  );

  // Signed by HubSpot, not by a session: these never read a cookie.
  let cardCache: CardCache | undefined = deps.cardCache;
  const cardCacheOf = () => (cardCache ??= createCardCache());
  mountHubSpotWebhooks(app, deps, HUBSPOT_OUTPUT_PROPERTIES);
  mountHubSpotContactCard(app, deps, cardCacheOf);
  // The Salesforce record page's history list (and any admin's view of one contact): the same payload.
  app.get('/api/tenants/:id/contacts/:contactId/card', admin, params({ id: tenantIdParam, contactId: recordIdParam }), async (c) => {
    const { id, contactId } = c.req.valid('param');
    const tenant = await accessibleTenant(c, store, id);
    const payload = await cachedContactCard(store, cardCacheOf(), tenant.id, contactId);
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
