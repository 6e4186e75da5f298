/**
 * The closed set of connector failures, each mapped to the connection status the console shows and the
 * scheduler acts on (in the spirit of Twenty CRM's connected-account statuses).
 */
export type ConnectorErrorCode =
  | 'needs_reauth'
  | 'throttled'
  | 'daily_limit'
  | 'unavailable'
  | 'forbidden'
  | 'bad_request'
  | 'bad_response';

export type ConnectionStatus = 'ok' | 'throttled' | 'needs_reauth' | 'unavailable' | 'misconfigured';

export const CONNECTION_STATUS: Record<ConnectorErrorCode, ConnectionStatus> = {
  needs_reauth: 'needs_reauth',
  throttled: 'throttled',
  daily_limit: 'throttled',
  unavailable: 'unavailable',
  forbidden: 'misconfigured',
  bad_request: 'misconfigured',
  bad_response: 'unavailable',
};

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }

  get connectionStatus(): ConnectionStatus {
    return CONNECTION_STATUS[this.code];
  }
}

/**
 * The CRM refused our refresh token (HubSpot BAD_REFRESH_TOKEN, Salesforce invalid_grant): the app was
 * uninstalled, its access revoked or its user deactivated. Unlike a 401 on one call, no retry and no
 * later cycle can help, so the send chain passes it on untouched and the cycle disconnects the tenant.
 */
export class TokenRefusedError extends ConnectorError {
  constructor(
    /** How people write the CRM's name. */
    readonly crmLabel: string,
    /** What the CRM answered (its error code and description), never a token. */
    readonly detail: string,
    status: number | null = null,
  ) {
    super('needs_reauth', `${crmLabel} refused our refresh token (${detail}): the app was uninstalled or its access revoked — install again to reconnect`, status);
  }
}
