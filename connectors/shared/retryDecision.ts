/**
 * One pure function decides whether a failed CRM request is retried and how long to wait, so every
 * connector call goes through the same, testable policy (the SDKs' own retries are switched off).
 */
export interface FailedAttempt {
  /** HTTP status, or null for a network error (connection refused, reset, timeout). */
  status: number | null;
  headers: Record<string, string | undefined>;
  /** Parsed error body when there is one. */
  body: unknown;
  /** 1 for the first attempt. */
  attempt: number;
}

export type RetryDecision =
  | { retry: true; reason: RetryReason; waitMs: number }
  | { retry: false; reason: StopReason };

export type RetryReason = 'rate_limited' | 'server_error' | 'network' | 'locked' | 'refresh_token';
export type StopReason = 'attempts_exhausted' | 'daily_limit' | 'needs_reauth' | 'client_error' | 'forbidden';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 250, maxDelayMs: 30_000 };

function header(headers: FailedAttempt['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Retry-After is seconds or an HTTP date (RFC 9110 10.2.3). */
export function retryAfterMs(headers: FailedAttempt['headers'], now = Date.now()): number | null {
  const raw = header(headers, 'retry-after');
  if (raw === undefined) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function backoff(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

function errorCode(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'errorCode' in body) {
    const code = (body as { errorCode: unknown }).errorCode;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

function policyName(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'policyName' in body) {
    const name = (body as { policyName: unknown }).policyName;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}

export function decideRetry(failure: FailedAttempt, policy: RetryPolicy = DEFAULT_RETRY_POLICY): RetryDecision {
  const { status, headers, body, attempt } = failure;
  if (status === 401) return attempt === 1 ? { retry: true, reason: 'refresh_token', waitMs: 0 } : { retry: false, reason: 'needs_reauth' };
  // Salesforce's daily allocation is a rolling 24 hours: stop the cycle, keep the checkpoint, resume later.
  if (errorCode(body) === 'REQUEST_LIMIT_EXCEEDED') return { retry: false, reason: 'daily_limit' };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts_exhausted' };
  if (status === 429) {
    // HubSpot's DAILY policy only resets at midnight in the portal's time zone: waiting inside a cycle is pointless.
    if (policyName(body) === 'DAILY') return { retry: false, reason: 'daily_limit' };
    const announced = retryAfterMs(headers);
    const interval = Number(header(headers, 'x-hubspot-ratelimit-interval-milliseconds'));
    const remaining = Number(header(headers, 'x-hubspot-ratelimit-remaining'));
    let waitMs = announced ?? backoff(policy, attempt);
    // Without Retry-After, an empty rolling window frees a slot within one interval at most.
    if (announced === null && remaining === 0 && Number.isFinite(interval) && interval > 0) waitMs = Math.min(interval, policy.maxDelayMs);
    if (policyName(body) === 'SECONDLY' && announced === null) waitMs = Math.max(waitMs, 1000);
    return { retry: true, reason: 'rate_limited', waitMs: Math.min(waitMs, policy.maxDelayMs) };
  }
  if (status === 423) return { retry: true, reason: 'locked', waitMs: Math.max(2000, retryAfterMs(headers) ?? 0) };
  if (status === 477) return { retry: true, reason: 'server_error', waitMs: retryAfterMs(headers) ?? backoff(policy, attempt) };
  if (status === null) return { retry: true, reason: 'network', waitMs: backoff(policy, attempt) };
  if (status >= 500) return { retry: true, reason: 'server_error', waitMs: retryAfterMs(headers) ?? backoff(policy, attempt) };
  if (status === 403) return { retry: false, reason: 'forbidden' };
  return { retry: false, reason: 'client_error' };
}
