/**
 * pg-boss on the store's own database: its `db` option takes any `executeSql(text, values)`, so the
 * queue shares the store's pool on a PostgreSQL server and the store's single connection on PGlite
 * (whose mutex serialises pg-boss's statements with the store's transactions).
 */
import PgBoss from 'pg-boss';
import type { Db } from '../../store/db.ts';

/** pg-boss sends parameterless multi-statement scripts (its schema, locked batches): those take the simple protocol. */
export function bossDb(db: Db): PgBoss.Db {
  return {
    executeSql: (text: string, values?: unknown[]) => (values && values.length > 0 ? db.query(text, values) : db.execReturning(text)),
  };
}

export interface BossOptions {
  /** Schema of pg-boss's tables, next to (not inside) the store's. */
  schema?: string;
  /** Whether this process runs pg-boss's cron (the round schedule) and maintenance (expiry, archiving). */
  schedule?: boolean;
  supervise?: boolean;
}

export const DEFAULT_BOSS_SCHEMA = 'crm_signals_jobs';

export async function openBoss(db: Db, options: BossOptions = {}, onError: (error: Error) => void = () => undefined): Promise<PgBoss> {
  const boss = new PgBoss({
    db: bossDb(db),
    schema: options.schema ?? DEFAULT_BOSS_SCHEMA,
    schedule: options.schedule ?? true,
    supervise: options.supervise ?? true,
  });
  boss.on('error', onError);
  await boss.start();
  return boss;
}
