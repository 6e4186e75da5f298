/**
 * The API's own resources: the versions list (no auth, not counted), the resource map of a
 * version, and /limits with the org's allocations.
 */
import type { Hono } from 'hono';
import { json, type Env, type EmulatorContext } from '../context.ts';
import { V, versionOf } from './shared.ts';

/** The newest version the emulator lists (Spring '26). Any vNN.N path is still accepted. */
export const LATEST_VERSION = 66;
const OLDEST_LISTED = 31;

/** v31.0 was Summer '14; three releases a year since (Winter, Spring, Summer). */
export function releaseLabel(version: number): string {
  const i = version - OLDEST_LISTED;
  const season = ['Summer', 'Winter', 'Spring'][((i % 3) + 3) % 3] as string;
  const year = 14 + Math.floor((i + 2) / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

export function mountRest(app: Hono<Env>, ctx: EmulatorContext): void {
  app.get('/services/data', () => {
    const out = [];
    for (let v = OLDEST_LISTED; v <= LATEST_VERSION; v++) out.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
    return json(out);
  });

  app.get(V, (c) => {
    const base = `/services/data/v${versionOf(c)}`;
    const names = ['sobjects', 'query', 'queryAll', 'limits', 'composite', 'recent', 'search', 'tooling', 'jobs'];
    const out: Record<string, string> = Object.fromEntries(names.map((n) => [n, `${base}/${n}`]));
    out['identity'] = ctx.idUrl(c.get('session').userId);
    return json(out);
  });

  app.get(`${V}/limits`, () => {
    const max = ctx.faults.current.dailyApiLimit;
    const bulkQueries = ctx.stats.bulkJobs;
    return json({
      ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
      DailyApiRequests: { Max: max, Remaining: Math.max(0, max - ctx.usage.used()) },
      DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
      DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
      DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: Math.max(0, 10000 - bulkQueries) },
      DataStorageMB: { Max: 5120, Remaining: 5096 },
      FileStorageMB: { Max: 20480, Remaining: 20480 },
      HourlyTimeBasedWorkflow: { Max: 1000, Remaining: 1000 },
      SingleEmail: { Max: 5000, Remaining: 5000 },
    });
  });
}
