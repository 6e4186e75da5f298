/**
 * Stored values and their wire forms. Datetimes are kept as epoch milliseconds on whole seconds
 * (Salesforce stores no sub-second part, so records written in the same second share a
 * SystemModstamp and cursors must break ties by Id); dates as 'YYYY-MM-DD' strings.
 */
import type { FieldDef } from './schema.ts';

export type Value = string | number | boolean | null;
export type StoredRecord = Record<string, Value>;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function truncateToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** REST JSON form: 2026-03-01T10:00:00.000+0000. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

/** Bulk API CSV form: 2026-03-01T10:00:00.000Z. */
export function formatCsvDateTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses the datetime forms Salesforce accepts in JSON bodies, SOQL and replication windows:
 * 2026-01-01T00:00:00Z, 2026-01-01T00:00:00.000+0000, 2026-01-01T00:00:00+01:00.
 */
export function parseDateTime(text: string): number | undefined {
  const m = DATETIME_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0);
  const check = new Date(ms);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offset = 0;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms - offset;
}

/** A real calendar date in YYYY-MM-DD form, or undefined. */
export function parseDate(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return formatDate(ms) === text ? text : undefined;
}

/** The value as it appears in a REST JSON record. */
export function toJson(f: FieldDef, v: Value | undefined): Value {
  if (v === undefined || v === null) return null;
  if (f.type === 'datetime' && typeof v === 'number') return formatDateTime(v);
  return v;
}

/** The value as it appears in a Bulk API CSV cell (before quoting); null is the empty cell. */
export function toCsv(f: FieldDef, v: Value | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (f.type === 'datetime' && typeof v === 'number') return formatCsvDateTime(v);
  return String(v);
}
