/**
 * HubSpot's own throttling answers, read before the generic HTTP decision: the 429 policy names
 * (DAILY, SECONDLY, TEN_SECONDLY_ROLLING), the X-HubSpot-RateLimit-* headers and the private 477 status.
 * https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details
 */
import { backoff, bodyField, header, retryAfterMs, type RetryRule } from '../shared/retryDecision.ts';

const throttled: RetryRule = ({ status, headers, body, attempt }, policy) => {
  // At the last attempt the generic decision stops the request (and send reports it as throttled).
  if (status !== 429 || attempt >= policy.maxAttempts) return null;
  const policyName = bodyField(body, 'policyName');
  // The DAILY policy only resets at midnight in the portal's time zone: waiting inside a cycle is pointless.
  if (policyName === 'DAILY') return { retry: false, reason: 'daily_limit' };
  const announced = retryAfterMs(headers);
  const interval = Number(header(headers, 'x-hubspot-ratelimit-interval-milliseconds'));
  const remaining = Number(header(headers, 'x-hubspot-ratelimit-remaining'));
  let waitMs = announced ?? backoff(policy, attempt);
  // Without Retry-After, an empty rolling window frees a slot within one interval at most.
  if (announced === null && remaining === 0 && Number.isFinite(interval) && interval > 0) waitMs = Math.min(interval, policy.maxDelayMs);
  // The search endpoints' SECONDLY policy counts whole seconds.
  if (policyName === 'SECONDLY' && announced === null) waitMs = Math.max(waitMs, 1000);
  return { retry: true, reason: 'rate_limited', waitMs: Math.min(waitMs, policy.maxDelayMs) };
};

/** 477 Migration in progress: the portal is moving between data centres, so it is a server-side wait. */
const migrating: RetryRule = ({ status, headers, attempt }, policy) => {
  if (status !== 477) return null;
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts_exhausted' };
  return { retry: true, reason: 'server_error', waitMs: retryAfterMs(headers) ?? backoff(policy, attempt) };
};

export const HUBSPOT_RETRY_RULES: readonly RetryRule[] = [throttled, migrating];
