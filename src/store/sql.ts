/**
 * Small helpers shared by the store's queries: multi-row statements built in chunks (PGlite is ~9x
 * slower row by row), and readers that turn either engine's row values into the store's types.
 */
import type { Queryable, Row } from './db.ts';

/** Rows per multi-row statement. */
export const CHUNK_ROWS = 500;

export interface MultiRow {
  /** SQL before the VALUES tuples, ending in `VALUES` (or `(VALUES`). */
  head: string;
  /** SQL after the tuples (ON CONFLICT, RETURNING, the rest of a CTE). */
  tail?: string;
  /** Parameters every chunk shares, bound as $1..$k and usable in head, tail and `prefix`. */
  fixed?: unknown[];
  /** SQL opening each tuple, e.g. `$1::text, ` for the tenant id. */
  prefix?: string;
  /** One SQL type per row value: each becomes `$n::type`. */
  types: string[];
  rows: unknown[][];
  chunkRows?: number;
}

/** Runs one statement per chunk of rows; returns the concatenated rows they returned. */
export async function multiRow(q: Queryable, m: MultiRow): Promise<Row[]> {
  const fixed = m.fixed ?? [];
  const size = Math.max(1, Math.min(m.chunkRows ?? CHUNK_ROWS, Math.floor(60_000 / Math.max(1, m.types.length))));
  const out: Row[] = [];
  for (let start = 0; start < m.rows.length; start += size) {
    const chunk = m.rows.slice(start, start + size);
    const params: unknown[] = [...fixed];
    const tuples: string[] = [];
    for (const row of chunk) {
      if (row.length !== m.types.length) throw new Error(`multiRow: expected ${m.types.length} values, got ${row.length}`);
      const cells = row.map((value, i) => {
        params.push(value);
        return `$${params.length}::${m.types[i]}`;
      });
      tuples.push(`(${m.prefix ?? ''}${cells.join(', ')})`);
    }
    const result = await q.query(`${m.head} ${tuples.join(',\n')} ${m.tail ?? ''}`, params);
    for (const r of result.rows) out.push(r);
  }
  return out;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/* ------------------------------------------------------------------ row readers */

export function text(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

export function textOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : text(v);
}

/** int8 arrives as a string from pg and as a number from PGlite. */
export function int(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

export function intOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : int(v);
}

/** timestamptz arrives as a Date from both engines; ISO 8601 UTC with milliseconds out. */
export function iso(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  return new Date(text(v)).toISOString();
}

export function isoOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : iso(v);
}

export function object<T = Record<string, unknown>>(v: unknown): T {
  return (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {}) as T;
}

/**
 * A CRM timestamp as ISO 8601 UTC, or null if it is not one. Accepts ISO 8601 (with `Z`, `+hh:mm`,
 * `+hhmm` or no zone, read as UTC), epoch milliseconds or seconds (numbers or digit strings), and Dates.
 */
export function normalizeTimestamp(v: unknown): string | null {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'number') ms = v;
  else if (typeof v === 'string') {
    const t = v.trim();
    if (/^\d{12,13}$/.test(t)) ms = Number(t);
    else if (/^\d{9,10}$/.test(t)) ms = Number(t) * 1000;
    else {
      let s = t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
      if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s = `${s.replace(' ', 'T')}Z`;
      ms = Date.parse(s);
    }
  } else return null;
  if (!Number.isFinite(ms)) return null;
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(d.getTime()) || year < 1 || year > 9999) return null;
  return d.toISOString();
}
