/**
 * OAuth token endpoints (v1, which the SDK calls, and v3, which new code should call). Not rate
 * limited, not authenticated by bearer token, and untouched by the fault switches.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { AccessToken, GrantError } from '../auth.ts';
import type { EmulatorContext } from '../context.ts';
import { errorBody } from '../errors.ts';
import { formFields } from '../../shared/http.ts';

const USER_ID = 7_654_321;
const USER_EMAIL = 'admin@sandbox.example.com';

function grantError(c: Context, e: GrantError): Response {
  return c.json({ status: e.status, message: e.message, correlationId: randomUUID() }, 400);
}

export function mountOAuth(app: Hono, ctx: EmulatorContext): void {
  const { auth } = ctx;

  const tokenResponse = (t: AccessToken, version: 'v1' | 'v3'): Record<string, unknown> => ({
    access_token: t.token,
    refresh_token: t.refreshToken,
    expires_in: Math.round((t.expiresAt - auth.options.clock()) / 1000),
    token_type: 'bearer',
    hub_id: ctx.portalId,
    ...(version === 'v3' ? { token_use: 'access_token', scopes: t.scopes, user_id: USER_ID } : {}),
  });

  for (const version of ['v1', 'v3'] as const) {
    app.post(`/oauth/${version}/token`, async (c) => {
      const p = await formFields(c);
      const creds = { clientId: p['client_id'], clientSecret: p['client_secret'] };
      let result: AccessToken | GrantError;
      if (p['grant_type'] === 'authorization_code') {
        result = auth.exchangeCode({ ...creds, code: p['code'], redirectUri: p['redirect_uri'] });
      } else if (p['grant_type'] === 'refresh_token') {
        result = auth.refreshAccess({ ...creds, refreshToken: p['refresh_token'] });
      } else {
        result = { status: 'BAD_GRANT_TYPE', message: `unsupported grant_type: ${p['grant_type'] ?? '(missing)'}` };
      }
      if ('status' in result) return grantError(c, result);
      return c.json(tokenResponse(result, version));
    });
  }

  app.get('/oauth/v1/access-tokens/:token', (c) => {
    const t = auth.lookupAccess(c.req.param('token'));
    const remaining = t ? Math.round((t.expiresAt - auth.options.clock()) / 1000) : 0;
    if (!t || remaining <= 0) return c.json(errorBody({ message: 'Token not found or expired', category: 'OBJECT_NOT_FOUND' }), 404);
    return c.json({
      token: t.token, user: USER_EMAIL, hub_domain: `sandbox-${ctx.portalId}.hubspot.com`, scopes: t.scopes,
      hub_id: ctx.portalId, app_id: ctx.appId, expires_in: remaining, user_id: USER_ID, token_type: 'access',
      is_private_distribution: false,
    });
  });

  app.get('/oauth/v1/refresh-tokens/:token', (c) => {
    const r = auth.lookupRefresh(c.req.param('token'));
    if (!r) return c.json(errorBody({ message: 'Refresh token not found', category: 'OBJECT_NOT_FOUND' }), 404);
    return c.json({
      token: c.req.param('token'), user: USER_EMAIL, hub_domain: `sandbox-${ctx.portalId}.hubspot.com`, scopes: r.scopes,
      hub_id: ctx.portalId, client_id: auth.options.clientId, user_id: USER_ID, token_type: 'refresh',
    });
  });

  app.delete('/oauth/v1/refresh-tokens/:token', (c) => {
    if (!auth.revokeRefresh(c.req.param('token'))) {
      return c.json(errorBody({ message: 'Refresh token not found', category: 'OBJECT_NOT_FOUND' }), 404);
    }
    return c.body(null, 204);
  });
}
