import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../domain/random.mjs';
import { runEval } from './index.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'eval-recommend-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

/** Three taste groups over 12 items, rated 5 when liked, 2 otherwise; a quarter of the ratings held out. */
function groups(seed: number): { train: string; test: string } {
  const random = mulberry32(seed);
  const train = ['user,item,rating,day'];
  const test = ['user,item,rating,day'];
  for (let u = 0; u < 60; u++) {
    const group = u % 3;
    for (let i = 0; i < 12; i++) {
      const likes = i % 3 === group;
      const day = `2024-01-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
      if (random() < (likes ? 0.8 : 0.15)) (random() < 0.25 ? test : train).push(`u${u},i${i},${likes ? 5 : 2},${day}`);
    }
  }
  return { train: `${train.join('\n')}\n`, test: `${test.join('\n')}\n` };
}

describe('eval recommend', () => {
  it('prints the product model and the baselines side by side, and the rating models', async () => {
    const { train, test } = groups(9);
    const r = await run('recommend', '--train', file('r-train.csv', train), '--test', file('r-test.csv', test), '--k', '3', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, any>;
    const names = json.methods.map((m: { method: string }) => m.method);
    expect(names[0]).toMatch(/^product model: /);
    expect(names.slice(1)).toEqual(['most popular', 'item-kNN (cosine, 50)', 'user-kNN (cosine, 50)', 'EASE (lambda 500)']);
    expect(json.methods[0].product).toBe(true);
    const byName = Object.fromEntries(json.methods.map((m: { method: string; hitRate: number }) => [m.method, m.hitRate]));
    // taste groups: collaborative models beat the bestseller list, and so does the product's choice
    expect(byName['item-kNN (cosine, 50)']).toBeGreaterThan(byName['most popular']);
    expect(json.methods[0].hitRate).toBeGreaterThan(byName['most popular']);
    expect(json.selected.model).not.toBe('popular');
    expect(json.selected.validation).toMatch(/hidden/);
    for (const m of json.methods) for (const key of ['precision', 'recall', 'ndcg', 'hitRate']) expect(m[key]).toBeGreaterThanOrEqual(0);
    expect(json.ratings.map((m: { method: string }) => m.method)).toEqual([`product rating model: ${json.ratings[0].method.split(': ')[1]}`, 'bias baseline (mu + b_u + b_i)', 'user-kNN with means']);
    for (const m of json.ratings) {
      expect(m.rmse).toBeGreaterThan(0);
      expect(m.mae).toBeLessThanOrEqual(m.rmse);
    }
    expect(json.columns).toEqual({ user: 'user', item: 'item', rating: 'rating' });
  });

  it('validates by time with --time and says so; the text report has both tables', async () => {
    const { train, test } = groups(4);
    const r = await run('recommend', '--train', file('t-train.csv', train), '--test', file('t-test.csv', test), '--time', 'day', '--k', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/product's choice \(validation each user's last date out/);
    expect(r.stdout).toMatch(/EASE \(lambda 500\)/);
    expect(r.stdout).toMatch(/bias baseline/);
  });

  it('names a bad --time column or value', async () => {
    const { train, test } = groups(4);
    const bad = await run('recommend', '--train', file('b-train.csv', train), '--test', file('b-test.csv', test), '--time', 'when');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no column "when" \(--time\)/);
    const dates = await run('recommend', '--train', file('d-train.csv', 'user,item,day\na,x,soon\na,y,2024-01-01\nb,x,2024-01-02\n'), '--test', file('d-test.csv', 'user,item,day\nb,y,x\n'), '--time', 'day', '--json');
    expect(dates.code).toBe(0);
    expect(JSON.parse(dates.stdout).warnings.join(' ')).toMatch(/day 'soon' is not a date/);
  });

  it('lists the columns when --columns names a missing one', async () => {
    const f = file('pairs.csv', 'account,product\na,x\nb,y\n');
    const r = await run('recommend', '--train', f, '--test', f);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no column "user" \(--columns, default user,item\); the columns are: account, product/);
  });
});
