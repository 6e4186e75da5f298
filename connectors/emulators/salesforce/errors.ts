/**
 * Salesforce's two error shapes. REST errors are a JSON array of {message, errorCode, fields?};
 * per-record results inside sObject Collections carry {statusCode, message, fields} instead (the
 * key differs, and jsforce's types get it wrong, so connectors must read statusCode).
 */

export interface RestError {
  message: string;
  errorCode: string;
  fields?: string[];
}

export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** Thrown by handlers; the app's onError turns it into the response. */
export class SfError extends Error {
  constructor(
    readonly status: number,
    readonly body: RestError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(body[0]?.message ?? `HTTP ${status}`);
  }
}

export function restError(status: number, errorCode: string, message: string, fields?: string[]): SfError {
  return new SfError(status, [{ message, errorCode, ...(fields ? { fields } : {}) }]);
}

export function notFound(): SfError {
  return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

export function saveError(statusCode: string, message: string, fields: string[] = []): SaveError {
  return { statusCode, message, fields };
}

export const SESSION_EXPIRED: RestError[] = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
export const LIMIT_EXCEEDED: RestError[] = [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }];

/**
 * SOQL errors quote the offending line with a caret under the column, then the position, then
 * the reason, all in one message, e.g.
 * "\nSELECT Id, Foo__c FROM Lead\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo__c' ...".
 */
export function soqlError(query: string, offset: number, errorCode: string, reason: string): SfError {
  const before = query.slice(0, Math.max(0, offset));
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const col = offset - lineStart + 1;
  const lineEnd = query.indexOf('\n', lineStart);
  const line = query.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  const message = `\n${line}\n${' '.repeat(col - 1)}^\nERROR at Row:${row}:Column:${col}\n${reason}`;
  return restError(400, errorCode, message);
}

/** Salesforce's wording for an unknown field, in SOQL and in describe-driven checks. */
export function noSuchColumn(field: string, object: string): string {
  return `No such column '${field}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`;
}

export function unsupportedType(object: string): string {
  return `sObject type '${object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`;
}
