/**
 * jsforce's transport hook: every Connection and OAuth2 instance sends through its own `_transport`,
 * whose stream creator starts one fetch and emits `retry` for each resend jsforce decides on itself
 * (5xx and network errors on idempotent requests). Wrapping the creator counts both.
 */
import type { Duplex } from 'node:stream';
import type { CountRequest } from '../shared/transport.ts';

interface JsforceTransport {
  getRequestStreamCreator(): (request: unknown, options: unknown) => Duplex;
}

function isTransport(value: unknown): value is JsforceTransport {
  return typeof (value as JsforceTransport | null)?.getRequestStreamCreator === 'function';
}

/** Counts every request `owner` (a jsforce Connection or OAuth2) sends; throws if jsforce changed shape. */
export function countJsforceRequests(owner: object, what: string, count: CountRequest): void {
  const transport = (owner as { _transport?: unknown })._transport;
  if (!isTransport(transport)) throw new Error(`jsforce ${what} has no transport to count requests on (jsforce changed its internals?)`);
  const creator = transport.getRequestStreamCreator.bind(transport);
  transport.getRequestStreamCreator = () => {
    const create = creator();
    return (request, options) => {
      count('request');
      const stream = create(request, options);
      stream.on('retry', () => count('retry'));
      return stream;
    };
  };
}
