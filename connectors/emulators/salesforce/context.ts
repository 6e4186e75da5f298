/** What every route module gets: the org, its auth, limits, fault switches, cursors and bulk jobs. */
import type { AuthStore, Session } from './auth.ts';
import type { BulkJobs } from './bulkJobs.ts';
import type { Cursors } from './cursors.ts';
import type { Faults } from './faults.ts';
import type { ApiUsage } from './limits.ts';
import type { SalesforceState } from './state.ts';

export interface Stats {
  calls: number;
  byRoute: Record<string, number>;
  /** Calls that wrote records (single-record and collection writes). */
  writeCalls: number;
  /** Bulk API 2.0 query jobs created. */
  bulkJobs: number;
}

/** Hono variables set by the API middleware for /services/data/vXX.X routes. */
export type Env = { Variables: { session: Session; version: string } };

export interface EmulatorContext {
  state: SalesforceState;
  auth: AuthStore;
  faults: Faults;
  usage: ApiUsage;
  stats: Stats;
  cursors: Cursors;
  jobs: BulkJobs;
  /** Where the org answers: the listen() URL, or http://localhost before listen. */
  instanceUrl(): string;
  /** The identity URL token responses carry (…/id/<orgId>/<userId>). */
  idUrl(userId: string): string;
  /** The connected app's callback URLs; undefined accepts any absolute http(s) redirect_uri. */
  callbackUrls: readonly string[] | undefined;
}

/** Salesforce sends JSON with an explicit charset; jsforce only checks the media type. */
export const JSON_TYPE = 'application/json;charset=UTF-8';

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': JSON_TYPE, ...headers } });
}
