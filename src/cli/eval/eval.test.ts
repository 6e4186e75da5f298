import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../domain/random.mjs';
import { runEval } from './index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let dir = '';

function file(name: string, content: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, content);
  return f;
}

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runEval(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** Leads whose conversion depends on engagement and plan; region and id carry nothing. */
function leadsCsv(n: number, seed: number, delimiter = ',', leak = false): string {
  const random = mulberry32(seed);
  const lines = [['id', 'engagement', 'plan', 'region', 'visits', ...(leak ? ['closed_amount'] : []), 'converted'].join(delimiter)];
  for (let i = 0; i < n; i++) {
    const engagement = Math.round(random() * 100);
    const plan = ['basic', 'pro', 'enterprise'][Math.floor(random() * 3)] as string;
    const region = ['north', 'south', 'east', 'west'][Math.floor(random() * 4)] as string;
    const visits = random() < 0.05 ? '' : String(Math.floor(random() * 20));
    const z = -3 + engagement / 25 + (plan === 'enterprise' ? 1.2 : plan === 'pro' ? 0.4 : 0) + (random() - 0.5);
    const converted = random() < 1 / (1 + Math.exp(-z)) ? 'yes' : 'no';
    const amount = converted === 'yes' ? String(1000 + Math.round(random() * 500)) : '0';
    lines.push([`L${1000 + i}`, String(engagement), plan, region, visits, ...(leak ? [amount] : []), converted].join(delimiter));
  }
  return `${lines.join('\n')}\n`;
}

function sentimentTxt(n: number, seed: number): string {
  const random = mulberry32(seed);
  const good = ['great', 'love', 'excellent', 'good', 'happy', 'works well'];
  const bad = ['bad', 'terrible', 'awful', 'poor', 'broken', 'waste of money'];
  const filler = ['the phone', 'this product', 'battery', 'the screen', 'service', 'it'];
  const pick = (list: string[]) => list[Math.floor(random() * list.length)] as string;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const positive = i % 2 === 0;
    lines.push(`${pick(filler)} is ${pick(positive ? good : bad)}, "${pick(filler)}" ${pick(positive ? good : bad)}.\t${positive ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'eval-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function noStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('eval leadscore', () => {
  it('turns ISO date columns into ages in days and uses them as features', async () => {
    const lines = leadsCsv(300, 4).trim().split('\n');
    const withDates = lines.map((line, i) => `${line},${i === 0 ? 'created' : `2024-${String((i % 12) + 1).padStart(2, '0')}-15`}`);
    const csv = file('dated.csv', `${withDates.join('\n')}\n`);
    const r = await run('leadscore', '--csv', csv, '--label', 'converted', '--folds', '3', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { features: { numeric: string[]; categorical: string[] } };
    expect(out.features.numeric).toContain('created_days_ago');
    expect(out.features.categorical).not.toContain('created');
  });

  it('cross-validates the lead score and prints exactly one JSON object with --json', async () => {
    const csv = file('leads.csv', leadsCsv(600, 1));
    const r = await run('leadscore', '--csv', csv, '--label', 'converted', '--folds', '3', '--seed', '7', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, any>;
    expect(json.command).toBe('eval leadscore');
    expect(json.label).toMatchObject({ column: 'converted', positive: 'yes', negatives: ['no'] });
    expect(json.features.numeric).toEqual(['engagement', 'visits']);
    expect(json.features.categorical).toEqual(['plan', 'region']);
    expect(json.features.dropped).toEqual([{ column: 'id', reason: 'identifier: a different value in every row' }]);
    expect(json.protocol).toEqual({ folds: 3, seed: 7, stratified: true });
    expect(json.result.folds).toHaveLength(3);
    expect(json.result.auc.mean).toBeGreaterThan(0.75);
    expect(json.result.lift).toHaveLength(10);
    expect(json.result.lift[0].lift).toBeGreaterThan(1.5);
    expect(json.result.calibration.bins).toHaveLength(10);
    expect(json.result.singleFeature[0].column).toBe('engagement');
    expect(json.result.leakage).toEqual([]);
    expect(json.result.bestF1.f1).toBeGreaterThanOrEqual(json.result.atHalf.f1);
    expect(json.rows).toMatchObject({ read: 600, used: 600 });
    expect(r.stderr).toMatch(/fold 1\/3: fitting/);
    expect(r.stderr).toMatch(/fold 3\/3: ROC AUC/);
  });

  it('prints a readable report with aligned tables and bar charts', async () => {
    const csv = file('leads-semicolon.csv', leadsCsv(400, 2, ';'));
    const r = await run('leadscore', '--csv', csv, '--label', 'converted', '--folds', '2', '--drop', 'region,visits');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Lead score evaluation: /);
    expect(r.stdout).toMatch(/fold +train +test +positives +ROC AUC +PR AUC +Brier/);
    expect(r.stdout).toMatch(/Lift by decile/);
    expect(r.stdout).toMatch(/ +1 +40 +\d+ +[\d.]+ % +[\d.]+ +[\d.]+ % +█+/);
    expect(r.stdout).toMatch(/Reliability/);
    expect(r.stdout).toMatch(/left out: region \(--drop\), visits \(--drop\), id \(identifier/);
    expect(r.stdout).not.toMatch(/NaN/);
  });

  it('warns about a column that alone predicts the outcome', async () => {
    const csv = file('leaky.csv', leadsCsv(400, 3, ',', true));
    const r = await run('leadscore', '--csv', csv, '--label', 'converted', '--folds', '2', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, any>;
    expect(json.result.leakage[0].column).toBe('closed_amount');
    expect(json.warnings.join('\n')).toMatch(/possible leakage: column closed_amount alone predicts the outcome with ROC AUC 1\.000 .*--drop closed_amount/);
    expect(r.stderr).toMatch(/warning: possible leakage: column closed_amount/);
  });

  it('explains a wrong delimiter', async () => {
    const csv = file('semi.csv', leadsCsv(50, 4, ';'));
    const r = await run('leadscore', '--csv', csv, '--label', 'converted', '--delimiter', ',');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`crm-signals eval leadscore: ${csv}: the file seems to use ';' but --delimiter ',' was given (only one column found)`);
    noStack(r.stderr);
  });

  it('explains a file that no delimiter splits', async () => {
    const csv = file('spaces.csv', 'a b c\n1 2 3\n');
    const r = await run('leadscore', '--csv', csv, '--label', 'c');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/only one column found \(header "a b c"\): wrong delimiter\?/);
  });

  it('explains an empty file', async () => {
    const csv = file('empty.csv', '');
    const r = await run('leadscore', '--csv', csv, '--label', 'y');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/empty\.csv: the file is empty\n$/);
    noStack(r.stderr);
  });

  it('explains a label with one class', async () => {
    const csv = file('oneclass.csv', 'age,y\n30,no\n40,no\n50,no\n');
    const r = await run('leadscore', '--csv', csv, '--label', 'y');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/oneclass\.csv: column y has only the value 'no': a model needs both outcomes\n$/);
  });

  it('lists the columns when the label column does not exist', async () => {
    const csv = file('leads-small.csv', leadsCsv(30, 5));
    const r = await run('leadscore', '--csv', csv, '--label', 'outcome');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no column "outcome" (--label); the columns are: id, engagement, plan, region, visits, converted');
  });

  it('asks for --positive when no value reads as positive, and for a missing file', async () => {
    const csv = file('status.csv', 'x,status\n1,Churned\n2,Stayed\n');
    const r = await run('leadscore', '--csv', csv, '--label', 'status');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pass --positive VALUE, one of: 'Churned' \(1\), 'Stayed' \(1\)/);
    const missing = await run('leadscore', '--csv', path.join(dir, 'nope.csv'), '--label', 'y');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.csv: file not found/);
  });

  it('rejects bad options with exit code 2', async () => {
    expect((await run('leadscore', '--label', 'y')).stderr).toMatch(/--csv is required/);
    expect((await run('leadscore', '--csv', 'x', '--label', 'y', '--folds', '1')).stderr).toMatch(/--folds must be a whole number from 2 to 50/);
    const unknown = await run('leadscore', '--csv', 'x', '--label', 'y', '--nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--nope'/);
    expect((await run('forecast')).code).toBe(2);
    expect((await run('--help')).stdout).toMatch(/usage: crm-signals eval <model>/);
  });

  it('too few positives for the folds is a clear input error', async () => {
    const rows = ['a,y', ...Array.from({ length: 40 }, (_, i) => `${i},${i < 3 ? 'yes' : 'no'}`)];
    const r = await run('leadscore', '--csv', file('rare.csv', `${rows.join('\n')}\n`), '--label', 'y');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rare\.csv: only 3 rows have y = 'yes': 5-fold cross-validation needs at least 5 \(use --folds 3 or fewer\)\n$/);
    noStack(r.stderr);
  });
});

describe('eval sentiment', () => {
  it('cross-validates the trained model and scores the lexicon fallback', async () => {
    const txt = file('sentences.txt', sentimentTxt(200, 1));
    const r = await run('sentiment', '--file', txt, '--folds', '5', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, any>;
    expect(json.texts).toBe(200);
    expect(json.trained.accuracy).toBeGreaterThan(0.9);
    expect(json.trained.foldAccuracy.n).toBe(5);
    expect(json.lexicon.accuracy).toBeGreaterThan(0.7);
    for (const key of ['accuracy', 'precision', 'recall', 'f1']) expect(typeof json.trained[key]).toBe('number');
    expect(r.stderr).toMatch(/fold 5\/5/);
  });

  it('refuses more folds than a label has texts, naming the label and the folds that would work', async () => {
    const txt = file('few-negatives.txt', `${['great', 'lovely', 'superb', 'fine', 'nice'].map((t) => `${t}\t1`).join('\n')}\nawful\t0\nbad\t0\n`);
    const r = await run('sentiment', '--file', txt, '--folds', '3');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/few-negatives\.txt: only 2 texts have label 0: 3-fold cross-validation needs at least 3 \(use --folds 2 or fewer\)\n$/);
    noStack(r.stderr);
  });

  it('trains on --train and tests on --file, with a readable table', async () => {
    const r = await run('sentiment', '--train', file('train.txt', sentimentTxt(120, 2)), '--file', file('test.txt', sentimentTxt(60, 3)));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/trained \(naive Bayes\) +[\d.]+ +[\d.]+/);
    expect(r.stdout).toMatch(/lexicon fallback/);
  });

  it('reports a bad label with its line number, and fails when most lines are bad', async () => {
    const content = sentimentTxt(40, 4).replace(/\t0\n/, '\tneutral\n');
    const r = await run('sentiment', '--file', file('badlabel.txt', content), '--folds', '2');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/badlabel\.txt: skipped 1 malformed line \(line 2: label 'neutral' is not 0 or 1\)/);
    const bad = await run('sentiment', '--file', file('csvish.txt', 'text,label\ngood,1\nbad,0\nok,1\n'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/csvish\.txt: 3 of 3 lines are not 'text<TAB>0\|1'|csvish\.txt: .*no tab/);
    noStack(bad.stderr);
  });
});

// eval recommend: see recommend.test.ts

describe('eval segments', () => {
  it('refuses rows the features cannot tell apart, naming the columns', async () => {
    // Found by the input fuzz: a repeated header line among three rows; every level is too rare to keep, so all rows encode alike.
    const same = await run('segments', '--csv', file('same.csv', 'id\tspend\tvisits\ttier\nid\tspend\tvisits\ttier\nc0\t37\t31\tgold\nc1\t114\t6\tbasic\nc2\t144\t6\tbasic'), '--drop', 'id');
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/same\.csv: every row has the same values in the columns used \([a-z, ]+\): 2 segments need at least 2 rows that differ\n$/);
    noStack(same.stderr);
    const few = await run('segments', '--csv', file('few.csv', 'id,spend\nc1,10\nc2,10\nc3,20\nc4,20\nc5,30\n'), '--drop', 'id', '--k', '4');
    expect(few.code).toBe(2);
    expect(few.stderr).toMatch(/few\.csv: only 3 distinct rows in the columns used \(spend\): 4 segments need at least 4 rows that differ\n$/);
  });

  it('fits segments and checks that a second fit gives the same ids', async () => {
    const random = mulberry32(3);
    const lines = ['id,spend,visits,tier'];
    for (let i = 0; i < 150; i++) {
      const big = i % 3 === 0;
      lines.push(`c${i},${(big ? 900 : 100) + Math.round(random() * 50)},${(big ? 30 : 4) + Math.round(random() * 3)},${big ? 'gold' : 'basic'}`);
    }
    const r = await run('segments', '--csv', file('customers.csv', `${lines.join('\n')}\n`), '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, any>;
    expect(json.k).toBe(2);
    expect(json.silhouette).toBeGreaterThan(0.5);
    expect(json.stability.identicalIds).toBe(true);
    expect(json.segments.map((s: { size: number }) => s.size).sort()).toEqual([100, 50]);
    expect(json.features.dropped[0].column).toBe('id');
  });
});

describe('the crm-signals command', () => {
  it('runs eval leadscore as a child process and prints one JSON object', async () => {
    const csv = file('child.csv', leadsCsv(300, 11));
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/crm-signals.js'), 'eval', 'leadscore', '--csv', csv, '--label', 'converted', '--folds', '2', '--json'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const json = JSON.parse(stdout) as Record<string, any>;
    expect(json.command).toBe('eval leadscore');
    expect(json.result.auc.mean).toBeGreaterThan(0.7);
    expect(stderr).toMatch(/fold 2\/2/);
  });

  it('exits with code 2 and one line for bad input', async () => {
    const error = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/crm-signals.js'), 'eval', 'leadscore', '--csv', path.join(dir, 'missing.csv'), '--label', 'y'], { cwd: ROOT }).catch(
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr.trim().split('\n').pop()).toMatch(/^crm-signals eval leadscore: .*missing\.csv: file not found$/);
    expect((error as { stdout: string }).stdout).toBe('');
  });
});
