/**
 * The status page and JSON API show the last cycle's summary, the score distribution and the last runs.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../functions/server.ts';
import { createApp } from '../../src/server/app.ts';
import type { CycleSummary } from '../../src/pipeline/cycle.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { signIn, signInFor, type SignedIn } from '../helpers/adminSession.ts';
import { signalReport, startHarness, totalWritten, type Harness } from '../helpers/harness.ts';

let harness: Harness;
let summary: CycleSummary;
let app: ReturnType<typeof createApp>;
let operator: SignedIn;
const signer = createSigner([randomBytes(32)]);
beforeAll(async () => {
  harness = await startHarness({ emulator: { seed: 3, contacts: 300, openShare: 0.3 } });
  summary = await harness.cycle();
  app = createApp({ store: harness.store, signer });
  operator = await signIn(app, harness.store);
});
afterAll(() => harness.close());

describe('status page', () => {
  it('shows the summary of the last cycle and a chart of the scores', async () => {
    const response = await app.request('/', { headers: operator.read });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain(`Run #${summary.runId}: succeeded`);
    expect(page).toContain(`contacts synced: 300 read`);
    expect(page).toMatch(/lead score: model v1, out-of-sample ROC AUC 0\.\d{3}/);
    expect(page).toMatch(/segments: model v1, \d+ segments, silhouette/);
    expect(page).toContain(`Written back: ${summary.write?.contact?.written} contacts, ${summary.write?.ticket?.written.toLocaleString('en-US')} tickets`);
    expect(page.indexOf('contacts synced')).toBeLessThan(page.indexOf('deals synced'));
    expect(totalWritten(summary)).toBeGreaterThan(0);
    expect(page).toMatch(/<svg role="img" aria-label="score distribution"/);
    const bars = [...page.matchAll(/<title>(\d+)-\d+: (\d+)<\/title>/g)].map((m) => Number(m[2]));
    expect(bars.reduce((a, b) => a + b, 0)).toBe(signalReport(summary, 'leadScore').eligible);
  });

  it('serves the same as JSON, and 404s an unknown tenant', async () => {
    const status = (await (await app.request('/api/status', { headers: operator.read })).json()) as { tenants: Array<{ id: string; lastRun: { id: number; status: string } }> };
    expect(status.tenants).toHaveLength(1);
    expect(status.tenants[0]).toMatchObject({ id: harness.ctx.tenant.id, lastRun: { id: summary.runId, status: 'succeeded' } });
    const runs = await app.request(`/api/tenants/${harness.ctx.tenant.id}/runs`, { headers: operator.read });
    expect(((await runs.json()) as { runs: unknown[] }).runs).toHaveLength(1);
    const missing = await app.request('/api/tenants/nobody/runs', { headers: operator.read });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no tenant nobody' });
  });

  it('needs a session: without one the page says how to sign in and the API answers 401', async () => {
    const page = await app.request('/', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('login link');
    for (const path of ['/api/status', `/api/tenants/${harness.ctx.tenant.id}/runs`, '/api/session']) {
      const answer = await app.request(path);
      expect(answer.status, path).toBe(401);
      expect(JSON.stringify(await answer.json())).not.toContain(harness.ctx.tenant.id);
    }
    const forged = await app.request('/api/status', { headers: { cookie: `${operator.cookie.split('.')[0]}.AAAA.BBBB` } });
    expect(forged.status).toBe(401);
  });

  it("another tenant's admin sees neither this tenant's page section, status nor runs", async () => {
    await harness.store.upsertTenant({ id: 'someone-else', crm: 'hubspot', name: 'Someone else', mode: 'live', accountId: null });
    const other = await signInFor(app, harness.store, 'someone-else');
    const page = await (await app.request('/', { headers: other.read })).text();
    expect(page).not.toContain(harness.ctx.tenant.id);
    expect(page).toContain('someone-else');
    const status = (await (await app.request('/api/status', { headers: other.read })).json()) as { tenants: Array<{ id: string }> };
    expect(status.tenants.map((t) => t.id)).toEqual(['someone-else']);
    const runs = await app.request(`/api/tenants/${harness.ctx.tenant.id}/runs`, { headers: other.read });
    expect(runs.status).toBe(404);
    expect(await runs.json()).toEqual({ error: `no tenant ${harness.ctx.tenant.id}` });
  });

  it('a login link works once, and sets an HTTP-only cookie; secure headers are on every answer', async () => {
    const { createLoginLink } = await import('../../src/server/auth/sessions.ts');
    const link = new URL(await createLoginLink(harness.store, 'http://127.0.0.1', { operator: true, tenantIds: [], label: 'x' }));
    const first = await app.request(`${link.pathname}${link.search}`);
    expect(first.status).toBe(303);
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly/);
    expect(first.headers.get('set-cookie')).toMatch(/SameSite=Lax/);
    const again = await app.request(`${link.pathname}${link.search}`);
    expect(again.status).toBe(401);
    const health = await app.request('/healthz');
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(health.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('a write needs the CSRF token of its own session', async () => {
    const noToken = await app.request('/logout', { method: 'POST', headers: operator.read });
    expect(noToken.status).toBe(403);
    const another = await signIn(app, harness.store);
    const wrongToken = await app.request('/logout', { method: 'POST', headers: { cookie: operator.cookie, 'x-csrf-token': another.csrf } });
    expect(wrongToken.status).toBe(403);
    const out = await app.request('/logout', { method: 'POST', headers: another.write });
    expect(out.status).toBe(200);
    expect((await app.request('/api/status', { headers: another.read })).status).toBe(401);
    expect((await app.request('/api/status', { headers: operator.read })).status).toBe(200);
  });

  it('is served over loopback by functions/server.ts, the same app on a socket', async () => {
    const served = await startServer({ store: harness.store, signer }, { port: 0, host: '127.0.0.1' });
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${served.url}/healthz`)).json()).toEqual({ ok: true });
      const page = await (await fetch(`${served.url}/`, { headers: operator.read })).text();
      expect(page).toContain(`Run #${summary.runId}: succeeded`);
    } finally {
      await served.close();
    }
  });
});
