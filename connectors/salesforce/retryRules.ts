/**
 * Salesforce's own limit answer, read before the generic HTTP decision.
 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
 */
import { bodyField, type RetryRule } from '../shared/retryDecision.ts';

/** The daily allocation is a rolling 24 hours: stop the cycle, keep the checkpoint, resume later. */
const dailyAllocation: RetryRule = ({ body }) => (bodyField(body, 'errorCode') === 'REQUEST_LIMIT_EXCEEDED' ? { retry: false, reason: 'daily_limit' } : null);

/**
 * jsforce reports a refused session refresh as a plain Error, "Unable to refresh session due to: <the
 * token endpoint's error_description>" (e.g. "expired access/refresh token" once an admin revoked the
 * app), without a status, so the generic decision would retry it as a network error and end as
 * unavailable. The grant is gone: stop at once and ask for a new install. A refresh that failed on the
 * network or a 5xx is still retried.
 */
const REFRESH_REFUSED = /Unable to refresh session due to: /;
const TRANSIENT = /ERROR_HTTP_5\d\d|ECONN|ETIMEDOUT|EAI_AGAIN|socket|fetch failed|timed? ?out/i;
const refreshRefused: RetryRule = ({ body }) => {
  const message = bodyField(body, 'message') ?? '';
  return REFRESH_REFUSED.test(message) && !TRANSIENT.test(message) ? { retry: false, reason: 'needs_reauth' } : null;
};

export const SALESFORCE_RETRY_RULES: readonly RetryRule[] = [dailyAllocation, refreshRefused];
