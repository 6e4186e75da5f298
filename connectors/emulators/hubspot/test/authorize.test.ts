/** The install screen over real HTTP: authorize -> consent page -> POST decision -> 302 back with a code. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotAuthorizeUrl } from '../../../../src/manifests/hubspot.ts';
import { createHubSpotEmulator } from '../index.ts';

const REDIRECT = 'http://localhost:3000/oauth/callback';

/** The hidden inputs of the consent form, as a browser would post them. */
function formOf(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
  const fields: Record<string, string> = {};
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[unescape(m[1] as string)] = unescape(m[2] as string);
  return { action: unescape(action), fields };
}

describe('HubSpot install screen', () => {
  const sb = createHubSpotEmulator({ seed: 3, contacts: 20 });
  const other = createHubSpotEmulator({ seed: 4, contacts: 5, clientId: 'other-client', clientSecret: 'other-secret', portalId: 99 });
  let url = '';
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ url, close } = await sb.listen(0));
  });
  afterAll(async () => {
    await close();
  });

  const authorize = (params: Record<string, string>) => fetch(`${url}/oauth/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
  const decide = (fields: Record<string, string>) =>
    fetch(`${url}/oauth/authorize/consent`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields),
    });
  const token = (code: string, creds = { client_id: sb.clientId, client_secret: sb.clientSecret }) =>
    fetch(`${url}/oauth/v3/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...creds }),
    });

  it("takes the service's own install URL through consent to a code the token endpoint exchanges", async () => {
    expect(sb.authorizeUrl).toBe(`${url}/oauth/authorize`);
    const page = await fetch(hubspotAuthorizeUrl({ clientId: sb.clientId, redirectUri: REDIRECT, state: 'st/1 &x', authorizeUrl: sb.authorizeUrl }), { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const { action, fields } = formOf(await page.text());
    expect(action).toBe('/oauth/authorize/consent');
    expect(fields['state']).toBe('st/1 &x');

    const back = await decide({ ...fields, decision: 'allow' });
    expect(back.status).toBe(302);
    const location = new URL(back.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('st/1 &x');
    const code = location.searchParams.get('code') ?? '';

    const res = await token(code);
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as Record<string, unknown>;
    expect(tokens['hub_id']).toBe(sb.portalId);
    // The token carries what the install URL asked for, not every scope the app declares.
    expect([...(tokens['scopes'] as string[])].sort()).toEqual([...new URL(page.url).searchParams.get('scope')!.split(' ')].sort());
    // One-time, and bound to the redirect_uri it was issued for.
    expect((await token(code)).status).toBe(400);
  });

  it('answers a denial with error=access_denied and the state, and issues no code', async () => {
    const page = await authorize({ client_id: sb.clientId, scope: 'oauth crm.objects.contacts.read', redirect_uri: REDIRECT, state: 'abc' });
    const { fields } = formOf(await page.text());
    const back = await decide({ ...fields, decision: 'deny' });
    expect(back.status).toBe(302);
    const location = new URL(back.headers.get('location') ?? '');
    expect(Object.fromEntries(location.searchParams)).toEqual({ error: 'access_denied', state: 'abc' });
  });

  it('refuses bad install URLs with a 400 error page and no redirect', async () => {
    const good = { client_id: sb.clientId, scope: 'oauth crm.objects.contacts.read', redirect_uri: REDIRECT, state: 's' };
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...good, client_id: 'unknown-client' }, /No app has the client_id unknown-client/],
      [{ ...good, client_id: other.clientId }, /No app has the client_id/],
      [{ ...good, scope: 'oauth crm.objects.owners.read' }, /mismatch between the scopes.*crm\.objects\.owners\.read/],
      [{ ...good, scope: '' }, /no scope/],
      [Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'redirect_uri')), /no redirect_uri/],
      [{ ...good, redirect_uri: 'javascript:alert(1)' }, /not an absolute http\(s\) URL/],
    ];
    for (const [params, message] of cases) {
      const res = await authorize(params);
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toMatch(message);
      // The consent POST checks the same things: a forged form gets no code either.
      const posted = await decide({ ...params, decision: 'allow' });
      expect(posted.status).toBe(400);
      expect(posted.headers.get('location')).toBeNull();
    }
    const noDecision = await decide(good);
    expect(noDecision.status).toBe(400);
    expect(await noDecision.text()).toMatch(/decision must be allow or deny/);
  });

  it('drops optional scopes the app does not declare, and grants declared ones', async () => {
    const page = await authorize({ client_id: sb.clientId, scope: 'oauth', optional_scope: 'crm.objects.deals.write made.up.scope', redirect_uri: REDIRECT });
    const { fields } = formOf(await page.text());
    const code = new URL((await decide({ ...fields, decision: 'allow' })).headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokens = (await (await token(code)).json()) as { scopes: string[] };
    expect(tokens.scopes.sort()).toEqual(['crm.objects.deals.write', 'oauth']);
  });

  it("refuses another app's credentials at the token endpoint for this portal's code", async () => {
    const page = await authorize({ client_id: sb.clientId, scope: 'oauth', redirect_uri: REDIRECT });
    const code = new URL((await decide({ ...formOf(await page.text()).fields, decision: 'allow' })).headers.get('location') ?? '').searchParams.get('code') ?? '';
    const res = await token(code, { client_id: other.clientId, client_secret: other.clientSecret });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 'BAD_AUTH_CODE' });
  });

  it('escapes what it echoes and never answers 5xx or redirects on random parameters (bounded fuzz)', async () => {
    const keys = fc.constantFrom('client_id', 'scope', 'redirect_uri', 'state', 'optional_scope', 'decision', 'x');
    await fc.assert(
      fc.asyncProperty(fc.dictionary(keys, fc.string({ maxLength: 40 }), { maxKeys: 6 }), fc.boolean(), async (params, withClient) => {
        const p = withClient ? { ...params, client_id: sb.clientId, redirect_uri: params['redirect_uri'] ?? REDIRECT, scope: params['scope'] ?? 'oauth' } : params;
        const res = await authorize(p);
        expect([200, 400]).toContain(res.status);
        const html = await res.text();
        expect(html).not.toMatch(/<script/i);
        const posted = await decide(p);
        expect(posted.status).toBeLessThan(500);
        if (posted.status === 302) expect(['allow', 'deny']).toContain(p['decision']);
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
