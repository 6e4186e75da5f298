/**
 * New PGlite databases start from a template: a tarball of a freshly initialised cluster. initdb inside the
 * wasm takes about 2 s, loading its tarball about 0.5 s, and a process that opens many in-memory stores
 * (tests, benches, dry runs) would otherwise pay initdb for each. The template holds only what initdb
 * makes (no schema, no rows, no keys): migrations still run on every new store.
 *
 * The first new in-memory database of a process is initialised as usual and its tarball kept. A runner of
 * many processes (the test suite's global setup) makes one beforehand and names it in
 * CRM_SIGNALS_PGLITE_TEMPLATE; a file that cannot be read or loaded there is ignored (initdb runs instead).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { makeDirectory } from './dirs.ts';

export const PGLITE_TEMPLATE_ENV = 'CRM_SIGNALS_PGLITE_TEMPLATE';

let template: Promise<Blob | undefined> | undefined;

function fromEnvironment(): Blob | undefined {
  const path = process.env[PGLITE_TEMPLATE_ENV];
  if (path === undefined || path === '' || !existsSync(path)) return undefined;
  try {
    return new Blob([readFileSync(path)]);
  } catch {
    return undefined;
  }
}

/** A tarball of the cluster initdb makes, as PGlite's dumpDataDir writes it. */
export async function initialisedCluster(): Promise<Blob> {
  const lite = await PGlite.create();
  try {
    return (await lite.dumpDataDir('none')) as Blob;
  } finally {
    await lite.close();
  }
}

/** `dataDir` undefined: in memory. A data directory that is not empty (a cluster) is opened as it is. */
export async function createPGlite(dataDir: string | undefined): Promise<PGlite> {
  // only an empty directory is filled from the template: whatever is in it after a failed load came from it
  if (dataDir !== undefined && existsSync(dataDir) && readdirSync(dataDir).length > 0) return PGlite.create({ dataDir });
  template ??= Promise.resolve(fromEnvironment());
  const loadDataDir = await template;
  if (loadDataDir !== undefined) {
    try {
      return await PGlite.create({ ...(dataDir !== undefined ? { dataDir } : {}), loadDataDir });
    } catch {
      // not a cluster PGlite can load (a truncated or foreign file): this process runs initdb instead
      template = Promise.resolve(undefined);
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true }).then(() => makeDirectory(dataDir));
    }
  }
  if (dataDir !== undefined) return PGlite.create({ dataDir });
  const lite = await PGlite.create();
  // taken before the caller's first statement, so the template is the bare cluster; without one, initdb runs
  const dump = (lite.dumpDataDir('none') as Promise<Blob>).catch(() => undefined);
  template = dump;
  await dump;
  return lite;
}
