/**
 * Exit codes of eval: 2 only when the user's input is wrong; a bug inside (a RangeError from the model
 * code, say) exits 1 with "internal error", and the stack only under --debug.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runEval } from './index.ts';

vi.mock('../../models/evaluate/leadScoreCv.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../models/evaluate/leadScoreCv.ts')>()),
  crossValidateLeadScore: () => {
    throw new RangeError('Invalid array length');
  },
}));

const dir = mkdtempSync(path.join(os.tmpdir(), 'eval-internal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], debug: boolean): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runEval(argv, { stdout: () => {}, stderr: (t) => void (stderr += t) }, { debug });
  return { code, stderr };
}

describe('eval exit codes', () => {
  const csv = path.join(dir, 'leads.csv');
  writeFileSync(csv, `engagement,converted\n${Array.from({ length: 60 }, (_, i) => `${i},${i % 3 === 0 ? 'yes' : 'no'}`).join('\n')}\n`);

  it('an internal RangeError exits 1 as an internal error, not 2 as if the file were wrong', async () => {
    const r = await run(['leadscore', '--csv', csv, '--label', 'converted', '--folds', '2'], false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('internal error');
    expect(r.stderr).toContain('Invalid array length');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('the stack of an internal error is printed under --debug', async () => {
    const r = await run(['leadscore', '--csv', csv, '--label', 'converted', '--folds', '2'], true);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/RangeError: Invalid array length\n\s+at /);
  });

  it('a wrong input still exits 2', async () => {
    const r = await run(['leadscore', '--csv', path.join(dir, 'missing.csv'), '--label', 'converted'], false);
    expect(r.code).toBe(2);
  });
});

describe('crm-signals --debug', () => {
  it('passes --debug from the command line to eval, which then prints the stack', async () => {
    const { runCli } = await import('../main.ts');
    const csv = path.join(dir, 'leads.csv');
    let stderr = '';
    const code = await runCli(['eval', 'leadscore', '--csv', csv, '--label', 'converted', '--folds', '2', '--debug'], { debug: false }, { stdout: () => {}, stderr: (t) => void (stderr += t) });
    expect(code).toBe(1);
    expect(stderr).toMatch(/RangeError: Invalid array length\n\s+at /);
  });
});
