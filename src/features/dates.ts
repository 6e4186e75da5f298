/**
 * Date columns as numeric features: how many days before a reference time a date lies (`<col>_days_ago`),
 * optionally its month (`<col>_month`, 1-12) and ISO day of week (`<col>_day_of_week`, 1 = Monday .. 7 = Sunday).
 *
 * The reference time (`asOf`) is fixed when fitting, by default the latest date seen in the fitted columns,
 * never the clock: the same rows give the same features on any machine and on any day, so a retrained model
 * and its evaluation can be reproduced. To score "as of now", derive a copy with `withAsOf`.
 *
 * Output is added to the rows as strings (null when the date is missing or unparsable), ready for
 * FeaturePipeline: list `<col>_days_ago` as numeric; month and day of week as numeric or categorical.
 * All calendar parts are taken in UTC, for the same reason as the fixed asOf.
 */
import { z } from 'zod';
import { hasOwnValue } from '../domain/own.ts';
import { parseSavedJson } from './savedJson.ts';
import { FeatureSchemaError } from './pipeline.ts';
import type { RawRow, RawValue } from './pipeline.ts';

export type DatePart = 'month' | 'dayOfWeek';

export interface DateSpec {
  columns: readonly string[];
  /** Reference time: ISO 8601 text, epoch milliseconds or a Date (default: the latest date in fitting). */
  asOf?: string | number | Date;
  /** Calendar parts to add besides the age in days (default none). */
  parts?: readonly DatePart[];
}

const DAY_MS = 86_400_000;
// Below this, an integer string is far likelier a year, a count or epoch *seconds* than epoch milliseconds
// (1e11 ms is March 1973); reading it as milliseconds would silently date it to 1970.
const MIN_EPOCH_MS = 1e11;
const MAX_DATE_MS = 8.64e15;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const INTEGER = /^-?\d+$/;

function parseIso(text: string): number | null {
  const m = ISO.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  // Both roll 2024-02-30 over to March: a date that does not exist is unparsable, not another day.
  if (date.getUTCDate() !== day) return null;
  let t = date.getTime();
  // No offset: UTC rather than the machine's zone, so results do not depend on where the job runs.
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMinutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (offsetHours > 23 || offsetMinutes > 59) return null;
    t -= sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  return Number.isFinite(t) && Math.abs(t) <= MAX_DATE_MS ? t : null;
}

/**
 * Epoch milliseconds of a CRM date value, or null. Reads ISO 8601 dates and date-times (`2024-03-05`,
 * `2024-03-05T10:00:00.000Z`, with or without an offset; without one as UTC) and epoch milliseconds as an
 * integer (string or number) from 1973 on, as HubSpot sometimes sends. Anything else, impossible calendar
 * dates included, is null.
 */
export function parseDate(value: RawValue | number | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    return Number.isInteger(value) && Math.abs(value) >= MIN_EPOCH_MS && Math.abs(value) <= MAX_DATE_MS ? value : null;
  }
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (INTEGER.test(text)) {
    const n = Number(text);
    return Math.abs(n) >= MIN_EPOCH_MS && Math.abs(n) <= MAX_DATE_MS ? n : null;
  }
  return parseIso(text);
}

function toTime(asOf: string | number | Date, what: string): number {
  const t = asOf instanceof Date ? asOf.getTime() : parseDate(asOf);
  if (t === null || !Number.isFinite(t)) throw new RangeError(`${what} is not a date: ${JSON.stringify(asOf instanceof Date ? String(asOf) : asOf)}`);
  return t;
}

export const DateFeaturesJson = z.object({
  kind: z.literal('dateFeatures'),
  version: z.literal(1),
  columns: z.array(z.string().min(1)).min(1),
  /** ISO 8601, UTC, millisecond precision: exact and readable. */
  asOf: z.string(),
  parts: z.array(z.enum(['month', 'dayOfWeek'])),
});
export type DateFeaturesJson = z.infer<typeof DateFeaturesJson>;

const PART_SUFFIX: Record<DatePart, string> = { month: 'month', dayOfWeek: 'day_of_week' };
const PART_ORDER: readonly DatePart[] = ['month', 'dayOfWeek'];

export class DateFeatures {
  readonly columns: readonly string[];
  /** Reference time, epoch milliseconds. */
  readonly asOf: number;
  readonly parts: readonly DatePart[];

  private constructor(columns: readonly string[], asOf: number, parts: readonly DatePart[]) {
    this.columns = [...columns];
    this.asOf = asOf;
    this.parts = PART_ORDER.filter((p) => parts.includes(p));
  }

  /** @internal use fitDateFeatures */
  static fromParts(columns: readonly string[], asOf: number, parts: readonly DatePart[]): DateFeatures {
    return new DateFeatures(columns, asOf, parts);
  }

  /** The columns `transformRows` adds, per date column: `_days_ago`, then the parts asked for. */
  get columnNames(): string[] {
    return this.columns.flatMap((c) => [`${c}_days_ago`, ...this.parts.map((p) => `${c}_${PART_SUFFIX[p]}`)]);
  }

  /** The same features relative to another reference time (e.g. the scoring run's start). */
  withAsOf(asOf: string | number | Date): DateFeatures {
    return new DateFeatures(this.columns, toTime(asOf, 'asOf'), this.parts);
  }

  /** Throws FeatureSchemaError naming the first row lacking a date column, or already carrying an output column. */
  assertColumns(rows: readonly RawRow[]): void {
    const outputs = this.columnNames;
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index] as RawRow;
      const missing = this.columns.filter((c) => !hasOwnValue(row, c));
      if (missing.length > 0) {
        throw new FeatureSchemaError(`row ${index} lacks date column ${missing.map((m) => `"${m}"`).join(', ')} (pass null for an empty value)`);
      }
      // Overwriting would hide a clash between a CRM property and a derived feature (or a second transform).
      const clash = outputs.find((c) => Object.hasOwn(row, c));
      if (clash !== undefined) throw new FeatureSchemaError(`row ${index} already has a column "${clash}", which date features would overwrite`);
    }
  }

  /** The derived values of one row, in `columnNames` order (null where the date is missing or unparsable). */
  private values(row: RawRow): Array<number | null> {
    const out: Array<number | null> = [];
    for (const column of this.columns) {
      const t = parseDate(row[column]);
      out.push(t === null ? null : (this.asOf - t) / DAY_MS);
      for (const part of this.parts) {
        if (t === null) out.push(null);
        else if (part === 'month') out.push(new Date(t).getUTCMonth() + 1);
        else out.push(((new Date(t).getUTCDay() + 6) % 7) + 1);
      }
    }
    return out;
  }

  /** The derived features as numbers (null for missing), one row per input row. */
  transform(rows: readonly RawRow[]): Array<Array<number | null>> {
    this.assertColumns(rows);
    return rows.map((row) => this.values(row));
  }

  /** The rows with `columnNames` added as strings (null for missing), original columns kept. */
  transformRows(rows: readonly RawRow[]): RawRow[] {
    this.assertColumns(rows);
    const names = this.columnNames;
    return rows.map((row) => {
      const out: Record<string, RawValue | undefined> = { ...row };
      this.values(row).forEach((v, k) => {
        out[names[k] as string] = v === null ? null : String(v);
      });
      return out;
    });
  }

  toJSON(): DateFeaturesJson {
    return { kind: 'dateFeatures', version: 1, columns: [...this.columns], asOf: new Date(this.asOf).toISOString(), parts: [...this.parts] };
  }

  /** Loads date features saved by `toJSON`; rejects anything else with a clear error. */
  static fromJSON(json: unknown): DateFeatures {
    const data = parseSavedJson(json, { kind: 'dateFeatures', version: 1, name: 'date features', notA: 'date features', root: 'dateFeatures', schema: DateFeaturesJson, error: FeatureSchemaError });
    const asOf = parseDate(data.asOf);
    if (asOf === null) throw new FeatureSchemaError(`invalid date features JSON: asOf ${JSON.stringify(data.asOf)} is not a date`);
    checkColumns(data.columns);
    return new DateFeatures(data.columns, asOf, data.parts);
  }
}

function checkColumns(columns: readonly string[]): void {
  if (columns.length === 0) throw new FeatureSchemaError('date features: the spec lists no columns');
  const seen = new Set<string>();
  for (const c of columns) {
    if (typeof c !== 'string' || c === '') throw new FeatureSchemaError('date features: column names must be non-empty strings');
    if (seen.has(c)) throw new FeatureSchemaError(`date features: column "${c}" is listed twice`);
    seen.add(c);
  }
}

/**
 * Fits date features: checks the columns are present, and takes asOf from the spec or else the latest
 * parsable date in any of the columns. Throws when neither gives a reference time.
 */
export function fitDateFeatures(rows: readonly RawRow[], spec: DateSpec): DateFeatures {
  checkColumns(spec.columns);
  const parts = spec.parts ?? [];
  for (const p of parts) {
    if (!PART_ORDER.includes(p)) throw new RangeError(`date features: unknown part ${JSON.stringify(p)} (use 'month' or 'dayOfWeek')`);
  }
  const probe = DateFeatures.fromParts(spec.columns, 0, parts);
  probe.assertColumns(rows);
  if (spec.asOf !== undefined) return DateFeatures.fromParts(spec.columns, toTime(spec.asOf, 'asOf'), parts);
  let latest = -Infinity;
  for (const row of rows) {
    for (const c of spec.columns) {
      const t = parseDate(row[c]);
      if (t !== null && t > latest) latest = t;
    }
  }
  if (latest === -Infinity) {
    throw new FeatureSchemaError(
      `date features: no parsable date in ${spec.columns.map((c) => `"${c}"`).join(', ')} over ${rows.length} rows; pass asOf`,
    );
  }
  return DateFeatures.fromParts(spec.columns, latest, parts);
}
