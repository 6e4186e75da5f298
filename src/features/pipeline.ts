/**
 * A fitted feature pipeline: raw CRM property values (strings or null) in, a numeric matrix out.
 *
 * - numeric columns: parsed as plain decimal numbers (anything else, a placeholder or a non-finite value is
 *   missing), missing values imputed with the fitted median, plus a 0/1 missing-indicator feature only where
 *   fitting saw missing values;
 * - categorical columns: one-hot over the levels seen at least `rareLevelMinCount` times (at most
 *   `maxLevels` of them, most frequent first), the other levels into `__other__`, missing into `__missing__`
 *   (each of those two only when fitting saw it).
 *
 * Unusable values never throw (they go to missing / `__other__`); a row that lacks one of the spec's columns
 * altogether (the property was not requested) does, because that is a wiring error, not a data error.
 * The pipeline is plain JSON (`toJSON` / `FeaturePipeline.fromJSON`), tagged `{ kind: 'featurePipeline', version: 1 }`.
 */
import { z } from 'zod';
import { hasOwnValue, nullRecord, own } from '../domain/own.ts';
import { parseSavedJson } from './savedJson.ts';

export type RawValue = string | null;
export type RawRow = Readonly<Record<string, RawValue | undefined>>;

export interface FeatureSpec {
  numeric: string[];
  categorical: string[];
  /** Values treated as missing in every column, compared trimmed and case-insensitively (e.g. 'Select'). */
  placeholders?: string[];
  /** Values treated as missing in one column only (e.g. `{ pdays: ['999'] }`). */
  columnPlaceholders?: Record<string, string[]>;
  /** A categorical level needs this many rows in fitting to get its own feature (default 5). */
  rareLevelMinCount?: number;
  /** At most this many own levels per categorical column, the most frequent (default 30). */
  maxLevels?: number;
  /** Readable names for columns, used in descriptions and reasons (default: the column name). */
  labels?: Record<string, string>;
  /** How a missing value of a column reads (default '<label> missing'), e.g. `{ pdays: 'never contacted' }`. */
  missingText?: Record<string, string>;
}

export const OTHER = '__other__';
export const MISSING = '__missing__';

const DEFAULT_RARE_LEVEL_MIN_COUNT = 5;
const DEFAULT_MAX_LEVELS = 30;
const MAX_DESCRIBED_VALUE_LENGTH = 40;

const NumericColumnJson = z.object({
  kind: z.literal('numeric'),
  name: z.string(),
  label: z.string(),
  /** How a missing value reads, e.g. 'pdays missing' or, from the spec, 'never contacted'. */
  missingText: z.string(),
  placeholders: z.array(z.string()),
  median: z.number(),
  /** Fitted quartiles q1, q2 (= median), q3; empty when fitting saw no value. */
  quartiles: z.array(z.number()),
  /** Every fitted value was an integer: describe buckets as integer ranges. */
  integer: z.boolean(),
  missingIndicator: z.boolean(),
  /** Most fitted rows were missing: the column's typical value is "missing", not the median. */
  typicallyMissing: z.boolean(),
});

const CategoricalColumnJson = z.object({
  kind: z.literal('categorical'),
  name: z.string(),
  label: z.string(),
  missingText: z.string(),
  placeholders: z.array(z.string()),
  /** Own levels, in feature order. */
  levels: z.array(z.string()),
  other: z.boolean(),
  missing: z.boolean(),
  /** The most common bucket in fitting: a level, OTHER or MISSING. */
  mode: z.string(),
});

const ColumnJson = z.discriminatedUnion('kind', [NumericColumnJson, CategoricalColumnJson]);

export const FeaturePipelineJson = z.object({
  kind: z.literal('featurePipeline'),
  version: z.literal(1),
  columns: z.array(ColumnJson),
  featureNames: z.array(z.string()),
});

export type NumericColumn = z.infer<typeof NumericColumnJson>;
export type CategoricalColumn = z.infer<typeof CategoricalColumnJson>;
export type Column = z.infer<typeof ColumnJson>;
export type FeaturePipelineJson = z.infer<typeof FeaturePipelineJson>;

/**
 * A column's value bucket as parts, for readers that word it themselves (reasons a rep reads, with the
 * CRM's own field labels): a numeric interval of the fitted quartiles (`lower` inclusive, `upper`
 * exclusive; for integer columns both inclusive), a categorical level, or missing.
 */
export type ValueBucket =
  | { kind: 'missing' }
  | { kind: 'level'; value: string; rare: boolean }
  | { kind: 'number'; value: number }
  | { kind: 'range'; lower: number | null; upper: number | null; integer: boolean };

/** The features one source column produces, and their values for that column's typical value. */
export interface ColumnFeatures {
  column: string;
  label: string;
  /** Indices into `featureNames`, contiguous and ascending. */
  indices: number[];
  /**
   * Encoded values of the column's typical value: its most common bucket (categorical), its median, or
   * "missing" when most fitted rows were missing (numeric).
   */
  reference: number[];
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A plain decimal number, or null (empty, unparsable, hexadecimal, non-finite...). */
export function parseNumber(value: string): number | null {
  const text = value.trim();
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function normalisePlaceholders(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim().toLowerCase()))].sort();
}

/** The trimmed value, or null when it is null/undefined, blank or a placeholder. */
function cleanValue(value: RawValue | undefined, placeholders: readonly string[]): string | null {
  if (value === null || value === undefined) return null;
  // The CRM APIs give strings; tolerate numbers and booleans from other JSON sources, never throw on objects.
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  if (text === '') return null;
  if (placeholders.length > 0 && placeholders.includes(text.toLowerCase())) return null;
  return text;
}

function numericValue(value: RawValue | undefined, placeholders: readonly string[]): number | null {
  const text = cleanValue(value, placeholders);
  return text === null ? null : parseNumber(text);
}

/** Quantile with linear interpolation between order statistics (numpy's default, type 7). */
function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** A short readable number: integers as they are, others to 3 significant digits (whole numbers above 1000). */
export function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 1000) return String(Math.round(x));
  return String(Number(x.toPrecision(3)));
}

/** A column's value as a reason shows it (FeaturePipeline.reasonBuckets). */
export interface ReasonBucket {
  text: string;
  key: string;
  value: ValueBucket;
}

function mapRecord<A, B>(map: ReadonlyMap<string, A>, f: (a: A) => B): Record<string, B> {
  const out = nullRecord<B>();
  for (const [key, a] of map) out[key] = f(a);
  return out;
}

function range(label: string, lo: string, hi: string): string {
  return lo.startsWith('-') || hi.startsWith('-') ? `${label} ${lo} to ${hi}` : `${label} ${lo}-${hi}`;
}

/** The fitted quartile interval a value lies in; integer columns as inclusive integer bounds. */
/** A column's distinct quartile cuts, ascending (kept per column: reasons ask on every scored record). */
const cutsOf = new WeakMap<NumericColumn, number[]>();

function cutsFor(column: NumericColumn): number[] {
  let cuts = cutsOf.get(column);
  if (cuts === undefined) cutsOf.set(column, (cuts = [...new Set(column.quartiles)].sort((a, b) => a - b)));
  return cuts;
}

function numericBucket(column: NumericColumn, value: number): Extract<ValueBucket, { kind: 'number' | 'range' }> {
  const cuts = cutsFor(column);
  if (cuts.length === 0) return { kind: 'number', value };
  let k = 0; // value lies in interval k: (-inf, cuts[0]), [cuts[0], cuts[1]), ..., [cuts[last], +inf)
  while (k < cuts.length && value >= (cuts[k] as number)) k++;
  const lower = k === 0 ? null : (cuts[k - 1] as number);
  const upper = k === cuts.length ? null : (cuts[k] as number);
  if (column.integer && Number.isInteger(value)) {
    const lo = lower === null ? null : Math.ceil(lower);
    const hi = upper === null ? null : Math.ceil(upper) - 1;
    if (lo !== null && lo === hi) return { kind: 'number', value: lo };
    return { kind: 'range', lower: lo, upper: hi, integer: true };
  }
  return { kind: 'range', lower, upper, integer: false };
}

/**
 * Reason buckets of fitted columns, shared between records: a bucket is a fitted interval or a known
 * level, so scoring a million records words each of them once (read-only, like the fitted columns).
 */
const numericReasonBuckets = new WeakMap<NumericColumn, Map<number, ReasonBucket>>();
const levelReasonBuckets = new WeakMap<CategoricalColumn, Map<string, ReasonBucket>>();

/** The reason bucket of `value`, in quartile interval `k` of the column's quartiles (with repeats). */
function numericReasonBucket(column: NumericColumn, value: number, k: number): ReasonBucket {
  const worded = (): ReasonBucket => {
    const bucket = numericBucket(column, value);
    return { text: describeNumeric(column, bucket), key: `q${k + 1}`, value: bucket };
  };
  const cuts = cutsFor(column);
  // without cuts the bucket is the value itself: nothing to share
  if (cuts.length === 0) return worded();
  let interval = 0;
  while (interval < cuts.length && value >= (cuts[interval] as number)) interval++;
  const key = (k * (cuts.length + 1) + interval) * 2 + (column.integer && Number.isInteger(value) ? 1 : 0);
  let shared = numericReasonBuckets.get(column);
  if (shared === undefined) numericReasonBuckets.set(column, (shared = new Map()));
  let out = shared.get(key);
  if (out === undefined) shared.set(key, (out = worded()));
  return out;
}

/** The reason bucket of a present categorical value; a rare value is worded each time (its set is open). */
function levelReasonBucket(column: CategoricalColumn, text: string): ReasonBucket {
  // only known levels are kept, so a kept bucket needs no look through the levels
  const known = levelReasonBuckets.get(column)?.get(text);
  if (known !== undefined) return known;
  if (!column.levels.includes(text)) return { text: `${column.label} = ${shorten(text)} (rare)`, key: 'other', value: { kind: 'level', value: shorten(text), rare: true } };
  let shared = levelReasonBuckets.get(column);
  if (shared === undefined) levelReasonBuckets.set(column, (shared = new Map()));
  const out: ReasonBucket = { text: `${column.label} = ${shorten(text)}`, key: text === MISSING ? 'missing' : text === OTHER ? 'other' : text, value: { kind: 'level', value: shorten(text), rare: false } };
  shared.set(text, out);
  return out;
}

function describeNumeric(column: NumericColumn, b: ReturnType<typeof numericBucket>): string {
  const label = column.label;
  if (b.kind === 'number') return `${label} = ${formatNumber(b.value)}`;
  const { lower, upper } = b;
  if (b.integer) {
    if (lower === null) return `${label} ≤ ${formatNumber(upper as number)}`;
    if (upper === null) return `${label} ≥ ${formatNumber(lower)}`;
    return range(label, formatNumber(lower), formatNumber(upper));
  }
  if (lower === null) return `${label} < ${formatNumber(upper as number)}`;
  if (upper === null) return `${label} ≥ ${formatNumber(lower)}`;
  return range(label, formatNumber(lower), formatNumber(upper));
}

function shorten(text: string): string {
  return text.length > MAX_DESCRIBED_VALUE_LENGTH ? `${text.slice(0, MAX_DESCRIBED_VALUE_LENGTH - 1)}…` : text;
}

function featureNamesOf(columns: readonly Column[]): { names: string[]; sources: string[] } {
  const names: string[] = [];
  const sources: string[] = [];
  for (const c of columns) {
    const add = (name: string) => {
      names.push(name);
      sources.push(c.name);
    };
    if (c.kind === 'numeric') {
      add(c.name);
      if (c.missingIndicator) add(`${c.name}=${MISSING}`);
    } else {
      for (const level of c.levels) add(`${c.name}=${level}`);
      if (c.other) add(`${c.name}=${OTHER}`);
      if (c.missing) add(`${c.name}=${MISSING}`);
    }
  }
  return { names, sources };
}

/** Thrown when rows do not carry the columns a fitted pipeline (or model) needs. */
export class FeatureSchemaError extends Error {
  override readonly name = 'FeatureSchemaError';
}

export class FeaturePipeline {
  /** Output feature names, in matrix column order. */
  readonly featureNames: readonly string[];
  /** For each output feature, the source column it comes from. */
  readonly featureSources: readonly string[];
  readonly columns: readonly Column[];
  private readonly offsets: number[];
  private columnFeaturesMemo: readonly ColumnFeatures[] | undefined;

  private constructor(columns: Column[]) {
    this.columns = columns;
    const { names, sources } = featureNamesOf(columns);
    if (new Set(names).size !== names.length) {
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      throw new FeatureSchemaError(`feature name "${String(dup)}" occurs twice: rename the column or level`);
    }
    this.featureNames = names;
    this.featureSources = sources;
    this.offsets = [];
    let offset = 0;
    for (const c of columns) {
      this.offsets.push(offset);
      offset += c.kind === 'numeric' ? (c.missingIndicator ? 2 : 1) : c.levels.length + (c.other ? 1 : 0) + (c.missing ? 1 : 0);
    }
  }

  /** @internal use fitFeaturePipeline */
  static fromColumns(columns: Column[]): FeaturePipeline {
    return new FeaturePipeline(columns);
  }

  /** Source column names, in spec order. */
  get columnNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  /** The spec's columns a row lacks altogether (a null value is present, just missing). */
  missingColumns(row: RawRow): string[] {
    return this.columns.filter((c) => !hasOwnValue(row, c.name)).map((c) => c.name);
  }

  /** Throws a FeatureSchemaError naming the absent columns when any row lacks one of them. */
  assertColumns(rows: readonly RawRow[]): void {
    let bad = 0;
    let firstIndex = -1;
    let firstMissing: string[] = [];
    const names = this.columnNames;
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index] as RawRow;
      // the common case allocates nothing: scoring checks tens of thousands of rows
      if (names.every((name) => hasOwnValue(row, name))) continue;
      const missing = this.missingColumns(row);
      if (missing.length === 0) continue;
      bad++;
      if (firstIndex < 0) {
        firstIndex = index;
        firstMissing = missing;
      }
    }
    if (bad > 0) {
      throw new FeatureSchemaError(
        `${bad} of ${rows.length} rows lack columns the pipeline was fitted on; row ${firstIndex} lacks ${firstMissing.map((m) => `"${m}"`).join(', ')} (pass null for an empty value)`,
      );
    }
  }

  /** Encodes one row into `out` starting at position `start`. */
  private encodeInto(row: RawRow, out: number[] | Float64Array, start = 0): void {
    this.columns.forEach((c, ci) => {
      let at = start + (this.offsets[ci] as number);
      const raw = own(row, c.name);
      if (c.kind === 'numeric') {
        const x = numericValue(raw, c.placeholders);
        out[at++] = x ?? c.median;
        if (c.missingIndicator) out[at++] = x === null ? 1 : 0;
        return;
      }
      const bucket = this.categoricalBucket(c, raw);
      for (const level of c.levels) out[at++] = bucket === level ? 1 : 0;
      if (c.other) out[at++] = bucket === OTHER ? 1 : 0;
      if (c.missing) out[at++] = bucket === MISSING ? 1 : 0;
    });
  }

  private categoricalBucket(c: CategoricalColumn, raw: RawValue | undefined): string {
    const text = cleanValue(raw, c.placeholders);
    if (text === null) return MISSING;
    return c.levels.includes(text) ? text : OTHER;
  }

  /** The feature matrix, one row per input row. Throws FeatureSchemaError when a row lacks a column. */
  transform(rows: readonly RawRow[]): number[][] {
    this.assertColumns(rows);
    const width = this.featureNames.length;
    return rows.map((row) => {
      const out = new Array<number>(width).fill(0);
      this.encodeInto(row, out);
      return out;
    });
  }

  /**
   * The same matrix, row-major in one Float64Array (what the models read): no array per row, which is most
   * of the cost of encoding when scoring tens of thousands of records.
   */
  transformDense(rows: readonly RawRow[]): { data: Float64Array; nRows: number; nCols: number } {
    this.assertColumns(rows);
    const width = this.featureNames.length;
    const data = new Float64Array(rows.length * width);
    rows.forEach((row, i) => this.encodeInto(row, data, i * width));
    return { data, nRows: rows.length, nCols: width };
  }

  /** For each source column, its feature indices and the encoding of its typical value. */
  columnFeatures(): readonly ColumnFeatures[] {
    // computed once: the pipeline never changes, and reasons ask for it on every scored record
    this.columnFeaturesMemo ??= this.columns.map((c, ci) => {
      const start = this.offsets[ci] as number;
      const reference: number[] = [];
      if (c.kind === 'numeric') {
        reference.push(c.median);
        if (c.missingIndicator) reference.push(c.typicallyMissing ? 1 : 0);
      } else {
        for (const level of c.levels) reference.push(c.mode === level ? 1 : 0);
        if (c.other) reference.push(c.mode === OTHER ? 1 : 0);
        if (c.missing) reference.push(c.mode === MISSING ? 1 : 0);
      }
      return { column: c.name, label: c.label, indices: reference.map((_, k) => start + k), reference };
    });
    return this.columnFeaturesMemo;
  }

  /**
   * Each source column's value as a reason shows it, in one pass (a scored record asks this for the few
   * columns that became its reasons): `text` is the readable bucket ('age 32-38', 'job = retired',
   * 'age missing', 'job = x (rare)'; numeric buckets are the fitted quartile intervals), `key` a stable key
   * for reason codes that must not change with wording (numeric 'q1'..'q4' or 'missing'; categorical the
   * level, 'other' or 'missing'), `value` the bucket as parts (see ValueBucket).
   */
  reasonBuckets(row: RawRow, only?: ReadonlySet<string>): Map<string, ReasonBucket> {
    const out = new Map<string, ReasonBucket>();
    for (const c of this.columns) {
      if (only !== undefined && !only.has(c.name)) continue;
      const raw = own(row, c.name);
      if (c.kind === 'numeric') {
        const x = numericValue(raw, c.placeholders);
        if (x === null) {
          out.set(c.name, { text: c.missingText, key: 'missing', value: { kind: 'missing' } });
          continue;
        }
        let k = 0;
        while (k < c.quartiles.length && x >= (c.quartiles[k] as number)) k++;
        out.set(c.name, numericReasonBucket(c, x, k));
        continue;
      }
      const text = cleanValue(raw, c.placeholders);
      if (text === null) {
        out.set(c.name, { text: c.missingText, key: 'missing', value: { kind: 'missing' } });
        continue;
      }
      out.set(c.name, levelReasonBucket(c, text));
    }
    return out;
  }

  /** Each column's readable bucket (reasonBuckets' text), e.g. `{ age: 'age 32-38', job: 'job = retired' }`. */
  describe(row: RawRow, only?: ReadonlySet<string>): Record<string, string> {
    return mapRecord(this.reasonBuckets(row, only), (b) => b.text);
  }

  /** Each column's stable bucket key (reasonBuckets' key). */
  bucketKeys(row: RawRow, only?: ReadonlySet<string>): Record<string, string> {
    return mapRecord(this.reasonBuckets(row, only), (b) => b.key);
  }

  /** Each column's value bucket as parts (reasonBuckets' value); the same buckets `describe` words. */
  valueBuckets(row: RawRow, only?: ReadonlySet<string>): Record<string, ValueBucket> {
    return mapRecord(this.reasonBuckets(row, only), (b) => b.value);
  }

  toJSON(): FeaturePipelineJson {
    return {
      kind: 'featurePipeline',
      version: 1,
      columns: structuredClone(this.columns as Column[]),
      featureNames: [...this.featureNames],
    };
  }

  /** Loads a pipeline saved by `toJSON`; rejects anything else with a clear error. */
  static fromJSON(json: unknown): FeaturePipeline {
    const data = parseSavedJson(json, { kind: 'featurePipeline', version: 1, name: 'feature pipeline', root: 'pipeline', schema: FeaturePipelineJson, error: FeatureSchemaError });
    const pipeline = new FeaturePipeline(data.columns);
    const saved = data.featureNames;
    if (saved.length !== pipeline.featureNames.length || saved.some((n, i) => n !== pipeline.featureNames[i])) {
      throw new FeatureSchemaError('feature pipeline JSON is inconsistent: its featureNames do not match its columns');
    }
    return pipeline;
  }
}

function checkSpec(spec: FeatureSpec): void {
  const seen = new Set<string>();
  for (const name of [...spec.numeric, ...spec.categorical]) {
    if (typeof name !== 'string' || name === '') throw new FeatureSchemaError('column names must be non-empty strings');
    if (seen.has(name)) throw new FeatureSchemaError(`column "${name}" is listed twice in the feature spec`);
    seen.add(name);
  }
  if (seen.size === 0) throw new FeatureSchemaError('the feature spec lists no columns');
  const minCount = spec.rareLevelMinCount ?? DEFAULT_RARE_LEVEL_MIN_COUNT;
  if (!Number.isInteger(minCount) || minCount < 1) throw new RangeError(`rareLevelMinCount must be a positive integer, got ${minCount}`);
  const maxLevels = spec.maxLevels ?? DEFAULT_MAX_LEVELS;
  if (!Number.isInteger(maxLevels) || maxLevels < 1) throw new RangeError(`maxLevels must be a positive integer, got ${maxLevels}`);
  for (const [option, map] of Object.entries({ columnPlaceholders: spec.columnPlaceholders, labels: spec.labels, missingText: spec.missingText })) {
    for (const name of Object.keys(map ?? {})) {
      if (!seen.has(name)) throw new FeatureSchemaError(`${option} names "${name}", which is not a column of the spec`);
    }
  }
}

/** Fits the pipeline on raw rows. Throws FeatureSchemaError for a bad spec or rows lacking a column. */
export function fitFeaturePipeline(rows: readonly RawRow[], spec: FeatureSpec): FeaturePipeline {
  checkSpec(spec);
  if (rows.length === 0) throw new FeatureSchemaError('cannot fit a feature pipeline on zero rows');
  const minCount = spec.rareLevelMinCount ?? DEFAULT_RARE_LEVEL_MIN_COUNT;
  const maxLevels = spec.maxLevels ?? DEFAULT_MAX_LEVELS;
  const global = spec.placeholders ?? [];
  const placeholdersOf = (name: string) => normalisePlaceholders([...global, ...(own(spec.columnPlaceholders, name) ?? [])]);
  const labelOf = (name: string) => own(spec.labels, name) ?? name;
  const missingTextOf = (name: string) => own(spec.missingText, name) ?? `${labelOf(name)} missing`;

  // Validate presence first, with the same message transform gives.
  const probe = FeaturePipeline.fromColumns([
    ...spec.numeric.map((name): Column => ({ kind: 'numeric', name, label: name, missingText: name, placeholders: [], median: 0, quartiles: [], integer: false, missingIndicator: false, typicallyMissing: false })),
    ...spec.categorical.map((name): Column => ({ kind: 'categorical', name, label: name, missingText: name, placeholders: [], levels: [], other: false, missing: false, mode: MISSING })),
  ]);
  probe.assertColumns(rows);

  const columns: Column[] = [];
  for (const name of spec.numeric) {
    const placeholders = placeholdersOf(name);
    const values: number[] = [];
    let missing = 0;
    for (const row of rows) {
      const x = numericValue(own(row, name), placeholders);
      if (x === null) missing++;
      else values.push(x);
    }
    values.sort((a, b) => a - b);
    const quartiles = values.length === 0 ? [] : [quantile(values, 0.25), quantile(values, 0.5), quantile(values, 0.75)];
    columns.push({
      kind: 'numeric',
      name,
      label: labelOf(name),
      missingText: missingTextOf(name),
      placeholders,
      median: quartiles[1] ?? 0,
      quartiles,
      integer: values.length > 0 && values.every(Number.isInteger),
      missingIndicator: missing > 0,
      typicallyMissing: missing > rows.length / 2,
    });
  }
  for (const name of spec.categorical) {
    const placeholders = placeholdersOf(name);
    const counts = new Map<string, number>();
    let missing = 0;
    for (const row of rows) {
      const text = cleanValue(own(row, name), placeholders);
      if (text === null) missing++;
      else counts.set(text, (counts.get(text) ?? 0) + 1);
    }
    // most frequent first, ties by value so the result does not depend on row order
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const kept = ranked.filter(([, n]) => n >= minCount).slice(0, maxLevels);
    const levels = kept.map(([level]) => level);
    const otherCount = rows.length - missing - kept.reduce((s, [, n]) => s + n, 0);
    const buckets: Array<[string, number]> = [...kept, [OTHER, otherCount], [MISSING, missing]];
    const mode = buckets.reduce((best, b) => (b[1] > best[1] ? b : best))[0];
    columns.push({
      kind: 'categorical',
      name,
      label: labelOf(name),
      missingText: missingTextOf(name),
      placeholders,
      levels,
      other: otherCount > 0,
      missing: missing > 0,
      mode,
    });
  }
  return FeaturePipeline.fromColumns(columns);
}
