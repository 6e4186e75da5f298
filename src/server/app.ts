/**
 * The service's HTTP app. Dependencies are injected so tests call app.request() without a socket.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { scoreDistribution } from '../pipeline/report.ts';
import type { Store } from '../store/types.ts';
import { renderStatusPage, type TenantStatus } from './status/page.ts';
import { routeTableOnly, servedPaths } from './routeTable.ts';

export interface AppDeps {
  store: Store;
}

async function tenantStatuses(store: Store): Promise<TenantStatus[]> {
  const tenants = await store.listTenants();
  return Promise.all(
    tenants.map(async (tenant) => ({ tenant, runs: await store.listRuns(tenant.id, 10), bands: await scoreDistribution(store, tenant.id) })),
  );
}

export function createApp({ store }: AppDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/', async (c) => c.html(renderStatusPage(await tenantStatuses(store))));
  app.get('/api/status', async (c) => {
    const statuses = await tenantStatuses(store);
    return c.json({
      tenants: statuses.map((s) => ({ id: s.tenant.id, crm: s.tenant.crm, mode: s.tenant.mode, lastRun: s.runs[0] ?? null, scoreDistribution: s.bands })),
    });
  });
  app.get('/api/tenants/:id/runs', async (c) => {
    const tenant = await store.getTenant(c.req.param('id'));
    if (!tenant) throw new HTTPException(404, { message: `no tenant ${c.req.param('id')}` });
    return c.json({ runs: await store.listRuns(tenant.id, 50) });
  });
  app.onError((error, c) => {
    if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
    console.error(error);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}

/** The paths the app answers (from its route table): the manifests name a backend path only if it is here. */
export const SERVED_PATHS: readonly string[] = Object.freeze(servedPaths(createApp(routeTableOnly<AppDeps>())));
