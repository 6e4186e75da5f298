/**
 * Every route the app serves, with the credentials it demands: a table that must name each served path
 * (a new route fails this test until its access is declared here), then each route is called with no
 * credentials, forged ones, and another tenant's session, and must refuse without revealing that tenant.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, SERVED_PATHS } from '../../src/server/app.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { signInFor, type SignedIn } from '../helpers/adminSession.ts';

type Access =
  /** Anyone: health, the one-time login, starting an install, the OAuth callbacks (which check their own state). */
  | 'public'
  /** An admin session; a route with :id answers 404 for a tenant the session does not hold. */
  | 'admin'
  /** HubSpot signature v3 with the app's client secret. */
  | 'hubspot-signed';

const ACCESS: Record<string, { access: Access; method: 'GET' | 'POST' }> = {
  '/': { access: 'admin', method: 'GET' },
  '/api/session': { access: 'admin', method: 'GET' },
  '/api/status': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/contacts/:contactId/card': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/runs': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/privacy-deletions': { access: 'admin', method: 'POST' },
  '/api/tenants/:id/budget': { access: 'admin', method: 'POST' },
  '/api/tenants/:id/runs/:runId/changes': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/runs/:runId/changes.csv': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/mode': { access: 'admin', method: 'POST' },
  '/api/tenants/:id/audit': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/mapping': { access: 'admin', method: 'GET' },
  '/tenants/:id/mapping': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/mapping/preview': { access: 'admin', method: 'POST' },
  '/tenants/:id/mapping/picker': { access: 'admin', method: 'POST' },
  '/tenants/:id/mapping/preview': { access: 'admin', method: 'POST' },
  '/api/tenants/:id/runs/:runId/rollback': { access: 'admin', method: 'POST' },
  '/api/tenants/:id/mapping/versions/:version/restore': { access: 'admin', method: 'POST' },
  '/api/tenants/:id/fields/:objectType': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/exports/scores.csv': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/models': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/models/:kind/active.json': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/models/:kind/report': { access: 'admin', method: 'GET' },
  '/api/tenants/:id/models/:kind/report.csv': { access: 'admin', method: 'GET' },
  '/tenants/:id/models': { access: 'admin', method: 'GET' },
  '/tenants/:id/models/:kind': { access: 'admin', method: 'GET' },
  '/logout': { access: 'admin', method: 'POST' },
  '/cards/hubspot/contact': { access: 'hubspot-signed', method: 'GET' },
  '/webhooks/hubspot': { access: 'hubspot-signed', method: 'POST' },
  '/healthz': { access: 'public', method: 'GET' },
  '/api/openapi.json': { access: 'public', method: 'GET' },
  '/login': { access: 'public', method: 'GET' },
  '/install/hubspot': { access: 'public', method: 'GET' },
  '/install/hubspot/callback': { access: 'public', method: 'GET' },
  '/install/salesforce': { access: 'public', method: 'GET' },
  '/install/salesforce/callback': { access: 'public', method: 'GET' },
};

let store: Store;
let app: ReturnType<typeof createApp>;
let tenantB: SignedIn;
const signer = createSigner([randomBytes(32)]);

beforeAll(async () => {
  store = await openStore({ inMemory: true });
  await store.upsertTenant({ id: 'tenant-a', crm: 'hubspot', name: 'A', mode: 'live', accountId: '111' });
  await store.upsertTenant({ id: 'tenant-b', crm: 'hubspot', name: 'B', mode: 'live', accountId: '222' });
  app = createApp({ store, signer, publicUrl: 'https://signals.example.com', hubspot: { clientSecret: 'secret-of-the-app' }, log: () => undefined });
  tenantB = await signInFor(app, store, 'tenant-b');
});
afterAll(() => store.close());

const concrete = (path: string) => path.replace(':id', 'tenant-a').replace(':contactId', 'c-1').replace(':runId', '1').replace(':kind', 'leadScore').replace(':version', '1').replace(':objectType', 'contact');

describe('route access', () => {
  it('names every served path', () => {
    expect(Object.keys(ACCESS).sort()).toEqual([...SERVED_PATHS].sort());
  });

  it.each(Object.entries(ACCESS).filter(([, a]) => a.access === 'admin'))('%s refuses no session, a forged cookie, and another tenant', async (path, { method }) => {
    const url = concrete(path);
    expect((await app.request(url, { method })).status).toBe(401);
    const forged = `${tenantB.cookie.split('.')[0]}.${signer.sign('csrf', 'x')}`;
    expect((await app.request(url, { method, headers: { cookie: forged } })).status).toBe(401);
    const asB = await app.request(url, { method, headers: tenantB.write });
    const body = await asB.text();
    expect(body).not.toContain('"A"');
    if (path.includes(':id')) expect(asB.status).toBe(404);
    if (path === '/api/status' || path === '/') expect(body).not.toContain('tenant-a');
  });

  it.each(Object.entries(ACCESS).filter(([, a]) => a.access === 'hubspot-signed'))('%s refuses an unsigned or wrongly signed request, even with an admin session', async (path, { method }) => {
    const url = `${path}?portalId=111&objectId=c-1`;
    const body = method === 'POST' ? JSON.stringify([{ eventId: 1, portalId: 111, subscriptionType: 'contact.deletion', objectId: 1, occurredAt: Date.now() }]) : undefined;
    const unsigned = await app.request(url, { method, ...(body ? { body } : {}), headers: { ...tenantB.write, 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
    const wrong = await app.request(url, {
      method,
      ...(body ? { body } : {}),
      headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': Buffer.from(randomBytes(32)).toString('base64'), 'x-hubspot-request-timestamp': String(Date.now()) },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('tenant-a');
  });

  it.each(Object.entries(ACCESS).filter(([, a]) => a.access === 'public'))('%s answers without credentials and never 5xx or a tenant', async (path, { method }) => {
    const answer = await app.request(`${path}?state=forged.state&code=x&token=nope`, { method });
    expect(answer.status).toBeLessThan(500);
    expect(await answer.text()).not.toContain('tenant-a');
  });
});
