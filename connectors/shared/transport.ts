/**
 * The one place a connector's requests are counted: at the transport, as they leave. Counting where our
 * code calls the SDK misses what the SDKs send on their own (jsforce's read retries and session refresh,
 * token exchanges, hand-rolled fetches), and the CRM meters every one of them.
 */

/** Called once per HTTP request sent; `retry` marks a resend the SDK decided on by itself. */
export type CountRequest = (kind: 'request' | 'retry') => void;

/** fetch that counts every request it sends. */
export function countingFetch(count: CountRequest, base?: typeof fetch): typeof fetch {
  return (input, init) => {
    count('request');
    // The global is looked up per request, not once: tests and instrumentation may replace it later.
    return (base ?? fetch)(input, init);
  };
}
