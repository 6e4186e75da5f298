/**
 * Salesforce OAuth (web-server flow code exchange) through jsforce. The token response's `id` URL
 * names the org and the connected user: the org is the tenant key, the user is our integration user.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
 */
import jsforce from 'jsforce';
import { ConnectorError } from '../shared/errors.ts';
import { API_VERSION, type SalesforceApp, type SalesforceTokens } from './session.ts';

export async function exchangeSalesforceCode(app: SalesforceApp, code: string): Promise<SalesforceTokens> {
  const connection = new jsforce.Connection({ version: API_VERSION, oauth2: { ...app } });
  try {
    const user = await connection.authorize(code);
    return { accessToken: connection.accessToken!, refreshToken: connection.refreshToken ?? null, instanceUrl: connection.instanceUrl, userId: user.id, orgId: user.organizationId };
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'error';
    throw new ConnectorError(/ERROR_HTTP_5/.test(name) ? 'unavailable' : 'needs_reauth', `Salesforce token request refused (${name})`);
  }
}
