import { describe, expect, it } from 'vitest';
import { decideRetry, retryAfterMs } from './retryDecision.ts';

const base = { headers: {}, body: null, attempt: 1 };

describe('decideRetry', () => {
  it('waits as long as Retry-After says on a 429', () => {
    const d = decideRetry({ ...base, status: 429, headers: { 'Retry-After': '3' }, body: { policyName: 'TEN_SECONDLY_ROLLING' } });
    expect(d).toEqual({ retry: true, reason: 'rate_limited', waitMs: 3000 });
  });

  it('waits one window when HubSpot says the window is empty and gives no Retry-After', () => {
    const d = decideRetry({
      ...base,
      status: 429,
      headers: { 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000', 'X-HubSpot-RateLimit-Remaining': '0' },
      body: { policyName: 'TEN_SECONDLY_ROLLING' },
    });
    expect(d).toEqual({ retry: true, reason: 'rate_limited', waitMs: 10_000 });
  });

  it('waits at least a second on the search SECONDLY policy', () => {
    const d = decideRetry({ ...base, status: 429, body: { policyName: 'SECONDLY' } });
    expect(d.retry && d.waitMs).toBe(1000);
  });

  it('does not retry the DAILY policy inside a cycle', () => {
    expect(decideRetry({ ...base, status: 429, body: { policyName: 'DAILY' } })).toEqual({ retry: false, reason: 'daily_limit' });
  });

  it("stops on Salesforce's REQUEST_LIMIT_EXCEEDED instead of retrying", () => {
    expect(decideRetry({ ...base, status: 403, body: { errorCode: 'REQUEST_LIMIT_EXCEEDED' } })).toEqual({ retry: false, reason: 'daily_limit' });
  });

  it('refreshes once on 401, then gives up as needing re-authorisation', () => {
    expect(decideRetry({ ...base, status: 401 })).toMatchObject({ retry: true, reason: 'refresh_token' });
    expect(decideRetry({ ...base, status: 401, attempt: 2 })).toEqual({ retry: false, reason: 'needs_reauth' });
  });

  it('backs off exponentially on 5xx and network errors, and stops after the last attempt', () => {
    const first = decideRetry({ ...base, status: 502 });
    const third = decideRetry({ ...base, status: null, attempt: 3 });
    expect(first).toEqual({ retry: true, reason: 'server_error', waitMs: 250 });
    expect(third).toEqual({ retry: true, reason: 'network', waitMs: 1000 });
    expect(decideRetry({ ...base, status: 503, attempt: 8 })).toEqual({ retry: false, reason: 'attempts_exhausted' });
  });

  it('never retries a client error', () => {
    expect(decideRetry({ ...base, status: 400 })).toEqual({ retry: false, reason: 'client_error' });
    expect(decideRetry({ ...base, status: 403 })).toEqual({ retry: false, reason: 'forbidden' });
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000);
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(retryAfterMs({ 'retry-after': 'Mon, 23 Nov 2026 10:00:05 GMT' }, now)).toBe(5000);
    expect(retryAfterMs({})).toBeNull();
    expect(retryAfterMs({ 'retry-after': 'soon' })).toBeNull();
  });
});
