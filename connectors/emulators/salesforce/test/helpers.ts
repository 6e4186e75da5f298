/** Shared set-up for the Salesforce emulator tests: a small seeded org, a token, a controllable clock. */
import { Connection } from 'jsforce';
import { afterAll, beforeAll } from 'vitest';
import type { Listening } from '../../shared/listen.ts';
import { createSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from '../index.ts';
import { manualClock, TEST_START_MS, type ManualClock } from '../../shared/testClock.ts';

export interface Harness {
  sb: SalesforceEmulator;
  token: string;
  clock: ManualClock;
  call(method: string, path: string, body?: unknown, init?: { token?: string | null; headers?: Record<string, string> }): Promise<Response>;
  json<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
  /** GET /query for a SOQL string. */
  soql<T = QueryBody>(q: string, all?: boolean): Promise<{ status: number; body: T; headers: Headers }>;
}

export interface QueryBody {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

export type ErrorBody = { message: string; errorCode: string; fields?: string[] }[];

export const START = TEST_START_MS;
export const API = '/services/data/v62.0';

export function harness(options: SalesforceEmulatorOptions = {}): Harness {
  const clock = manualClock(START);
  const sb = createSalesforceEmulator({ seed: 42, leads: 300, clock: () => clock.now, ...options });
  const token = sb.issueAccessToken();
  const call: Harness['call'] = async (method, path, body, init = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
    const tok = init.token === undefined ? token : init.token;
    if (tok !== null) headers['authorization'] = `Bearer ${tok}`;
    return sb.app.request(path, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  };
  const json: Harness['json'] = async (method, path, body, headers) => {
    const res = await call(method, path, body, { headers: headers ?? {} });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as never, headers: res.headers };
  };
  const soql: Harness['soql'] = (q, all = false) => json('GET', `${API}/${all ? 'queryAll' : 'query'}?q=${encodeURIComponent(q)}`);
  return { sb, token, clock, call, json, soql };
}

/** A jsforce connection with a plain access token (no refresh). */
export function connect(url: string, accessToken: string): Connection {
  return new Connection({ instanceUrl: url, accessToken, version: '62.0' });
}

/**
 * Serves `sb` on a loopback port for the enclosing describe block, with a jsforce connection as the
 * integration user (both usable inside its tests, not at collection time).
 */
export function serveWithJsforce(sb: SalesforceEmulator): { readonly url: string; readonly conn: Connection } {
  let server: Listening | undefined;
  let conn: Connection | undefined;
  beforeAll(async () => {
    server = await sb.listen(0);
    conn = connect(server.url, sb.issueAccessToken());
  });
  afterAll(async () => {
    await server?.close();
  });
  const live = <T,>(value: T | undefined): T => {
    if (value === undefined) throw new Error('serveWithJsforce: the server starts in beforeAll; use it inside a test');
    return value;
  };
  return {
    get url() {
      return live(server).url;
    },
    get conn() {
      return live(conn);
    },
  };
}

/** jsforce rejects with an Error carrying Salesforce's errorCode; this returns it (or fails). */
export async function errorOf(p: PromiseLike<unknown>): Promise<Error & { errorCode?: string; data?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { errorCode?: string };
  }
  throw new Error('expected a rejection');
}
