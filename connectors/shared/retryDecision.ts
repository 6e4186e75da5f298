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

/**
 * A CRM's own reading of a failure (its throttling policies, its limit codes, its private statuses), asked
 * before the generic HTTP decision; null leaves the failure to the generic one. Each profile lists its rules.
 */
export type RetryRule = (failure: FailedAttempt, policy: RetryPolicy) => RetryDecision | null;

export function header(headers: FailedAttempt['headers'], name: string): string | undefined {
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

export function backoff(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

/** A string field of a parsed error body (errorCode, policyName, ...), if there is one. */
export function bodyField(body: unknown, name: string): string | undefined {
  if (body && typeof body === 'object' && name in body) {
    const value = (body as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/** The CRM's rules first, then plain HTTP: one refresh on 401, Retry-After, backoff, no retry of a client error. */
export function decideRetry(failure: FailedAttempt, policy: RetryPolicy = DEFAULT_RETRY_POLICY, rules: readonly RetryRule[] = []): RetryDecision {
  for (const rule of rules) {
    const decision = rule(failure, policy);
    if (decision) return decision;
  }
  const { status, headers, attempt } = failure;
  if (status === 401) return attempt === 1 ? { retry: true, reason: 'refresh_token', waitMs: 0 } : { retry: false, reason: 'needs_reauth' };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts_exhausted' };
  if (status === 429) {
    const waitMs = retryAfterMs(headers) ?? backoff(policy, attempt);
    return { retry: true, reason: 'rate_limited', waitMs: Math.min(waitMs, policy.maxDelayMs) };
  }
  if (status === 423) return { retry: true, reason: 'locked', waitMs: Math.max(2000, retryAfterMs(headers) ?? 0) };
  if (status === null) return { retry: true, reason: 'network', waitMs: backoff(policy, attempt) };
  if (status >= 500) return { retry: true, reason: 'server_error', waitMs: retryAfterMs(headers) ?? backoff(policy, attempt) };
  if (status === 403) return { retry: false, reason: 'forbidden' };
  return { retry: false, reason: 'client_error' };
}
