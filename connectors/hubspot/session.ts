/**
 * One authenticated HubSpot session per portal: the official client pointed at the app's API base
 * (https://api.hubapi.com by default), its own limiters (110 requests per 10 s, search 5 per second), token refresh ahead of expiry,
 * and every call sent through the shared limiter -> send -> retry chain. The SDK's retries stay off:
 * they wait a fixed 10 s, ignore headers and share one limiter across the whole process.
 */
import { Client } from '@hubspot/api-client';
import { RollingWindowLimiter, type WindowLimit } from '../shared/rateLimiter.ts';
import { send } from '../shared/send.ts';
import { countingFetch, type CountRequest } from '../shared/transport.ts';
import type { FailedAttempt, RetryPolicy } from '../shared/retryDecision.ts';
import type { ApiUsage } from '../connector.ts';
import { HUBSPOT_RETRY_RULES } from './retryRules.ts';
import { refreshTokens, type HubSpotTokens, type OAuthApp } from './oauth.ts';

export interface HubSpotSessionOptions {
  baseUrl: string;
  tokens: HubSpotTokens;
  app?: OAuthApp;
  /** Persist refreshed tokens (encrypted, per tenant). */
  onTokens?: (tokens: HubSpotTokens) => Promise<void> | void;
  limit?: WindowLimit;
  searchLimit?: WindowLimit;
  retryPolicy?: RetryPolicy;
  log?: (message: string) => void;
}

/**
 * Our window counts a request when it leaves, HubSpot's when it arrives: widen ours a little so the two
 * never disagree at the edge of a window (measured: one 429 per full demo cycle without it).
 */
const WINDOW_MARGIN_MS = 250;

function withMargin(limit: WindowLimit): WindowLimit {
  return { max: limit.max, intervalMs: limit.intervalMs + WINDOW_MARGIN_MS };
}

/**
 * Refresh this long before expiry (HubSpot says a 401 is not a reliable signal to refresh): 60 s, or a
 * tenth of the token's lifetime when that is shorter. A fixed margin longer than the lifetime made every
 * call refresh (79 refreshes for 80 calls with 2-second tokens).
 */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(60_000, Math.max(0, lifetimeMs) / 10);
}

export type CallKind = 'standard' | 'search' | 'associations';

export class HubSpotSession {
  readonly client: Client;
  readonly usage: ApiUsage = { calls: 0, retries: 0, throttled: 0 };
  private tokens: HubSpotTokens;
  private refreshing: Promise<void> | null = null;
  /** How long the current token was good for when we got it; stored tokens count from when the session opened. */
  private lifetimeMs: number;
  private readonly limiter: RollingWindowLimiter;
  private readonly searchLimiter: RollingWindowLimiter;
  /** Every request this session sends (SDK calls and token refreshes) is counted here, once, as it leaves. */
  private readonly count: CountRequest = (kind) => {
    this.usage.calls++;
    if (kind === 'retry') this.usage.retries++;
  };
  private readonly fetch = countingFetch(this.count);

  constructor(private readonly options: HubSpotSessionOptions) {
    this.tokens = options.tokens;
    this.lifetimeMs = this.tokens.expiresAt - Date.now();
    this.client = new Client({ accessToken: this.tokens.accessToken, basePath: options.baseUrl, numberOfApiCallRetries: 0 });
    this.limiter = new RollingWindowLimiter(withMargin(options.limit ?? { max: 110, intervalMs: 10_000 }));
    this.searchLimiter = new RollingWindowLimiter(withMargin(options.searchLimit ?? { max: 5, intervalMs: 1_000 }));
  }

  get portalId(): string | null {
    return this.tokens.portalId;
  }

  async call<T>(kind: CallKind, label: string, request: (client: Client) => Promise<T>): Promise<T> {
    await this.refreshIfExpiring();
    let sentWith = this.tokens.accessToken;
    // The spec exempts v4 association batch reads from the ten-second limit (x-hubspot-rate-limit-exemptions).
    const limiter = kind === 'search' ? this.searchLimiter : kind === 'associations' ? null : this.limiter;
    return send(
      {
        limiter,
        usage: this.usage,
        rules: HUBSPOT_RETRY_RULES,
        ...(this.options.retryPolicy ? { policy: this.options.retryPolicy } : {}),
        ...(this.options.app ? { refreshAuth: () => this.refresh(sentWith) } : {}),
        describeError,
        ...(this.options.log ? { log: this.options.log } : {}),
      },
      label,
      () => {
        // The SDK's transport hooks (httpAgent, middleware) are dead in @hubspot/api-client 13: its
        // generated APIs apply only call-time middleware. With its retries off and only single-request
        // methods used, one SDK call is one HTTP request, so this is where it leaves.
        this.count('request');
        sentWith = this.tokens.accessToken;
        return request(this.client);
      },
    );
  }

  private async refreshIfExpiring(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    if (this.options.app && this.tokens.expiresAt - Date.now() < refreshMarginMs(this.lifetimeMs)) await this.refresh(this.tokens.accessToken);
  }

  /**
   * One refresh at a time per portal; concurrent callers wait for the same one. `stale` is the token the
   * caller found wanting: when another caller has replaced it meanwhile, there is nothing left to do.
   */
  private refresh(stale: string): Promise<void> {
    const app = this.options.app;
    if (!app) return Promise.resolve();
    if (this.refreshing) return this.refreshing;
    if (this.tokens.accessToken !== stale) return Promise.resolve();
    this.refreshing = (async () => {
      try {
        const askedAt = Date.now();
        this.tokens = await refreshTokens(app, this.tokens, this.fetch);
        this.lifetimeMs = this.tokens.expiresAt - askedAt;
        this.client.setAccessToken(this.tokens.accessToken);
        await this.options.onTokens?.(this.tokens);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}

/** @hubspot/api-client throws ApiException {code, body, headers}; fetch failures carry no code. */
export function describeError(error: unknown): Omit<FailedAttempt, 'attempt'> {
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'number') {
    const e = error as { code: number; body?: unknown; headers?: Record<string, string> };
    let body = e.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // Keep the raw text: it still names the problem.
      }
    }
    return { status: e.code, headers: e.headers ?? {}, body };
  }
  return { status: null, headers: {}, body: { message: error instanceof Error ? error.message : String(error) } };
}
