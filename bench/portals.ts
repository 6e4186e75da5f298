/**
 * `npm run bench -- portals`: many HubSpot portals served by a few workers on one PostgreSQL server, as a
 * deployment runs them. PORTALS portals of PORTAL_CONTACTS contacts each (distinct people per portal) sit
 * behind one base URL (connectors/emulators/hubspot/fleet.ts), each at HubSpot's own limits (110
 * requests / 10 s, search 5 / s). Every tenant is installed through the official client (OAuth code,
 * output properties), then PORTAL_WORKERS worker processes (bench/portalsWorker.ts: functions/worker.ts
 * with CRM_SIGNALS_CYCLE_CONCURRENCY = PORTAL_CONCURRENCY) take the cycle jobs of one round sent through
 * pg-boss, and then of a second, no-change round.
 *
 * Per round: time to the last tenant's finished cycle; per tenant its wait (round sent -> cycle started),
 * cycle time, API calls and its busiest 10 s against the limit; per worker the tenants it ran and its
 * peak RSS. Fairness: Jain's index of the tenants' cycle rates (contacts per second of cycle; 1 = every
 * tenant served alike) and the longest wait against the round.
 *
 * PORTALS (default 50), PORTAL_CONTACTS (default 20000), PORTAL_WORKERS (2), PORTAL_CONCURRENCY (4),
 * PORTALS_DATABASE_URL or BENCH_DATABASE_URL (a server where the bench may create and drop a database).
 * Writes bench/results/portals.{md,json} and portals-timeline.svg.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHubSpotFleet } from '../connectors/emulators/hubspot/fleet.ts';
import { escapeXml } from '../src/server/console/charts.ts';
import { connectHubSpotTenant } from '../src/cli/tenants.ts';
import { OUTPUT_FIELDS } from '../src/domain/outputFields.ts';
import { defaultMapping } from '../src/mapping/index.ts';
import { createQueues, openBoss, sendRound } from '../src/pipeline/jobs/index.ts';
import { openStoreWithDb, type OpenedStore } from '../src/store/index.ts';
import { createBenchDatabase } from './benchDatabase.ts';
import { writeBenchResults } from './writeResults.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'portals-bench-passphrase';
const APP = { clientId: 'portals-bench-client', clientSecret: 'portals-bench-secret', redirectUri: 'http://localhost/oauth/callback' };
const LIMIT = 110;
const POLL_MS = 1000;

const log = (line: string) => process.stderr.write(`[portals] ${line}\n`);

interface Options {
  portals: number;
  contacts: number;
  workers: number;
  concurrency: number;
  serverUrl: string;
  timeoutMinutes: number;
}

export interface TenantRound {
  tenantId: string;
  status: string;
  worker: string | null;
  waitSeconds: number;
  cycleSeconds: number;
  apiCalls: number;
  /** Requests under the ten-secondly limit the portal answered in its busiest 10 s of the cycle. */
  busiest10s: number;
  /** 429s the portal answered in the round, by the limit that refused them. */
  refused: { tenSecondly: number; search: number };
}

export interface RoundResult {
  round: string;
  /** Round sent -> the last tenant's cycle finished; null when some tenant did not finish in time. */
  seconds: number | null;
  finished: number;
  tenants: TenantRound[];
  /** Null when the cycles read nothing or are too short (median under 5 s) for their rates to say anything. */
  jain: number | null;
  workers: Array<{ worker: string; tenants: number; busySeconds: number; peakRssMegabytes: number }>;
}

/**
 * Per portal and second: the requests HubSpot counts against its ten-secondly limit (their answers carry
 * X-HubSpot-RateLimit-Max; search has its own limit, 5 / s, and the token endpoints and v4 association
 * batch reads none), and the 429s by the limit that refused them.
 */
class RequestLog {
  private readonly perSecond: Array<Map<number, number>>;
  readonly refused: Array<{ tenSecondly: number; search: number }>;
  constructor(portals: number) {
    this.perSecond = Array.from({ length: portals }, () => new Map());
    this.refused = Array.from({ length: portals }, () => ({ tenSecondly: 0, search: 0 }));
  }
  note(portal: number, response: Response): void {
    const tenSecondly = response.headers.has('X-HubSpot-RateLimit-Max');
    if (response.status === 429) this.refused[portal]![tenSecondly ? 'tenSecondly' : 'search']++;
    if (!tenSecondly) return;
    const s = Math.floor(Date.now() / 1000);
    const m = this.perSecond[portal]!;
    m.set(s, (m.get(s) ?? 0) + 1);
  }
  /** The most requests under the ten-secondly limit in any 10 whole seconds between the two instants. */
  busiest10s(portal: number, fromMs: number, toMs: number): number {
    const m = this.perSecond[portal]!;
    let best = 0;
    for (let s = Math.floor(fromMs / 1000); s <= Math.floor(toMs / 1000); s++) {
      let n = 0;
      for (let k = 0; k < 10; k++) n += m.get(s + k) ?? 0;
      best = Math.max(best, n);
    }
    return best;
  }
  reset(): void {
    for (const r of this.refused) Object.assign(r, { tenSecondly: 0, search: 0 });
  }
}

interface WorkerProcess {
  id: string;
  child: ChildProcess;
  peakRss: number;
  stderr: string[];
}

function startWorkerProcess(id: string, env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/portalsWorker.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const w: WorkerProcess = { id, child, peakRss: 0, stderr: [] };
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    w.stderr.push(...chunk.split('\n').filter(Boolean));
    if (w.stderr.length > 200) w.stderr.splice(0, w.stderr.length - 200);
  });
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('ready') && resolve(w));
    child.once('exit', (code) => reject(new Error(`worker ${id} exited (${code}) before it was ready:\n${w.stderr.slice(-20).join('\n')}`)));
  });
}

/** Resident set of a live process from /proc (Linux); 0 where it cannot be read. */
function rssOf(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const MIN_RATED_CYCLE_SECONDS = 5;
const median = (xs: number[]) => (xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);

const jainIndex = (xs: number[]) => {
  const sum = xs.reduce((a, b) => a + b, 0);
  const squares = xs.reduce((a, b) => a + b * b, 0);
  return squares > 0 ? (sum * sum) / (xs.length * squares) : 1;
};

async function runRound(o: Options, opened: OpenedStore, requests: RequestLog, workers: WorkerProcess[], round: string, tenantIds: string[]): Promise<RoundResult> {
  const boss = await openBoss(opened.db, { schedule: false, supervise: false });
  try {
    await createQueues(boss);
    requests.reset();
    for (const w of workers) w.peakRss = 0;
    const sentAt = new Date();
    await sendRound(boss, { store: opened.store, units: async () => tenantIds.map((id) => [id]) }, round);
    const deadline = Date.now() + o.timeoutMinutes * 60_000;
    type Row = { tenant_id: string; status: string; started_at: Date; finished_at: Date | null; lease_owner: string | null; calls: string | null };
    let rows: Row[] = [];
    let lastLog = 0;
    for (;;) {
      for (const w of workers) w.peakRss = Math.max(w.peakRss, rssOf(w.child.pid));
      const result = await opened.db.query(
        "SELECT DISTINCT ON (tenant_id) tenant_id, status, started_at, finished_at, lease_owner, summary->'api'->>'calls' AS calls FROM runs WHERE kind = 'cycle' AND started_at >= $1 ORDER BY tenant_id, (status = 'succeeded') DESC, started_at DESC",
        [sentAt],
      );
      rows = result.rows as Row[];
      const done = rows.filter((r) => r.status === 'succeeded').length;
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`${round}: ${done}/${tenantIds.length} cycles finished, ${rows.filter((r) => r.status === 'running').length} running, ${((Date.now() - sentAt.getTime()) / 1000).toFixed(0)} s`);
      }
      if (done === tenantIds.length || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const byTenant = new Map(rows.map((r) => [r.tenant_id, r]));
    const t0 = sentAt.getTime();
    const tenants: TenantRound[] = tenantIds.map((tenantId, i) => {
      const r = byTenant.get(tenantId);
      const start = r ? r.started_at.getTime() : Date.now();
      const end = r?.finished_at ? r.finished_at.getTime() : Date.now();
      return {
        tenantId,
        status: r?.status ?? 'not started',
        worker: r?.lease_owner ?? null,
        waitSeconds: (start - t0) / 1000,
        cycleSeconds: (end - start) / 1000,
        apiCalls: Number(r?.calls ?? 0),
        busiest10s: requests.busiest10s(i, start, end),
        refused: { ...requests.refused[i]! },
      };
    });
    const succeeded = tenants.filter((t) => t.status === 'succeeded');
    const lastEnd = Math.max(...rows.map((r) => r.finished_at?.getTime() ?? 0));
    return {
      round,
      seconds: succeeded.length === tenantIds.length ? (lastEnd - t0) / 1000 : null,
      finished: succeeded.length,
      tenants,
      // A round that read nothing (no API call) has no work whose rate could be compared.
      jain: median(succeeded.map((t) => t.cycleSeconds)) < MIN_RATED_CYCLE_SECONDS || succeeded.every((t) => t.apiCalls === 0) ? null : jainIndex(succeeded.map((t) => o.contacts / t.cycleSeconds)),
      workers: workers.map((w) => {
        const mine = tenants.filter((t) => t.worker === w.id);
        return { worker: w.id, tenants: mine.length, busySeconds: mine.reduce((n, t) => n + t.cycleSeconds, 0), peakRssMegabytes: w.peakRss / 2 ** 20 };
      }),
    };
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

export async function runPortalsBench(o: Options): Promise<RoundResult[]> {
  const database = await createBenchDatabase(o.serverUrl, `portals_${Date.now()}`);
  const requests = new RequestLog(o.portals);
  log(`seeding ${o.portals} portals of ${o.contacts} contacts`);
  const fleet = createHubSpotFleet({
    portals: o.portals,
    portal: (i) => ({ seed: 1000 + i, contacts: o.contacts, openShare: 0.25, rateLimit: { max: LIMIT, intervalMs: 10_000 } }),
    clientId: APP.clientId,
    clientSecret: APP.clientSecret,
    onResponse: (i, response) => requests.note(i, response),
  });
  const listening = await fleet.listen(0);
  const opened = await openStoreWithDb({ databaseUrl: database.url, keys: [KEY] });
  const workers: WorkerProcess[] = [];
  try {
    const installStarted = performance.now();
    const tenantIds: string[] = [];
    const app = { baseUrl: listening.url, ...APP };
    // Installs come in as admins install: a handful at a time.
    for (let from = 0; from < o.portals; from += 10) {
      await Promise.all(
        fleet.portals.slice(from, from + 10).map(async (portal, k) => {
          const tenantId = `portal-${String(from + k + 1).padStart(2, '0')}`;
          const { connector } = await connectHubSpotTenant(opened.store, { tenantId, name: `Portal ${from + k + 1}`, mode: 'live', app, mapping: defaultMapping('hubspot'), authCode: portal.issueAuthCode(APP.redirectUri), freshAccount: true });
          await connector.install(OUTPUT_FIELDS);
        }),
      );
    }
    for (let i = 1; i <= o.portals; i++) tenantIds.push(`portal-${String(i).padStart(2, '0')}`);
    log(`installed ${o.portals} tenants in ${((performance.now() - installStarted) / 1000).toFixed(1)} s; starting ${o.workers} workers`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      CRM_SIGNALS_ENCRYPTION_KEYS: KEY,
      HUBSPOT_API_URL: listening.url,
      HUBSPOT_CLIENT_ID: APP.clientId,
      HUBSPOT_CLIENT_SECRET: APP.clientSecret,
      HUBSPOT_REDIRECT_URI: APP.redirectUri,
      CRM_SIGNALS_CYCLE_CONCURRENCY: String(o.concurrency),
    };
    for (let k = 1; k <= o.workers; k++) workers.push(await startWorkerProcess(`portals-worker-${k}`, { ...env, CRM_SIGNALS_WORKER_ID: `portals-worker-${k}` }));
    const rounds: RoundResult[] = [];
    for (const round of ['first round', 'no-change round']) {
      const result = await runRound(o, opened, requests, workers, round, tenantIds);
      rounds.push(result);
      log(`${round}: ${result.seconds === null ? `${result.finished}/${o.portals} finished before the timeout` : `${result.seconds.toFixed(1)} s`}, Jain ${result.jain?.toFixed(3) ?? 'n/a'}`);
      if (result.seconds === null) {
        for (const w of workers) log(`${w.id} last log lines:\n${w.stderr.slice(-15).join('\n')}`);
        break;
      }
    }
    const date = new Date().toISOString();
    writeBenchResults('portals', { date, options: { ...o, serverUrl: undefined }, rounds }, markdown(o, rounds, date));
    writeFileSync(path.join(ROOT, 'bench/results/portals-timeline.svg'), timelineSvg(rounds[0]!, `First round: ${o.portals} portals × ${o.contacts.toLocaleString('en-US')} contacts on ${o.workers} workers × ${o.concurrency} cycles`));
    log('wrote bench/results/portals.md and portals-timeline.svg');
    return rounds;
  } finally {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null) return resolve();
            w.child.once('exit', () => resolve());
            w.child.kill('SIGTERM');
            setTimeout(() => w.child.kill('SIGKILL'), 60_000).unref();
          }),
      ),
    );
    await opened.store.close();
    await listening.close();
    await database.drop();
  }
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const s1 = (x: number) => `${x.toFixed(1)} s`;

function spread(xs: number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return sorted.length === 0 ? 'n/a' : `${s1(sorted[0]!)} / ${s1(at(0.5))} / ${s1(sorted.at(-1)!)}`;
}

function markdown(o: Options, rounds: RoundResult[], date: string): string {
  const L = [
    '# Portals: many HubSpot tenants on a few workers',
    '',
    `${date}; \`PORTALS=${o.portals} PORTAL_CONTACTS=${o.contacts} PORTAL_WORKERS=${o.workers} PORTAL_CONCURRENCY=${o.concurrency} npm run bench -- portals\`; PostgreSQL server; every portal at HubSpot's limits (${LIMIT} requests / 10 s, search 5 / s) behind one base URL; one run.`,
    '',
    '| round | time to the last finished cycle | cycles finished | wait min / median / max | cycle time min / median / max | Jain index of cycle rates | busiest 10 s of any portal (limit 110) | 429s: ten-secondly / search | API calls (all tenants) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rounds.map((r) => {
      const ok = r.tenants.filter((t) => t.status === 'succeeded');
      return `| ${r.round} | ${r.seconds === null ? 'did not finish' : s1(r.seconds)} | ${r.finished} / ${r.tenants.length} | ${spread(ok.map((t) => t.waitSeconds))} | ${spread(ok.map((t) => t.cycleSeconds))} | ${r.jain?.toFixed(3) ?? 'n/a (no work read)'} | ${Math.max(...r.tenants.map((t) => t.busiest10s))} | ${r.tenants.reduce((a, t) => a + t.refused.tenSecondly, 0)} / ${r.tenants.reduce((a, t) => a + t.refused.search, 0)} | ${n(r.tenants.reduce((a, t) => a + t.apiCalls, 0))} |`;
    }),
    '',
    '| round | worker | tenants run | busy (sum of its cycle times) | peak RSS |',
    '|---|---|---|---|---|',
    ...rounds.flatMap((r) => r.workers.map((w) => `| ${r.round} | ${w.worker} | ${w.tenants} | ${s1(w.busySeconds)} | ${n(w.peakRssMegabytes)} MB |`)),
    '',
    '- Wait is from the round being sent to the tenant\'s cycle starting; with more tenants than cycle slots (workers × concurrency) the later ones wait for a slot by design. A tenant starves when it waits while slots sit idle, or when its cycle runs far slower than its peers\': the Jain index of the tenants\' cycle rates (contacts / cycle second) is 1 when all ran alike.',
    "- The busiest 10 s counts a portal's requests under HubSpot's ten-secondly limit (110; the answers that carry X-HubSpot-RateLimit-Max), in 10 whole seconds while its cycle ran; searches (their own limit, 5 / s), token requests and v4 association batch reads are not in it. A 429 is retried after its Retry-After: it costs time, not data.",
    '- Peak RSS samples each worker process\'s VmRSS every second; the portals and the bench itself live in the parent process, not in the workers.',
    '- The per-tenant timeline is drawn in portals-timeline.svg (grey: waiting for a slot; colour: the worker running the cycle).',
    '',
    '<details><summary>Per tenant, first round</summary>',
    '',
    '| tenant | worker | wait | cycle | API calls | busiest 10 s | 429s: ten-secondly / search |',
    '|---|---|---|---|---|---|---|',
    ...(rounds[0]?.tenants ?? []).map((t) => `| ${t.tenantId}${t.status === 'succeeded' ? '' : ` (${t.status})`} | ${t.worker ?? '-'} | ${s1(t.waitSeconds)} | ${s1(t.cycleSeconds)} | ${t.apiCalls} | ${t.busiest10s} | ${t.refused.tenSecondly} / ${t.refused.search} |`),
    '',
    '</details>',
    '',
  ];
  return L.join('\n');
}

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

function timelineSvg(round: RoundResult, title: string): string {
  const rowH = 10;
  const left = 90;
  const width = 760;
  const top = 40;
  const height = top + round.tenants.length * rowH + 40;
  const end = Math.max(1, ...round.tenants.map((t) => t.waitSeconds + t.cycleSeconds));
  const x = (sec: number) => Math.round((left + (sec / end) * (width - left - 20)) * 10) / 10;
  const workers = [...new Set(round.tenants.map((t) => t.worker ?? '-'))].sort();
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`];
  parts.push(`<text x="${left}" y="16" font-size="12">${escapeXml(title)}</text>`);
  workers.forEach((w, i) => parts.push(`<rect x="${left + i * 150}" y="24" width="10" height="8" fill="${COLOURS[i % COLOURS.length]}"/><text x="${left + i * 150 + 14}" y="32">${escapeXml(w)}</text>`));
  round.tenants.forEach((t, i) => {
    const y = top + i * rowH;
    const colour = COLOURS[workers.indexOf(t.worker ?? '-') % COLOURS.length];
    parts.push(`<text x="${left - 4}" y="${y + 8}" text-anchor="end">${escapeXml(t.tenantId)}</text>`);
    parts.push(`<rect x="${x(0)}" y="${y + 4}" width="${Math.max(0, x(t.waitSeconds) - x(0)).toFixed(1)}" height="2" fill="#ccc"/>`);
    parts.push(`<rect x="${x(t.waitSeconds)}" y="${y + 1}" width="${Math.max(1, x(t.waitSeconds + t.cycleSeconds) - x(t.waitSeconds)).toFixed(1)}" height="${rowH - 2}" fill="${colour}"/>`);
  });
  const axisY = top + round.tenants.length * rowH + 12;
  for (let k = 0; k <= 5; k++) {
    const sec = (end * k) / 5;
    parts.push(`<text x="${x(sec)}" y="${axisY}" text-anchor="middle">${sec.toFixed(0)} s</text>`);
  }
  parts.push(`<text x="${left}" y="${axisY + 16}">seconds since the round was sent</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

function optionsFromEnv(env: NodeJS.ProcessEnv): Options {
  const whole = (name: string, fallback: number, min = 1) => {
    const value = env[name] === undefined || env[name] === '' ? fallback : Number(env[name]);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min}, got ${JSON.stringify(env[name])}`);
    return value;
  };
  const serverUrl = env.PORTALS_DATABASE_URL || env.BENCH_DATABASE_URL;
  if (!serverUrl) throw new Error('the portals bench needs a PostgreSQL server: set PORTALS_DATABASE_URL or BENCH_DATABASE_URL (the bench creates and drops a database of its own there)');
  return {
    portals: whole('PORTALS', 50),
    contacts: whole('PORTAL_CONTACTS', 20_000, 100),
    workers: whole('PORTAL_WORKERS', 2),
    concurrency: whole('PORTAL_CONCURRENCY', 4),
    serverUrl,
    timeoutMinutes: whole('PORTALS_TIMEOUT_MINUTES', 180),
  };
}

export async function runPortalsBenchFromEnv(): Promise<RoundResult[]> {
  return runPortalsBench(optionsFromEnv(process.env));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runPortalsBenchFromEnv();
