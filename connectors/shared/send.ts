/**
 * The one chain every CRM request goes through: limiter, then send, then the retry decision. Calls are
 * counted at the transport (transport.ts), not here: the SDKs send requests this chain never sees.
 */
import { ConnectorError, TokenRefusedError, type ConnectorErrorCode } from './errors.ts';
import { decideRetry, DEFAULT_RETRY_POLICY, type FailedAttempt, type RetryPolicy, type RetryRule, type StopReason } from './retryDecision.ts';
import type { RollingWindowLimiter } from './rateLimiter.ts';
import type { ApiUsage } from '../connector.ts';

export interface SendContext {
  limiter: RollingWindowLimiter | null;
  usage: ApiUsage;
  policy?: RetryPolicy;
  /** The CRM's own retry rules (its profile's), asked before the generic HTTP decision. */
  rules?: readonly RetryRule[];
  /** Called once on a 401; should refresh the access token. */
  refreshAuth?: () => Promise<void>;
  /** Turns whatever the client threw into a status, headers and body. */
  describeError: (error: unknown) => Omit<FailedAttempt, 'attempt'>;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string) => void;
}

const STOP_CODES: Record<StopReason, ConnectorErrorCode> = {
  attempts_exhausted: 'unavailable',
  daily_limit: 'daily_limit',
  needs_reauth: 'needs_reauth',
  client_error: 'bad_request',
  forbidden: 'forbidden',
};

function errorMessage(failure: Omit<FailedAttempt, 'attempt'>): string {
  const body = failure.body as { message?: unknown } | null | undefined;
  const detail = body && typeof body.message === 'string' ? body.message : '';
  return `${failure.status ?? 'network error'}${detail ? `: ${detail}` : ''}`;
}

export async function send<T>(ctx: SendContext, label: string, request: () => Promise<T>): Promise<T> {
  const sleep = ctx.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    await ctx.limiter?.acquire();
    try {
      return await request();
    } catch (error) {
      // A refused refresh token is final: another attempt would only be refused again.
      if (error instanceof TokenRefusedError) throw error;
      const failure = ctx.describeError(error);
      const decision = decideRetry({ ...failure, attempt }, ctx.policy ?? DEFAULT_RETRY_POLICY, ctx.rules);
      if (!decision.retry) {
        const code = failure.status === 429 && decision.reason === 'attempts_exhausted' ? 'throttled' : STOP_CODES[decision.reason];
        throw new ConnectorError(code, `${label} failed (${errorMessage(failure)})`, failure.status);
      }
      ctx.usage.retries++;
      if (decision.reason === 'rate_limited') {
        ctx.usage.throttled++;
        ctx.limiter?.pause(decision.waitMs);
      }
      if (decision.reason === 'refresh_token') {
        if (!ctx.refreshAuth) throw new ConnectorError('needs_reauth', `${label} failed (401) and no refresh token is available`, 401);
        await ctx.refreshAuth();
      }
      ctx.log?.(`${label}: ${decision.reason}, retrying in ${decision.waitMs} ms`);
      await sleep(decision.waitMs);
    }
  }
}
