/**
 * The kill -9 and fault harness: `crm-signals start --once` in a child process against a HubSpot emulator
 * in this process.
 * - Crashes: the child is killed with SIGKILL at random points of its run (the token exchange, the
 *   property install, the sync, the write-back), then started again. Each is killed once the emulator has
 *   done the work of its k-th request and before the answer leaves (the CRM applied it, the process never
 *   heard): the worst case for re-sent writes.
 * - Faults: whole runs through a 429 storm, 5xx (before and after the CRM applied a write), answers that
 *   never come in time, and access tokens that die mid-cycle; a run that fails is run again, as the
 *   scheduler would 15 minutes later.
 * Reports per run how many values were sent again that the CRM had already accepted (crashes: at most one
 * 100-record batch per object type), and, at the end, values lost or wrong against an uninterrupted run and
 * audit rows doubled (goal: 0 and 0).
 *
 * Run: npx tsx bench/crashes.ts. CRASHES=n kills (default 12), CRASH_SEED=n another draw, CRASH_CONTACTS=n
 * portal size (default 600), CRASH_FAULTS=0 leaves out the fault runs, CRASH_DATABASE_URL=postgres://.../db
 * runs every store on that PostgreSQL server (a database of its own per run, dropped after) instead of
 * PGlite. Writes bench/results/crashes.{md,json}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHubSpotEmulator, type HubSpotEmulator } from '../connectors/emulators/hubspot/index.ts';
import { listen } from '../connectors/emulators/shared/listen.ts';
import { mulberry32 } from '../src/domain/random.mjs';
import { openStore } from '../src/store/index.ts';
import { emulatorOutputs } from '../test/helpers/harness.ts';
import { createBenchDatabase } from './benchDatabase.ts';
import { writeBenchResults } from './writeResults.ts';

const BIN = fileURLToPath(new URL('../bin/crm-signals.js', import.meta.url));
const APP = { seed: 5, openShare: 0.5, clientId: 'crash-client', clientSecret: 'crash-secret' };
const TENANT = 'demo-hubspot';
const BATCH = 100;
const WRITE = /^\/crm\/v3\/objects\/(\w+)\/batch\/update$/;
/** The passphrase that seals the bench's tokens on a PostgreSQL server (the store refuses one without keys). */
const BENCH_KEY = 'crash-bench-passphrase';
/**
 * Every run is the same worker slot restarting (a systemd unit, a pod's name), so a restart takes over the
 * run its killed predecessor left instead of waiting out its 60-second lease.
 */
const WORKER_ID = 'crash-bench-worker';
/** The client's deadline in the timeout runs; held answers come back after it. */
const FAULT_TIMEOUT_MS = 5_000;
const HOLD_MS = FAULT_TIMEOUT_MS + 3_000;

type Phase = 'install: token exchange' | 'install: properties' | 'sync' | 'write-back' | 'other';

function phaseOf(method: string, path: string): Phase {
  if (path.startsWith('/oauth/')) return 'install: token exchange';
  if (path.startsWith('/crm/v3/properties')) return 'install: properties';
  if (WRITE.test(path)) return 'write-back';
  if (method === 'GET' || path.endsWith('/search') || path.endsWith('/batch/read') || path.includes('/associations/')) return 'sync';
  return 'other';
}

/**
 * What a fault run does to the portal: `before` runs as a request arrives (the k-th of its phase), and
 * its answer may be replaced by a 502 after the CRM applied it, or held past the client's deadline.
 */
interface FaultPlan {
  name: string;
  what: string;
  env?: Record<string, string>;
  prepare?(portal: Portal): void;
  before?(phase: Phase, nth: number, portal: Portal): 'fail after applying' | 'hold' | undefined;
}

const FAULT_PLANS: FaultPlan[] = [
  {
    name: '429 storm',
    what: "20 s at 5 requests per 10 s and 1 search per second (HubSpot's 429 with its policy headers), from the 20th sync call and again from the 2nd write-back call",
    before(phase, nth, portal) {
      if ((phase === 'sync' && nth === 20) || (phase === 'write-back' && nth === 2)) portal.storm(20_000);
      return undefined;
    },
  },
  {
    name: '5xx',
    what: '5 % of calls answered 502/503 before the CRM does anything, and every 4th write answered 502 after the CRM applied it',
    prepare: (portal) => portal.emulator.faults.set({ serverErrorRate: 0.05 }),
    before: (phase, nth) => (phase === 'write-back' && nth % 4 === 0 ? 'fail after applying' : undefined),
  },
  {
    name: 'timeouts',
    what: `the answers of the 10th sync call and of the 1st and 3rd write-back calls held ${HOLD_MS / 1000} s after the CRM applied them, past the client's ${FAULT_TIMEOUT_MS / 1000} s deadline (CRM_SIGNALS_REQUEST_TIMEOUT_MS)`,
    env: { CRM_SIGNALS_REQUEST_TIMEOUT_MS: String(FAULT_TIMEOUT_MS) },
    before: (phase, nth) => ((phase === 'sync' && nth === 10) || (phase === 'write-back' && (nth === 1 || nth === 3)) ? 'hold' : undefined),
  },
  {
    name: '401s',
    what: 'every access token ended early (401 until a refresh) before the 10th and 40th sync calls and the 2nd write-back call',
    before(phase, nth, portal) {
      if ((phase === 'sync' && (nth === 10 || nth === 40)) || (phase === 'write-back' && nth === 2)) portal.emulator.expireAccessTokens();
      return undefined;
    },
  },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One emulated portal behind a counting proxy: every request numbered, every accepted write value kept. */
class Portal {
  readonly emulator: HubSpotEmulator;
  calls = 0;
  /** `type/id/property=value` the portal accepted. */
  readonly accepted = new Set<string>();
  /** Values sent again after the portal had accepted them, by object type. */
  resent: Record<string, number> = {};
  /** The records those values belong to, by object type: one batch is at most 100 of them. */
  readonly resentRecords = new Map<string, Set<string>>();
  phases: Phase[] = [];
  private readonly perPhase = new Map<Phase, number>();
  /** Answers the client got that were failures, by kind, and answers held past its deadline. */
  readonly injected = { '429': 0, '5xx': 0, '401': 0, held: 0 };
  killAt: number | null = null;
  plan: FaultPlan | null = null;
  child: ChildProcess | null = null;
  killedIn: Phase | null = null;
  url = '';
  close: () => Promise<void> = async () => {};
  private storms = new Set<NodeJS.Timeout>();

  constructor(contacts: number) {
    this.emulator = createHubSpotEmulator({ ...APP, contacts });
  }

  /** HubSpot's limits drop for `ms`, then come back. */
  storm(ms: number): void {
    this.emulator.faults.set({ rateLimit: { max: 5, intervalMs: 10_000 }, searchPerSecond: 1 });
    const timer = setTimeout(() => {
      this.storms.delete(timer);
      if (this.storms.size === 0) this.emulator.faults.set({ rateLimit: null, searchPerSecond: null });
    }, ms);
    this.storms.add(timer);
  }

  async start(): Promise<void> {
    const listening = await listen(async (request: Request) => {
      const n = ++this.calls;
      const { pathname } = new URL(request.url);
      const phase = phaseOf(request.method, pathname);
      this.phases.push(phase);
      const nth = (this.perPhase.get(phase) ?? 0) + 1;
      this.perPhase.set(phase, nth);
      const action = this.plan?.before?.(phase, nth, this);
      const write = WRITE.exec(pathname);
      const sent = write ? ((await request.clone().json()) as { inputs?: Array<{ id: string; properties: Record<string, string> }> }).inputs ?? [] : [];
      let response = await this.emulator.app.fetch(request);
      if (write && (response.status === 200 || response.status === 207)) this.noteAccepted(write[1]!, sent);
      if (this.killAt === n && this.child) {
        this.killedIn = phase;
        this.child.kill('SIGKILL');
      }
      if (action === 'fail after applying') {
        response = Response.json({ status: 'error', message: 'Bad Gateway', correlationId: crypto.randomUUID(), category: 'INTERNAL_ERROR' }, { status: 502 });
      }
      if (action === 'hold') {
        this.injected.held++;
        await sleep(HOLD_MS);
      }
      if (response.status === 429) this.injected['429']++;
      else if (response.status >= 500) this.injected['5xx']++;
      else if (response.status === 401) this.injected['401']++;
      return response;
    });
    this.url = listening.url;
    this.close = async () => {
      for (const timer of this.storms) clearTimeout(timer);
      await listening.close();
    };
  }

  private noteAccepted(type: string, sent: Array<{ id: string; properties: Record<string, string> }>): void {
    for (const input of sent) {
      for (const [property, value] of Object.entries(input.properties)) {
        const key = `${type}/${input.id}/${property}=${value}`;
        if (!this.accepted.has(key)) {
          this.accepted.add(key);
          continue;
        }
        this.resent[type] = (this.resent[type] ?? 0) + 1;
        const records = this.resentRecords.get(type) ?? new Set<string>();
        this.resentRecords.set(type, records.add(input.id));
      }
    }
  }
}

/** Where one run keeps its store: a data directory (PGlite), or a database of its own on the server. */
interface StoreTarget {
  dataDir: string;
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

async function storeTarget(serverUrl: string | undefined, name: string): Promise<StoreTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), 'crm-signals-crash-bench-'));
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  if (!serverUrl) return { dataDir, databaseUrl: undefined, drop: removeDir };
  const database = await createBenchDatabase(serverUrl, name);
  return {
    dataDir,
    databaseUrl: database.url,
    drop: async () => {
      await database.drop();
      await removeDir();
    },
  };
}

function runOnce(portal: Portal, target: StoreTarget, authCode: string | null, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; killed: boolean }> {
  const args = [BIN, 'start', '--once', '--hubspot-url', portal.url, '--client-id', APP.clientId, '--client-secret', APP.clientSecret, '--data-dir', target.dataDir, '--worker-id', WORKER_ID];
  if (authCode) args.push('--auth-code', authCode);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.CRM_SIGNALS_REQUEST_TIMEOUT_MS;
  Object.assign(env, extraEnv);
  if (target.databaseUrl) Object.assign(env, { DATABASE_URL: target.databaseUrl, CRM_SIGNALS_ENCRYPTION_KEYS: BENCH_KEY });
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
  portal.child = child;
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, killed: signal === 'SIGKILL' })));
}

async function storeFacts(target: StoreTarget): Promise<{ connected: boolean; audit: string[] }> {
  const store = await openStore(target.databaseUrl ? { databaseUrl: target.databaseUrl, keys: [BENCH_KEY] } : { dataDir: target.dataDir });
  try {
    const connected = (await store.loadCredentials(TENANT).catch(() => null)) !== null;
    const audit = (await store.audit(TENANT, { limit: 1_000_000 }).catch(() => [])).map((r) => `${r.externalId}/${r.property}=${r.newValue}`);
    return { connected, audit };
  } finally {
    await store.close();
  }
}

/** Output values in the portal that differ from the uninterrupted run's. */
function lostOrWrong(expected: Record<string, Record<string, string>>, portal: Portal): number {
  const actual = emulatorOutputs(portal.emulator);
  let n = 0;
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const [want, got] = [expected[key] ?? {}, actual[key] ?? {}];
    for (const property of new Set([...Object.keys(want), ...Object.keys(got)])) if (want[property] !== got[property]) n++;
  }
  return n;
}

const doubled = (audit: string[]) => audit.length - new Set(audit).size;

export interface CrashResult {
  killAt: number;
  killedIn: Phase | 'after the run (not killed)';
  /** Values re-sent that the portal had already accepted, by object type. */
  resent: Record<string, number>;
  /** The records of those values, by object type (goal: at most one batch, 100). */
  resentRecords: Record<string, number>;
  /** Output values that differ from the uninterrupted run after the restart. */
  lostOrWrong: number;
  doubledAudit: number;
  restartExit: number | null;
}

export interface FaultResult {
  name: string;
  what: string;
  /** Failures the client was answered with, and answers held past its deadline. */
  injected: Portal['injected'];
  /** Exit code of each run until one succeeded (at most 3). */
  exits: Array<number | null>;
  resent: number;
  lostOrWrong: number;
  doubledAudit: number;
  seconds: number;
}

export interface CrashBenchOptions {
  crashes: number;
  seed: number;
  contacts: number;
  faults: boolean;
  /** A PostgreSQL server to run every store on (a database per run); PGlite without it. */
  databaseUrl?: string;
}

export async function runCrashBench(options: CrashBenchOptions): Promise<{ cleanCalls: number; cleanSeconds: number; results: CrashResult[]; faults: FaultResult[] }> {
  // The stores not yet dropped: each run drops its own when done, the rest go if the bench fails.
  const targets = new Set<StoreTarget>();
  let made = 0;
  const target = async () => {
    const t = await storeTarget(options.databaseUrl, `crash_bench_${process.pid}_${made++}`);
    const owned: StoreTarget = {
      ...t,
      drop: async () => {
        targets.delete(owned);
        await t.drop();
      },
    };
    targets.add(owned);
    return owned;
  };
  try {
    const reference = new Portal(options.contacts);
    await reference.start();
    const started = performance.now();
    const clean = await runOnce(reference, await target(), reference.emulator.issueAuthCode());
    const cleanSeconds = (performance.now() - started) / 1000;
    if (clean.code !== 0) throw new Error(`the uninterrupted run exited ${clean.code}`);
    const expected = emulatorOutputs(reference.emulator);
    const cleanCalls = reference.calls;
    const cleanPhases = reference.phases;
    await reference.close();
    process.stdout.write(`uninterrupted run: ${cleanCalls} calls, ${cleanSeconds.toFixed(0)} s\n`);

    // The project's seeded PRNG: the same CRASH_SEED kills at the same points.
    const draw = mulberry32(options.seed);
    // Half the kills land in the install (its few calls would otherwise be hit once in 60 draws).
    const installCalls = cleanPhases.filter((p) => p.startsWith('install')).length;
    const results: CrashResult[] = [];
    for (let i = 0; i < options.crashes; i++) {
      // The first kill is at call 1, the code exchange: the code is spent and nothing may be half-saved.
      const killAt = i === 0 ? 1 : i % 2 === 0 ? 1 + Math.floor(draw() * installCalls) : installCalls + 1 + Math.floor(draw() * (cleanCalls - installCalls));
      const portal = new Portal(options.contacts);
      await portal.start();
      const store = await target();
      portal.killAt = killAt;
      const first = await runOnce(portal, store, portal.emulator.issueAuthCode());
      portal.killAt = null;
      // The admin installs again only when the crash left no connection; otherwise the service just restarts.
      const { connected } = await storeFacts(store);
      const restart = await runOnce(portal, store, connected ? null : portal.emulator.issueAuthCode());
      const { audit } = await storeFacts(store);
      results.push({
        killAt,
        killedIn: first.killed ? portal.killedIn ?? 'other' : 'after the run (not killed)',
        resent: portal.resent,
        resentRecords: Object.fromEntries([...portal.resentRecords].map(([type, ids]) => [type, ids.size])),
        lostOrWrong: lostOrWrong(expected, portal),
        doubledAudit: doubled(audit),
        restartExit: restart.code,
      });
      await portal.close();
      await store.drop();
      const r = results.at(-1)!;
      process.stdout.write(`crash ${i + 1}/${options.crashes}: killed at call ${killAt} (${r.killedIn}), re-sent records ${JSON.stringify(r.resentRecords)}, lost or wrong ${r.lostOrWrong}\n`);
    }

    const faults: FaultResult[] = [];
    for (const plan of options.faults ? FAULT_PLANS : []) {
      const portal = new Portal(options.contacts);
      await portal.start();
      plan.prepare?.(portal);
      portal.plan = plan;
      const store = await target();
      const exits: Array<number | null> = [];
      const runStarted = performance.now();
      for (let run = 0; run < 3 && exits.at(-1) !== 0; run++) {
        const { connected } = run === 0 ? { connected: false } : await storeFacts(store);
        exits.push((await runOnce(portal, store, connected ? null : portal.emulator.issueAuthCode(), plan.env)).code);
      }
      const { audit } = await storeFacts(store);
      faults.push({
        name: plan.name,
        what: plan.what,
        injected: { ...portal.injected },
        exits,
        resent: Object.values(portal.resent).reduce((a, b) => a + b, 0),
        lostOrWrong: lostOrWrong(expected, portal),
        doubledAudit: doubled(audit),
        seconds: (performance.now() - runStarted) / 1000,
      });
      await portal.close();
      await store.drop();
      const f = faults.at(-1)!;
      process.stdout.write(`faults ${f.name}: injected ${JSON.stringify(f.injected)}, exits ${f.exits.join(',')}, lost or wrong ${f.lostOrWrong}\n`);
    }
    report(options, { cleanCalls, cleanSeconds, results, faults });
    return { cleanCalls, cleanSeconds, results, faults };
  } finally {
    for (const t of [...targets]) await t.drop().catch(() => {});
  }
}

function report(options: CrashBenchOptions, run: { cleanCalls: number; cleanSeconds: number; results: CrashResult[]; faults: FaultResult[] }): void {
  const { cleanCalls, cleanSeconds, results, faults } = run;
  const total = (r: CrashResult) => Object.values(r.resent).reduce((a, b) => a + b, 0);
  const worstPerType = Math.max(0, ...results.flatMap((r) => Object.values(r.resentRecords)));
  const storeName = options.databaseUrl ? 'PostgreSQL (a database per run)' : 'PGlite';
  const lines = [
    `# Kill -9 and faults during \`crm-signals start --once\` (${options.contacts.toLocaleString('en-US')} contacts, ${storeName}, ${results.length} crashes, seed ${options.seed})`,
    '',
    `${new Date().toISOString()}; \`${benchCommand(options)}\`. An uninterrupted run makes ${cleanCalls} API calls in ${cleanSeconds.toFixed(0)} s. Each crash kills the process with SIGKILL once the portal has applied call *k*, before its answer arrives, then starts it again (with a fresh install code only when the crash left no stored connection).`,
    '',
    '| kill at call | phase | values re-sent (already accepted) | records re-sent | lost or wrong after restart | doubled audit rows | restart exit |',
    '|---|---|---|---|---|---|---|',
    ...results.map((r) => {
      const perType = (counts: Record<string, number>) => Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(', ') || '0';
      return `| ${r.killAt} | ${r.killedIn} | ${total(r)} | ${perType(r.resentRecords)} | ${r.lostOrWrong} | ${r.doubledAudit} | ${r.restartExit} |`;
    }),
    '',
    `Worst re-send per object type in one crash: ${worstPerType} records (goal: at most one batch, ${BATCH} records).`,
    `Crashes ending in the uninterrupted run's state: ${results.filter((r) => r.lostOrWrong === 0 && r.restartExit === 0).length} of ${results.length}; doubled audit rows in all: ${results.reduce((a, r) => a + r.doubledAudit, 0)}.`,
  ];
  if (faults.length > 0) {
    lines.push(
      '',
      '## Faults',
      '',
      'Each fault run starts from a fresh install; a run that exits non-zero is run again (at most 3 runs), as the scheduler would at the next cycle. Values re-sent include the retries of writes the CRM had applied before failing or holding its answer.',
      '',
      '| fault | what the portal did | 429 answers | 5xx answers | 401 answers | answers held | run exits | values re-sent | lost or wrong | doubled audit rows | time |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...faults.map((f) => `| ${f.name} | ${f.what} | ${f.injected['429']} | ${f.injected['5xx']} | ${f.injected['401']} | ${f.injected.held} | ${f.exits.join(', ')} | ${f.resent} | ${f.lostOrWrong} | ${f.doubledAudit} | ${f.seconds.toFixed(0)} s |`),
      '',
      `Fault runs ending in the uninterrupted run's state: ${faults.filter((f) => f.lostOrWrong === 0 && f.exits.at(-1) === 0).length} of ${faults.length}; lost or wrong values in all: ${faults.reduce((a, f) => a + f.lostOrWrong, 0)}; doubled audit rows: ${faults.reduce((a, f) => a + f.doubledAudit, 0)}.`,
    );
  }
  writeBenchResults('crashes', { date: new Date().toISOString(), options: { ...options, databaseUrl: options.databaseUrl ? 'postgres' : undefined }, cleanCalls, cleanSeconds, results, faults }, `${lines.join('\n')}\n`);
}

function benchCommand(options: CrashBenchOptions): string {
  const env = [`CRASHES=${options.crashes}`, `CRASH_SEED=${options.seed}`, `CRASH_CONTACTS=${options.contacts}`];
  if (!options.faults) env.push('CRASH_FAULTS=0');
  if (options.databaseUrl) env.push('CRASH_DATABASE_URL=postgres://...');
  return `${env.join(' ')} npx tsx bench/crashes.ts`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options: CrashBenchOptions = {
    crashes: Number(process.env.CRASHES ?? 12),
    seed: Number(process.env.CRASH_SEED ?? 1),
    contacts: Number(process.env.CRASH_CONTACTS ?? 600),
    faults: process.env.CRASH_FAULTS !== '0',
    ...(process.env.CRASH_DATABASE_URL ? { databaseUrl: process.env.CRASH_DATABASE_URL } : {}),
  };
  const { results, faults } = await runCrashBench(options);
  const bad = results.filter((r) => r.lostOrWrong > 0 || r.restartExit !== 0 || r.doubledAudit > 0 || Object.values(r.resentRecords).some((n) => n > BATCH));
  const badFaults = faults.filter((f) => f.lostOrWrong > 0 || f.exits.at(-1) !== 0 || f.doubledAudit > 0);
  console.log(
    bad.length + badFaults.length === 0
      ? `all ${results.length} crashes and ${faults.length} fault runs recovered`
      : `${bad.length} of ${results.length} crashes and ${badFaults.length} of ${faults.length} fault runs did not recover: see bench/results/crashes.md`,
  );
}
