/**
 * `eval` reads CSV headers from the user's file: columns named like Object.prototype members
 * (`__proto__`, `constructor`, `toString`) are ordinary columns.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../domain/random.mjs';
import { runEval } from './index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'eval-proto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runEval(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

function leadsWithPrototypeColumns(n: number): string {
  const random = mulberry32(13);
  const lines = ['id,engagement,__proto__,constructor,toString,valueOf,converted'];
  for (let i = 0; i < n; i++) {
    const engagement = Math.round(random() * 100);
    const converted = random() < 1 / (1 + Math.exp(-(engagement - 50) / 15)) ? 'yes' : 'no';
    const pick = (list: string[]) => list[Math.floor(random() * list.length)] as string;
    lines.push([`L${i}`, engagement, pick(['a', 'b']), pick(['x', 'y', 'z']), pick(['p', 'q']), String(Math.floor(random() * 9)), converted].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('eval with prototype-named columns', () => {
  it('eval leadscore with a __proto__ column evaluates instead of crashing on value.trim', async () => {
    const csv = path.join(dir, 'leads.csv');
    writeFileSync(csv, leadsWithPrototypeColumns(240));
    const r = await run('leadscore', '--csv', csv, '--label', 'converted', '--folds', '2', '--json');
    expect(r.stderr).not.toMatch(/unexpected error|internal error/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { columns?: { numeric: string[]; categorical: string[] } };
    expect(JSON.stringify(report)).toContain('__proto__');
  });
});
