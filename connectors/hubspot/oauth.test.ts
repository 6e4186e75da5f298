/**
 * Defect (issue 12, item 5): the token answer check said "missing" for every bad field, also for one that
 * was present but out of range (expires_in 0 or negative, an empty token). It now says which field is
 * wrong and why, and never quotes a token.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../shared/errors.ts';
import { exchangeCode, refreshTokens, type OAuthApp } from './oauth.ts';

const app: OAuthApp = { clientId: 'c', clientSecret: 's', redirectUri: 'http://localhost/cb', baseUrl: 'http://hubspot.invalid' };
const good = { access_token: 'access-secret', refresh_token: 'refresh-secret', expires_in: 1800, token_type: 'bearer', hub_id: 42 };

/** A token endpoint answering `body` with 200, as a misbehaving one would. */
function answering(body: unknown): typeof fetch {
  return async () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
}

async function refusal(body: unknown): Promise<ConnectorError> {
  const error = await exchangeCode(app, 'code', answering(body)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectorError);
  expect((error as ConnectorError).code).toBe('bad_response');
  return error as ConnectorError;
}

describe('HubSpot token answer check', () => {
  it('accepts a good answer', async () => {
    const tokens = await exchangeCode(app, 'code', answering(good));
    expect(tokens).toMatchObject({ accessToken: 'access-secret', refreshToken: 'refresh-secret', portalId: '42' });
  });

  it.each([
    [{ expires_in: 0 }, 'expires_in must be more than 0, got 0'],
    [{ expires_in: -60 }, 'expires_in must be more than 0, got -60'],
    [{ expires_in: '1800' }, 'expires_in should be a number, got a string of 4 characters'],
    [{ access_token: '' }, 'access_token is empty'],
    [{ refresh_token: '' }, 'refresh_token is empty'],
  ])('says which present field is wrong and why: %j', async (patch, reason) => {
    const error = await refusal({ ...good, ...patch });
    expect(error.message).toBe(`HubSpot token response is not usable: ${reason}`);
    expect(error.message).not.toMatch(/missing/);
  });

  it('says "missing" only for a field that is absent, and names each bad field once', async () => {
    const { access_token: _a, ...withoutAccess } = good;
    expect((await refusal(withoutAccess)).message).toBe('HubSpot token response is not usable: access_token is missing');
    expect((await refusal({ ...good, access_token: null, expires_in: 0 })).message).toBe(
      'HubSpot token response is not usable: access_token is missing; expires_in must be more than 0, got 0',
    );
  });

  it('never quotes a token in the message', async () => {
    const error = await refusal({ ...good, access_token: 12345, refresh_token: 'refresh-secret', expires_in: -1 });
    expect(error.message).not.toContain('refresh-secret');
    expect(error.message).toContain('access_token should be a string, got 12345');
  });

  it('checks refreshes the same way', async () => {
    const stored = { accessToken: 'old', refreshToken: 'refresh-secret', expiresAt: 0, portalId: '42' };
    const error = await refreshTokens(app, stored, answering({ ...good, expires_in: 0 })).catch((e: unknown) => e);
    expect((error as Error).message).toBe('HubSpot token response is not usable: expires_in must be more than 0, got 0');
  });
});
