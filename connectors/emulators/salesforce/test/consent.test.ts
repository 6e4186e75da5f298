/** The web-server flow over HTTP: authorize -> consent -> 302 with code, PKCE S256, revocation. */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSalesforceEmulator } from '../index.ts';

const REDIRECT = 'https://app.example.com/oauth/callback';
const verifier = () => randomBytes(48).toString('base64url');
const challengeOf = (v: string) => createHash('sha256').update(v).digest('base64url');

describe('Salesforce authorize, consent and PKCE', () => {
  const sb = createSalesforceEmulator({ seed: 6, leads: 30, callbackUrls: [REDIRECT] });
  const other = createSalesforceEmulator({ seed: 7, leads: 5, clientId: '3MVG9other', clientSecret: 'other-secret' });
  let url = '';
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ url, close } = await sb.listen(0));
  });
  afterAll(async () => {
    await close();
  });

  const query = (p: Record<string, string>) => new URLSearchParams(p).toString();
  const authorize = (p: Record<string, string>) => fetch(`${url}/services/oauth2/authorize?${query(p)}`, { redirect: 'manual' });
  const decide = (p: Record<string, string>) =>
    fetch(`${url}/services/oauth2/authorize`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query(p) });
  const token = async (p: Record<string, string>) => {
    const res = await fetch(`${url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query(p) });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const base = (v: string) => ({ response_type: 'code', client_id: sb.clientId, redirect_uri: REDIRECT, state: 'st-9', code_challenge: challengeOf(v), code_challenge_method: 'S256' });

  /** Authorize, read the form's hidden fields, approve: the code from the redirect. */
  async function codeFor(v: string): Promise<string> {
    const page = await authorize(base(v));
    expect(page.status).toBe(200);
    const fields = Object.fromEntries([...(await page.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
    const back = await decide({ ...fields, decision: 'allow' });
    expect(back.status).toBe(302);
    const location = new URL(back.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('st-9');
    return location.searchParams.get('code') ?? '';
  }

  it('exchanges a consented code with the right verifier for id, instance_url, tokens, issued_at and signature', async () => {
    const v = verifier();
    const answer = await token({ grant_type: 'authorization_code', code: await codeFor(v), client_id: sb.clientId, redirect_uri: REDIRECT, code_verifier: v });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: `https://login.salesforce.com/id/${sb.orgId}/${sb.integrationUserId}`, instance_url: url, token_type: 'Bearer',
      access_token: expect.any(String), refresh_token: expect.any(String), issued_at: expect.stringMatching(/^\d+$/), signature: expect.any(String),
    });
  });

  it('refuses a wrong or missing verifier like Salesforce, and the code stays usable for the right one', async () => {
    const v = verifier();
    const code = await codeFor(v);
    const common = { grant_type: 'authorization_code', code, client_id: sb.clientId, redirect_uri: REDIRECT };
    expect(await token({ ...common, code_verifier: verifier() })).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'invalid code verifier' } });
    // Without a verifier (and without the secret) the client is not authenticated at all.
    expect((await token(common)).body['error']).toBe('invalid_client');
    expect((await token({ ...common, code_verifier: v })).status).toBe(200);
  });

  it('answers a denial with error=access_denied and the state', async () => {
    const fields = { ...base(verifier()), decision: 'deny' };
    const back = await decide(fields);
    expect(back.status).toBe(302);
    expect(Object.fromEntries(new URL(back.headers.get('location') ?? '').searchParams)).toEqual({ error: 'access_denied', error_description: 'end-user denied authorization', state: 'st-9' });
  });

  it('refuses bad authorize requests with a 400 and no redirect', async () => {
    const good = base(verifier());
    const cases: [Record<string, string>, string][] = [
      [{ ...good, client_id: other.clientId }, 'invalid_client_id'],
      [{ ...good, redirect_uri: 'https://evil.example.com/cb' }, 'redirect_uri_mismatch'],
      [Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'redirect_uri')), 'redirect_uri_mismatch'],
      [{ ...good, response_type: 'token' }, 'unsupported_response_type'],
      [{ ...good, code_challenge_method: 'plain' }, 'invalid_request'],
      [{ ...good, code_challenge: 'short' }, 'invalid_request'],
    ];
    for (const [params, error] of cases) {
      for (const res of [await authorize(params), await decide({ ...params, decision: 'allow' })]) {
        expect(res.status, JSON.stringify(params)).toBe(400);
        expect(res.headers.get('location')).toBeNull();
        expect(((await res.json()) as { error: string }).error).toBe(error);
      }
    }
    expect(((await (await decide(good)).json()) as { error: string }).error).toBe('invalid_request');
  });

  it('never answers 5xx or redirects without a decision (bounded fuzz)', async () => {
    const keys = fc.constantFrom('response_type', 'client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'scope', 'decision');
    await fc.assert(
      fc.asyncProperty(fc.dictionary(keys, fc.string({ maxLength: 50 }), { maxKeys: 8 }), async (p) => {
        const res = await authorize(p);
        expect([200, 400]).toContain(res.status);
        expect(await res.text()).not.toMatch(/<script/i);
        const posted = await decide(p);
        expect(posted.status).toBeLessThan(500);
        if (posted.status === 302) expect(['allow', 'deny']).toContain(p['decision']);
      }),
      { numRuns: 60, seed: 3 },
    );
  });

  it('revokes a refresh token, and an admin revoking the app ends every refresh', async () => {
    const v = verifier();
    const first = await token({ grant_type: 'authorization_code', code: await codeFor(v), client_id: sb.clientId, redirect_uri: REDIRECT, code_verifier: v });
    const refresh = (rt: string) => token({ grant_type: 'refresh_token', refresh_token: rt, client_id: sb.clientId, client_secret: sb.clientSecret });
    expect((await refresh(first.body['refresh_token'] as string)).status).toBe(200);
    const revoked = await fetch(`${url}/services/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query({ token: first.body['refresh_token'] as string }) });
    expect(revoked.status).toBe(200);
    expect(await refresh(first.body['refresh_token'] as string)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'expired access/refresh token' } });
    const bad = await fetch(`${url}/services/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query({ token: 'nope' }) });
    expect(bad.status).toBe(400);

    const v2 = verifier();
    const second = await token({ grant_type: 'authorization_code', code: await codeFor(v2), client_id: sb.clientId, redirect_uri: REDIRECT, code_verifier: v2 });
    expect(sb.revokeAppTokens()).toBeGreaterThanOrEqual(1);
    expect(await refresh(second.body['refresh_token'] as string)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'expired access/refresh token' } });
    const api = await fetch(`${url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${second.body['access_token'] as string}` } });
    expect(api.status).toBe(401);
    // Another org's app credentials cannot refresh here either.
    expect((await token({ grant_type: 'refresh_token', refresh_token: 'x', client_id: other.clientId, client_secret: other.clientSecret })).body['error']).toBe('invalid_client_id');
  });
});
