/**
 * A FeatureSpec inferred from a table of strings (a CSV file someone brings): a column is numeric when at
 * least 95 % of its non-empty values parse as plain decimal numbers, a date when as many are ISO 8601 dates
 * (CRM exports carry create and activity dates: listed in `dates`, for src/features/dates.ts to turn into
 * ages), categorical otherwise; columns empty
 * in every row, holding one value in every row, or a distinct value in every row (an identifier such as
 * customerID) are left out, each with its reason. Pure, no I/O.
 */
import { parseDate } from '../../features/dates.ts';
import { parseNumber } from '../../features/pipeline.ts';
import type { FeatureSpec } from '../../features/pipeline.ts';

/** Values read as missing in a numeric column (compared trimmed, case-insensitively). */
export const NUMERIC_PLACEHOLDERS = ['na', 'n/a', 'nan', 'null', '#n/a', '-', '?'] as const;

export interface InferredColumn {
  name: string;
  kind: 'numeric' | 'categorical' | 'date' | 'dropped';
  /** Why the column was left out (kind 'dropped'). */
  reason?: string;
  /** Non-empty values (placeholders of numeric columns count as empty). */
  nonEmpty: number;
  distinct: number;
  /** Share of non-empty values that parse as numbers. */
  numericShare: number;
}

export interface InferredSpec {
  spec: FeatureSpec;
  /** Date columns (not in `spec`: they become numeric ages once a reference time is chosen). */
  dates: string[];
  columns: InferredColumn[];
}

export interface InferSpecOptions {
  /** Columns never used as features (the label, --drop). */
  exclude?: readonly string[];
  /** Share of non-empty values that must parse for a numeric column (default 0.95). */
  numericShare?: number;
  /** Fewest rows before "a distinct value in every row" marks an identifier (default 20). */
  identifierMinRows?: number;
}

export function inferFeatureSpec(header: readonly string[], rows: readonly (readonly string[])[], options: InferSpecOptions = {}): InferredSpec {
  const exclude = new Set(options.exclude ?? []);
  const threshold = options.numericShare ?? 0.95;
  const identifierMinRows = options.identifierMinRows ?? 20;
  const placeholders = new Set<string>(NUMERIC_PLACEHOLDERS);
  const spec: FeatureSpec = { numeric: [], categorical: [], columnPlaceholders: {} };
  const columns: InferredColumn[] = [];
  const dates: string[] = [];
  header.forEach((name, j) => {
    if (exclude.has(name)) return;
    const values = new Set<string>();
    const foundPlaceholders = new Set<string>();
    let nonEmpty = 0;
    let numeric = 0;
    let dated = 0;
    let placeholderCount = 0;
    for (const row of rows) {
      const value = (row[j] ?? '').trim();
      if (value === '') continue;
      if (placeholders.has(value.toLowerCase())) {
        placeholderCount++;
        foundPlaceholders.add(value);
        values.add(value);
        continue;
      }
      nonEmpty++;
      values.add(value);
      if (parseNumber(value) !== null) numeric++;
      else if (parseDate(value) !== null) dated++;
    }
    const numericShare = nonEmpty === 0 ? 0 : numeric / nonEmpty;
    const isNumeric = nonEmpty > 0 && numericShare >= threshold;
    const isDate = !isNumeric && nonEmpty > 0 && dated / nonEmpty >= threshold;
    const column: InferredColumn = {
      name,
      kind: 'categorical',
      nonEmpty: isNumeric ? nonEmpty : nonEmpty + placeholderCount,
      distinct: values.size,
      numericShare,
    };
    const filled = column.nonEmpty;
    if (filled === 0) {
      column.kind = 'dropped';
      column.reason = 'empty in every row';
    } else if (values.size === 1 && filled === rows.length) {
      column.kind = 'dropped';
      column.reason = `the same value in every row ('${[...values][0]}')`;
    } else if (isDate) {
      column.kind = 'date';
      dates.push(name);
    } else if (!isNumeric && values.size === filled && filled >= identifierMinRows) {
      column.kind = 'dropped';
      column.reason = 'identifier: a different value in every row';
    } else if (isNumeric) {
      column.kind = 'numeric';
      spec.numeric.push(name);
      if (foundPlaceholders.size > 0) (spec.columnPlaceholders as Record<string, string[]>)[name] = [...foundPlaceholders].sort();
    } else {
      spec.categorical.push(name);
    }
    columns.push(column);
  });
  if (Object.keys(spec.columnPlaceholders ?? {}).length === 0) delete spec.columnPlaceholders;
  return { spec, dates, columns };
}
