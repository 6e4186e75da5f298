/**
 * Plain-text tables and small bar charts for the eval reports (monospace terminals, no colour codes).
 */

/** A number with fixed decimals; NaN / null as 'n/a'. */
export function fixed(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits);
}

/** A share as a percentage: 0.1127 -> '11.3 %'. */
export function percent(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(digits)} %`;
}

/** An integer with thousands separators. */
export function int(n: number): string {
  return Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US');
}

/** Seconds, readable: '0.042 s', '3.21 s', '125 s'. */
export function secs(x: number): string {
  if (Number.isNaN(x)) return 'n/a';
  if (x < 0.1) return `${x.toFixed(3)} s`;
  if (x < 100) return `${x.toFixed(2)} s`;
  return `${Math.round(x)} s`;
}

/** mean ± sd */
export function meanSd(s: { mean: number; sd: number }, digits = 4): string {
  return `${fixed(s.mean, digits)} ± ${fixed(s.sd, digits)}`;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of `value / max` x `width` characters, in eighths of a character. */
export function bar(value: number, max: number, width = 30): string {
  if (!(value > 0) || !(max > 0)) return '';
  const eighths = Math.round(Math.min(1, value / max) * width * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + (EIGHTHS[eighths % 8] as string);
}

/**
 * A reliability row: a bar for the observed rate and a '|' where the mean predicted probability lies, on a
 * common 0..max scale. A calibrated bin has its '|' at the end of its bar.
 */
export function reliabilityBar(observed: number, predicted: number, max: number, width = 40): string {
  if (Number.isNaN(observed) || Number.isNaN(predicted) || !(max > 0)) return '';
  const cells = new Array<string>(width + 1).fill(' ');
  const filled = Math.round(Math.min(1, observed / max) * width);
  for (let i = 0; i < filled; i++) cells[i] = '█';
  const at = Math.min(width, Math.round(Math.min(1, predicted / max) * width));
  cells[at] = '|';
  return cells.join('').trimEnd();
}

export type Align = 'left' | 'right';

/**
 * An aligned table: a header row, a rule, then the rows. Columns are separated by two spaces; `align`
 * gives each column's alignment (default: right for cells that look numeric, left otherwise). The last
 * column is never padded (it may hold a bar).
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  const widths = headers.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const numeric = (s: string) => /^[-+]?[\d,.]+( %| s)?$|^n\/a$|^[\d.]+ ± [\d.]+$/.test(s.trim());
  const alignOf = (j: number): Align => align?.[j] ?? (rows.length > 0 && rows.every((r) => (r[j] ?? '') === '' || numeric(r[j] ?? '')) ? 'right' : 'left');
  const line = (cells: readonly string[]) =>
    cells
      .map((c, j) => {
        if (j === cells.length - 1 && alignOf(j) === 'left') return c;
        return alignOf(j) === 'right' ? c.padStart(widths[j] as number) : c.padEnd(widths[j] as number);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** A section title with an underline. */
export function heading(text: string): string {
  return `${text}\n${'='.repeat(text.length)}`;
}
