import { describe, expect, it } from 'vitest';
import { harness } from './helpers.ts';

const REDIRECT = 'http://localhost:3000/oauth/callback';

function form(fields: Record<string, string>): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}

describe('OAuth', () => {
  it('exchanges a one-time code, then refreshes, on v1 and v3', async () => {
    const h = harness({ tokenTtlSeconds: 1800 });
    const creds = { client_id: h.sb.clientId, client_secret: h.sb.clientSecret };
    const code = h.sb.issueAuthCode();
    const res = await h.sb.app.request('/oauth/v1/token', form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...creds }));
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 1800, hub_id: h.sb.portalId });
    expect(typeof tokens['access_token']).toBe('string');
    expect(typeof tokens['refresh_token']).toBe('string');
    expect((await h.call('GET', '/crm/v3/objects/contacts', undefined, String(tokens['access_token']))).status).toBe(200);

    const replay = await h.sb.app.request('/oauth/v1/token', form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...creds }));
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ status: 'BAD_AUTH_CODE' });

    // The access token expires; the refresh token gets a new one (v3 adds token_use and scopes).
    h.clock.advance(1800 * 1000);
    const expired = await h.call('GET', '/crm/v3/objects/contacts', undefined, String(tokens['access_token']));
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    const refreshed = await h.sb.app.request('/oauth/v3/token', form({ grant_type: 'refresh_token', refresh_token: String(tokens['refresh_token']), ...creds }));
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as Record<string, unknown>;
    expect(next).toMatchObject({ token_type: 'bearer', token_use: 'access_token', refresh_token: tokens['refresh_token'], hub_id: h.sb.portalId });
    expect(Array.isArray(next['scopes'])).toBe(true);
    expect(next['access_token']).not.toBe(tokens['access_token']);
    expect((await h.call('GET', '/crm/v3/objects/contacts', undefined, String(next['access_token']))).status).toBe(200);
  });

  it('ends every access token early on expireAccessTokens, while the refresh token still gets a new one', async () => {
    const h = harness({ tokenTtlSeconds: 1800 });
    const creds = { client_id: h.sb.clientId, client_secret: h.sb.clientSecret };
    const res = await h.sb.app.request('/oauth/v1/token', form({ grant_type: 'authorization_code', code: h.sb.issueAuthCode(), redirect_uri: REDIRECT, ...creds }));
    const tokens = (await res.json()) as Record<string, unknown>;
    h.sb.expireAccessTokens();
    expect((await h.call('GET', '/crm/v3/objects/contacts', undefined, String(tokens['access_token']))).status).toBe(401);
    const refreshed = await h.sb.app.request('/oauth/v1/token', form({ grant_type: 'refresh_token', refresh_token: String(tokens['refresh_token']), ...creds }));
    const next = (await refreshed.json()) as Record<string, unknown>;
    expect((await h.call('GET', '/crm/v3/objects/contacts', undefined, String(next['access_token']))).status).toBe(200);
  });

  it('refuses bad codes, secrets and refresh tokens with HubSpot statuses', async () => {
    const h = harness();
    const creds = { client_id: h.sb.clientId, client_secret: h.sb.clientSecret };
    const cases: [Record<string, string>, string][] = [
      [{ grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT, ...creds }, 'BAD_AUTH_CODE'],
      [{ grant_type: 'authorization_code', code: h.sb.issueAuthCode(), redirect_uri: REDIRECT, ...creds, client_secret: 'wrong' }, 'BAD_AUTH_CODE'],
      [{ grant_type: 'refresh_token', refresh_token: 'na1-unknown', ...creds }, 'BAD_REFRESH_TOKEN'],
    ];
    for (const [fields, status] of cases) {
      const res = await h.sb.app.request('/oauth/v1/token', form(fields));
      expect(res.status).toBe(400);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body['status']).toBe(status);
      expect(typeof body['message']).toBe('string');
    }
  });

  it('uninstall revokes everything', async () => {
    const h = harness();
    const creds = { client_id: h.sb.clientId, client_secret: h.sb.clientSecret };
    const res = await h.sb.app.request('/oauth/v1/token', form({ grant_type: 'authorization_code', code: h.sb.issueAuthCode(), redirect_uri: REDIRECT, ...creds }));
    const tokens = (await res.json()) as Record<string, string>;
    h.sb.uninstall();
    expect((await h.call('GET', '/crm/v3/objects/contacts', undefined, tokens['access_token'] ?? '')).status).toBe(401);
    const refresh = await h.sb.app.request('/oauth/v1/token', form({ grant_type: 'refresh_token', refresh_token: tokens['refresh_token'] ?? '', ...creds }));
    expect(await refresh.json()).toMatchObject({ status: 'BAD_REFRESH_TOKEN' });
  });
});
