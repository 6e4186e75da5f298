/**
 * The status page and JSON API show the last cycle's summary, the score distribution and the last runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../functions/server.ts';
import { createApp } from '../../src/server/app.ts';
import type { CycleSummary } from '../../src/pipeline/cycle.ts';
import { signalReport, startHarness, totalWritten, type Harness } from '../helpers/harness.ts';

let harness: Harness;
let summary: CycleSummary;
beforeAll(async () => {
  harness = await startHarness({ emulator: { seed: 3, contacts: 300, openShare: 0.3 } });
  summary = await harness.cycle();
});
afterAll(() => harness.close());

describe('status page', () => {
  it('shows the summary of the last cycle and a chart of the scores', async () => {
    const app = createApp({ store: harness.store });
    const response = await app.request('/');
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
    const app = createApp({ store: harness.store });
    const status = (await (await app.request('/api/status')).json()) as { tenants: Array<{ id: string; lastRun: { id: number; status: string } }> };
    expect(status.tenants).toHaveLength(1);
    expect(status.tenants[0]).toMatchObject({ id: harness.ctx.tenant.id, lastRun: { id: summary.runId, status: 'succeeded' } });
    const runs = await app.request(`/api/tenants/${harness.ctx.tenant.id}/runs`);
    expect(((await runs.json()) as { runs: unknown[] }).runs).toHaveLength(1);
    const missing = await app.request('/api/tenants/nobody/runs');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no tenant nobody' });
  });

  it('is served over loopback by functions/server.ts, the same app on a socket', async () => {
    const served = await startServer(harness.store, { port: 0, host: '127.0.0.1' });
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${served.url}/healthz`)).json()).toEqual({ ok: true });
      const page = await (await fetch(`${served.url}/`)).text();
      expect(page).toContain(`Run #${summary.runId}: succeeded`);
    } finally {
      await served.close();
    }
  });
});
