/**
 * Salesforce OAuth (web-server flow code exchange) through jsforce. The token response's `id` URL
 * names the org and the connected user: the org is the tenant key, the user is our integration user.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
 */
import jsforce from 'jsforce';
import { z } from 'zod';
import { baseUrl, oauthClient, type ExchangeOptions } from '../profile.ts';
import { authAnswer } from '../shared/edge.ts';
import { ConnectorError } from '../shared/errors.ts';
import { API_VERSION, type SalesforceTokens } from './session.ts';
import { isSalesforceId } from './soql.ts';

export const SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';

/**
 * A connected app's credentials (Setup > App Manager > the app > Manage Consumer Details). jsforce calls
 * the consumer key and secret clientId and clientSecret. Sandboxes log in at https://test.salesforce.com,
 * orgs with My Domain login enforced at their own domain.
 */
export const SalesforceAppCredentials = oauthClient({ clientId: "the connected app's consumer key", clientSecret: "the connected app's consumer secret" }).extend({
  loginUrl: baseUrl().default(SALESFORCE_LOGIN_URL),
});
export type SalesforceAppCredentials = z.input<typeof SalesforceAppCredentials>;
export type SalesforceApp = z.output<typeof SalesforceAppCredentials>;

/** The tokens as stored per tenant, with the login URL that issued them. */
export const StoredSalesforceCredentials = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).nullable(),
  instanceUrl: z.string().min(1),
  userId: z.string().nullable(),
  orgId: z.string().nullable(),
  endpoint: z.string().min(1),
});

/** RFC 7636 section 4.1. */
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

const SalesforceId = z.string().refine(isSalesforceId, 'is not a Salesforce id');

/** What jsforce read from the token response and the identity URL, checked before it is stored. */
const TokenAnswer = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).nullable(),
  instanceUrl: z.url(),
  userId: SalesforceId,
  orgId: SalesforceId,
});

/**
 * `codeVerifier`: the PKCE verifier of the authorize request that produced the code (web-server flow with
 * PKCE); Salesforce answers invalid_grant "invalid code verifier" when it does not match the challenge.
 */
export async function exchangeSalesforceCode(app: SalesforceApp, code: string, options: ExchangeOptions = {}): Promise<SalesforceTokens> {
  if (options.codeVerifier !== undefined && !PKCE_VERIFIER.test(options.codeVerifier)) {
    throw new ConnectorError('bad_request', 'the PKCE code verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~');
  }
  const connection = new jsforce.Connection({ version: API_VERSION, oauth2: { ...app } });
  let user: { id?: string; organizationId?: string };
  try {
    user = await connection.authorize(code, options.codeVerifier === undefined ? {} : { code_verifier: options.codeVerifier });
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'error';
    // jsforce puts Salesforce's error_description in the message ("invalid code verifier"): it tells the admin why.
    const description = (error as { message?: string }).message?.trim().slice(0, 200);
    const why = description && description !== name ? `${name}: ${description}` : name;
    throw new ConnectorError(/ERROR_HTTP_5/.test(name) ? 'unavailable' : 'needs_reauth', `Salesforce token request refused (${why})`);
  }
  return authAnswer(
    TokenAnswer,
    { accessToken: connection.accessToken, refreshToken: connection.refreshToken ?? null, instanceUrl: connection.instanceUrl, userId: user.id, orgId: user.organizationId },
    'Salesforce token response',
  );
}
