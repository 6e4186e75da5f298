/**
 * Admin sessions: a random id in a signed, HTTP-only cookie, the session itself in the store (so every
 * host of the service sees it, and an uninstall or logout ends it). A session is either the operator's
 * (every tenant; from the one-time login link `npm start` prints) or an install's admin (the tenants that
 * admin installed). Writes need the CSRF token, derived from the session id, in `x-csrf-token` or a
 * `_csrf` form field: a cross-site form cannot read it.
 */
import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import type { Signer } from '../../store/crypto.ts';
import type { AdminSession, Store } from '../../store/types.ts';
import type { ReadCache } from '../readCache.ts';

export const SESSION_TTL_MS = 12 * 60 * 60_000;
export const LOGIN_LINK_TTL_MS = 15 * 60_000;
export const CSRF_HEADER = 'x-csrf-token';

export interface ActiveSession extends AdminSession {
  id: string;
  csrfToken: string;
}

export interface SessionEnv {
  Variables: { session: ActiveSession | null };
}

export interface SessionDeps {
  store: Store;
  signer: Signer;
  /** Cookies are `Secure` (and `__Host-` prefixed) when the service is reached over https. */
  secureCookies: boolean;
  /** Where session lookups are shared between requests (none: every request reads the store). */
  reads?: ReadCache;
}

const cookieName = (secure: boolean) => (secure ? '__Host-crm_signals_session' : 'crm_signals_session');
const newId = () => randomBytes(32).toString('base64url');

/** Starts a session and sets its cookie on the answer being built. */
export async function startSession(c: Context, deps: SessionDeps, scope: Omit<AdminSession, 'expiresAt'>): Promise<ActiveSession> {
  const id = newId();
  const saved = await deps.store.saveSession(id, scope, SESSION_TTL_MS);
  setCookie(c, cookieName(deps.secureCookies), `${id}.${deps.signer.sign('session', id)}`, {
    httpOnly: true,
    secure: deps.secureCookies,
    sameSite: 'Lax',
    path: '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
  return { ...saved, id, csrfToken: deps.signer.sign('csrf', id) };
}

export async function endSession(c: Context<SessionEnv>, deps: SessionDeps): Promise<void> {
  const session = c.get('session');
  if (session) await deps.store.deleteSession(session.id);
  deleteCookie(c, cookieName(deps.secureCookies), { path: '/', secure: deps.secureCookies });
}

/** The request's session; a forged, unknown or expired cookie counts as none. */
async function sessionOf(c: Context, deps: SessionDeps): Promise<ActiveSession | null> {
  const cookie = getCookie(c, cookieName(deps.secureCookies));
  const dot = cookie?.indexOf('.') ?? -1;
  if (!cookie || dot < 1) return null;
  const id = cookie.slice(0, dot);
  if (!deps.signer.verify('session', id, cookie.slice(dot + 1))) return null;
  const load = () => deps.store.loadSession(id);
  const session = await (deps.reads ? deps.reads.get(`session ${id}`, load) : load());
  // a shared answer may be up to the cache's ttl old: the session's own end still holds to the millisecond
  if (!session || Date.parse(session.expiresAt) <= Date.now()) return null;
  // the CSRF token is signed when a page or /api/session asks for it, not on every JSON read
  let csrf: string | undefined;
  return {
    ...session,
    id,
    get csrfToken() {
      return (csrf ??= deps.signer.sign('csrf', id));
    },
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A route for admins only: reads the session into `c.var.session`; 401 without one, 403 for a write
 * without the session's CSRF token. Only such routes read the store for a session (webhooks never do).
 */
export function requireAdmin(deps: SessionDeps): MiddlewareHandler<SessionEnv> {
  return async (c, next) => {
    const session = await sessionOf(c, deps);
    c.set('session', session);
    if (!session) throw new HTTPException(401, { message: 'sign in first: open the login link `npm start` printed, or install the app again' });
    if (!SAFE_METHODS.has(c.req.method)) {
      const given = c.req.header(CSRF_HEADER) ?? (await formCsrf(c));
      if (!given || !deps.signer.verify('csrf', session.id, given)) throw new HTTPException(403, { message: `missing or wrong CSRF token (send the ${CSRF_HEADER} header)` });
    }
    await next();
  };
}

async function formCsrf(c: Context): Promise<string | undefined> {
  if (!c.req.header('content-type')?.startsWith('application/x-www-form-urlencoded')) return undefined;
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  return typeof form._csrf === 'string' ? form._csrf : undefined;
}

/** Whether the session may see and change the tenant: an operator always, an install's admin its own. */
export function canAccess(session: AdminSession | null | undefined, tenantId: string): boolean {
  return session != null && (session.operator || session.tenantIds.includes(tenantId));
}

/** A one-time link that signs its opener in (as operator, or for the given tenants). */
export async function createLoginLink(store: Store, baseUrl: string, scope: Omit<AdminSession, 'expiresAt'>, ttlMs = LOGIN_LINK_TTL_MS): Promise<string> {
  const token = newId();
  await store.putOneTimeToken('login', token, { ...scope }, ttlMs);
  return `${baseUrl.replace(/\/+$/, '')}/login?token=${token}`;
}

/** The scope a login token was issued for, or null when it is unknown, used or expired. */
export async function redeemLoginToken(store: Store, token: string): Promise<Omit<AdminSession, 'expiresAt'> | null> {
  const payload = await store.takeOneTimeToken('login', token);
  if (!payload) return null;
  return {
    operator: payload.operator === true,
    tenantIds: Array.isArray(payload.tenantIds) ? payload.tenantIds.map(String) : [],
    label: typeof payload.label === 'string' ? payload.label : 'admin',
  };
}
