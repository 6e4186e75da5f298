import { describe, expect, it } from 'vitest';
import { harness } from './helpers.ts';

describe('10-second rolling limit', () => {
  it('sends the rate-limit headers on every counted answer', async () => {
    const h = harness();
    const res = await h.call('GET', '/crm/v3/objects/contacts');
    expect(res.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(res.headers.get('x-hubspot-ratelimit-max')).toBe('110');
    expect(res.headers.get('x-hubspot-ratelimit-remaining')).toBe('109');
  });

  it('answers 429 TEN_SECONDLY_ROLLING in a storm and recovers after the window', async () => {
    const h = harness();
    h.sb.faults.set({ rateLimit: { max: 3, intervalMs: 10_000 } });
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await h.call('GET', '/crm/v3/objects/contacts');
      expect(res.status).toBe(200);
      remaining.push(res.headers.get('x-hubspot-ratelimit-remaining'));
      h.clock.advance(1000);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await h.call('GET', '/crm/v3/objects/contacts');
    expect(limited.status).toBe(429);
    // The first call was 3 s ago: its slot frees in 7 s.
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.headers.get('x-hubspot-ratelimit-max')).toBe('3');
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    const body = (await limited.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(typeof body['groupName']).toBe('string');
    expect(typeof body['correlationId']).toBe('string');
    // Association batch reads are exempt; OAuth is not limited at all.
    expect((await h.call('POST', '/crm/v4/associations/deals/contacts/batch/read', { inputs: [{ id: h.sb.state.list('deals')[0]?.id }] })).status).toBe(200);
    expect((await h.sb.app.request('/oauth/v1/token', { method: 'POST' })).status).toBe(400);
    h.clock.advance(7000);
    expect((await h.call('GET', '/crm/v3/objects/contacts')).status).toBe(200);
    expect(h.sb.stats().throttled).toBe(1);
  });

  it('works on real time too: a 200 ms window frees up', async () => {
    const h = harness({ clock: Date.now });
    h.sb.faults.set({ rateLimit: { max: 2, intervalMs: 200 } });
    expect((await h.call('GET', '/crm/v3/objects/deals')).status).toBe(200);
    expect((await h.call('GET', '/crm/v3/objects/deals')).status).toBe(200);
    expect((await h.call('GET', '/crm/v3/objects/deals')).status).toBe(429);
    await new Promise((r) => setTimeout(r, 220));
    expect((await h.call('GET', '/crm/v3/objects/deals')).status).toBe(200);
  });
});

describe('server faults', () => {
  it('failNext answers 502/503 with a HubSpot-like body, then recovers', async () => {
    const h = harness();
    h.sb.faults.failNext(1, 502);
    h.sb.faults.failNext(1, 503);
    const a = await h.call('GET', '/crm/v3/objects/contacts');
    const b = await h.call('GET', '/crm/v3/objects/contacts');
    expect([a.status, b.status]).toEqual([502, 503]);
    expect(await b.json()).toMatchObject({ status: 'error', category: 'SERVICE_UNAVAILABLE' });
    expect((await h.call('GET', '/crm/v3/objects/contacts')).status).toBe(200);
  });

  it('serverErrorRate is seeded: the same seed fails the same calls', async () => {
    const pattern = async () => {
      const h = harness();
      h.sb.faults.set({ serverErrorRate: 0.3, rateLimit: { max: 1000, intervalMs: 10_000 } });
      const out: number[] = [];
      for (let i = 0; i < 40; i++) out.push((await h.call('GET', '/crm/v3/objects/products')).status);
      return out;
    };
    const first = await pattern();
    expect(first.filter((s) => s >= 500).length).toBeGreaterThan(3);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(15);
    expect(await pattern()).toEqual(first);
  });

  it('latencyMs slows answers down', async () => {
    const h = harness();
    h.sb.faults.set({ latencyMs: 60 });
    const t0 = performance.now();
    await h.call('GET', '/crm/v3/objects/products');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
  });
});
