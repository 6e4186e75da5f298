/**
 * The model reports: an index of every model and version, one page per version with its charts, and the
 * same figures as JSON and CSV. Admin session; another tenant's id answers 404 like every console route.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import type { Store } from '../../store/types.ts';
import { accessibleTenant, params, tenantIdParam, validatedQuery, type ServiceEnv } from '../requests.ts';
import { dateFormatter } from '../status/page.ts';
import { csvDownload, MODEL_KINDS, ModelKind } from './exports.ts';
import { modelReport, ReportQuery, reportRows } from './report.ts';
import { kindLabel, renderModelIndex, renderReportPage } from './reportPage.ts';

export function mountReports(app: Hono<ServiceEnv>, store: Store, admin: MiddlewareHandler<ServiceEnv>): void {
  const kindParams = params({ id: tenantIdParam, kind: ModelKind });
  const noModel = (kind: string, version: number | undefined) => ({ error: version === undefined ? `kind: no ${kindLabel(kind).toLowerCase()} model trained yet` : `version: there is no version ${version} of the ${kindLabel(kind).toLowerCase()} model` });

  app.get('/api/tenants/:id/models/:kind/report', admin, kindParams, validatedQuery(ReportQuery), async (c) => {
    const { id, kind } = c.req.valid('param');
    const query = c.req.valid('query');
    const report = await modelReport(store, await accessibleTenant(c, store, id), kind, query);
    return report ? c.json(report) : c.json(noModel(kind, query.version), 404);
  });
  app.get('/api/tenants/:id/models/:kind/report.csv', admin, kindParams, validatedQuery(ReportQuery), async (c) => {
    const { id, kind } = c.req.valid('param');
    const query = c.req.valid('query');
    const tenant = await accessibleTenant(c, store, id);
    const report = await modelReport(store, tenant, kind, query);
    if (!report) return c.json(noModel(kind, query.version), 404);
    return csvDownload(c, `${tenant.id}-${kind}-v${report.version}-report.csv`, ['table', 'row', 'measure', 'value'], reportRows(report));
  });
  app.get('/tenants/:id/models', admin, params({ id: tenantIdParam }), async (c) => {
    const tenant = await accessibleTenant(c, store, c.req.valid('param').id);
    const kinds = await Promise.all(MODEL_KINDS.map(async (kind) => ({ kind, versions: await store.listModels(tenant.id, kind) })));
    return c.html(renderModelIndex({ tenant, kinds, date: dateFormatter(c.req.header('accept-language')) }));
  });
  app.get('/tenants/:id/models/:kind', admin, kindParams, validatedQuery(ReportQuery), async (c) => {
    const { id, kind } = c.req.valid('param');
    const query = c.req.valid('query');
    const tenant = await accessibleTenant(c, store, id);
    const report = await modelReport(store, tenant, kind, query);
    if (!report) return c.json(noModel(kind, query.version), 404);
    return c.html(renderReportPage({ tenant, report, date: dateFormatter(c.req.header('accept-language')) }));
  });
}
