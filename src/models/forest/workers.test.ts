/**
 * Worker threads start under vitest (the other tests in this folder) and, here, under plain Node with the
 * tsx loader (`node --import tsx`, how the app and `npm run bench` run) and under the tsx CLI (`npx tsx`).
 * The worker entry is plain JavaScript (worker.mjs), so each path must give the very same forest.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { fitForest, fitForestSync } from './forest.ts';
import { growTrees } from './workers.ts';
import { prepareBinnedData, resolveTreeParams } from './tree.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FOREST = pathToFileURL(path.join(ROOT, 'src/models/forest/forest.ts')).href;

function data(): { X: number[][]; y: number[] } {
  const X = Array.from({ length: 600 }, (_, i) => [i % 17, (i * 13) % 29, (i * 7) % 5, Math.sin(i)]);
  const y = X.map((r) => ((r[0] as number) + (r[3] as number) * 4 > 9 ? 1 : 0));
  return { X, y };
}

const SCRIPT = `
import { fitForest } from ${JSON.stringify(FOREST)};
const X = Array.from({ length: 600 }, (_, i) => [i % 17, (i * 13) % 29, (i * 7) % 5, Math.sin(i)]);
const y = X.map((r) => (r[0] + r[3] * 4 > 9 ? 1 : 0));
const model = await fitForest(X, y, { nEstimators: 12, seed: 77, workers: 2 });
process.stdout.write(JSON.stringify(model));
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'forest-workers-'));
const script = path.join(dir, 'fit.mts');
writeFileSync(script, SCRIPT);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('worker threads', () => {
  const { X, y } = data();
  const expected = JSON.stringify(fitForestSync(X, y, { nEstimators: 12, seed: 77 }));

  it('run under vitest and give the in-thread forest', async () => {
    expect(JSON.stringify(await fitForest(X, y, { nEstimators: 12, seed: 77, workers: 2 }))).toBe(expected);
    expect(JSON.stringify(await fitForest(X, y, { nEstimators: 12, seed: 77, workers: 5 }))).toBe(expected);
  });

  it('run under node --import tsx', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(out).toBe(expected);
  });

  it('run under the tsx CLI (npx tsx)', () => {
    const cli = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
    const out = execFileSync(process.execPath, [cli, script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(out).toBe(expected);
  });

  it('report a failure inside a worker as an error', async () => {
    const { data: binned } = prepareBinnedData(X, y);
    const params = resolveTreeParams({}, 2, true, 0);
    // without its bin counts growTree throws inside the worker
    const broken = { ...binned, nBins: undefined as unknown as Int32Array };
    await expect(growTrees(broken, params, [1, 2, 3], 2)).rejects.toThrow(/fastForest worker failed on tree/);
  });
});
