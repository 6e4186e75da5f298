/**
 * openStore: PGlite (file-backed under dataDir, or in memory) by default, a PostgreSQL server when a
 * databaseUrl is given; the same migrations and the same SQL on both.
 */
import { join, resolve } from 'node:path';
import { createSealer, createSigner, deriveKey, keyFromSetting, loadOrCreateKeyFile, processLocalKey } from './crypto.ts';
import { openPGlite, openPostgres, type Db } from './db.ts';
import { migrate, type MigrationReport } from './migrate.ts';
import { SqlStore } from './store.ts';
import type { Store, StoreOptions } from './types.ts';
import type { Signer } from './crypto.ts';

export type { Signer } from './crypto.ts';

export type * from './types.ts';
export { MIGRATIONS } from './migrations/index.ts';
export { RunLeaseHeldError } from './types.ts';

export const DEFAULT_DATA_DIR = '.crm-signals';

/** The store plus its engine handle and what migrate() did; for tests and tools, not for the pipeline. */
export interface OpenedStore {
  store: Store;
  db: Db;
  migrations: MigrationReport;
  /** Signs session cookies and OAuth state with keys derived from the credentials keys. */
  signer: Signer;
}

export async function openStoreWithDb(options: StoreOptions = {}): Promise<OpenedStore> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const databaseUrl = options.databaseUrl !== undefined && options.databaseUrl.trim() !== '' ? options.databaseUrl : undefined;
  const inMemory = databaseUrl === undefined && options.inMemory === true;
  const keys = await credentialsKeys(options, { dataDir, shared: databaseUrl !== undefined, inMemory });
  const db = databaseUrl !== undefined ? await openPostgres(databaseUrl, options.schema) : await openPGlite(inMemory ? undefined : join(dataDir, 'pgdata'), options.schema);
  try {
    const migrations = await migrate(db, options.schema !== undefined ? { schema: options.schema } : {});
    return { store: new SqlStore(db, createSealer(keys)), db, migrations, signer: createSigner(keys) };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

export async function openStore(options: StoreOptions = {}): Promise<Store> {
  return (await openStoreWithDb(options)).store;
}

/**
 * The configured keys (newest first, then the legacy secret), or the embedded store's own key. Without any, a shared database is refused:
 * a key generated beside one host's data would leave every other host unable to read the tokens.
 */
async function credentialsKeys(options: StoreOptions, where: { dataDir: string; shared: boolean; inMemory: boolean }): Promise<Buffer[]> {
  const keys = (options.keys ?? []).map((setting, i) => {
    try {
      return keyFromSetting(setting);
    } catch (error) {
      throw new Error(`credentials key ${i + 1} ${(error as Error).message}`);
    }
  });
  // Always a passphrase, whatever it looks like: it must keep deriving the key it derived before.
  if (options.secret !== undefined && options.secret !== '') keys.push(deriveKey(options.secret));
  if (keys.length > 0) return keys;
  if (where.shared) throw new Error('a store on a database server needs configured credentials keys (the keys option): a key file beside one host\'s data cannot be read by another');
  return [where.inMemory ? processLocalKey() : await loadOrCreateKeyFile(join(where.dataDir, 'secret.key'))];
}
