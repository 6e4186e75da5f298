/**
 * `npm run bench -- scale`: what a HubSpot cycle costs as the portal grows, through the real connector,
 * the emulator at HubSpot's own limits (110 requests / 10 s, search 5 / s) and the service's webhook
 * receiver (the emulated portal subscribed as the manifest subscribes). Per portal size and store:
 * 1. the first cycle (the full read, training, the first write-back);
 * 2. the no-change cycle, side by side: with the change feed (src/pipeline/changeFeed.ts) and without it
 *    (the search from the checkpoint, which pages through every record our write-back touched);
 * 3. 100 contacts edited in the CRM's UI, read through the feed.
 * Each row: wall time, time per stage (from a stage's first progress event to the next stage's), API calls
 * (searches apart), requests per 10 s against the limit, the cycle's peak RSS (sampled every 200 ms) and
 * the store's size.
 *
 * SCALE_SIZES=10000,100000 (default 10000), SCALE_STORES=pglite,postgres (postgres needs
 * BENCH_DATABASE_URL). Each portal runs in a process of its own. Writes bench/results/scale.{md,json}.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { manifestSubscriptions } from '../functions/demoPortals.ts';
import { hubspotChangeFeed } from '../src/pipeline/changeFeed.ts';
import type { ProgressEvent } from '../src/pipeline/context.ts';
import type { CycleSummary } from '../src/pipeline/cycle.ts';
import { openStoreWithDb, type OpenedStore } from '../src/store/index.ts';
import { startHarness, type Harness } from '../test/helpers/harness.ts';
import { receiveWebhooks } from '../test/helpers/webhookReceiver.ts';
import { writeBenchResults } from './writeResults.ts';

const LIMIT = { max: 110, intervalMs: 10_000 };
const EDITS = 100;

export interface ScaleRow {
  contacts: number;
  store: 'pglite' | 'postgres';
  cycle: 'first' | 'no change, change feed' | 'no change, search (before)' | `${number} UI edits, change feed`;
  seconds: number;
  stageSeconds: Record<string, number>;
  apiCalls: number;
  searches: number;
  requestsPer10s: number;
  peakRssMegabytes: number;
  /** The stage running when the peak was sampled. */
  peakStage: string;
  storeMegabytes: number;
  contactsRead: number;
  written: number;
  status: string;
}

const log = (line: string) => process.stderr.write(`[scale] ${line}\n`);

async function openBenchStore(kind: ScaleRow['store'], contacts: number): Promise<OpenedStore> {
  if (kind === 'pglite') return openStoreWithDb({ inMemory: true, secret: 'scale-bench' });
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) throw new Error('SCALE_STORES=postgres needs BENCH_DATABASE_URL');
  return openStoreWithDb({ databaseUrl: url, secret: 'scale-bench', schema: `scale_${contacts}_${Date.now()}` });
}

/** One measured cycle: stage times from progress events, RSS sampled while it runs. */
async function measured(h: Harness, opened: OpenedStore, row: Pick<ScaleRow, 'contacts' | 'store' | 'cycle'>, feed: boolean): Promise<ScaleRow> {
  const marks: Array<[string, number]> = [];
  const started = performance.now();
  h.ctx.onProgress = (e: ProgressEvent) => {
    const stage = e.stage === 'sync' ? `sync ${e.objectType}s` : e.stage;
    if (marks.at(-1)?.[0] !== stage) marks.push([stage, performance.now()]);
  };
  if (feed) h.ctx.changeFeed = hubspotChangeFeed();
  else delete h.ctx.changeFeed;
  let peak = process.memoryUsage().rss;
  let peakStage = 'start';
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > peak) [peak, peakStage] = [rss, marks.at(-1)?.[0] ?? 'start'];
  }, 200);
  h.emulator.resetStats();
  let summary: CycleSummary;
  try {
    summary = await h.cycle();
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const stageSeconds: Record<string, number> = {};
  marks.forEach(([stage, at], i) => (stageSeconds[stage] = ((marks[i + 1]?.[1] ?? started + seconds * 1000) - at) / 1000 + (stageSeconds[stage] ?? 0)));
  const stats = h.emulator.stats();
  const searches = Object.entries(stats.byRoute).filter(([route]) => route.includes('search')).reduce((n, [, c]) => n + c, 0);
  // The store's own tables with their indexes and TOAST: the database also holds other runs' schemas.
  const { rows } = await opened.db.query(
    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')",
  );
  const written = Object.values(summary.write ?? {}).reduce((n, w) => n + (w?.written ?? 0), 0);
  return {
    ...row,
    seconds,
    stageSeconds,
    apiCalls: summary.api.calls,
    searches,
    requestsPer10s: seconds > 0 ? (stats.calls / seconds) * 10 : 0,
    peakRssMegabytes: peak / 2 ** 20,
    peakStage,
    storeMegabytes: Number(rows[0]?.bytes ?? 0) / 2 ** 20,
    contactsRead: summary.synced.contact?.read ?? 0,
    written,
    status: summary.status,
  };
}

async function portal(contacts: number, store: ScaleRow['store']): Promise<ScaleRow[]> {
  const opened = await openBenchStore(store, contacts);
  const h = await startHarness({
    store: opened.store,
    limit: LIMIT,
    emulator: { seed: 11, contacts, openShare: 0.25, rateLimit: LIMIT, webhooks: { subscriptions: manifestSubscriptions(), retryDelaysMs: [] } },
  });
  const receiver = await receiveWebhooks(h);
  const rows: ScaleRow[] = [];
  const at = (cycle: ScaleRow['cycle']) => ({ contacts, store, cycle });
  const add = (row: ScaleRow) => {
    rows.push(row);
    log(`${contacts} contacts, ${store}, ${row.cycle}: ${row.seconds.toFixed(1)} s, ${row.apiCalls} API calls (${row.searches} searches), ${row.contactsRead} contacts read, ${row.written} written, peak RSS ${row.peakRssMegabytes.toFixed(0)} MB (${row.peakStage})`);
  };
  try {
    add(await measured(h, opened, at('first'), true));
    await receiver.deliver();
    add(await measured(h, opened, at('no change, change feed'), true));
    add(await measured(h, opened, at('no change, search (before)'), false));
    // The search just read every contact: the feed takes over again until the next reconcile.
    for (const id of h.emulator.state.openContactIds().slice(0, EDITS)) h.emulator.state.update('contacts', id, { previous_contacts: String(7 + (Number(id) % 5)), previous_outcome: 'success' });
    await receiver.deliver();
    add(await measured(h, opened, at(`${EDITS} UI edits, change feed`), true));
  } finally {
    await receiver.close();
    await h.close();
    await opened.store.close();
  }
  return rows;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

function markdown(rows: ScaleRow[], date: string): string {
  const L = [
    '# Scale: HubSpot cycles by portal size',
    '',
    `${date}; npm run bench -- scale; the emulator and the connector at HubSpot's limits (110 requests / 10 s, search 5 / s); one run per row.`,
    '',
    '| contacts | store | cycle | wall time | per stage | API calls | of which searches | requests / 10 s (limit 110) | peak RSS | store size | contacts read | values written |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${n(r.contacts)} | ${r.store} | ${r.cycle}${r.status === 'succeeded' ? '' : ` (${r.status})`} | ${r.seconds.toFixed(1)} s | ${Object.entries(r.stageSeconds)
          .map(([s, t]) => `${s} ${t.toFixed(1)} s`)
          .join(', ')} | ${n(r.apiCalls)} | ${n(r.searches)} | ${r.requestsPer10s.toFixed(1)} | ${n(r.peakRssMegabytes)} MB (${r.peakStage}) | ${n(r.storeMegabytes)} MB | ${n(r.contactsRead)} | ${n(r.written)} |`,
    ),
    '',
    '- "no change, search (before)" is the same cycle as the row above it with the change feed off: what every cycle cost before the feed, and still what the CLI (which receives no webhooks) and the daily reconcile cost.',
    "- API calls are the connector's calls (the cycle summary's `api.calls`); searches are the emulator's count of search requests. Requests per 10 s count every request the emulator answered.",
    '- Peak RSS is the whole process (the emulator with its portal lives in it too); store size is the total size of the store tables with their indexes (pg_total_relation_size, its schema only).',
    '- Each portal (size and store) runs in a process of its own, so a peak is that worker\'s alone; the stage in brackets was running when it was sampled.',
    '- Stage times run from a stage\'s first progress event to the next stage\'s; "write" includes the diff and the timeline entries after it.',
    '',
  ];
  return L.join('\n');
}

/**
 * Each portal in a process of its own: the peak RSS is that worker's alone. In one process a PGlite
 * portal's WebAssembly memory stays resident after it closes and a later PostgreSQL portal carried it
 * (1,486 MB against 1,159 MB alone at 100,000 contacts).
 */
function portalInChild(contacts: number, store: ScaleRow['store']): Promise<ScaleRow[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), CHILD_FLAG, String(contacts), store], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`scale bench: the ${contacts}-contact ${store} portal's process exited with ${code}`));
      try {
        resolve(JSON.parse(out.slice(out.lastIndexOf(ROWS_MARK) + ROWS_MARK.length)) as ScaleRow[]);
      } catch (error) {
        reject(new Error(`scale bench: no rows from the ${contacts}-contact ${store} portal's process: ${(error as Error).message}`));
      }
    });
  });
}

const CHILD_FLAG = '--scale-portal';
const ROWS_MARK = '\nscale rows: ';

export async function runScaleBench(): Promise<ScaleRow[]> {
  const sizes = (process.env.SCALE_SIZES ?? '10000').split(',').map((s) => Number(s.trim())).filter((x) => Number.isInteger(x) && x > 0);
  const stores = (process.env.SCALE_STORES ?? 'pglite').split(',').map((s) => s.trim()) as Array<ScaleRow['store']>;
  const rows: ScaleRow[] = [];
  for (const size of sizes) for (const store of stores) rows.push(...(await portalInChild(size, store)));
  const date = new Date().toISOString();
  writeBenchResults('scale', { date, limit: LIMIT, rows }, markdown(rows, date));
  log('wrote bench/results/scale.md');
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === CHILD_FLAG) {
    const rows = await portal(Number(process.argv[3]), process.argv[4] as ScaleRow['store']);
    process.stdout.write(`${ROWS_MARK}${JSON.stringify(rows)}\n`);
    process.exit(0);
  }
  await runScaleBench();
}
