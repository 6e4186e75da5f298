/**
 * Signing in as an admin the way a person does: a one-time login link, then the session cookie and the
 * CSRF token the service hands out. For tests of every admin route.
 */
import type { Hono } from 'hono';
import { createLoginLink } from '../../src/server/auth/sessions.ts';
import type { AdminSession, Store } from '../../src/store/types.ts';

export interface SignedIn {
  cookie: string;
  csrf: string;
  /** Headers for a GET (cookie) and for a write (cookie + CSRF token). */
  read: Record<string, string>;
  write: Record<string, string>;
}

export const OPERATOR: Omit<AdminSession, 'expiresAt'> = { operator: true, tenantIds: [], label: 'operator' };

export async function signIn(app: Pick<Hono, 'request'>, store: Store, scope: Omit<AdminSession, 'expiresAt'> = OPERATOR): Promise<SignedIn> {
  const link = new URL(await createLoginLink(store, 'http://127.0.0.1', scope));
  const login = await app.request(`${link.pathname}${link.search}`);
  if (login.status !== 303) throw new Error(`login link answered ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const session = await app.request('/api/session', { headers: { cookie } });
  const { csrfToken } = (await session.json()) as { csrfToken: string };
  return { cookie, csrf: csrfToken, read: { cookie }, write: { cookie, 'x-csrf-token': csrfToken } };
}

/** Signed in for exactly these tenants, as their installing admin would be. */
export const signInFor = (app: Pick<Hono, 'request'>, store: Store, ...tenantIds: string[]) =>
  signIn(app, store, { operator: false, tenantIds, label: `admin of ${tenantIds.join(', ')}` });
