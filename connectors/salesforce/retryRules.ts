/**
 * Salesforce's own limit answer, read before the generic HTTP decision.
 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
 */
import { bodyField, type RetryRule } from '../shared/retryDecision.ts';

/** The daily allocation is a rolling 24 hours: stop the cycle, keep the checkpoint, resume later. */
const dailyAllocation: RetryRule = ({ body }) => (bodyField(body, 'errorCode') === 'REQUEST_LIMIT_EXCEEDED' ? { retry: false, reason: 'daily_limit' } : null);

export const SALESFORCE_RETRY_RULES: readonly RetryRule[] = [dailyAllocation];
