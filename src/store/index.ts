/**
 * openStore: PGlite (file-backed under dataDir, or in memory) by default, a PostgreSQL server when a
 * databaseUrl is given; the same migrations and the same SQL on both.
 */
import { join, resolve } from 'node:path';
import { createSealer, deriveKey, loadOrCreateKeyFile, processLocalKey } from './crypto.ts';
import { openPGlite, openPostgres, type Db } from './db.ts';
import { migrate, type MigrationReport } from './migrate.ts';
import { SqlStore } from './store.ts';
import type { Store, StoreOptions } from './types.ts';

export type * from './types.ts';
export { MIGRATIONS } from './migrations/index.ts';
export { RunLeaseHeldError } from './types.ts';

export const DEFAULT_DATA_DIR = '.crm-signals';

/** The store plus its engine handle and what migrate() did; for tests and tools, not for the pipeline. */
export interface OpenedStore {
  store: Store;
  db: Db;
  migrations: MigrationReport;
}

export async function openStoreWithDb(options: StoreOptions = {}): Promise<OpenedStore> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const databaseUrl = options.databaseUrl !== undefined && options.databaseUrl.trim() !== '' ? options.databaseUrl : undefined;
  const secret = options.secret !== undefined && options.secret !== '' ? options.secret : undefined;
  const inMemory = databaseUrl === undefined && options.inMemory === true;

  const key =
    secret !== undefined ? deriveKey(secret) : inMemory ? processLocalKey() : await loadOrCreateKeyFile(join(dataDir, 'secret.key'));
  const db = databaseUrl !== undefined ? await openPostgres(databaseUrl, options.schema) : await openPGlite(inMemory ? undefined : join(dataDir, 'pgdata'), options.schema);
  try {
    const migrations = await migrate(db, options.schema !== undefined ? { schema: options.schema } : {});
    return { store: new SqlStore(db, createSealer(key)), db, migrations };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

export async function openStore(options: StoreOptions = {}): Promise<Store> {
  return (await openStoreWithDb(options)).store;
}
