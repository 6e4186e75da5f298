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

const DEADLOCK = '40P01';
const QUEUE_CREATE_ATTEMPTS = 5;

/**
 * Creates a queue unless it exists. Processes starting together on one server race in pg-boss's
 * create_queue (each inserts the queue row and creates its partition), which PostgreSQL can resolve by
 * killing one of them as a deadlock: the loser waits a moment and finds the queue made by the winner.
 */
export async function ensureQueue(boss: PgBoss, name: string, options: Omit<PgBoss.Queue, 'name'> = {}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await boss.getQueue(name)) return;
    try {
      await boss.createQueue(name, { ...options, name });
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK || attempt >= QUEUE_CREATE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}
