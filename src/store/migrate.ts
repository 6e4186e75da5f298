/**
 * Applies the migrations not yet recorded in schema_migrations, in order, in one transaction. On a
 * PostgreSQL server concurrent openers serialise on a transaction-scoped advisory lock, so each migration
 * runs exactly once however many processes start together.
 */
import { quoteSchema, type Db } from './db.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';

/** Arbitrary constant: "crm-signals migrations". */
const MIGRATION_LOCK = 7_305_462_881;

export interface MigrationReport {
  applied: string[];
  current: number;
}

export async function migrate(db: Db, options: { schema?: string; migrations?: readonly Migration[] } = {}): Promise<MigrationReport> {
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    if (options.schema !== undefined) await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteSchema(options.schema)}`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = await tx.query<{ version: number | string }>('SELECT version FROM schema_migrations');
    const have = new Set(done.rows.map((r) => Number(r.version)));
    const applied: string[] = [];
    for (const m of migrations) {
      if (have.has(m.version)) continue;
      try {
        await tx.exec(m.sql);
      } catch (error) {
        throw new Error(`migration ${m.name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.name);
    }
    const current = Math.max(0, ...have, ...migrations.map((m) => m.version));
    return { applied, current };
  });
}
