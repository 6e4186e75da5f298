/**
 * New PGlite databases start from a template cluster (the process's first bare one, or the file the test
 * runner names), and never from anything a caller wrote; a template that cannot be loaded means initdb.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PGLITE_TEMPLATE_ENV } from './pgliteTemplate.ts';

type Module = typeof import('./pgliteTemplate.ts');
const saved = process.env[PGLITE_TEMPLATE_ENV];
let dir: string;

/** The module as a new process sees it: no template kept yet, the variable read afresh. */
async function freshModule(template: string | undefined): Promise<Module> {
  if (template === undefined) delete process.env[PGLITE_TEMPLATE_ENV];
  else process.env[PGLITE_TEMPLATE_ENV] = template;
  vi.resetModules();
  return import('./pgliteTemplate.ts');
}

async function tables(lite: PGlite): Promise<string[]> {
  return (await lite.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).rows.map((r) => r.name);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crm-signals-template-'));
  // a template that tells itself apart from initdb's cluster: it has a table
  const marked = await PGlite.create();
  await marked.exec('CREATE TABLE from_template (id int); INSERT INTO from_template VALUES (7)');
  await writeFile(join(dir, 'marked.tar'), Buffer.from(await ((await marked.dumpDataDir('none')) as Blob).arrayBuffer()));
  await marked.close();
  await writeFile(join(dir, 'garbage.tar'), 'not a tarball of a cluster');
}, 60_000);

afterEach(() => {
  if (saved === undefined) delete process.env[PGLITE_TEMPLATE_ENV];
  else process.env[PGLITE_TEMPLATE_ENV] = saved;
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('createPGlite', () => {
  it('starts new in-memory and file databases from the cluster CRM_SIGNALS_PGLITE_TEMPLATE names; an existing one opens as it is', async () => {
    const { createPGlite } = await freshModule(join(dir, 'marked.tar'));
    const memory = await createPGlite(undefined);
    expect(await tables(memory)).toEqual(['from_template']);
    await memory.close();

    const dataDir = join(dir, 'files');
    const files = await createPGlite(dataDir);
    expect((await files.query<{ id: number }>('SELECT id FROM from_template')).rows).toEqual([{ id: 7 }]);
    await files.exec('CREATE TABLE mine (id int); INSERT INTO mine VALUES (1)');
    await files.close();
    const reopened = await createPGlite(dataDir);
    expect(await tables(reopened)).toEqual(['from_template', 'mine']);
    await reopened.close();
  }, 60_000);

  it("without one, the process's later databases start from its first bare cluster, never from what was written into it", async () => {
    const { createPGlite } = await freshModule(undefined);
    const first = await createPGlite(undefined);
    await first.exec('CREATE TABLE written_by_the_first (id int)');
    const second = await createPGlite(undefined);
    expect(await tables(second)).toEqual([]);
    await second.exec('CREATE TABLE written_by_the_second (id int)');
    expect(await tables(first)).toEqual(['written_by_the_first']);
    await Promise.all([first.close(), second.close()]);
  }, 60_000);

  it('a template that is missing or not a cluster means initdb, in memory and in a new data directory', async () => {
    const absent = await (await freshModule(join(dir, 'absent.tar'))).createPGlite(undefined);
    expect(await tables(absent)).toEqual([]);
    await absent.close();
    const { createPGlite } = await freshModule(join(dir, 'garbage.tar'));
    const files = await createPGlite(join(dir, 'new'));
    expect(await tables(files)).toEqual([]);
    await files.exec('CREATE TABLE kept (id int)');
    await files.close();
    const reopened = await createPGlite(join(dir, 'new'));
    expect(await tables(reopened)).toEqual(['kept']);
    await reopened.close();
  }, 120_000);
});
