/**
 * Shared plumbing of the eval commands: output streams, option parsing, errors, CSV rows as raw records.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { RawRow } from '../../features/pipeline.ts';
import { InputError, type CsvTable } from '../../io/index.ts';
import { nullRecord } from '../../domain/own.ts';

/** Where a command writes: the report (or the one JSON object) to stdout, progress and warnings to stderr. */
export interface EvalIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIO: EvalIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** A mistake in the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Errors that are the input's fault (exit code 2, one line, no stack trace). Not RangeError: the library
 * code throws it for its own broken invariants, and a bug must not read as "your file is wrong".
 */
const INPUT_ERRORS = new Set(['InputError', 'UsageError', 'LeadScoreTrainingError', 'FeatureSchemaError', 'SegmentFeatureError', 'SegmentDataError']);

export function isInputError(error: unknown): boolean {
  return error instanceof Error && INPUT_ERRORS.has(error.name);
}

/**
 * Stratified k-fold puts rows of each class in every fold, so each class needs k rows: a refusal names the
 * file, the class and the most folds that would work, before any fold is drawn.
 */
export function requireRowsPerFold(file: string, folds: number, classes: ReadonlyArray<readonly [count: number, what: string]>, rows = 'rows'): void {
  for (const [count, what] of classes) {
    if (count < folds) {
      throw new InputError(`${file}: only ${count} ${rows} have ${what}: ${folds}-fold cross-validation needs at least ${folds}${count >= 2 ? ` (use --folds ${count} or fewer)` : ''}`);
    }
  }
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** parseArgs, strict, with unknown options and stray arguments turned into UsageErrors. */
export function parseOptions<T extends OptionSpec>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/, ''));
  }
}

/** A required string option. */
export function required(value: string | undefined, name: string, what: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required (${what})`);
  return value;
}

/** A whole-number option within [min, max]. */
export function intOption(name: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^[+-]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number${max < Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : ` >= ${min}`}, got "${raw}"`);
  }
  return value;
}

/** A comma-separated list option ('a,b, c' -> ['a', 'b', 'c']), empty entries dropped. */
export function listOption(raw: string | undefined): string[] {
  return raw === undefined ? [] : raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Rows of a table (those at `positions`, default all) as raw records keyed by column name. */
export function rawRows(table: CsvTable, columns: readonly string[], positions?: readonly number[]): RawRow[] {
  const index = columns.map((c) => [c, table.header.indexOf(c)] as const);
  const make = (row: readonly string[]): RawRow => {
    const out = nullRecord<string>();
    for (const [c, j] of index) out[c] = row[j] ?? '';
    return out;
  };
  return positions === undefined ? table.rows.map(make) : positions.map((i) => make(table.rows[i] as string[]));
}

/** Progress and warnings on stderr, prefixed. */
export function logger(io: EvalIO, command: string): { info: (line: string) => void; warn: (line: string) => void } {
  return {
    info: (line) => io.stderr(`[eval ${command}] ${line}\n`),
    warn: (line) => io.stderr(`[eval ${command}] warning: ${line}\n`),
  };
}

/** JSON with NaN and infinities as null (JSON.stringify does that) and no undefined holes. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
