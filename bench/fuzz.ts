/**
 * `npm run bench -- fuzz`: the route fuzz (test/security/routeFuzz.test.ts, 1,000 requests per route in
 * the suite) at FUZZ_RUNS requests per route (default 10,000): every served route, webhooks, the card,
 * the console and API routes, with random and mutated parameters, bodies, headers and credentials
 * (another tenant's session among them). It runs the test file itself under vitest, so the checks are
 * the suite's (no 5xx, every refusal names its field), and writes each route's count, time and problems
 * to bench/results/fuzz.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBenchResults } from './writeResults.ts';

interface RouteResult {
  route: string;
  requests: number;
  ms: number;
  problems: string[];
}

/** The test's ROUTE_FUZZ_LOG: a line "<METHOD> <path> <n> requests, <ms> ms" per route, then its problems. */
export function parseFuzzLog(text: string): RouteResult[] {
  const out: RouteResult[] = [];
  for (const line of text.split('\n')) {
    const head = /^(\S+ \S+) (\d+) requests, (\d+) ms$/.exec(line);
    if (head) out.push({ route: head[1]!, requests: Number(head[2]), ms: Number(head[3]), problems: [] });
    else if (line.trim() && out.length > 0) out.at(-1)!.problems.push(line);
  }
  return out;
}

export async function runFuzzBench(): Promise<void> {
  const runs = Number(process.env.FUZZ_RUNS ?? 10_000);
  const logFile = join(mkdtempSync(join(tmpdir(), 'crm-signals-fuzz-')), 'routes.log');
  const started = performance.now();
  const result = spawnSync('npx', ['vitest', 'run', 'test/security/routeFuzz.test.ts'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ROUTE_FUZZ_RUNS: String(runs), ROUTE_FUZZ_LOG: logFile, ROUTE_FUZZ_TIMEOUT: String(4 * 60 * 60 * 1000) },
  });
  const seconds = (performance.now() - started) / 1000;
  const routes = existsSync(logFile) ? parseFuzzLog(readFileSync(logFile, 'utf8')) : [];
  const total = routes.reduce((n, r) => n + r.requests, 0);
  const failing = routes.filter((r) => r.problems.length > 0);
  const L = [
    '# Fuzz: every served route',
    '',
    `${new Date().toISOString()}; \`npm run bench -- fuzz\` (FUZZ_RUNS=${runs}); test/security/routeFuzz.test.ts under vitest, exit ${result.status ?? 'killed'}, ${seconds.toFixed(0)} s in all.`,
    '',
    `${routes.length} routes, ${total.toLocaleString('en-US')} requests, ${failing.length} with problems (a 5xx, a throw, or a refusal that names no field).`,
    '',
    '| route | requests | time | problems |',
    '|---|---|---|---|',
    ...routes.map((r) => `| \`${r.route}\` | ${r.requests.toLocaleString('en-US')} | ${(r.ms / 1000).toFixed(1)} s | ${r.problems.length === 0 ? 'none' : r.problems.map((p) => p.replace(/\|/g, '/').slice(0, 300)).join('<br>')} |`),
    '',
  ];
  writeBenchResults('fuzz', { date: new Date().toISOString(), runs, seconds, exit: result.status, routes }, L.join('\n'));
  if (result.status !== 0) process.exitCode = 1;
}
