/**
 * OAuth state of the one connected app: one-time authorization codes (with PKCE), refresh tokens
 * and sessions. A session is Salesforce's access token: it dies after the org's session timeout
 * without use (each call extends it), on expireSessions(), or when revoked; refresh tokens
 * outlive it. Tokens are random, not seeded: nothing should depend on their value.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface Session {
  token: string;
  userId: string;
  lastUsed: number;
  refreshToken: string | null;
}

export interface AuthOptions {
  clientId: string;
  clientSecret: string;
  sessionTtlSeconds: number;
  orgId: string;
  clock: () => number;
}

interface PendingCode {
  userId: string;
  redirectUri: string | undefined;
  codeChallenge: string | undefined;
  expiresAt: number;
}

/** Salesforce's token endpoint errors: HTTP 400 with a plain object, not the REST error array. */
export interface GrantError {
  status: 400 | 401;
  error: string;
  error_description: string;
}

export type AuthCheck = { ok: true; session: Session } | { ok: false; reason: 'missing' | 'unknown' | 'expired' };

/** Authorization codes are good for 15 minutes, as Salesforce's. */
const CODE_TTL_MS = 15 * 60_000;

export class AuthStore {
  private readonly codes = new Map<string, PendingCode>();
  private readonly sessions = new Map<string, Session>();
  private readonly refreshTokens = new Map<string, { userId: string }>();
  /** Every code and token ever handed out (tests search logs and answers for each). */
  readonly issued: string[] = [];

  constructor(readonly options: AuthOptions) {}

  private now(): number {
    return this.options.clock();
  }

  /** Simulates the admin approving the app: the redirect would carry this code. */
  issueCode(userId: string, redirectUri?: string, codeChallenge?: string): string {
    const code = `aPrx${randomBytes(30).toString('base64url')}`;
    this.issued.push(code);
    this.codes.set(code, { userId, redirectUri, codeChallenge, expiresAt: this.now() + CODE_TTL_MS });
    return code;
  }

  /** A session without the OAuth dance (tests that are not about OAuth). */
  openSession(userId: string, refreshToken: string | null = null): Session {
    // Shaped like a real one: "<15-char org id>!<opaque>".
    const token = `${this.options.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    const session: Session = { token, userId, lastUsed: this.now(), refreshToken };
    this.issued.push(token);
    this.sessions.set(token, session);
    return session;
  }

  private newRefreshToken(userId: string): string {
    const rt = `5Aep86${randomBytes(42).toString('base64url')}`;
    this.issued.push(rt);
    this.refreshTokens.set(rt, { userId });
    return rt;
  }

  private checkClient(clientId: string | undefined, clientSecret: string | undefined, secretRequired: boolean): GrantError | undefined {
    if (clientId !== this.options.clientId) return { status: 400, error: 'invalid_client_id', error_description: 'client identifier invalid' };
    if ((secretRequired || clientSecret !== undefined) && clientSecret !== this.options.clientSecret) {
      return { status: 400, error: 'invalid_client', error_description: 'invalid client credentials' };
    }
    return undefined;
  }

  exchangeCode(p: { code?: string; clientId?: string; clientSecret?: string; redirectUri?: string; codeVerifier?: string }): { session: Session; refreshToken: string } | GrantError {
    const clientProblem = this.checkClient(p.clientId, p.clientSecret, p.codeVerifier === undefined);
    if (clientProblem) return clientProblem;
    const pending = p.code === undefined ? undefined : this.codes.get(p.code);
    if (!pending || p.code === undefined || pending.expiresAt <= this.now()) {
      return { status: 400, error: 'invalid_grant', error_description: 'expired authorization code' };
    }
    if (!p.redirectUri || (pending.redirectUri !== undefined && pending.redirectUri !== p.redirectUri)) {
      return { status: 400, error: 'redirect_uri_mismatch', error_description: 'redirect_uri must match configuration' };
    }
    if (pending.codeChallenge !== undefined) {
      const challenge = p.codeVerifier === undefined ? undefined : createHash('sha256').update(p.codeVerifier).digest('base64url');
      if (challenge !== pending.codeChallenge) return { status: 400, error: 'invalid_grant', error_description: 'invalid code verifier' };
    }
    // One-time: a replayed code fails like an expired one.
    this.codes.delete(p.code);
    const refreshToken = this.newRefreshToken(pending.userId);
    return { session: this.openSession(pending.userId, refreshToken), refreshToken };
  }

  refresh(p: { refreshToken?: string; clientId?: string; clientSecret?: string }): Session | GrantError {
    const clientProblem = this.checkClient(p.clientId, p.clientSecret, false);
    if (clientProblem) return clientProblem;
    const entry = p.refreshToken === undefined ? undefined : this.refreshTokens.get(p.refreshToken);
    if (!entry || p.refreshToken === undefined) return { status: 400, error: 'invalid_grant', error_description: 'expired access/refresh token' };
    return this.openSession(entry.userId, p.refreshToken);
  }

  check(token: string | undefined): AuthCheck {
    if (!token) return { ok: false, reason: 'missing' };
    const session = this.sessions.get(token);
    if (!session) return { ok: false, reason: 'unknown' };
    const now = this.now();
    if (now - session.lastUsed >= this.options.sessionTtlSeconds * 1000) {
      this.sessions.delete(token);
      return { ok: false, reason: 'expired' };
    }
    session.lastUsed = now;
    return { ok: true, session };
  }

  /** Every session dies at once (an admin's "expire all", a password reset); refresh tokens survive. */
  expireSessions(): void {
    this.sessions.clear();
  }

  /**
   * An admin revokes the app (Setup > Connected Apps OAuth Usage > Revoke): every refresh token and the
   * sessions opened from them die; later refreshes answer invalid_grant. Sessions opened without OAuth stay.
   */
  revokeApp(): number {
    const count = this.refreshTokens.size;
    this.refreshTokens.clear();
    for (const [k, s] of this.sessions) if (s.refreshToken !== null) this.sessions.delete(k);
    this.codes.clear();
    return count;
  }

  /** POST /services/oauth2/revoke: a refresh token takes its sessions with it. */
  revoke(token: string): boolean {
    if (this.sessions.delete(token)) return true;
    if (!this.refreshTokens.delete(token)) return false;
    for (const [k, s] of this.sessions) if (s.refreshToken === token) this.sessions.delete(k);
    return true;
  }

  /** Salesforce's token signature: Base64(HMAC-SHA256(client secret, id + issued_at)). */
  sign(idUrl: string, issuedAt: string): string {
    return createHmac('sha256', this.options.clientSecret).update(idUrl + issuedAt).digest('base64');
  }
}
