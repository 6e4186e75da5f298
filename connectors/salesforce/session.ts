/**
 * One jsforce connection per Salesforce org, every call sent through the shared send -> retry chain.
 * jsforce refreshes an expired session itself (oauth2 client info + refresh token) and emits `refresh`
 * with the new token, which is persisted per tenant. Its own retry covers only idempotent GETs, so
 * collection writes rely on ours.
 */
import jsforce from 'jsforce';
import type { ApiUsage } from '../connector.ts';
import type { SalesforceApp } from './oauth.ts';
import type { FailedAttempt, RetryPolicy } from '../shared/retryDecision.ts';
import { TokenRefusedError } from '../shared/errors.ts';
import { send } from '../shared/send.ts';
import { countingFetch, type CountRequest } from '../shared/transport.ts';
import { countJsforceRequests } from './transport.ts';
import { SALESFORCE_RETRY_RULES } from './retryRules.ts';

/** API version pinned explicitly: jsforce's default is 50.0. */
export const API_VERSION = '62.0';

export interface SalesforceTokens {
  accessToken: string;
  refreshToken: string | null;
  instanceUrl: string;
  /** The connected (integration) user: changes made only by this user are our own write-back. */
  userId: string | null;
  orgId: string | null;
}

export interface SalesforceSessionOptions {
  tokens: SalesforceTokens;
  app: SalesforceApp;
  onTokens?: (tokens: SalesforceTokens) => Promise<void> | void;
  retryPolicy?: RetryPolicy;
  log?: (message: string) => void;
  /**
   * The org's session timeout (Setup > Session Settings; Salesforce's default is two hours). A session
   * dies after this long without use and the token answer does not say so, so the connector is told.
   */
  sessionTimeoutSeconds?: number;
}

const DEFAULT_SESSION_TIMEOUT_SECONDS = 7200;

/** Refresh an idle session this long before the org would time it out: 60 s, or a tenth of the timeout if shorter. */
export function sessionRefreshMarginMs(timeoutMs: number): number {
  return Math.min(60_000, timeoutMs / 10);
}

/** jsforce's single-flight session refresh (what it runs on a 401 too), so ours and its own never overlap. */
interface RefreshDelegate {
  refresh(since: number): Promise<void>;
}

/** HTTP status of the Salesforce error codes jsforce throws (it keeps the code, not the status). */
const STATUS_OF: Record<string, number> = {
  INVALID_SESSION_ID: 401,
  REQUEST_LIMIT_EXCEEDED: 403,
  API_DISABLED_FOR_ORG: 403,
  INSUFFICIENT_ACCESS: 403,
  NOT_FOUND: 404,
  UNABLE_TO_LOCK_ROW: 503,
  SERVER_UNAVAILABLE: 503,
  UNKNOWN_EXCEPTION: 500,
};

export function describeSalesforceError(error: unknown): Omit<FailedAttempt, 'attempt'> {
  const e = error as { errorCode?: string; name?: string; message?: string; code?: string };
  const code = e?.errorCode ?? e?.name ?? '';
  const http = /^ERROR_HTTP_(\d{3})$/.exec(code);
  const status = http ? Number(http[1]) : (STATUS_OF[code] ?? (e?.errorCode ? 400 : null));
  // The code leads the message: it is what an admin searches Salesforce's docs for.
  const message = e?.message ?? String(error);
  return { status, headers: {}, body: { errorCode: code, message: code && !message.includes(code) ? `${code}: ${message}` : message } };
}

export class SalesforceSession {
  readonly connection: jsforce.Connection;
  readonly usage: ApiUsage = { calls: 0, retries: 0, throttled: 0 };
  private tokens: SalesforceTokens;
  /** Every request extends the session: its timeout counts from the last one sent. */
  private lastSentAt = Date.now();
  /** Every request this session sends (jsforce's calls, retries and session refreshes, our own fetches) is counted here, once. */
  private readonly count: CountRequest = (kind) => {
    this.lastSentAt = Date.now();
    this.usage.calls++;
    if (kind === 'retry') this.usage.retries++;
  };
  /** For requests jsforce cannot make (Bulk result pages need the raw CSV and the Sforce-Locator header). */
  readonly fetch = countingFetch(this.count);

  constructor(private readonly options: SalesforceSessionOptions) {
    this.tokens = options.tokens;
    this.connection = new jsforce.Connection({
      version: API_VERSION,
      instanceUrl: this.tokens.instanceUrl,
      accessToken: this.tokens.accessToken,
      ...(this.tokens.refreshToken ? { refreshToken: this.tokens.refreshToken } : {}),
      oauth2: { clientId: options.app.clientId, clientSecret: options.app.clientSecret, redirectUri: options.app.redirectUri, loginUrl: options.app.loginUrl },
    });
    countJsforceRequests(this.connection, 'Connection', this.count);
    countJsforceRequests(this.connection.oauth2, 'OAuth2', this.count);
    this.noticeRefusedRefresh();
    this.connection.on('refresh', (accessToken: string) => {
      this.tokens = { ...this.tokens, accessToken };
      void this.options.onTokens?.(this.tokens);
    });
  }

  /** Set once Salesforce answered our refresh token with invalid_grant: every later call fails with it. */
  private refused: TokenRefusedError | null = null;

  /**
   * jsforce reports a refused refresh as a plain "Unable to refresh session" error, the same as any other
   * failed request, so the refusal is caught where the token request itself fails, with its error code.
   */
  private noticeRefusedRefresh(): void {
    const oauth2 = this.connection.oauth2;
    const refresh = oauth2.refreshToken.bind(oauth2);
    oauth2.refreshToken = async (token: string) => {
      try {
        return await refresh(token);
      } catch (error) {
        const e = error as { name?: string; message?: string };
        // invalid_grant: the refresh token was revoked or expired, or its user deactivated (not a bad client secret, which is invalid_client).
        if (e.name === 'invalid_grant') this.refused = new TokenRefusedError('Salesforce', `invalid_grant${e.message ? `: ${e.message}` : ''}`, 400);
        throw error;
      }
    };
  }

  get userId(): string | null {
    return this.tokens.userId;
  }

  /** The org's API allocation as the last response reported it (Sforce-Limit-Info). */
  get apiUsage(): { used: number; limit: number } | null {
    const info = (this.connection as unknown as { limitInfo?: { apiUsage?: { used: number; limit: number } } }).limitInfo;
    return info?.apiUsage ?? null;
  }

  /** One REST query page (jsforce's Query is a thenable, not a Promise). */
  query<R = Record<string, unknown>>(label: string, soql: string): Promise<{ records: R[]; done: boolean; totalSize: number; nextRecordsUrl?: string }> {
    return this.call(label, async (c) => (await c.query(soql)) as unknown as { records: R[]; done: boolean; totalSize: number; nextRecordsUrl?: string });
  }

  queryMore<R = Record<string, unknown>>(label: string, locator: string): Promise<{ records: R[]; done: boolean; totalSize: number; nextRecordsUrl?: string }> {
    return this.call(label, async (c) => (await c.queryMore(locator)) as unknown as { records: R[]; done: boolean; totalSize: number; nextRecordsUrl?: string });
  }

  /** Refreshes a session idle for nearly the org's timeout, before a call would be refused with a 401 and replayed. */
  private async refreshIfIdle(): Promise<void> {
    const delegate = (this.connection as unknown as { _refreshDelegate?: RefreshDelegate })._refreshDelegate;
    if (!delegate || !this.tokens.refreshToken) return;
    const timeoutMs = (this.options.sessionTimeoutSeconds ?? DEFAULT_SESSION_TIMEOUT_SECONDS) * 1000;
    const now = Date.now();
    if (now - this.lastSentAt < timeoutMs - sessionRefreshMarginMs(timeoutMs)) return;
    // Concurrent callers wait for the refresh in flight; `now` skips it when one finished after we looked.
    try {
      await delegate.refresh(now);
    } catch {
      // The call then meets the dead session, and jsforce's 401 path and ours name the problem (needs_reauth).
    }
  }

  async call<T>(label: string, request: (connection: jsforce.Connection) => Promise<T>): Promise<T> {
    return this.send(label, request, false);
  }

  /**
   * A request we send ourselves (`this.fetch`, e.g. Bulk result pages): jsforce does not see its 401, so a
   * session that died is refreshed here, once, through jsforce's own single refresh, and the request replayed.
   */
  async callOwnHttp<T>(label: string, request: (connection: jsforce.Connection) => Promise<T>): Promise<T> {
    return this.send(label, request, true);
  }

  private async send<T>(label: string, request: (connection: jsforce.Connection) => Promise<T>, ownHttp: boolean): Promise<T> {
    if (this.refused) throw this.refused;
    await this.refreshIfIdle();
    const delegate = (this.connection as unknown as { _refreshDelegate?: RefreshDelegate })._refreshDelegate;
    return send(
      {
        // Salesforce meters a daily allocation, not a burst window; the org's allocation is read from Sforce-Limit-Info.
        limiter: null,
        usage: this.usage,
        rules: SALESFORCE_RETRY_RULES,
        ...(this.options.retryPolicy ? { policy: this.options.retryPolicy } : {}),
        // jsforce's own calls: no refreshAuth, jsforce already refreshed once when a 401 reaches us, so the grant itself is gone.
        ...(ownHttp && delegate && this.tokens.refreshToken ? { refreshAuth: () => delegate.refresh(Date.now()) } : {}),
        describeError: describeSalesforceError,
        ...(this.options.log ? { log: this.options.log } : {}),
      },
      label,
      () =>
        request(this.connection).catch((error: unknown) => {
          throw this.refused ?? error;
        }),
    );
  }
}
