/**
 * The two engines behind one small interface: PGlite (embedded, one connection) and a PostgreSQL server
 * through a `pg` Pool. The store's SQL is identical on both; only result typing differs (pg returns int8
 * as strings, PGlite as numbers), which the store's row readers absorb.
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { makeDirectory } from './dirs.ts';
import { createPGlite } from './pgliteTemplate.ts';

export type Engine = 'pglite' | 'postgres';

export interface QueryResult<R> {
  rows: R[];
  /** Rows inserted/updated/deleted, or returned by a SELECT. */
  rowCount: number;
}

export type Row = Record<string, unknown>;

export interface Queryable {
  /** One statement with $1.. parameters. */
  query<R extends Row = Row>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Several statements, no parameters, answering the last statement's rows (pg-boss's executeSql needs both). */
  execReturning<R extends Row = Row>(sql: string): Promise<QueryResult<R>>;
}

export interface Db extends Queryable {
  readonly engine: Engine;
  /** BEGIN .. COMMIT around `fn`; ROLLBACK and rethrow when it throws. Use only `tx` inside. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
  return `"${schema}"`;
}

/* ------------------------------------------------------------------ PGlite */

function pgliteQueryable(q: PGlite | Transaction): Queryable {
  return {
    async query<R extends Row>(sql: string, params: unknown[] = []) {
      const result = await q.query<R>(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    async execReturning<R extends Row>(sql: string) {
      const last = (await q.exec(sql)).at(-1);
      return { rows: (last?.rows ?? []) as R[], rowCount: last?.affectedRows ?? last?.rows.length ?? 0 };
    },
  };
}

/** `dataDir` undefined: in memory. */
export async function openPGlite(dataDir: string | undefined, schema?: string): Promise<Db> {
  if (dataDir !== undefined) await makeDirectory(dataDir);
  const lite = await createPGlite(dataDir);
  const base = pgliteQueryable(lite);
  if (schema !== undefined) {
    const quoted = quoteSchema(schema);
    // One connection: a session-level search_path covers every later query.
    await lite.exec(`CREATE SCHEMA IF NOT EXISTS ${quoted}; SET search_path TO ${quoted}`);
  }
  let closed = false;
  return {
    engine: 'pglite',
    query: base.query,
    exec: base.exec,
    execReturning: base.execReturning,
    transaction: (fn) => lite.transaction((tx) => fn(pgliteQueryable(tx))),
    async close() {
      if (closed) return;
      closed = true;
      await lite.close();
    },
  };
}

/* ------------------------------------------------------------------ PostgreSQL server */

function pgQueryable(q: Pool | PoolClient): Queryable {
  return {
    async query<R extends Row>(sql: string, params: unknown[] = []) {
      const result = await q.query<R>(sql, params);
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql: string) {
      // Without parameters pg uses the simple protocol, which accepts several statements.
      await q.query(sql);
    },
    async execReturning<R extends Row>(sql: string) {
      // Several statements answer an array of results, one statement a single result.
      const answered = (await q.query(sql)) as unknown as pg.QueryResult<R> | Array<pg.QueryResult<R>>;
      const last = Array.isArray(answered) ? answered.at(-1) : answered;
      return { rows: last?.rows ?? [], rowCount: last?.rowCount ?? last?.rows.length ?? 0 };
    },
  };
}

export async function openPostgres(databaseUrl: string, schema?: string): Promise<Db> {
  const pool: Pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    // Each pooled connection starts with the schema on its search_path (the schema is created by migrate()).
    ...(schema !== undefined ? { options: `-c search_path=${quoteSchema(schema)}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Fail fast (and with the server's message) when the URL is wrong.
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const base = pgQueryable(pool);
  let closed = false;
  return {
    engine: 'postgres',
    query: base.query,
    exec: base.exec,
    execReturning: base.execReturning,
    async transaction(fn) {
      const client = await pool.connect();
      let result;
      try {
        await client.query('BEGIN');
        result = await fn(pgQueryable(client));
        await client.query('COMMIT');
      } catch (error) {
        try {
          await client.query('ROLLBACK');
          client.release();
        } catch (rollbackError) {
          // The connection is unusable: drop it from the pool.
          client.release(rollbackError instanceof Error ? rollbackError : true);
        }
        throw error;
      }
      client.release();
      return result;
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
