/**
 * OAuth 2.0 endpoints of the login server (here: the same host as the instance): token (web
 * server flow with optional PKCE, refresh, JWT bearer, client credentials), authorize, revoke,
 * userinfo and the identity URL. None of them count against the API allocation or see faults.
 */
import type { Context, Hono } from 'hono';
import type { GrantError, Session } from '../auth.ts';
import { json, type Env, type EmulatorContext } from '../context.ts';
import { consentHtml, redirectTarget, redirectWith } from '../../shared/consent.ts';
import { formFields } from '../../shared/http.ts';
import type { StoredRecord } from '../values.ts';
import { formatDateTime } from '../values.ts';

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Audiences Salesforce accepts in a JWT bearer assertion (plus this instance, like a My Domain). */
const JWT_AUDIENCES = ['https://login.salesforce.com', 'https://test.salesforce.com'];

async function form(c: Context): Promise<Record<string, string>> {
  const out = await formFields(c);
  // Client credentials may also come as HTTP Basic auth.
  const basic = /^Basic\s+(\S+)$/i.exec(c.req.header('Authorization') ?? '');
  if (basic?.[1]) {
    const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    if (id && out['client_id'] === undefined) out['client_id'] = decodeURIComponent(id);
    if (secret !== undefined && out['client_secret'] === undefined) out['client_secret'] = decodeURIComponent(secret);
  }
  return out;
}

/** RFC 7636: 43 to 128 characters of the unreserved set; a S256 challenge is 43 base64url characters. */
const CODE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;

type CheckedAuthorize =
  | { ok: true; redirectUri: string; state: string | undefined; codeChallenge: string | undefined; scope: string[]; fields: Record<string, string> }
  | { ok: false; response: Response };

function checkAuthorize(ctx: EmulatorContext, q: Record<string, string | undefined>): CheckedAuthorize {
  const fail = (error: string, error_description: string): CheckedAuthorize => ({ ok: false, response: json({ error, error_description }, 400) });
  if (q['client_id'] !== ctx.auth.options.clientId) return fail('invalid_client_id', 'client identifier invalid');
  const redirect = q['redirect_uri'];
  const callbacks = ctx.callbackUrls;
  if (!redirect || !redirectTarget(redirect) || (callbacks !== undefined && !callbacks.includes(redirect))) {
    return fail('redirect_uri_mismatch', 'redirect_uri must match configuration');
  }
  if (q['response_type'] !== 'code') return fail('unsupported_response_type', 'response type not supported');
  const challenge = q['code_challenge'];
  const method = q['code_challenge_method'];
  if (challenge !== undefined && !CODE_CHALLENGE.test(challenge)) return fail('invalid_request', 'invalid code_challenge');
  // Salesforce verifies S256 only; plain is refused rather than silently accepted.
  if (method !== undefined && method !== 'S256') return fail('invalid_request', 'invalid code_challenge_method');
  if (method !== undefined && challenge === undefined) return fail('invalid_request', 'missing code_challenge');
  const fields: Record<string, string> = { response_type: 'code', client_id: q['client_id'], redirect_uri: redirect };
  for (const k of ['state', 'scope', 'code_challenge', 'code_challenge_method'] as const) if (q[k] !== undefined) fields[k] = q[k];
  return { ok: true, redirectUri: redirect, state: q['state'], codeChallenge: challenge, scope: (q['scope'] ?? '').split(/\s+/).filter(Boolean), fields };
}

function grantError(e: GrantError): Response {
  return json({ error: e.error, error_description: e.error_description }, e.status);
}

function decodeJwtPart(part: string | undefined): Record<string, unknown> | undefined {
  if (!part || !/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function bearer(c: Context): string | undefined {
  const m = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '');
  return m?.[1] ?? c.req.query('oauth_token') ?? undefined;
}

export function mountOAuth(app: Hono<Env>, ctx: EmulatorContext): void {
  const { auth, state } = ctx;

  const tokenResponse = (session: Session, refreshToken: string | undefined): Response => {
    const issuedAt = String(state.clockNow());
    const id = ctx.idUrl(session.userId);
    return json({
      access_token: session.token,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      signature: auth.sign(id, issuedAt),
      scope: 'refresh_token api id',
      instance_url: ctx.instanceUrl(),
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    });
  };

  /** JWT bearer: the signature is not verified (the emulator holds no certificate), the claims are. */
  const jwtGrant = (assertion: string | undefined): Response => {
    const invalid = grantError({ status: 400, error: 'invalid_grant', error_description: 'invalid assertion' });
    const parts = (assertion ?? '').split('.');
    if (parts.length !== 3 || !parts[2]) return invalid;
    const header = decodeJwtPart(parts[0]);
    const claims = decodeJwtPart(parts[1]);
    if (!header || typeof header['alg'] !== 'string' || !claims || !/^[A-Za-z0-9_-]+$/.test(parts[2])) return invalid;
    if (claims['iss'] !== auth.options.clientId) return grantError({ status: 400, error: 'invalid_client_id', error_description: 'client identifier invalid' });
    const audiences = Array.isArray(claims['aud']) ? claims['aud'] : [claims['aud']];
    const accepted = [...JWT_AUDIENCES, ctx.instanceUrl()];
    if (!audiences.some((a) => typeof a === 'string' && accepted.includes(a.replace(/\/$/, '')))) {
      return grantError({ status: 400, error: 'invalid_grant', error_description: 'audience is invalid' });
    }
    const exp = claims['exp'];
    if (typeof exp !== 'number' || exp * 1000 <= state.clockNow()) return invalid;
    const sub = typeof claims['sub'] === 'string' ? claims['sub'].toLowerCase() : undefined;
    const user = state.list('User').find((u) => typeof u['Username'] === 'string' && u['Username'].toLowerCase() === sub);
    if (!user) return invalid;
    if (!ctx.faults.current.jwtPreAuthorized) {
      return grantError({ status: 400, error: 'invalid_grant', error_description: "user hasn't approved this consumer" });
    }
    return tokenResponse(auth.openSession(user['Id'] as string), undefined);
  };

  app.post('/services/oauth2/token', async (c) => {
    const p = await form(c);
    switch (p['grant_type']) {
      case 'authorization_code': {
        const r = auth.exchangeCode({ code: p['code'], clientId: p['client_id'], clientSecret: p['client_secret'], redirectUri: p['redirect_uri'], codeVerifier: p['code_verifier'] });
        return 'error' in r ? grantError(r) : tokenResponse(r.session, r.refreshToken);
      }
      case 'refresh_token': {
        const r = auth.refresh({ refreshToken: p['refresh_token'], clientId: p['client_id'], clientSecret: p['client_secret'] });
        // No refresh_token in a refresh response (rotation is off, the default).
        return 'error' in r ? grantError(r) : tokenResponse(r, undefined);
      }
      case JWT_GRANT:
        return jwtGrant(p['assertion']);
      case 'client_credentials': {
        if (p['client_id'] !== auth.options.clientId || p['client_secret'] !== auth.options.clientSecret) {
          return grantError({ status: 400, error: 'invalid_client', error_description: 'invalid client credentials' });
        }
        // The app's configured run-as user: the integration user.
        return tokenResponse(auth.openSession(state.users.integration), undefined);
      }
      default:
        return grantError({ status: 400, error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    }
  });

  /**
   * The web-server flow's login and approval screen: the request is checked first (an unknown client
   * or a redirect_uri that is not the app's callback is an error, never a redirect), then a consent form
   * posts the admin's decision back here; approval redirects with code and state, a denial with
   * error=access_denied. The approving user is the integration user.
   */
  app.get('/services/oauth2/authorize', (c) => {
    const checked = checkAuthorize(ctx, c.req.query());
    if (!checked.ok) return checked.response;
    return c.html(consentHtml({
      title: `Allow access to org ${state.orgId}?`,
      asks: checked.scope.length > 0 ? checked.scope : ['api', 'refresh_token'],
      action: '/services/oauth2/authorize',
      fields: checked.fields,
    }));
  });

  app.post('/services/oauth2/authorize', async (c) => {
    const p = await formFields(c);
    // Re-checked: a posted form may hold other values than the page did.
    const checked = checkAuthorize(ctx, p);
    if (!checked.ok) return checked.response;
    if (p['decision'] === 'deny') {
      return c.redirect(redirectWith(checked.redirectUri, { error: 'access_denied', error_description: 'end-user denied authorization', state: checked.state }), 302);
    }
    if (p['decision'] !== 'allow') return json({ error: 'invalid_request', error_description: 'decision must be allow or deny' }, 400);
    const code = auth.issueCode(state.users.integration, checked.redirectUri, checked.codeChallenge);
    return c.redirect(redirectWith(checked.redirectUri, { code, state: checked.state }), 302);
  });

  app.post('/services/oauth2/revoke', async (c) => {
    const p = await form(c);
    const token = p['token'] ?? c.req.query('token');
    if (!token || !auth.revoke(token)) return json({ error: 'unsupported_token_type', error_description: 'this token type is not supported' }, 400);
    return c.body(null, 200);
  });

  const userJson = (u: StoredRecord) => ({
    user_id: u['Id'], organization_id: state.orgId, username: u['Username'], display_name: u['Name'], email: u['Email'],
    first_name: u['FirstName'], last_name: u['LastName'], active: u['IsActive'], user_type: 'STANDARD', language: 'en_US',
    locale: 'en_US', utcOffset: 0, last_modified_date: formatDateTime(u['LastModifiedDate'] as number),
  });

  const identity = (c: Context): Response => {
    const check = auth.check(bearer(c));
    if (!check.ok) return c.text('Bad_OAuth_Token', 403);
    const user = state.getById(check.session.userId);
    if (!user) return c.text('Bad_OAuth_Token', 403);
    return json({ id: ctx.idUrl(check.session.userId), asserted_user: true, ...userJson(user), is_app_installed: true, urls: {
      rest: `${ctx.instanceUrl()}/services/data/v{version}/`, sobjects: `${ctx.instanceUrl()}/services/data/v{version}/sobjects/`,
      query: `${ctx.instanceUrl()}/services/data/v{version}/query/`,
    } });
  };
  app.get('/id/:orgId/:userId', identity);

  app.get('/services/oauth2/userinfo', (c) => {
    const check = auth.check(bearer(c));
    if (!check.ok) return c.text('Bad_OAuth_Token', 403);
    const u = state.getById(check.session.userId);
    if (!u) return c.text('Bad_OAuth_Token', 403);
    return json({
      sub: ctx.idUrl(check.session.userId), user_id: u['Id'], organization_id: state.orgId, preferred_username: u['Username'],
      nickname: u['Alias'], name: u['Name'], email: u['Email'], email_verified: true, given_name: u['FirstName'], family_name: u['LastName'],
      zoneinfo: 'GMT', active: u['IsActive'], user_type: 'STANDARD', language: 'en_US', locale: 'en_US', utcOffset: 0,
    });
  });
}
