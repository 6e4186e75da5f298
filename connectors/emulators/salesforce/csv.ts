/**
 * Bulk API 2.0 result CSV: RFC 4180, every non-null value double-quoted (quotes doubled), null as
 * an empty unquoted cell, one header row per result page.
 */
export const COLUMN_DELIMITERS: Record<string, string> = {
  COMMA: ',', TAB: '\t', SEMICOLON: ';', PIPE: '|', CARET: '^', BACKQUOTE: '`',
};
export const LINE_ENDINGS: Record<string, string> = { LF: '\n', CRLF: '\r\n' };

export function csvCell(value: string | null): string {
  return value === null ? '' : `"${value.replace(/"/g, '""')}"`;
}

export function csvLine(values: readonly (string | null)[], delimiter: string): string {
  return values.map(csvCell).join(delimiter);
}
