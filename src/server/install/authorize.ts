/**
 * Each CRM's authorize URL for an install: the app's client id, the redirect URI the callback will give
 * again at the code exchange (character for character), the scopes from the one list the manifests use,
 * and the state. Salesforce's web-server flow adds a PKCE S256 challenge of a fresh verifier.
 */
import { createHash, randomBytes } from 'node:crypto';
import { HUBSPOT_API_BASE, HubSpotAppCredentials } from '../../../connectors/hubspot/oauth.ts';
import { parseWith } from '../../../connectors/profile.ts';
import { SalesforceAppCredentials } from '../../../connectors/salesforce/oauth.ts';
import type { Crm } from '../../domain/records.ts';
import { hubspotAuthorizeUrl } from '../../manifests/hubspot.ts';
import { SALESFORCE_OAUTH_SCOPES } from '../../manifests/salesforce.ts';

export const HUBSPOT_AUTHORIZE_URL = 'https://app.hubspot.com/oauth/authorize';
const trimmed = (url: string) => url.replace(/\/+$/, '');

/**
 * Where the app's admins approve an install: HubSpot's install screen is on app.hubspot.com for the real
 * API and on the API's own host for an emulator given by URL; Salesforce's is on the login URL.
 */
export function authorizeUrlOf(crm: Crm, app: unknown): string {
  if (crm === 'hubspot') {
    const { baseUrl } = parseWith(HubSpotAppCredentials, app, 'HubSpot app credentials');
    return trimmed(baseUrl) === trimmed(HUBSPOT_API_BASE) ? HUBSPOT_AUTHORIZE_URL : `${trimmed(baseUrl)}/oauth/authorize`;
  }
  return `${trimmed(parseWith(SalesforceAppCredentials, app, 'Salesforce app credentials').loginUrl)}/services/oauth2/authorize`;
}

/** RFC 7636: 43-128 characters of [A-Za-z0-9-._~]; 64 random bytes in base64url are 86. */
export function newCodeVerifier(): string {
  return randomBytes(64).toString('base64url');
}

export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export interface AuthorizeRequest {
  /** The browser goes here. */
  url: string;
  /** Kept with the state for the code exchange (Salesforce). */
  codeVerifier?: string;
}

/** The app's credentials are checked by the CRM's own schema: a misconfigured app fails before any redirect. */
export function authorizeRequest(crm: Crm, app: unknown, authorizeUrl: string, makeState: (codeVerifier?: string) => Promise<string>): Promise<AuthorizeRequest> {
  return crm === 'hubspot' ? hubspotRequest(app, authorizeUrl, makeState) : salesforceRequest(app, authorizeUrl, makeState);
}

async function hubspotRequest(app: unknown, authorizeUrl: string, makeState: (codeVerifier?: string) => Promise<string>): Promise<AuthorizeRequest> {
  const { clientId, redirectUri } = parseWith(HubSpotAppCredentials, app, 'HubSpot app credentials');
  return { url: hubspotAuthorizeUrl({ clientId, redirectUri, authorizeUrl, state: await makeState() }) };
}

async function salesforceRequest(app: unknown, authorizeUrl: string, makeState: (codeVerifier?: string) => Promise<string>): Promise<AuthorizeRequest> {
  const { clientId, redirectUri } = parseWith(SalesforceAppCredentials, app, 'Salesforce app credentials');
  const codeVerifier = newCodeVerifier();
  const url = new URL(authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('scope', SALESFORCE_OAUTH_SCOPES.join(' '));
  url.searchParams.set('state', await makeState(codeVerifier));
  url.searchParams.set('code_challenge', s256Challenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return { url: url.toString(), codeVerifier };
}
