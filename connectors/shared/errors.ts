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
