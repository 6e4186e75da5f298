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
  /** How long one attempt may go unanswered before it counts as a network failure; default requestTimeoutMs(). */
  timeoutMs?: number;
}

/**
 * Neither SDK sets a deadline (@hubspot/api-client's node-fetch call takes no signal), so a CRM that
 * accepts a connection and never answers would hold a cycle, and its tenant's lease, forever. Two
 * minutes is far above any answer we have seen (a Bulk result page included).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

let processRequestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;

/**
 * The deadline of every request this process sends, from the one configuration (CRM_SIGNALS_REQUEST_TIMEOUT_MS,
 * for a deployment behind a slow proxy, or a fault bench): set once by the composition root.
 */
export function configureRequestTimeout(ms: number | undefined): void {
  processRequestTimeoutMs = ms !== undefined && Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_REQUEST_TIMEOUT_MS;
}

export function requestTimeoutMs(): number {
  return processRequestTimeoutMs;
}

/** An attempt that got no answer in time: retried like a dropped connection. */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer in ${timeoutMs} ms`);
  }
}

/**
 * The attempt's answer, or a RequestTimeoutError when it has none in time. The abandoned request cannot be
 * aborted (no signal reaches the SDKs' fetch) and may still land: every request we send is a read or a
 * property write of absolute values, so a late landing repeats what the retry does.
 */
function withDeadline<T>(attempt: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(timeoutMs)), timeoutMs);
  });
  attempt.catch(() => {});
  return Promise.race([attempt, deadline]).finally(() => clearTimeout(timer));
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
  const timeoutMs = ctx.timeoutMs ?? requestTimeoutMs();
  for (let attempt = 1; ; attempt++) {
    await ctx.limiter?.acquire();
    try {
      return await withDeadline(request(), timeoutMs);
    } catch (error) {
      // A refused refresh token is final: another attempt would only be refused again.
      if (error instanceof TokenRefusedError) throw error;
      const failure = error instanceof RequestTimeoutError ? { status: null, headers: {}, body: { message: error.message } } : ctx.describeError(error);
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
