/**
 * The OAuth `state` of an install, bound to the browser that started it. The state is
 * `<nonce>.<signature of the nonce>`; the nonce also goes into an HTTP-only SameSite=Lax cookie (Lax: the
 * CRM's redirect back is a top-level GET from another site, which Lax lets through) and into a single-use
 * one-time token holding what the callback needs (the CRM, the PKCE verifier). The callback accepts the
 * state only with a good signature, the same browser's cookie, within its lifetime, and once.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Crm } from '../../domain/records.ts';
import type { Signer } from '../../store/crypto.ts';
import type { Store } from '../../store/types.ts';

export const STATE_TTL_MS = 10 * 60_000;
const PURPOSE = 'oauth-state';
/** The nonce: 32 random bytes, then when it was issued (base 36 ms), so an old state is named as expired. */
const NONCE = /^([A-Za-z0-9_-]{43})~([0-9a-z]{1,12})$/;

export interface StateDeps {
  store: Store;
  signer: Signer;
  secureCookies: boolean;
  /** The clock the state's age is measured on (tests move it). */
  now: () => number;
}

export interface StatePayload {
  crm: Crm;
  codeVerifier?: string;
}

const cookieName = (secure: boolean) => (secure ? '__Secure-crm_signals_install' : 'crm_signals_install');
const COOKIE_PATH = '/install';

/** A fresh state for an install of `payload.crm`; sets the browser's cookie on the answer being built. */
export async function issueState(c: Context, deps: StateDeps, payload: StatePayload): Promise<string> {
  const nonce = `${randomBytes(32).toString('base64url')}~${deps.now().toString(36)}`;
  await deps.store.putOneTimeToken(PURPOSE, nonce, { ...payload }, STATE_TTL_MS);
  setCookie(c, cookieName(deps.secureCookies), nonce, {
    httpOnly: true,
    secure: deps.secureCookies,
    sameSite: 'Lax',
    path: COOKIE_PATH,
    maxAge: Math.floor(STATE_TTL_MS / 1000),
  });
  return `${nonce}.${deps.signer.sign(PURPOSE, nonce)}`;
}

export type StateCheck = { ok: true; payload: StatePayload } | { ok: false; problem: string };

/**
 * Checks the callback's state for an install of `crm` and spends it (a second use is refused). The
 * browser's install cookie is cleared whatever the outcome: it served this one attempt.
 */
export async function takeState(c: Context, deps: StateDeps, crm: Crm, state: string | undefined): Promise<StateCheck> {
  const cookie = getCookie(c, cookieName(deps.secureCookies));
  deleteCookie(c, cookieName(deps.secureCookies), { path: COOKIE_PATH, secure: deps.secureCookies });
  if (state === undefined || state === '') return refuse('the answer from the CRM carries no state parameter, so it cannot be matched to an install you started');
  const dot = state.indexOf('.');
  const nonce = dot > 0 ? state.slice(0, dot) : '';
  const issued = NONCE.exec(nonce);
  if (!issued || !deps.signer.verify(PURPOSE, nonce, state.slice(dot + 1))) return refuse('the state parameter was not issued by this service (forged or damaged)');
  if (cookie === undefined) return refuse('this install was started in another browser, or this browser does not keep cookies: start it again here');
  if (cookie !== nonce) return refuse('this install was started in another browser window or tab (its install cookie belongs to another install): start it again here');
  const payload = await deps.store.takeOneTimeToken(PURPOSE, nonce);
  if (deps.now() - parseInt(issued[2]!, 36) > STATE_TTL_MS) return refuse(`the install was started more than ${STATE_TTL_MS / 60_000} minutes ago and has expired: start it again`);
  if (!payload) return refuse('this install answer was already used (a reload or a replay): start the install again');
  if (payload.crm !== crm) return refuse(`this install was started for ${String(payload.crm)}, not ${crm}`);
  return { ok: true, payload: { crm, ...(typeof payload.codeVerifier === 'string' ? { codeVerifier: payload.codeVerifier } : {}) } };
}

const refuse = (problem: string): StateCheck => ({ ok: false, problem });
