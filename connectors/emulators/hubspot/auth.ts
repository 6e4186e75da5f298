/**
 * OAuth state of the one installed app: one-time codes, access tokens with an expiry, refresh
 * tokens. Tokens are random (not seeded): nothing should depend on their value.
 */
import { randomBytes, randomUUID } from 'node:crypto';

export const DEFAULT_SCOPES = [
  'oauth',
  'crm.objects.contacts.read', 'crm.objects.contacts.write',
  'crm.objects.deals.read', 'crm.objects.deals.write',
  'tickets',
  'crm.objects.line_items.read', 'crm.objects.products.read',
  'crm.schemas.contacts.write', 'crm.schemas.deals.write', 'crm.schemas.tickets.write',
];

export interface AccessToken {
  token: string;
  expiresAt: number;
  refreshToken: string | null;
  scopes: string[];
}

export type AuthCheck = { ok: true; token: AccessToken } | { ok: false; reason: 'missing' | 'unknown' | 'expired'; expiredMs?: number };

export type GrantError = { status: 'BAD_AUTH_CODE' | 'BAD_REFRESH_TOKEN' | 'BAD_CLIENT_ID' | 'BAD_REDIRECT_URI' | 'BAD_GRANT_TYPE'; message: string };

export interface AuthOptions {
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds: number;
  clock: () => number;
  /** The scopes the app declares (its required and optional scopes); what a token can carry at most. */
  scopes: readonly string[];
}

export class AuthStore {
  private readonly codes = new Map<string, { redirectUri: string | undefined; scopes: string[] }>();
  private readonly access = new Map<string, AccessToken>();
  private readonly refresh = new Map<string, { scopes: string[] }>();
  /** Every code and token ever handed out (tests search logs and answers for each). */
  readonly issued: string[] = [];

  constructor(readonly options: AuthOptions) {}

  /** Simulates the admin approving the install: the redirect would carry this code. */
  issueCode(redirectUri?: string, scopes: readonly string[] = this.options.scopes): string {
    const code = randomUUID();
    this.issued.push(code);
    this.codes.set(code, { redirectUri, scopes: [...scopes] });
    return code;
  }

  /** An access token without going through OAuth, as a private app or service key would have. */
  issueAccessToken(ttlSeconds = this.options.tokenTtlSeconds): AccessToken {
    return this.mint(null, [...this.options.scopes], ttlSeconds);
  }

  private mint(refreshToken: string | null, scopes: string[], ttlSeconds = this.options.tokenTtlSeconds): AccessToken {
    const token: AccessToken = {
      token: `C${randomBytes(24).toString('base64url')}`,
      expiresAt: this.options.clock() + ttlSeconds * 1000,
      refreshToken,
      scopes,
    };
    this.access.set(token.token, token);
    this.issued.push(token.token);
    return token;
  }

  private checkClient(clientId: string | undefined, clientSecret: string | undefined): string | undefined {
    if (clientId !== this.options.clientId) return 'missing or unknown client id';
    if (clientSecret !== this.options.clientSecret) return 'missing or invalid client secret';
    return undefined;
  }

  exchangeCode(p: { code?: string; clientId?: string; clientSecret?: string; redirectUri?: string }): AccessToken | GrantError {
    const clientProblem = this.checkClient(p.clientId, p.clientSecret);
    if (clientProblem) return { status: 'BAD_AUTH_CODE', message: clientProblem };
    const entry = p.code === undefined ? undefined : this.codes.get(p.code);
    if (!entry || p.code === undefined) return { status: 'BAD_AUTH_CODE', message: 'missing or unknown auth code' };
    if (!p.redirectUri) return { status: 'BAD_REDIRECT_URI', message: 'missing redirect_uri' };
    if (entry.redirectUri !== undefined && entry.redirectUri !== p.redirectUri) {
      return { status: 'BAD_REDIRECT_URI', message: 'redirect_uri does not match the one used to authorize' };
    }
    // One-time: a replayed code must fail, as HubSpot's does.
    this.codes.delete(p.code);
    const refreshToken = `na1-${randomUUID()}`;
    this.issued.push(refreshToken);
    this.refresh.set(refreshToken, { scopes: entry.scopes });
    return this.mint(refreshToken, entry.scopes);
  }

  /** HubSpot does not rotate refresh tokens: the same one comes back. */
  refreshAccess(p: { refreshToken?: string; clientId?: string; clientSecret?: string }): AccessToken | GrantError {
    const clientProblem = this.checkClient(p.clientId, p.clientSecret);
    if (clientProblem) return { status: 'BAD_REFRESH_TOKEN', message: clientProblem };
    const entry = p.refreshToken === undefined ? undefined : this.refresh.get(p.refreshToken);
    if (!entry || p.refreshToken === undefined) return { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' };
    return this.mint(p.refreshToken, entry.scopes);
  }

  check(authorization: string | undefined): AuthCheck {
    const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match?.[1]) return { ok: false, reason: 'missing' };
    const token = this.access.get(match[1]);
    if (!token) return { ok: false, reason: 'unknown' };
    const now = this.options.clock();
    if (now >= token.expiresAt) return { ok: false, reason: 'expired', expiredMs: now - token.expiresAt };
    return { ok: true, token };
  }

  lookupAccess(token: string): AccessToken | undefined {
    return this.access.get(token);
  }

  lookupRefresh(token: string): { scopes: string[] } | undefined {
    return this.refresh.get(token);
  }

  revokeRefresh(token: string): boolean {
    const existed = this.refresh.delete(token);
    for (const [k, v] of this.access) if (v.refreshToken === token) this.access.delete(k);
    return existed;
  }

  /**
   * Every access token ends now, ahead of its expires_in (HubSpot can end them early, and says a client
   * must not rely on expiry alone): calls answer 401 until the app refreshes. Refresh tokens keep working.
   */
  expireAccessTokens(): void {
    const now = this.options.clock();
    for (const token of this.access.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }

  /** Uninstall: every token dies, so refreshes answer BAD_REFRESH_TOKEN and calls answer 401. */
  revokeAll(): void {
    this.codes.clear();
    this.access.clear();
    this.refresh.clear();
  }
}
