/**
 * Turning a label column of a CSV file into 0/1 outcomes, with clear errors for the usual mistakes (a
 * column with one value, a positive value that is not in the column, no value that reads as positive).
 * Values are compared trimmed and case-insensitively; messages spell them as the file does.
 */
import type { CsvTable } from './csv.ts';
import { requireColumns } from './csv.ts';
import { count, InputError, lineList } from './errors.ts';

/** Values taken as the positive outcome when --positive is not given, in order of preference. */
export const DEFAULT_POSITIVE_VALUES = ['yes', '1', 'true', 'won', 'converted'] as const;

export interface BinaryLabelOptions {
  /** The value meaning "converted" (default: the first of DEFAULT_POSITIVE_VALUES present). */
  positive?: string;
  /** The values meaning "lost" (default: every other value). Rows with other values are left out. */
  negative?: readonly string[];
  /** The option names for messages (default '--positive' / '--negative'). */
  positiveOption?: string;
  negativeOption?: string;
}

export interface ValueCount {
  value: string;
  count: number;
}

export interface BinaryLabels {
  column: string;
  /** The positive value, spelled as in the file. */
  positive: string;
  /** The values counted as negative, spelled as in the file. */
  negatives: string[];
  /** One per kept row. */
  labels: (0 | 1)[];
  /** Positions in table.rows of the kept rows. */
  rows: number[];
  positives: number;
  /** Every non-empty value with its count, most frequent first. */
  values: ValueCount[];
  /** Rows left out because their label is empty (unknown outcome). */
  blank: { count: number; lines: number[] };
  /** Rows left out because their label is neither the positive nor one of the given negatives. */
  excluded: { count: number; values: string[] };
  /** Readable notes about left-out rows. */
  warnings: string[];
}

const fold = (v: string) => v.trim().toLowerCase();

function listValues(values: readonly ValueCount[], shown = 10): string {
  const head = values.slice(0, shown).map((v) => `'${v.value}' (${count(v.count)})`).join(', ');
  return values.length > shown ? `${head} and ${values.length - shown} more` : head;
}

/**
 * The 0/1 outcome of each row from a label column. Throws InputError when the column is missing (listing
 * the columns), empty, holds one value only ("column y has only the value 'no': a model needs both
 * outcomes"), or when the positive value cannot be found (listing the values).
 */
export function binaryLabels(table: Pick<CsvTable, 'file' | 'header' | 'rows' | 'lines'>, column: string, options: BinaryLabelOptions = {}): BinaryLabels {
  const positiveOption = options.positiveOption ?? '--positive';
  const negativeOption = options.negativeOption ?? '--negative';
  requireColumns(table, [column], '--label');
  const j = table.header.indexOf(column);
  const counts = new Map<string, number>();
  const blankLines: number[] = [];
  let blank = 0;
  table.rows.forEach((row, i) => {
    const value = (row[j] as string).trim();
    if (value === '') {
      blank++;
      if (blankLines.length < 5) blankLines.push(table.lines[i] ?? i + 2);
      return;
    }
    counts.set(value, (counts.get(value) ?? 0) + 1);
  });
  const values = [...counts.entries()].map(([value, n]) => ({ value, count: n })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  const first = values[0];
  if (first === undefined) throw new InputError(`${table.file}: column ${column} is empty in every row: there are no outcomes to learn from`);
  if (values.length === 1) throw new InputError(`${table.file}: column ${column} has only the value '${first.value}': a model needs both outcomes`);

  let positive: string;
  if (options.positive !== undefined) {
    const match = values.find((v) => fold(v.value) === fold(options.positive as string));
    if (match === undefined) throw new InputError(`${table.file}: ${positiveOption} '${options.positive}' is not a value of column ${column}; its values: ${listValues(values)}`);
    positive = match.value;
  } else {
    const match = DEFAULT_POSITIVE_VALUES.map((p) => values.find((v) => fold(v.value) === p)).find((v) => v !== undefined);
    if (match === undefined) {
      throw new InputError(
        `${table.file}: column ${column} has no value that reads as the positive outcome (${DEFAULT_POSITIVE_VALUES.join(', ')}); pass ${positiveOption} VALUE, one of: ${listValues(values)}`,
      );
    }
    positive = match.value;
  }

  let negatives: string[];
  if (options.negative !== undefined && options.negative.length > 0) {
    negatives = options.negative.map((n) => {
      const match = values.find((v) => fold(v.value) === fold(n));
      if (match === undefined) throw new InputError(`${table.file}: ${negativeOption} '${n}' is not a value of column ${column}; its values: ${listValues(values)}`);
      if (match.value === positive) throw new InputError(`${table.file}: '${n}' is given as both the positive and a negative value of column ${column}`);
      return match.value;
    });
  } else {
    negatives = values.map((v) => v.value).filter((v) => v !== positive);
  }
  const negativeSet = new Set(negatives);

  const labels: (0 | 1)[] = [];
  const rows: number[] = [];
  let positives = 0;
  let excluded = 0;
  table.rows.forEach((row, i) => {
    const value = (row[j] as string).trim();
    if (value === '') return;
    if (value === positive) {
      labels.push(1);
      rows.push(i);
      positives++;
    } else if (negativeSet.has(value)) {
      labels.push(0);
      rows.push(i);
    } else {
      excluded++;
    }
  });
  const excludedValues = values.map((v) => v.value).filter((v) => v !== positive && !negativeSet.has(v));
  if (labels.length - positives === 0) {
    throw new InputError(`${table.file}: column ${column} has only the value '${positive}' among the rows kept: a model needs both outcomes`);
  }
  const warnings: string[] = [];
  if (blank > 0) warnings.push(`${table.file}: left out ${count(blank)} rows with an empty ${column} (unknown outcome; ${lineList(blankLines, blank)})`);
  if (excluded > 0) warnings.push(`${table.file}: left out ${count(excluded)} rows whose ${column} is neither '${positive}' nor a ${negativeOption} value (${excludedValues.map((v) => `'${v}'`).join(', ')})`);
  return {
    column,
    positive,
    negatives,
    labels,
    rows,
    positives,
    values,
    blank: { count: blank, lines: blankLines },
    excluded: { count: excluded, values: excludedValues },
    warnings,
  };
}
