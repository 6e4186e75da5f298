/**
 * The error every reader throws for bad input: one readable line that names the file and says what to do.
 * Callers (the CLI) print `message` alone, never a stack trace.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** A readable reason for a failed open/read (file not found, a directory, no permission...). */
export function fileError(file: string, error: unknown): InputError {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return new InputError(`${file}: file not found`);
  if (code === 'EISDIR') return new InputError(`${file}: is a directory, not a file`);
  if (code === 'EACCES' || code === 'EPERM') return new InputError(`${file}: permission denied`);
  const message = error instanceof Error ? error.message : String(error);
  return new InputError(`${file}: cannot read the file (${message})`);
}

/** "12,345" */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A list of line numbers for a message: "lines 4, 9, 12 and 3 more". */
export function lineList(lines: readonly number[], total: number, shown = 5): string {
  const head = lines.slice(0, shown).join(', ');
  const more = total - Math.min(shown, lines.length);
  return `${total === 1 ? 'line' : 'lines'} ${head}${more > 0 ? ` and ${count(more)} more` : ''}`;
}
