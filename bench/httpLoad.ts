/**
 * HTTP load on the routes people wait for: the status API (admins, the console's first page) and the
 * record card (every rep opening a contact in HubSpot), on a store holding N scored contacts.
 *
 *   npx tsx bench/httpLoad.ts                          # 100,000 contacts, PGlite
 *   HTTP_BENCH_CONTACTS=100000,1000000 BENCH_DATABASE_URL=postgres://... npx tsx bench/httpLoad.ts
 *
 * The service is the real one (createApp on @hono/node-server, loopback), the load autocannon with 200
 * connections for HTTP_BENCH_SECONDS (10) per route, in a child process (httpLoadClient.ts). /healthz is
 * measured first as the floor: the same server and middleware with no session and no store. The status route is asked with an admin session
 * cookie; every card call is signed with HubSpot's v3 signature for a random contact of the portal, as
 * HubSpot's servers send them. Contacts and their scores are written by SQL (generate_series): the bench
 * measures reading them, not syncing them. Before the load, one cold status request is timed (what
 * counting the score distribution costs once, before the cache holds it).
 * Writes bench/results/http.{md,json}.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

import { serve } from '@hono/node-server';
import type autocannon from 'autocannon';

import type { LoadJob } from './httpLoadClient.ts';
import { createApp } from '../src/server/app.ts';
import { createLoginLink } from '../src/server/auth/sessions.ts';
import { openStoreWithDb, type OpenedStore } from '../src/store/index.ts';
import { writeBenchResults } from './writeResults.ts';

const CONNECTIONS = 200;
const SECONDS = Number(process.env.HTTP_BENCH_SECONDS ?? 10);
const SECRET = 'http-bench-client-secret';
const PORTAL = '4242';
const TENANT = 'http-bench';

const log = (line: string) => process.stderr.write(`[http bench] ${line}\n`);

interface RouteFigures {
  route: string;
  requests: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

interface HttpBenchRow {
  engine: 'PGlite' | 'PostgreSQL';
  contacts: number;
  seedSeconds: number;
  coldStatusMs: number;
  routes: RouteFigures[];
  rssMegabytes: number;
}

async function seed(opened: OpenedStore, contacts: number): Promise<void> {
  const { store, db } = opened;
  await store.upsertTenant({ id: TENANT, crm: 'hubspot', name: 'HTTP bench portal', mode: 'live', accountId: PORTAL });
  const runId = await store.startRun(TENANT, 'cycle');
  // in slices, so neither engine builds one enormous statement result
  const slice = 100_000;
  for (let from = 1; from <= contacts; from += slice) {
    const to = Math.min(contacts, from + slice - 1);
    await db.query(
      `INSERT INTO records (tenant_id, object_type, external_id, properties, modified_at, input_hash)
       SELECT $1, 'contact', i::text, jsonb_build_object('email', 'person' || i || '@example.com', 'firstname', 'Person ' || i), now(), 'h' || i
       FROM generate_series($2::integer, $3::integer) AS i`,
      [TENANT, from, to],
    );
    await db.query(
      `INSERT INTO signals (tenant_id, run_id, object_type, external_id, signal, model_version, value, input_hash)
       SELECT $1, $4, 'contact', i::text, 'leadScore', 1,
              jsonb_build_object('score', 1 + (i::bigint * 7919) % 99, 'reasons', '[]'::jsonb, 'scoredAt', '2026-12-01T00:00:00.000Z'), 'h' || i
       FROM generate_series($2::integer, $3::integer) AS i`,
      [TENANT, from, to, runId],
    );
  }
  await db.query('ANALYZE records');
  await db.query('ANALYZE signals');
  await store.finishRun(TENANT, runId, 'succeeded', {});
}

/** autocannon in a child process (bench/httpLoadClient.ts): the load does not steal the service's event loop. */
async function load(route: string, job: LoadJob): Promise<RouteFigures> {
  const child = fork(fileURLToPath(new URL('./httpLoadClient.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    child.once('message', (message) => resolve(message as autocannon.Result));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the load generator exited with ${code} before answering`)));
    child.send(job);
  });
  return {
    route,
    requests: result.requests.total,
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function measure(engine: HttpBenchRow['engine'], contacts: number, databaseUrl: string | undefined): Promise<HttpBenchRow> {
  const schema = databaseUrl === undefined ? undefined : `http_bench_${randomUUID().slice(0, 8)}`;
  const opened = await openStoreWithDb({
    ...(databaseUrl === undefined ? { inMemory: true } : { databaseUrl, schema }),
    keys: ['http bench passphrase, not a secret of any deployment'],
  });
  const server = serve({ fetch: createApp({ store: opened.store, signer: opened.signer, publicUrl: 'http://127.0.0.1', hubspot: { clientSecret: SECRET } }).fetch, port: 0, hostname: '127.0.0.1' });
  try {
    const t0 = performance.now();
    await seed(opened, contacts);
    const seedSeconds = (performance.now() - t0) / 1000;
    log(`${engine}: ${contacts.toLocaleString('en-US')} contacts seeded in ${seedSeconds.toFixed(1)} s`);
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;

    const link = new URL(await createLoginLink(opened.store, base, { operator: true, tenantIds: [], label: 'bench' }));
    const login = await fetch(`${base}${link.pathname}${link.search}`, { redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

    const c0 = performance.now();
    const cold = await fetch(`${base}/api/status`, { headers: { cookie } });
    if (cold.status !== 200) throw new Error(`/api/status answered ${cold.status}`);
    const body = (await cold.json()) as { tenants: Array<{ scoreDistribution: Array<{ count: number }> }> };
    const coldStatusMs = performance.now() - c0;
    const counted = body.tenants[0]?.scoreDistribution.reduce((s, b) => s + b.count, 0);
    if (counted !== contacts) throw new Error(`the status route counted ${counted} scored contacts, ${contacts} were seeded`);

    const job = { url: base, connections: CONNECTIONS, seconds: SECONDS };
    const routes = [
      // the floor: the same server and middleware answering from memory, no session, no store
      await load('GET /healthz (reference: no session, no store)', { ...job, route: { kind: 'fixed', path: '/healthz', headers: {} } }),
      await load('GET /api/status', { ...job, route: { kind: 'fixed', path: '/api/status', headers: { cookie } } }),
      await load('GET /cards/hubspot/contact (signed, random contact)', { ...job, route: { kind: 'hubspot-card', portal: PORTAL, contacts, clientSecret: SECRET, signedBase: 'http://127.0.0.1' } }),
    ];
    for (const r of routes) log(`${engine} ${contacts}: ${r.route}: p50 ${r.p50} ms, p99 ${r.p99} ms, ${Math.round(r.perSecond)}/s, non-2xx ${r.non2xx}`);
    return { engine, contacts, seedSeconds, coldStatusMs, routes, rssMegabytes: process.memoryUsage().rss / 2 ** 20 };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    if (schema !== undefined) await opened.db.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await opened.store.close();
  }
}

export async function runHttpBench(): Promise<HttpBenchRow[]> {
  const sizes = (process.env.HTTP_BENCH_CONTACTS ?? '100000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`HTTP_BENCH_CONTACTS must be positive integers separated by commas, got ${process.env.HTTP_BENCH_CONTACTS}`);
  const databaseUrl = process.env.BENCH_DATABASE_URL?.trim() || undefined;
  if (databaseUrl === undefined) log('BENCH_DATABASE_URL not set: PGlite only');
  const rows: HttpBenchRow[] = [];
  for (const n of sizes) {
    // PGlite holds everything in one process's memory: a million contacts there measures the embedding
    if (n <= 100_000 || databaseUrl === undefined) rows.push(await measure('PGlite', n, undefined));
    if (databaseUrl !== undefined) rows.push(await measure('PostgreSQL', n, databaseUrl));
  }
  return rows;
}

export function httpTable(rows: HttpBenchRow[]): string {
  const L = [
    `${new Date().toISOString()}, Node ${process.version}, ${os.availableParallelism()} cores (load average ${os.loadavg().map((v) => v.toFixed(2)).join('/')} at the end). Run: \`npx tsx bench/httpLoad.ts\`.`,
    '',
    `autocannon in a child process, ${CONNECTIONS} connections, ${SECONDS} s per route, loopback; the service and the load generator share the machine's cores. Target (issue 12): p99 <= 25 ms at ${CONNECTIONS} concurrent with 1M scored contacts.`,
    '',
    '| store | scored contacts | route | requests/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    for (const x of r.routes) {
      L.push(`| ${r.engine} | ${r.contacts.toLocaleString('en-US')} | ${x.route} | ${Math.round(x.perSecond).toLocaleString('en-US')} | ${x.p50} | ${x.p90} | ${x.p99} | ${x.max} | ${x.non2xx} | ${x.errors} |`);
    }
  }
  L.push('', '| store | scored contacts | seeded in s | first (uncached) status request ms | RSS after MB |', '|---|---|---|---|---|');
  for (const r of rows) L.push(`| ${r.engine} | ${r.contacts.toLocaleString('en-US')} | ${r.seedSeconds.toFixed(1)} | ${Math.round(r.coldStatusMs)} | ${Math.round(r.rssMegabytes)} |`);
  L.push(
    '',
    'How: the status route counts the score distribution once in SQL (newest score per contact, grouped in bands) and keeps it until the tenant\'s signals change (src/server/status/bandsCache.ts); its session, tenant list, newest runs and the answer\'s text are shared between requests until the store writes (src/server/readCache.ts). A card request reads the contact\'s newest signals; every card asked in the same event-loop turn is read in one query per tenant (src/server/cards/cardLoader.ts) and kept per contact (src/server/cards/cardCache.ts); random contacts of a large portal mostly miss that cache, so this row measures the batched reads. The first status request after a write pays the count (the cold figure above).',
    '',
  );
  return L.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const rows = await runHttpBench();
  writeBenchResults('http', rows, `# HTTP load: status and record card\n\n${httpTable(rows)}`);
  process.stdout.write(httpTable(rows));
}
