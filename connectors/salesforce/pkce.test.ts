/**
 * The install's code exchange with PKCE through the profile (the service's path), and a grant an admin
 * revoked surfacing as needs_reauth instead of a retry loop.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSalesforceEmulator } from '../emulators/salesforce/index.ts';
import { installPackageInto } from '../../functions/demoPortals.ts';
import type { StoredCredentials } from '../profile.ts';
import { ConnectorError } from '../shared/errors.ts';
import { decideRetry } from '../shared/retryDecision.ts';
import { salesforceProfile } from './profile.ts';
import { SALESFORCE_RETRY_RULES } from './retryRules.ts';

const redirectUri = 'http://localhost/cb';
let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

async function setup() {
  const emulator = createSalesforceEmulator({ seed: 11, leads: 20, clientId: 'c', clientSecret: 's', callbackUrls: [redirectUri] });
  installPackageInto(emulator);
  const { url, close } = await emulator.listen(0);
  closers.push(close);
  const app = salesforceProfile.app({ loginUrl: url, clientId: 'c', clientSecret: 's', redirectUri });
  /** What the install's browser leg does: authorize with the challenge, approve, come back with a code. */
  const consentedCode = async (verifier: string) => {
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const params = { response_type: 'code', client_id: 'c', redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 'x' };
    const back = await fetch(`${url}/services/oauth2/authorize`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...params, decision: 'allow' }),
    });
    return new URL(back.headers.get('location') ?? '').searchParams.get('code') ?? '';
  };
  return { emulator, app, consentedCode };
}

const rejection = async (p: Promise<unknown>): Promise<ConnectorError> => {
  try {
    await p;
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('expected a ConnectorError');
};

describe('Salesforce code exchange with PKCE', () => {
  it('sends the verifier: the right one installs, a wrong one is needs_reauth, a malformed one bad_request', async () => {
    const { emulator, app, consentedCode } = await setup();
    const verifier = randomBytes(40).toString('base64url');
    const installed = await app.exchangeCode(await consentedCode(verifier), { codeVerifier: verifier });
    expect(installed.accountId).toBe(emulator.orgId);

    const wrong = await rejection(app.exchangeCode(await consentedCode(verifier), { codeVerifier: randomBytes(40).toString('base64url') }));
    expect(wrong.code).toBe('needs_reauth');
    expect(wrong.message).toContain('invalid_grant');
    expect((await rejection(app.exchangeCode('any', { codeVerifier: 'too short' }))).code).toBe('bad_request');
    // Codes from the old flow (no challenge) still exchange without a verifier.
    expect((await app.exchangeCode(emulator.issueAuthCode(redirectUri))).accountId).toBe(emulator.orgId);
  });

  it('a refresh token the admin revoked ends in needs_reauth on the next call', async () => {
    const { emulator, app, consentedCode } = await setup();
    const verifier = randomBytes(40).toString('base64url');
    const { credentials } = await app.exchangeCode(await consentedCode(verifier), { codeVerifier: verifier });
    const saved: StoredCredentials[] = [];
    const connector = app.connect(credentials, { fields: {}, onCredentials: (c) => void saved.push(c) });
    const firstPage = async () => {
      for await (const page of connector.read('contact', null)) return page;
      return undefined;
    };
    expect(await firstPage()).toBeDefined();
    emulator.revokeAppTokens();
    const error = await rejection(firstPage());
    expect(error.message).toContain('expired access/refresh token');
    expect(error.code).toBe('needs_reauth');
    expect(saved).toHaveLength(0);
  });
});

describe('Salesforce refresh refusals', () => {
  const decide = (message: string) => decideRetry({ status: null, headers: {}, body: { errorCode: '', message }, attempt: 1 }, undefined, SALESFORCE_RETRY_RULES);
  it('stops on a refused grant but retries a refresh that failed on the network or a 5xx', () => {
    expect(decide('Unable to refresh session due to: expired access/refresh token')).toEqual({ retry: false, reason: 'needs_reauth' });
    expect(decide('Error: Unable to refresh session due to: inactive user')).toEqual({ retry: false, reason: 'needs_reauth' });
    expect(decide('Unable to refresh session due to: ERROR_HTTP_503: Server temporarily unavailable')).toMatchObject({ retry: true });
    expect(decide('Unable to refresh session due to: fetch failed')).toMatchObject({ retry: true });
    expect(decide('fetch failed')).toMatchObject({ retry: true, reason: 'network' });
  });
});
