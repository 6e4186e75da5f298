/**
 * HubSpot OAuth token exchange and refresh. The SDK only calls /oauth/v1/token (deprecated 2027-02-16),
 * so this talks to /oauth/v3/token directly.
 * https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide
 */
import { z } from 'zod';
import { baseUrl, oauthClient } from '../profile.ts';
import { authAnswer } from '../shared/edge.ts';
import { ConnectorError, TokenRefusedError } from '../shared/errors.ts';

export const HUBSPOT_API_BASE = 'https://api.hubapi.com';

export interface HubSpotTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms. */
  expiresAt: number;
  portalId: string | null;
}

/** The tokens as stored per tenant, with the API base that issued them. */
export const StoredHubSpotCredentials = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  expiresAt: z.number(),
  portalId: z.string().nullable(),
  endpoint: z.string().min(1),
});

/** A HubSpot public app's credentials (developer account > Apps > Auth); the API base defaults to HubSpot's own. */
export const HubSpotAppCredentials = oauthClient({ clientId: "the app's client id", clientSecret: "the app's client secret" }).extend({
  baseUrl: baseUrl().default(HUBSPOT_API_BASE),
});
export type HubSpotAppCredentials = z.input<typeof HubSpotAppCredentials>;
export type OAuthApp = z.output<typeof HubSpotAppCredentials>;

const TokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().positive(),
  hub_id: z.union([z.number(), z.string()]).optional(),
});

async function requestToken(app: OAuthApp, form: Record<string, string>, send: typeof fetch): Promise<HubSpotTokens> {
  let response: Response;
  try {
    response = await send(`${app.baseUrl}/oauth/v3/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: app.clientId, client_secret: app.clientSecret, ...form }),
    });
  } catch (error) {
    throw new ConnectorError('unavailable', `HubSpot token endpoint unreachable: ${(error as Error).message}`);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const status = (body as { status?: string } | null)?.status ?? String(response.status);
    // BAD_REFRESH_TOKEN (a 400) means the app was uninstalled or the grant revoked: retrying cannot help.
    if (form.grant_type === 'refresh_token' && (response.status === 400 || response.status === 401)) throw new TokenRefusedError('HubSpot', status, response.status);
    const code = response.status >= 500 ? 'unavailable' : 'needs_reauth';
    throw new ConnectorError(code, `HubSpot token request refused (${status})`, response.status);
  }
  const answer = authAnswer(TokenResponse, body, 'HubSpot token response');
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    expiresAt: Date.now() + answer.expires_in * 1000,
    portalId: answer.hub_id === undefined ? null : String(answer.hub_id),
  };
}

export function exchangeCode(app: OAuthApp, code: string, send: typeof fetch = fetch): Promise<HubSpotTokens> {
  return requestToken(app, { grant_type: 'authorization_code', code, redirect_uri: app.redirectUri }, send);
}

/** `send` is the session's counting fetch: a refresh is a request the portal meters like any other. */
export async function refreshTokens(app: OAuthApp, tokens: HubSpotTokens, send: typeof fetch = fetch): Promise<HubSpotTokens> {
  const fresh = await requestToken(app, { grant_type: 'refresh_token', refresh_token: tokens.refreshToken }, send);
  return { ...fresh, portalId: fresh.portalId ?? tokens.portalId };
}
