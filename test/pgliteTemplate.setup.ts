/**
 * Vitest global setup: one initialised PGlite cluster for the whole run, so each of the suite's few hundred
 * new stores loads it (~0.5 s) instead of running initdb (~2 s). Workers inherit the variable naming it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialisedCluster, PGLITE_TEMPLATE_ENV } from '../src/store/pgliteTemplate.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'crm-signals-pglite-'));
  const file = join(dir, 'template.tar');
  await writeFile(file, Buffer.from(await (await initialisedCluster()).arrayBuffer()));
  process.env[PGLITE_TEMPLATE_ENV] = file;
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
