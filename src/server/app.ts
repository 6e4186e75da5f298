/**
 * The service's HTTP app. Dependencies are injected so tests call app.request() without a socket.
 */
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
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

/**
 * A tenant id as it may reach the store: PostgreSQL text cannot hold NUL or a lone surrogate, and control
 * characters are never part of an id, so such a parameter is the caller's mistake (400), not the database's.
 */
// With the u flag a surrogate pair is one code point, so only a lone half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const tenantIdParam = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((id) => !LONE_SURROGATE.test(id), 'must be well-formed Unicode')
  // eslint-disable-next-line no-control-regex
  .refine((id) => !/[\u0000-\u001f\u007f]/.test(id), 'must not contain control characters');

/** Validates the route's parameters; the 400 names the first bad parameter and what is wrong with it. */
function params<T extends z.ZodRawShape>(shape: T) {
  return zValidator('param', z.object(shape), (result, c) => {
    if (result.success) return undefined;
    const issue = result.error.issues[0];
    return c.json({ error: `route parameter ${issue?.path.join('.') || '?'} ${issue?.message ?? 'is invalid'}` }, 400);
  });
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
  app.get('/api/tenants/:id/runs', params({ id: tenantIdParam }), async (c) => {
    const { id } = c.req.valid('param');
    const tenant = await store.getTenant(id);
    if (!tenant) throw new HTTPException(404, { message: `no tenant ${id}` });
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
