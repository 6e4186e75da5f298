/**
 * Row-level cleaning before the feature pipeline sees the data.
 *
 * - `dedupeRows`: drops exact duplicate rows (the same person exported twice would otherwise count double in
 *   training and leak between training and holdout), keeping the first and any parallel labels aligned;
 * - `RowCleaner`: values that parse but cannot be true (age 250, -3 employees, 2.5 children) or levels outside
 *   a picklist become null, so the pipeline imputes them like any missing value instead of fitting on them.
 *   Configured, not learned: the limits come from the field mapping, so the same rule applies in every run.
 *
 * Both follow the pipeline's rule: a row lacking a configured column altogether is a wiring error and throws;
 * bad values never throw.
 */
import { z } from 'zod';
import { hasOwnValue, own } from '../domain/own.ts';
import { parseSavedJson } from './savedJson.ts';
import { FeatureSchemaError, parseNumber } from './pipeline.ts';
import type { RawRow, RawValue } from './pipeline.ts';

export interface DedupeOptions<L> {
  /** Columns that identify a duplicate (default: every column any row has). */
  key?: readonly string[];
  /** Labels parallel to the rows; returned filtered the same way. */
  labels?: readonly L[];
}

export interface DedupeResult<L> {
  rows: RawRow[];
  /** Present when labels were given: the labels of the rows kept. */
  labels?: L[];
  removed: number;
  /** Each dropped row and the earlier row it repeats (indices into the input). */
  duplicates: Array<{ index: number; firstIndex: number }>;
  /** Present when labels were given: dropped rows whose label differs from the kept row's. */
  labelConflicts?: number;
}

// Absent and null must not collide: a row that lacks a property is not the same record as one where it is empty.
const ABSENT = { absent: true };

function presentIn(row: RawRow, column: string): boolean {
  return hasOwnValue(row, column);
}

/**
 * Drops rows equal to an earlier row on the key columns, compared exactly (no trimming or case folding:
 * normalising is the caller's choice, e.g. lower-casing emails first). Keeps the first occurrence.
 */
export function dedupeRows<L = unknown>(rows: readonly RawRow[], options: DedupeOptions<L> = {}): DedupeResult<L> {
  const { labels } = options;
  if (labels !== undefined && labels.length !== rows.length) {
    throw new FeatureSchemaError(`dedupeRows: ${labels.length} labels for ${rows.length} rows (they must be parallel)`);
  }
  let key: string[];
  if (options.key !== undefined) {
    key = [...options.key];
    if (key.length === 0) throw new FeatureSchemaError('dedupeRows: key lists no columns');
    for (const column of key) {
      const index = rows.findIndex((row) => !presentIn(row, column));
      if (index >= 0) throw new FeatureSchemaError(`dedupeRows: key column "${column}" is absent from row ${index} (pass null for an empty value)`);
    }
  } else {
    const all = new Set<string>();
    for (const row of rows) for (const column of Object.keys(row)) all.add(column);
    key = [...all].sort();
  }

  const first = new Map<string, number>();
  const kept: RawRow[] = [];
  const keptLabels: L[] = [];
  const duplicates: Array<{ index: number; firstIndex: number }> = [];
  let labelConflicts = 0;
  rows.forEach((row, index) => {
    const signature = JSON.stringify(key.map((column) => (presentIn(row, column) ? row[column] : ABSENT)));
    const firstIndex = first.get(signature);
    if (firstIndex !== undefined) {
      duplicates.push({ index, firstIndex });
      if (labels !== undefined && !Object.is(labels[index], labels[firstIndex])) labelConflicts++;
      return;
    }
    first.set(signature, index);
    kept.push(row);
    if (labels !== undefined) keptLabels.push(labels[index] as L);
  });
  const result: DedupeResult<L> = { rows: kept, removed: duplicates.length, duplicates };
  if (labels !== undefined) {
    result.labels = keptLabels;
    result.labelConflicts = labelConflicts;
  }
  return result;
}

export interface RangeRule {
  /** Smallest possible value (inclusive). */
  min?: number;
  /** Largest possible value (inclusive). */
  max?: number;
  /** Only whole numbers are possible (a count of employees, an age in years). */
  integer?: boolean;
}

export interface CleaningSpec {
  /** Numeric columns and the values they can possibly hold. */
  ranges?: Record<string, RangeRule>;
  /** Categorical columns and their allowed levels (compared trimmed and exactly, like the pipeline's levels). */
  levels?: Record<string, readonly string[]>;
  /**
   * Values that mean "not filled in" (trimmed, case-insensitive, as in the pipeline). They are left alone and
   * not reported: a form's 'Select' is missing already, not impossible.
   */
  placeholders?: readonly string[];
}

export type CleaningReason = 'below-min' | 'above-max' | 'not-integer' | 'not-allowed';

export interface CleaningIssue {
  column: string;
  /** The original value, as given. */
  value: string;
  rowIndex: number;
  reason: CleaningReason;
  /** Readable, e.g. 'age = 250 is above the maximum 120'. */
  message: string;
}

export interface CleaningResult {
  /** The input rows; those with an impossible value are copies with that value set to null. */
  rows: RawRow[];
  issues: CleaningIssue[];
  /** Values replaced, per configured column (0 included, so a report lists every rule). */
  counts: Record<string, number>;
}

const RangeRuleJson = z
  .object({ min: z.number().optional(), max: z.number().optional(), integer: z.boolean() })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: 'min is above max' });

export const RowCleanerJson = z.object({
  kind: z.literal('rowCleaner'),
  version: z.literal(1),
  ranges: z.record(z.string(), RangeRuleJson),
  levels: z.record(z.string(), z.array(z.string())),
  placeholders: z.array(z.string()),
});
export type RowCleanerJson = z.infer<typeof RowCleanerJson>;

interface NormalisedRange {
  min?: number;
  max?: number;
  integer: boolean;
}

function describeValue(value: RawValue | undefined): string {
  if (typeof value === 'string') return value;
  // Other JSON sources may give numbers or booleans; report them as text, like the pipeline reads them.
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

export class RowCleaner {
  readonly ranges: Readonly<Record<string, Readonly<NormalisedRange>>>;
  readonly levels: Readonly<Record<string, readonly string[]>>;
  readonly placeholders: readonly string[];
  private readonly levelSets: Map<string, Set<string>>;

  private constructor(json: Omit<RowCleanerJson, 'kind' | 'version'>) {
    this.ranges = json.ranges;
    this.levels = json.levels;
    this.placeholders = json.placeholders;
    this.levelSets = new Map(Object.entries(json.levels).map(([column, levels]) => [column, new Set(levels)]));
  }

  /** @internal use fitRowCleaner */
  static fromParts(json: Omit<RowCleanerJson, 'kind' | 'version'>): RowCleaner {
    return new RowCleaner(json);
  }

  /** Every configured column, ranges first, in spec order. */
  get columnNames(): string[] {
    return [...Object.keys(this.ranges), ...Object.keys(this.levels)];
  }

  /** Throws FeatureSchemaError naming the first row that lacks a configured column and the column. */
  assertColumns(rows: readonly RawRow[]): void {
    const columns = this.columnNames;
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index] as RawRow;
      const missing = columns.filter((c) => !presentIn(row, c));
      if (missing.length > 0) {
        throw new FeatureSchemaError(
          `row ${index} lacks ${missing.map((m) => `"${m}"`).join(', ')}, which the row cleaner checks (pass null for an empty value)`,
        );
      }
    }
  }

  private isPlaceholder(text: string): boolean {
    return this.placeholders.includes(text.toLowerCase());
  }

  private check(column: string, raw: RawValue | undefined): { reason: CleaningReason; message: string } | null {
    const text = describeValue(raw).trim();
    if (text === '' || this.isPlaceholder(text)) return null;
    const range = own(this.ranges, column);
    if (range !== undefined) {
      // Unparsable text is left for the pipeline, which already reads it as missing: only numbers can be impossible.
      const x = parseNumber(text);
      if (x === null) return null;
      if (range.min !== undefined && x < range.min) return { reason: 'below-min', message: `${column} = ${text} is below the minimum ${range.min}` };
      if (range.max !== undefined && x > range.max) return { reason: 'above-max', message: `${column} = ${text} is above the maximum ${range.max}` };
      if (range.integer && !Number.isInteger(x)) return { reason: 'not-integer', message: `${column} = ${text} is not a whole number` };
      return null;
    }
    const allowed = this.levelSets.get(column);
    if (allowed !== undefined && !allowed.has(text)) return { reason: 'not-allowed', message: `${column} = "${text}" is not an allowed level` };
    return null;
  }

  /** Replaces impossible values with null and reports each one. Throws when a row lacks a configured column. */
  clean(rows: readonly RawRow[]): CleaningResult {
    this.assertColumns(rows);
    const columns = this.columnNames;
    const counts: Record<string, number> = Object.fromEntries(columns.map((c) => [c, 0]));
    const issues: CleaningIssue[] = [];
    const out = rows.map((row, rowIndex) => {
      let copy: Record<string, RawValue | undefined> | null = null;
      for (const column of columns) {
        const raw = row[column];
        const problem = this.check(column, raw);
        if (problem === null) continue;
        issues.push({ column, value: describeValue(raw), rowIndex, ...problem });
        counts[column] = (counts[column] ?? 0) + 1;
        copy ??= { ...row };
        copy[column] = null;
      }
      return copy ?? row;
    });
    return { rows: out, issues, counts };
  }

  toJSON(): RowCleanerJson {
    return {
      kind: 'rowCleaner',
      version: 1,
      ranges: structuredClone(this.ranges) as Record<string, NormalisedRange>,
      levels: Object.fromEntries(Object.entries(this.levels).map(([c, l]) => [c, [...l]])),
      placeholders: [...this.placeholders],
    };
  }

  /** Loads a cleaner saved by `toJSON`; rejects anything else with a clear error. */
  static fromJSON(json: unknown): RowCleaner {
    const data = parseSavedJson(json, { kind: 'rowCleaner', version: 1, name: 'row cleaner', root: 'rowCleaner', schema: RowCleanerJson, error: FeatureSchemaError });
    // Re-check through the spec so a hand-edited file meets the same rules as a fitted one (e.g. no column twice).
    const { ranges, levels, placeholders } = data;
    return fitRowCleaner({ ranges, levels, placeholders });
  }
}

/**
 * Builds a cleaner from its configuration, validated: finite limits, min <= max, non-empty level lists,
 * no column both numeric and categorical. Nothing is learned from data, hence no rows.
 */
export function fitRowCleaner(spec: CleaningSpec): RowCleaner {
  const ranges: Record<string, NormalisedRange> = {};
  for (const [column, rule] of Object.entries(spec.ranges ?? {})) {
    if (column === '') throw new FeatureSchemaError('row cleaner: column names must be non-empty');
    if (typeof rule !== 'object' || rule === null) throw new FeatureSchemaError(`row cleaner: the range of "${column}" must be an object`);
    for (const bound of ['min', 'max'] as const) {
      const v = rule[bound];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
        throw new RangeError(`row cleaner: ${bound} of "${column}" must be a finite number, got ${String(v)}`);
      }
    }
    if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
      throw new RangeError(`row cleaner: min ${rule.min} of "${column}" is above its max ${rule.max}`);
    }
    if (rule.min === undefined && rule.max === undefined && !rule.integer) {
      throw new FeatureSchemaError(`row cleaner: the range of "${column}" sets none of min, max, integer`);
    }
    const normalised: NormalisedRange = { integer: rule.integer === true };
    if (rule.min !== undefined) normalised.min = rule.min;
    if (rule.max !== undefined) normalised.max = rule.max;
    ranges[column] = normalised;
  }
  const levels: Record<string, string[]> = {};
  for (const [column, list] of Object.entries(spec.levels ?? {})) {
    if (column === '') throw new FeatureSchemaError('row cleaner: column names must be non-empty');
    if (column in ranges) throw new FeatureSchemaError(`row cleaner: "${column}" has both a range and allowed levels`);
    if (!Array.isArray(list) || list.length === 0 || list.some((l) => typeof l !== 'string')) {
      throw new FeatureSchemaError(`row cleaner: the allowed levels of "${column}" must be a non-empty list of strings`);
    }
    levels[column] = [...new Set(list.map((l) => l.trim()))];
  }
  const placeholders = [...new Set((spec.placeholders ?? []).map((p) => p.trim().toLowerCase()))].sort();
  return RowCleaner.fromParts({ ranges, levels, placeholders });
}
