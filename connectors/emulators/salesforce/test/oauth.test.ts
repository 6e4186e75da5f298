/** OAuth 2.0 and sessions, through jsforce's OAuth2 and Connection where it has the call. */
import { createHmac } from 'node:crypto';
import { Connection, OAuth2 } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSalesforceEmulator } from '../index.ts';
import { errorOf } from './helpers.ts';
import { manualClock } from '../../shared/testClock.ts';

const REDIRECT = 'https://app.example.com/oauth/callback';

function jwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256' }): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part(header)}.${part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}

describe('OAuth and sessions', () => {
  const clock = manualClock();
  const sb = createSalesforceEmulator({ seed: 4, leads: 100, clock: () => clock.now, sessionTtlSeconds: 7200 });
  let url: string;
  let close: () => Promise<void>;
  const oauth2 = () => new OAuth2({ clientId: sb.clientId, clientSecret: sb.clientSecret, redirectUri: REDIRECT, loginUrl: url });
  const post = async (form: Record<string, string>) => {
    const res = await fetch(`${url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };

  beforeAll(async () => {
    ({ url, close } = await sb.listen(0));
  });
  afterAll(async () => {
    await close();
  });

  it('exchanges an authorization code (jsforce authorize) for a signed token response', async () => {
    const conn = new Connection({ oauth2: oauth2(), version: '62.0' });
    const userInfo = await conn.authorize(sb.issueAuthCode(REDIRECT));
    expect(userInfo).toEqual({ id: sb.integrationUserId, organizationId: sb.orgId, url: `https://login.salesforce.com/id/${sb.orgId}/${sb.integrationUserId}` });
    expect(conn.instanceUrl).toBe(url);
    expect(conn.refreshToken).toMatch(/^5Aep86/);
    expect(conn.accessToken?.startsWith(`${sb.orgId.slice(0, 15)}!`)).toBe(true);
    const res = await conn.query<{ Id: string }>('SELECT Id FROM Lead LIMIT 1');
    expect(res.records).toHaveLength(1);

    // The raw response: Salesforce's fields, issued_at in ms as a string, HMAC signature.
    const raw = await post({ grant_type: 'authorization_code', code: sb.issueAuthCode(), client_id: sb.clientId, client_secret: sb.clientSecret, redirect_uri: REDIRECT });
    expect(raw.status).toBe(200);
    expect(Object.keys(raw.body)).toEqual(['access_token', 'refresh_token', 'signature', 'scope', 'instance_url', 'id', 'token_type', 'issued_at']);
    expect(raw.body['issued_at']).toBe(String(clock.now));
    expect(raw.body['token_type']).toBe('Bearer');
    const expected = createHmac('sha256', sb.clientSecret).update(`${raw.body['id']}${raw.body['issued_at']}`).digest('base64');
    expect(raw.body['signature']).toBe(expected);
  });

  it("answers grant errors with Salesforce's {error, error_description}", async () => {
    const code = sb.issueAuthCode(REDIRECT);
    const ok = await post({ grant_type: 'authorization_code', code, client_id: sb.clientId, client_secret: sb.clientSecret, redirect_uri: REDIRECT });
    expect(ok.status).toBe(200);
    expect(await post({ grant_type: 'authorization_code', code, client_id: sb.clientId, client_secret: sb.clientSecret, redirect_uri: REDIRECT }))
      .toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'expired authorization code' } });
    expect((await post({ grant_type: 'authorization_code', code: sb.issueAuthCode(REDIRECT), client_id: sb.clientId, client_secret: 'wrong', redirect_uri: REDIRECT })).body)
      .toEqual({ error: 'invalid_client', error_description: 'invalid client credentials' });
    expect((await post({ grant_type: 'authorization_code', code: sb.issueAuthCode(REDIRECT), client_id: sb.clientId, client_secret: sb.clientSecret, redirect_uri: 'https://evil.example.com' })).body['error'])
      .toBe('redirect_uri_mismatch');
    expect((await post({ grant_type: 'refresh_token', refresh_token: 'nope', client_id: sb.clientId, client_secret: sb.clientSecret })).body)
      .toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
    expect((await post({ grant_type: 'password' })).body).toEqual({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    const thrown = await errorOf(oauth2().refreshToken('nope'));
    expect(thrown.name).toBe('invalid_grant');
  });

  it('expires sessions: 401 INVALID_SESSION_ID, and jsforce refreshes and retries transparently', async () => {
    const first = new Connection({ oauth2: oauth2(), version: '62.0' });
    await first.authorize(sb.issueAuthCode(REDIRECT));
    const conn = new Connection({
      oauth2: oauth2(), instanceUrl: url, accessToken: first.accessToken as string, refreshToken: first.refreshToken as string, version: '62.0',
    });
    const refreshed: string[] = [];
    conn.on('refresh', (token: string) => refreshed.push(token));

    sb.expireSessions();
    const raw = await fetch(`${url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${first.accessToken as string}` } });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);

    const res = await conn.query<{ Id: string }>('SELECT Id FROM Lead LIMIT 2');
    expect(res.records).toHaveLength(2);
    expect(refreshed).toHaveLength(1);
    expect(conn.accessToken).toBe(refreshed[0]);

    // The session timeout: idle for longer than sessionTtlSeconds, then 401 and a refresh again.
    clock.now += 7200 * 1000;
    sb.resetStats();
    await conn.sobject('Lead').describe();
    expect(refreshed).toHaveLength(2);
    expect(sb.stats().byRoute['POST /services/oauth2/token']).toBe(1);
    // Use keeps a session alive.
    clock.now += 3600 * 1000;
    await conn.query('SELECT Id FROM Lead LIMIT 1');
    clock.now += 3600 * 1000;
    await conn.query('SELECT Id FROM Lead LIMIT 1');
    expect(refreshed).toHaveLength(2);

    // Without a refresh token jsforce can only surface the error.
    const bare = new Connection({ instanceUrl: url, accessToken: sb.issueAccessToken(), version: '62.0' });
    sb.expireSessions();
    await expect(bare.query('SELECT Id FROM Lead')).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });

    // A revoked refresh token ends it for good.
    await oauth2().revokeToken(conn.refreshToken as string);
    sb.expireSessions();
    // jsforce wraps the token endpoint's error_description.
    await expect(conn.query('SELECT Id FROM Lead')).rejects.toThrow('Unable to refresh session due to: expired access/refresh token');
  });

  it('runs the web-server flow with PKCE through /services/oauth2/authorize and its consent form', async () => {
    const approve = async (client: OAuth2, params: Record<string, string>) => {
      const page = await fetch(client.getAuthorizationUrl(params), { redirect: 'manual' });
      expect(page.status).toBe(200);
      const fields = Object.fromEntries([...(await page.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
      const back = await fetch(`${url}/services/oauth2/authorize`, {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...fields, decision: 'allow' }),
      });
      expect(back.status).toBe(302);
      return new URL(back.headers.get('location') ?? '');
    };
    const client = new OAuth2({ clientId: sb.clientId, redirectUri: REDIRECT, loginUrl: url, useVerifier: true });
    const back = await approve(client, { scope: 'api refresh_token', state: 's-1' });
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('s-1');
    const conn = new Connection({ oauth2: client, version: '62.0' });
    const info = await conn.authorize(back.searchParams.get('code') as string);
    expect(info.organizationId).toBe(sb.orgId);

    const other = new OAuth2({ clientId: sb.clientId, redirectUri: REDIRECT, loginUrl: url, useVerifier: true });
    const loc2 = await approve(other, {});
    const wrongVerifier = new Connection({ oauth2: new OAuth2({ clientId: sb.clientId, redirectUri: REDIRECT, loginUrl: url, useVerifier: true }), version: '62.0' });
    await expect(wrongVerifier.authorize(loc2.searchParams.get('code') as string)).rejects.toMatchObject({ name: 'invalid_grant' });
  });

  it('accepts a JWT bearer assertion by its claims and rejects malformed ones', async () => {
    const username = sb.state.getById(sb.integrationUserId)?.['Username'] as string;
    const exp = Math.floor(clock.now / 1000) + 180;
    const good = await post({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt({ iss: sb.clientId, sub: username, aud: 'https://login.salesforce.com', exp }) });
    expect(good.status).toBe(200);
    expect(good.body['refresh_token']).toBeUndefined();
    expect(good.body['id']).toBe(`https://login.salesforce.com/id/${sb.orgId}/${sb.integrationUserId}`);
    const conn = new Connection({ instanceUrl: url, accessToken: good.body['access_token'] as string, version: '62.0' });
    expect((await conn.query('SELECT Id FROM User')).totalSize).toBeGreaterThan(2);

    const grant = (assertion: string) => post({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
    const invalid = { status: 400, body: { error: 'invalid_grant', error_description: 'invalid assertion' } };
    expect(await grant('not-a-jwt')).toEqual(invalid);
    expect(await grant('a.b.c')).toEqual(invalid);
    expect(await grant(jwt({ iss: sb.clientId, sub: username, aud: 'https://login.salesforce.com', exp: exp - 3600 }))).toEqual(invalid);
    expect(await grant(jwt({ iss: sb.clientId, sub: 'nobody@example.com', aud: 'https://login.salesforce.com', exp }))).toEqual(invalid);
    expect((await grant(jwt({ iss: 'other-app', sub: username, aud: 'https://login.salesforce.com', exp }))).body).toEqual({ error: 'invalid_client_id', error_description: 'client identifier invalid' });
    expect((await grant(jwt({ iss: sb.clientId, sub: username, aud: 'https://evil.example.com', exp }))).body).toEqual({ error: 'invalid_grant', error_description: 'audience is invalid' });
    sb.faults.set({ jwtPreAuthorized: false });
    expect((await grant(jwt({ iss: sb.clientId, sub: username, aud: 'https://test.salesforce.com', exp }))).body).toEqual({ error: 'invalid_grant', error_description: "user hasn't approved this consumer" });
    sb.faults.reset();
  });

  it('serves userinfo and the identity URL for a valid token', async () => {
    const token = sb.issueAccessToken();
    const who = await (await fetch(`${url}/services/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } })).json() as Record<string, unknown>;
    expect(who).toMatchObject({ user_id: sb.integrationUserId, organization_id: sb.orgId });
    const id = await (await fetch(`${url}/id/${sb.orgId}/${sb.integrationUserId}?format=json&oauth_token=${encodeURIComponent(token)}`)).json() as Record<string, unknown>;
    expect(id).toMatchObject({ user_id: sb.integrationUserId, organization_id: sb.orgId, id: `https://login.salesforce.com/id/${sb.orgId}/${sb.integrationUserId}` });
  });
});
