/**
 * `npm run bench -- fuzz`: the suite's bounded fuzz runs at FUZZ_RUNS inputs each (default 10,000):
 * - routes (test/security/routeFuzz.test.ts, 1,000 per route in the suite): every served route, webhooks,
 *   the card, the console and API routes, with random and mutated parameters, bodies, headers and
 *   credentials (another tenant's session among them); writes bench/results/fuzz.md;
 * - inputs (test/security/inputFuzz.test.ts, 60 per surface in the suite): the files `crm-signals eval`
 *   reads and pages of malformed CRM records, mapped and stored; writes bench/results/fuzz-inputs.md.
 * Each runs its test file under vitest, so the checks are the suite's (no 5xx or internal error, every
 * refusal names what is wrong, nothing stored lost). FUZZ_SUITES=routes or inputs runs one of them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBenchResults } from './writeResults.ts';

interface SurfaceResult {
  surface: string;
  inputs: number;
  ms: number;
  /** What the inputs came to (the input fuzz counts its outcomes), when the log says. */
  outcomes: string;
  problems: string[];
}

/** A test's fuzz log: a line "<kind> <surface> <n> requests|inputs, <ms> ms[; outcomes]" per surface, then its problems. */
export function parseFuzzLog(text: string): SurfaceResult[] {
  const out: SurfaceResult[] = [];
  for (const line of text.split('\n')) {
    const head = /^(\S+ \S+) (\d+) (?:requests|inputs), (\d+) ms(?:; (.*))?$/.exec(line);
    if (head) out.push({ surface: head[1]!, inputs: Number(head[2]), ms: Number(head[3]), outcomes: head[4] ?? '', problems: [] });
    else if (line.trim() && out.length > 0) out.at(-1)!.problems.push(line);
  }
  return out;
}

interface Suite {
  name: 'routes' | 'inputs';
  file: string;
  results: string;
  title: string;
  unit: string;
  env(runs: number, log: string): Record<string, string>;
  checks: string;
}

const SUITES: Suite[] = [
  {
    name: 'routes',
    file: 'test/security/routeFuzz.test.ts',
    results: 'fuzz',
    title: 'Fuzz: every served route',
    unit: 'requests',
    env: (runs, log) => ({ ROUTE_FUZZ_RUNS: String(runs), ROUTE_FUZZ_LOG: log, ROUTE_FUZZ_TIMEOUT: String(4 * 60 * 60 * 1000) }),
    checks: 'a 5xx, a throw, or a refusal that names no field',
  },
  {
    name: 'inputs',
    file: 'test/security/inputFuzz.test.ts',
    results: 'fuzz-inputs',
    title: 'Fuzz: eval files and malformed CRM records',
    unit: 'inputs',
    env: (runs, log) => ({ INPUT_FUZZ_RUNS: String(runs), INPUT_FUZZ_LOG: log, INPUT_FUZZ_TIMEOUT: String(4 * 60 * 60 * 1000) }),
    checks: 'a throw, an internal error (exit 1), a refusal that names no problem or shows a stack, a valid record rejected or not stored, records stored before lost',
  },
];

function runSuite(suite: Suite, runs: number): boolean {
  const logFile = join(mkdtempSync(join(tmpdir(), 'crm-signals-fuzz-')), `${suite.name}.log`);
  const started = performance.now();
  const result = spawnSync('npx', ['vitest', 'run', suite.file], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...suite.env(runs, logFile) } });
  const seconds = (performance.now() - started) / 1000;
  const surfaces = existsSync(logFile) ? parseFuzzLog(readFileSync(logFile, 'utf8')) : [];
  const total = surfaces.reduce((n, r) => n + r.inputs, 0);
  const failing = surfaces.filter((r) => r.problems.length > 0);
  const withOutcomes = surfaces.some((r) => r.outcomes !== '');
  const L = [
    `# ${suite.title}`,
    '',
    `${new Date().toISOString()}; \`npm run bench -- fuzz\` (FUZZ_RUNS=${runs}); ${suite.file} under vitest, exit ${result.status ?? 'killed'}, ${seconds.toFixed(0)} s in all.`,
    '',
    `${surfaces.length} ${suite.name === 'routes' ? 'routes' : 'surfaces'}, ${total.toLocaleString('en-US')} ${suite.unit}, ${failing.length} with problems (${suite.checks}).`,
    '',
    `| ${suite.name === 'routes' ? 'route' : 'surface'} | ${suite.unit} | time |${withOutcomes ? ' outcomes |' : ''} problems |`,
    `|---|---|---|${withOutcomes ? '---|' : ''}---|`,
    ...surfaces.map(
      (r) =>
        `| \`${r.surface}\` | ${r.inputs.toLocaleString('en-US')} | ${(r.ms / 1000).toFixed(1)} s |${withOutcomes ? ` ${r.outcomes} |` : ''} ${r.problems.length === 0 ? 'none' : r.problems.map((p) => p.replace(/\|/g, '/').slice(0, 300)).join('<br>')} |`,
    ),
    '',
  ];
  writeBenchResults(suite.results, { date: new Date().toISOString(), runs, seconds, exit: result.status, surfaces }, L.join('\n'));
  return result.status === 0;
}

export async function runFuzzBench(): Promise<void> {
  const runs = Number(process.env.FUZZ_RUNS ?? 10_000);
  const only = process.env.FUZZ_SUITES?.split(',').map((s) => s.trim());
  for (const suite of SUITES.filter((s) => !only || only.includes(s.name))) {
    if (!runSuite(suite, runs)) process.exitCode = 1;
  }
}
