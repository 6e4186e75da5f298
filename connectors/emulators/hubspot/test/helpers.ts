/** Shared set-up for the emulator tests: a small seeded portal, a token, a controllable clock. */
import { createHubSpotEmulator, type HubSpotEmulator, type EmulatorOptions } from '../index.ts';
import { manualClock, TEST_START_MS, type ManualClock } from '../../shared/testClock.ts';

export interface Harness {
  sb: HubSpotEmulator;
  token: string;
  clock: ManualClock;
  call(method: string, path: string, body?: unknown, token?: string | null): Promise<Response>;
  json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }>;
}

export const START = TEST_START_MS;

export function harness(options: EmulatorOptions = {}): Harness {
  const clock = manualClock(START);
  const sb = createHubSpotEmulator({ seed: 42, contacts: 300, clock: () => clock.now, ...options });
  const token = sb.issueAccessToken();
  const call = async (method: string, path: string, body?: unknown, tok: string | null = token): Promise<Response> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (tok !== null) headers['authorization'] = `Bearer ${tok}`;
    return sb.app.request(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  };
  const json = async <T,>(method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  };
  return { sb, token, clock, call, json };
}

/** Every HubSpot error body carries these four. */
export function expectHubSpotError(body: Record<string, unknown>, category: string): void {
  if (body['status'] !== 'error') throw new Error(`status was ${String(body['status'])}`);
  if (typeof body['message'] !== 'string' || body['message'] === '') throw new Error('message missing');
  if (!/^[0-9a-f-]{36}$/.test(String(body['correlationId']))) throw new Error(`correlationId ${String(body['correlationId'])}`);
  if (body['category'] !== category) throw new Error(`category ${String(body['category'])} != ${category}`);
}
