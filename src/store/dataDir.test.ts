/**
 * A data dir that cannot be created fails at once with the path and the reason. Node's own recursive
 * mkdir loops forever under a pseudo-filesystem such as /proc (mkdir answers ENOENT though the parent exists).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirectory } from './dirs.ts';
import { openStoreWithDb } from './index.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'data-dir-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the data dir', () => {
  it('a --data-dir under /proc fails fast naming the directory instead of hanging', async () => {
    await expect(openStoreWithDb({ dataDir: '/proc/x/crm-signals' })).rejects.toThrow(/cannot create directory .*\/proc\/x/);
  }, 15_000); // bounds the old hang only

  it('makeDirectory creates missing parents and accepts an existing directory', async () => {
    const dir = path.join(tmp, 'a', 'b', 'c');
    await makeDirectory(dir);
    await makeDirectory(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  it('makeDirectory refuses a path through a file', async () => {
    await makeDirectory(path.join(tmp, 'd'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(tmp, 'd', 'file'), 'x');
    await expect(makeDirectory(path.join(tmp, 'd', 'file', 'sub'))).rejects.toThrow(/cannot create directory/);
  });
});
