/**
 * Every row of every table the store's database holds (all schemas but the system ones, so pg-boss's
 * tables too when present), as one JSON text: what a privacy test searches for a person's traces.
 */
import type { Queryable } from '../../src/store/db.ts';

export interface StoreDump {
  /** schema.table -> rows */
  tables: Record<string, unknown[]>;
  /** All of it as JSON, lower-cased: search it for a lower-cased term. */
  text: string;
}

export async function dumpStore(db: Queryable): Promise<StoreDump> {
  const { rows } = await db.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%'
     ORDER BY table_schema, table_name`,
  );
  const tables: Record<string, unknown[]> = {};
  for (const { table_schema, table_name } of rows) {
    const quoted = `"${table_schema.replace(/"/g, '""')}"."${table_name.replace(/"/g, '""')}"`;
    // Every column as text: bytea, jsonb and timestamps alike, exactly as PostgreSQL prints them.
    const { rows: data } = await db.query(`SELECT t::text AS row FROM ${quoted} t`);
    tables[`${table_schema}.${table_name}`] = data.map((r) => r.row);
  }
  return { tables, text: JSON.stringify(tables).toLowerCase() };
}

/** The tables whose rows mention `term` (case-insensitive), for a failure message that says where. */
export function tablesMentioning(dump: StoreDump, term: string): string[] {
  const needle = term.toLowerCase();
  return Object.entries(dump.tables)
    .filter(([, rows]) => JSON.stringify(rows).toLowerCase().includes(needle) || rows.some((r) => String(r).toLowerCase().includes(needle)))
    .map(([name]) => name);
}
