import { describe, expect, it } from 'vitest';
import { hubspotProfile } from '../hubspot/profile.ts';
import { salesforceProfile } from '../salesforce/profile.ts';
import { decideRetry, DEFAULT_RETRY_POLICY, retryAfterMs, type FailedAttempt } from './retryDecision.ts';

const base = { headers: {}, body: null, attempt: 1 };
const hubspot = (failure: FailedAttempt) => decideRetry(failure, DEFAULT_RETRY_POLICY, hubspotProfile.retryRules);
const salesforce = (failure: FailedAttempt) => decideRetry(failure, DEFAULT_RETRY_POLICY, salesforceProfile.retryRules);

describe('decideRetry through the HubSpot profile', () => {
  it('waits as long as Retry-After says on a 429', () => {
    const d = hubspot({ ...base, status: 429, headers: { 'Retry-After': '3' }, body: { policyName: 'TEN_SECONDLY_ROLLING' } });
    expect(d).toEqual({ retry: true, reason: 'rate_limited', waitMs: 3000 });
  });

  it('waits one window when HubSpot says the window is empty and gives no Retry-After', () => {
    const d = hubspot({
      ...base,
      status: 429,
      headers: { 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000', 'X-HubSpot-RateLimit-Remaining': '0' },
      body: { policyName: 'TEN_SECONDLY_ROLLING' },
    });
    expect(d).toEqual({ retry: true, reason: 'rate_limited', waitMs: 10_000 });
  });

  it('waits at least a second on the search SECONDLY policy', () => {
    const d = hubspot({ ...base, status: 429, body: { policyName: 'SECONDLY' } });
    expect(d.retry && d.waitMs).toBe(1000);
  });

  it('does not retry the DAILY policy inside a cycle', () => {
    expect(hubspot({ ...base, status: 429, body: { policyName: 'DAILY' } })).toEqual({ retry: false, reason: 'daily_limit' });
  });

  it('waits out 477 Migration in progress as a server-side state, until the last attempt', () => {
    expect(hubspot({ ...base, status: 477, headers: { 'Retry-After': '4' } })).toEqual({ retry: true, reason: 'server_error', waitMs: 4000 });
    expect(hubspot({ ...base, status: 477, attempt: 8 })).toEqual({ retry: false, reason: 'attempts_exhausted' });
  });

  it('leaves the last attempt of a 429 to the generic decision', () => {
    expect(hubspot({ ...base, status: 429, attempt: 8, body: { policyName: 'TEN_SECONDLY_ROLLING' } })).toEqual({ retry: false, reason: 'attempts_exhausted' });
  });
});

describe('decideRetry through the Salesforce profile', () => {
  it("stops on Salesforce's REQUEST_LIMIT_EXCEEDED instead of retrying", () => {
    expect(salesforce({ ...base, status: 403, body: { errorCode: 'REQUEST_LIMIT_EXCEEDED' } })).toEqual({ retry: false, reason: 'daily_limit' });
  });

  it('does not read HubSpot policy names', () => {
    expect(salesforce({ ...base, status: 429, body: { policyName: 'DAILY' } })).toEqual({ retry: true, reason: 'rate_limited', waitMs: 250 });
  });
});

describe('decideRetry without CRM rules (plain HTTP)', () => {
  it('knows no CRM: HubSpot headers, policy names, 477 and Salesforce codes are not its business', () => {
    const hubspotHeaders = { 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000', 'X-HubSpot-RateLimit-Remaining': '0' };
    expect(decideRetry({ ...base, status: 429, headers: hubspotHeaders, body: { policyName: 'DAILY' } })).toEqual({ retry: true, reason: 'rate_limited', waitMs: 250 });
    expect(decideRetry({ ...base, status: 477 })).toEqual({ retry: false, reason: 'client_error' });
    expect(decideRetry({ ...base, status: 403, body: { errorCode: 'REQUEST_LIMIT_EXCEEDED' } })).toEqual({ retry: false, reason: 'forbidden' });
  });

  it('asks the rules in order and takes the first answer', () => {
    const calls: string[] = [];
    const d = decideRetry({ ...base, status: 500 }, DEFAULT_RETRY_POLICY, [
      () => (calls.push('first'), null),
      () => (calls.push('second'), { retry: false, reason: 'forbidden' }),
      () => (calls.push('third'), null),
    ]);
    expect(d).toEqual({ retry: false, reason: 'forbidden' });
    expect(calls).toEqual(['first', 'second']);
  });

  it('refreshes once on 401, then gives up as needing re-authorisation', () => {
    expect(decideRetry({ ...base, status: 401 })).toMatchObject({ retry: true, reason: 'refresh_token' });
    expect(decideRetry({ ...base, status: 401, attempt: 2 })).toEqual({ retry: false, reason: 'needs_reauth' });
  });

  it('waits as long as Retry-After says on a 429', () => {
    expect(decideRetry({ ...base, status: 429, headers: { 'retry-after': '2' } })).toEqual({ retry: true, reason: 'rate_limited', waitMs: 2000 });
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
