import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { FaultSwitches } from '../faults.ts';
import { countCalls, formFields } from '../http.ts';
import { listen } from '../listen.ts';
import { DAY_MS, feedbackSubject, planPeople, planProducts, SEED_BASE_DATE_MS, YEAR_START_MS } from '../seedPlan.ts';

describe('FaultSwitches', () => {
  const make = () =>
    new FaultSwitches({ serverErrorRate: 0, latencyMs: 0, extra: 'a' }, { seed: 5, stream: 'test-faults', errorStatus: (r) => (r() < 0.5 ? 502 : 503), defaultStatus: 503 });

  it('answers queued failures first, in order, with the default status unless told', () => {
    const f = make();
    f.failNext(2);
    f.failNext(1, 502);
    expect([f.drawServerError(), f.drawServerError(), f.drawServerError(), f.drawServerError()]).toEqual([503, 503, 502, undefined]);
  });

  it('draws random failures from a seeded stream that reset() replays', () => {
    const f = make();
    f.set({ serverErrorRate: 0.5 });
    const first = Array.from({ length: 40 }, () => f.drawServerError() ?? 0);
    expect(first.filter((s) => s !== 0).length).toBeGreaterThan(5);
    expect(new Set(first.filter((s) => s !== 0))).toEqual(new Set([502, 503]));
    f.reset();
    expect(f.current).toEqual({ serverErrorRate: 0, latencyMs: 0, extra: 'a' });
    f.set({ serverErrorRate: 0.5 });
    expect(Array.from({ length: 40 }, () => f.drawServerError() ?? 0)).toEqual(first);
  });

  it('patches settings and keeps the rest', () => {
    const f = make();
    f.set({ extra: 'b' });
    f.set({ latencyMs: 1 });
    expect(f.current).toEqual({ serverErrorRate: 0, latencyMs: 1, extra: 'b' });
  });
});

describe('seed plans', () => {
  it('are the same for the same seed, with exactly the open share and timestamps before the base date', () => {
    const a = planPeople({ seed: 9, count: 400, openShare: 0.25 });
    expect(planPeople({ seed: 9, count: 400, openShare: 0.25 })).toEqual(a);
    expect(planPeople({ seed: 10, count: 400, openShare: 0.25 })).not.toEqual(a);
    expect(a.filter((p) => p.open)).toHaveLength(100);
    expect(new Set(a.map((p) => p.email)).size).toBe(400);
    for (const p of a) {
      expect(p.createdAt).toBeGreaterThanOrEqual(YEAR_START_MS);
      expect(p.updatedAt).toBeGreaterThanOrEqual(p.createdAt);
      expect(p.updatedAt).toBeLessThanOrEqual(SEED_BASE_DATE_MS);
      expect(p.email).toBe(`${p.first}.${p.last}.${p.index + 1}@example.com`.toLowerCase());
    }
  });

  it('past the 6,000 bank rows make new people: no two share every input, each block taken whole from one real row', () => {
    const real = planPeople({ seed: 4, count: 6000, openShare: 0.2 });
    const many = planPeople({ seed: 4, count: 20_000, openShare: 0.2 });
    expect(many).toHaveLength(20_000);
    // the first 6,000 are the real rows in the order a 6,000-person portal has them
    expect(many.slice(0, 6000).map((p) => p.row)).toEqual(real.map((p) => p.row));
    const inputs = (p: { row: { properties: Record<string, string> } }) => JSON.stringify(Object.entries(p.row.properties).sort());
    expect(new Set(many.map(inputs)).size).toBe(20_000);
    expect(new Set(many.map((p) => p.email)).size).toBe(20_000);
    // blocks keep their own correlations: a synthetic person's call context is one real day's context
    const context = (r: Record<string, string>) => ['last_contact_month', 'last_contact_day', 'emp_var_rate', 'euribor_3m', 'nr_employed'].map((k) => r[k]).join('|');
    const realContexts = new Set(real.map((p) => context(p.row.properties)));
    for (const p of many.slice(6000)) expect(realContexts.has(context(p.row.properties))).toBe(true);
    // the outcome keeps the real base rate (within 1.5 points) and its link to the inputs
    const rate = (ps: typeof many) => ps.filter((p) => p.row.y === 'yes').length / ps.length;
    expect(Math.abs(rate(many.slice(6000)) - rate(real))).toBeLessThan(0.015);
    const success = many.slice(6000).filter((p) => p.row.properties['previous_outcome'] === 'success');
    expect(rate(success)).toBeGreaterThan(3 * rate(many.slice(6000)));
    expect(planPeople({ seed: 4, count: 7000, openShare: 0.2 }).slice(6000).map((p) => p.row)).toEqual(many.slice(6000, 7000).map((p) => p.row));
  });

  it('give 12 distinct products priced in tens, created in the first 30 days', () => {
    const products = planProducts(3);
    expect(products).toHaveLength(12);
    expect(new Set(products.map((p) => p.name)).size).toBe(12);
    expect(products.map((p) => p.sku)).toEqual(Array.from({ length: 12 }, (_, i) => `SKU-${1001 + i}`));
    for (const p of products) {
      expect(p.price % 10).toBe(0);
      expect(p.createdAt - YEAR_START_MS).toBeLessThan(30 * DAY_MS);
    }
  });

  it('cut feedback subjects after eight words', () => {
    expect(feedbackSubject('one two three')).toBe('one two three');
    expect(feedbackSubject('a b c d e f g h i j')).toBe('a b c d e f g h...');
  });
});

describe('listen and the request helpers', () => {
  it('serves an app on a loopback port, counts calls per route shape and reads form fields', async () => {
    const stats = { calls: 0, byRoute: {} as Record<string, number> };
    const app = new Hono();
    app.use('*', countCalls(stats, (method, path) => `${method} ${path.replace(/\/\d+$/, '/{id}')}`));
    app.post('/token/:id', async (c) => c.json(await formFields(c)));
    const server = await listen(app.fetch, 0);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const body = new URLSearchParams({ grant_type: 'refresh_token', code: 'x' });
      const res = await fetch(`${server.url}/token/1`, { method: 'POST', body });
      expect(await res.json()).toEqual({ grant_type: 'refresh_token', code: 'x' });
      const bad = await fetch(`${server.url}/token/2`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: 'not multipart' });
      expect(await bad.json()).toEqual({});
      expect(stats).toEqual({ calls: 2, byRoute: { 'POST /token/{id}': 2 } });
    } finally {
      await server.close();
    }
  });
});
