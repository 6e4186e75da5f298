/**
 * New PGlite databases start from a template: a tarball of a freshly initialised cluster. initdb inside the
 * wasm takes about 2 s, loading its tarball about 0.5 s, and a process that opens many in-memory stores
 * (tests, benches, dry runs) would otherwise pay initdb for each. The template holds only what initdb
 * makes (no schema, no rows, no keys): migrations still run on every new store.
 *
 * The first new in-memory database of a process is initialised as usual and its tarball kept. A runner of
 * many processes (the test suite's global setup) makes one beforehand and names it in
 * CRM_SIGNALS_PGLITE_TEMPLATE; a file that cannot be read there is ignored (initdb runs instead).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

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

/** `dataDir` undefined: in memory. A data directory that already holds a cluster is opened as it is. */
export async function createPGlite(dataDir: string | undefined): Promise<PGlite> {
  if (dataDir !== undefined && existsSync(join(dataDir, 'PG_VERSION'))) return PGlite.create({ dataDir });
  template ??= Promise.resolve(fromEnvironment());
  const loadDataDir = await template;
  if (loadDataDir !== undefined) return PGlite.create({ ...(dataDir !== undefined ? { dataDir } : {}), loadDataDir });
  if (dataDir !== undefined) return PGlite.create({ dataDir });
  const lite = await PGlite.create();
  // taken before the caller's first statement, so the template is the bare cluster; without one, initdb runs
  const dump = (lite.dumpDataDir('none') as Promise<Blob>).catch(() => undefined);
  template = dump;
  await dump;
  return lite;
}
