/**
 * The console's JSON routes (and the status page's buttons that post to them): what going live would
 * write and going live, the field mapping, rolling a run back, the audit, exports, privacy deletion.
 * Every one needs an admin session (CSRF on writes) and answers another tenant's id with 404.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { RollbackReport } from '../../pipeline/rollback.ts';
import type { MappingProblem } from '../../mapping/index.ts';
import type { Store, Tenant } from '../../store/types.ts';
import { PRIVACY_DELETIONS_PATH, privacyBodyLimit, privacyDeletion } from '../privacy/routes.ts';
import { accessibleTenant, firstProblem, isForm, jsonBody, params, tenantIdParam, validatedQuery, type ServiceEnv } from '../requests.ts';
import { renderMessagePage } from '../status/page.ts';
import { mappingPageRenderer, mountMappingPreview } from './mappingPreviewRoutes.ts';
import { crmFields, MappedObject, MappingSave, mappingState, restoreMapping, rollbackThroughConsole, saveMapping, type ConnectorOf } from './crmActions.ts';
import { activeModelExport, AuditQuery, auditPage, ModelKind, modelVersions, scoresCsv } from './exports.ts';
import { mountReports } from './reportRoutes.ts';
import { mountBudget } from './budgetRoutes.ts';
import { changeMode, changesCsv, changesPage, ChangesQuery, ModeChange, modeChangeFromForm } from './proposedChanges.ts';

export interface ConsoleDeps {
  store: Store;
  /** The admin-session guard of the app (requireAdmin). */
  admin: MiddlewareHandler<ServiceEnv>;
  log: (message: string) => void;
  connectorOf?: ConnectorOf;
}

export function mountConsole(app: Hono<ServiceEnv>, deps: ConsoleDeps): void {
  const { store, admin } = deps;
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
    const log = deps.log;
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
  const mappingPage = mappingPageRenderer(store, deps.connectorOf);
  const pageUrl = (tenant: Tenant, saved: number) => `/tenants/${encodeURIComponent(tenant.id)}/mapping?saved=${saved}`;
  app.get('/tenants/:id/mapping', admin, params({ id: tenantIdParam }), async (c) => {
    const saved = Number(c.req.query('saved'));
    return c.html(await mappingPage(c, await tenantOf(c), Number.isInteger(saved) && saved > 0 ? { saved } : {}));
  });
  app.post('/api/tenants/:id/mapping', admin, params({ id: tenantIdParam }), async (c) => {
    const tenant = await tenantOf(c);
    if (isForm(c)) {
      // The mapping page's form: the JSON text, parsed here, and the outcome as the page again.
      const form = await c.req.parseBody();
      const text = typeof form.mapping === 'string' ? form.mapping : '';
      let mapping: unknown;
      try {
        mapping = JSON.parse(text);
      } catch (error) {
        return c.html(await mappingPage(c, tenant, { refused: { text, error: 'not JSON', problems: [{ path: 'mapping', message: `is not valid JSON (${(error as Error).message})` }] } }), 400);
      }
      const note = typeof form.note === 'string' && form.note.trim() ? form.note.trim().slice(0, 500) : undefined;
      const answer = await saveMapping(store, deps.connectorOf, tenant, { mapping: mapping as z.infer<typeof MappingSave>['mapping'], ...(note ? { note } : {}) }, authorOf(c));
      if (answer.status === 200) return c.redirect(pageUrl(tenant, (answer.body as { version: number }).version), 303);
      const { error, problems = [] } = answer.body as { error: string; problems?: readonly MappingProblem[] };
      return c.html(await mappingPage(c, tenant, { refused: { text, error, problems } }), answer.status);
    }
    const answer = await saveMapping(store, deps.connectorOf, tenant, await jsonBody(c, MappingSave), authorOf(c));
    return c.json(answer.body, answer.status);
  });
  app.post('/api/tenants/:id/mapping/versions/:version/restore', admin, params({ id: tenantIdParam, version: z.coerce.number().int('must be a whole number').positive('must be positive').max(1_000_000) }), async (c) => {
    const tenant = await tenantOf(c);
    const answer = await restoreMapping(store, deps.connectorOf, tenant, c.req.valid('param').version, authorOf(c));
    if (!isForm(c)) return c.json(answer.body, answer.status);
    if (answer.status === 200) return c.redirect(pageUrl(tenant, (answer.body as { version: number }).version), 303);
    return c.html(renderMessagePage('Not restored', [(answer.body as { error: string }).error]), answer.status);
  });

  // Rolling a run back: the CRM gets the values from before it wherever it still holds the run's.
  app.post('/api/tenants/:id/runs/:runId/rollback', admin, runParams, async (c) => {
    const tenant = await tenantOf(c);
    const { runId } = c.req.valid('param');
    const answer = await rollbackThroughConsole(store, deps.connectorOf, tenant, runId, deps.log);
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

  mountReports(app, store, admin);
  mountBudget(app, deps);
  mountMappingPreview(app, deps);
  app.post(PRIVACY_DELETIONS_PATH, privacyBodyLimit, admin, params({ id: tenantIdParam }), async (c) =>
    privacyDeletion(c, store, await accessibleTenant(c, store, c.req.valid('param').id), deps.log),
  );
}
