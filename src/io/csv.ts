/**
 * A CSV reader for the files a RevOps analyst brings (CRM exports, spreadsheets, UCI data sets).
 *
 * - RFC 4180: fields in double quotes may hold the delimiter, line breaks and "" (an escaped quote); a
 *   quote inside an unquoted field is kept as a character (lenient, as spreadsheets write them).
 * - The delimiter (`,` `;` tab `|`) is detected from the first 64 KiB (quote-aware: the candidate whose
 *   header has at least two columns and whose rows agree with it most), or given (`--delimiter`).
 * - A UTF-8 byte order mark is dropped; CRLF, LF and CR line ends are all accepted.
 * - A header row is required. Rows with the wrong number of fields are skipped and counted, with their
 *   line numbers; the read fails only when most rows are bad (then the delimiter or the quoting is wrong).
 * - Files are streamed in chunks: the text of the file is never held as one string.
 *
 * Every problem is an InputError with one readable line naming the file.
 *
 * The same parser reads CSV whose delimiter the caller knows (parseCsvRecords, parseCsvObjects: Bulk API 2.0
 * result pages, data sets with a documented format), and formatCsvRecord writes it (the Salesforce
 * emulator's Bulk results), so there is one CSV dialect in the code base.
 */
import { open } from 'node:fs/promises';
import { recordFromEntries } from '../domain/own.ts';
import { count, fileError, InputError } from './errors.ts';

/** The delimiters detection tries, in order of preference on a tie. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;

const SAMPLE_BYTES = 64 * 1024;
const SAMPLE_RECORDS = 100;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** How a delimiter reads in messages: ',' ';' '|' or tab. */
export function describeDelimiter(delimiter: string): string {
  return delimiter === '\t' ? 'tab' : `'${delimiter}'`;
}

/** The value of a --delimiter option: one character, or a name (tab, comma, semicolon, pipe); '\t' means tab. */
export function parseDelimiterOption(raw: string): string {
  const named: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };
  const value = named[raw.toLowerCase()] ?? raw;
  if (value.length !== 1 || value === '"' || value === '\n' || value === '\r') {
    throw new InputError(`--delimiter must be one character (',' ';' '|'), or 'tab'; got '${raw}'`);
  }
  return value;
}

/** Thrown by CsvParser.end() when a quoted field is still open at the end of the input. */
export class UnterminatedQuoteError extends Error {
  override readonly name = 'UnterminatedQuoteError';
  constructor(readonly line: number, readonly lastLine: number) {
    super(`a quoted field opened on line ${line} is never closed`);
  }
}

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;
const AFTER_QUOTED = 4;

/**
 * An incremental RFC 4180 parser: push() text chunks of any size, end() at the end. Calls `onRecord` with
 * the fields of each record and the line it starts on (1-based; a quoted line break counts as a line).
 * Blank (or whitespace-only) lines are not records: they call `onBlank`.
 */
export class CsvParser {
  private state = FIELD_START;
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  private quoteLine = 0;
  /** The record has a delimiter or a quoted field (so it is not a blank line). */
  private structured = false;
  private skipLF = false;
  private first = true;
  private readonly delimiterCode: number;

  constructor(
    delimiter: string,
    private readonly onRecord: (fields: string[], line: number) => void,
    private readonly onBlank: (line: number) => void = () => {},
  ) {
    if (delimiter.length !== 1) throw new Error(`CsvParser: the delimiter must be one character, got ${JSON.stringify(delimiter)}`);
    this.delimiterCode = delimiter.charCodeAt(0);
  }

  /** Lines seen so far (the line the parser is on). */
  get currentLine(): number {
    return this.line;
  }

  push(chunk: string): void {
    let i = 0;
    const n = chunk.length;
    if (n === 0) return;
    if (this.first) {
      this.first = false;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    if (this.skipLF) {
      this.skipLF = false;
      if (chunk.charCodeAt(i) === LF) i++;
    }
    const d = this.delimiterCode;
    while (i < n) {
      if (this.state === QUOTED) {
        const j = chunk.indexOf('"', i);
        const end = j < 0 ? n : j;
        const piece = chunk.slice(i, end);
        this.field += piece;
        for (let k = piece.indexOf('\n'); k >= 0; k = piece.indexOf('\n', k + 1)) this.line++;
        if (j < 0) return;
        i = j + 1;
        this.state = QUOTE_IN_QUOTED;
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (this.state === QUOTE_IN_QUOTED) {
        if (c === QUOTE) {
          this.field += '"';
          this.state = QUOTED;
          i++;
          continue;
        }
        this.state = AFTER_QUOTED;
      }
      if (c === d) {
        this.fields.push(this.field);
        this.field = '';
        this.structured = true;
        this.state = FIELD_START;
        i++;
      } else if (c === LF || c === CR) {
        this.endRecord();
        this.line++;
        this.recordLine = this.line;
        i++;
        if (c === CR) {
          if (i < n) {
            if (chunk.charCodeAt(i) === LF) i++;
          } else {
            this.skipLF = true;
          }
        }
      } else if (c === QUOTE && this.state === FIELD_START) {
        this.state = QUOTED;
        this.structured = true;
        this.quoteLine = this.line;
        i++;
      } else {
        let j = i + 1;
        while (j < n) {
          const cj = chunk.charCodeAt(j);
          if (cj === d || cj === LF || cj === CR) break;
          j++;
        }
        this.field += chunk.slice(i, j);
        if (this.state === FIELD_START) this.state = UNQUOTED;
        i = j;
      }
    }
  }

  /** Ends the input: emits the last record (a file need not end with a line break). */
  end(): void {
    if (this.state === QUOTED) throw new UnterminatedQuoteError(this.quoteLine, this.line);
    if (this.structured || this.field !== '') this.endRecord();
  }

  private endRecord(): void {
    if (!this.structured && this.fields.length === 0 && this.field.trim() === '') {
      this.onBlank(this.recordLine);
    } else {
      this.fields.push(this.field);
      this.onRecord(this.fields, this.recordLine);
    }
    this.fields = [];
    this.field = '';
    this.structured = false;
    this.state = FIELD_START;
  }
}

// ---------------------------------------------------------------------------------------------------------
// A known delimiter: machine-written CSV (no detection, no header checks)

/**
 * Every record of `text` with a fixed one-character delimiter, in order: RFC 4180 quoting, CRLF, LF or CR
 * line ends, a leading byte order mark dropped, blank lines skipped. Throws UnterminatedQuoteError when
 * a quoted field is never closed (a cut-off body), rather than returning a short last record.
 */
export function parseCsvRecords(text: string, delimiter = ','): string[][] {
  const records: string[][] = [];
  const parser = new CsvParser(delimiter, (fields) => {
    records.push(fields);
  });
  parser.push(text);
  parser.end();
  return records;
}

/**
 * The records after the first of `text` as objects keyed by the first record's names (see
 * parseCsvRecords); a row shorter than the header gets '' for its missing cells.
 */
export function parseCsvObjects(text: string, delimiter = ','): Record<string, string>[] {
  const [header, ...rows] = parseCsvRecords(text, delimiter);
  if (header === undefined) return [];
  return rows.map((row) => recordFromEntries(header.map((name, i) => [name, row[i] ?? ''] as const)));
}

/**
 * One CSV record (no line end) as Bulk API 2.0 writes it: every value in double quotes (quotes doubled),
 * so any delimiter or line break inside a value is safe, and null as an empty unquoted cell.
 */
export function formatCsvRecord(values: readonly (string | null)[], delimiter = ','): string {
  return values.map((value) => (value === null ? '' : `"${value.replaceAll('"', '""')}"`)).join(delimiter);
}

/**
 * A cell for a CSV a person opens in a spreadsheet: one that starts with = + - @ (or a tab or CR) would
 * run as a formula, and CRM values are not ours to trust, so it gets a leading apostrophe (OWASP's advice).
 */
export function spreadsheetSafe(value: string | null): string | null {
  // A plain number ("-0.95") is no formula: it stays a number for the spreadsheet.
  if (value === null || /^[-+]?\d+(\.\d+)?$/.test(value)) return value;
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

// ---------------------------------------------------------------------------------------------------------
// Delimiter detection

export interface DelimiterGuess {
  /** The detected delimiter, or null when no candidate gives two or more columns. */
  delimiter: string | null;
  /** Header columns with it. */
  columns: number;
  /** Share of sampled rows with as many fields as the header. */
  consistency: number;
}

/**
 * Guesses the delimiter from the start of a file: for each of , ; tab |, the sample is parsed (quotes
 * respected) and the candidate scored by the share of rows that have as many fields as the header; only
 * candidates giving the header two or more columns count. Ties go to more columns, then to the order above.
 * `complete` = the sample is the whole file (otherwise its last, possibly cut, line is ignored).
 */
export function detectDelimiter(sample: string, complete: boolean): DelimiterGuess {
  let text = sample;
  if (!complete) {
    const cut = text.lastIndexOf('\n');
    if (cut > 0) text = text.slice(0, cut);
  }
  let best: DelimiterGuess = { delimiter: null, columns: 1, consistency: 0 };
  for (const candidate of DELIMITERS) {
    const counts: number[] = [];
    const parser = new CsvParser(candidate, (fields) => {
      if (counts.length < SAMPLE_RECORDS) counts.push(fields.length);
    });
    parser.push(text);
    try {
      parser.end();
    } catch {
      // a quoted field cut by the end of the sample: the records before it still count
    }
    const header = counts[0] ?? 0;
    if (header < 2) continue;
    const rows = counts.slice(1);
    const consistency = rows.length === 0 ? 1 : rows.filter((c) => c === header).length / rows.length;
    if (consistency > best.consistency || (consistency === best.consistency && header > best.columns)) {
      best = { delimiter: candidate, columns: header, consistency };
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------
// Tables

export interface CsvReadOptions {
  /** The delimiter to use instead of detecting one (see parseDelimiterOption). */
  delimiter?: string;
  /** Fewest columns the header must have (default 2: one column almost always means a wrong delimiter). */
  minColumns?: number;
  /** Bad rows kept as examples (default 5). */
  maxExamples?: number;
  /** The file's name in messages (default: the path given). */
  name?: string;
}

export interface BadRow {
  line: number;
  fields: number;
}

export interface CsvTable {
  /** The file's name as used in messages. */
  file: string;
  /** Column names, trimmed. */
  header: string[];
  /** Data rows, each with exactly header.length fields (untrimmed). */
  rows: string[][];
  /** The line each row starts on (1-based, the header is on its own line(s) first). */
  lines: number[];
  delimiter: string;
  delimiterSource: 'detected' | 'given';
  /** Rows skipped for having the wrong number of fields. */
  badRows: { count: number; examples: BadRow[] };
  blankLines: number;
  /** Readable notes for the user: skipped rows, renamed columns. */
  warnings: string[];
}

class TableBuilder {
  header: string[] | null = null;
  headerLine = 0;
  readonly rows: string[][] = [];
  readonly lines: number[] = [];
  bad = 0;
  readonly examples: BadRow[] = [];
  blank = 0;
  readonly warnings: string[] = [];

  constructor(
    private readonly name: string,
    readonly delimiter: string,
    private readonly source: 'detected' | 'given',
    private readonly guess: DelimiterGuess,
    private readonly options: CsvReadOptions,
  ) {}

  record = (fields: string[], line: number): void => {
    if (this.header === null) {
      this.setHeader(fields, line);
      return;
    }
    if (fields.length === this.header.length) {
      this.rows.push(fields);
      this.lines.push(line);
      return;
    }
    this.bad++;
    if (this.examples.length < (this.options.maxExamples ?? 5)) this.examples.push({ line, fields: fields.length });
  };

  blankLine = (): void => {
    this.blank++;
  };

  private setHeader(fields: string[], line: number): void {
    const minColumns = this.options.minColumns ?? 2;
    if (fields.length < minColumns) {
      const shown = fields.join(describeDelimiter(this.delimiter) === 'tab' ? '\t' : this.delimiter).slice(0, 60);
      const other = this.guess.delimiter !== null && this.guess.delimiter !== this.delimiter ? this.guess.delimiter : null;
      if (this.source === 'given' && other !== null) {
        throw new InputError(
          `${this.name}: the file seems to use ${describeDelimiter(other)} but --delimiter ${describeDelimiter(this.delimiter)} was given (only ${fields.length === 1 ? 'one column' : `${fields.length} columns`} found)`,
        );
      }
      throw new InputError(
        `${this.name}: only ${fields.length === 1 ? 'one column' : `${fields.length} columns`} found (header "${shown}"): wrong delimiter? None of , ; tab | splits it; pass --delimiter`,
      );
    }
    const names = fields.map((f) => f.trim());
    if (names.every((n) => n !== '' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(n))) {
      throw new InputError(
        `${this.name}: no header: the first line (${names.slice(0, 4).join(', ')}${names.length > 4 ? ', ...' : ''}) holds only numbers; add a first line naming the columns`,
      );
    }
    const renamed: string[] = [];
    names.forEach((n, i) => {
      if (n === '') {
        let name = `column_${i + 1}`;
        while (names.includes(name)) name = `_${name}`;
        names[i] = name;
        renamed.push(name);
      }
    });
    if (renamed.length > 0) this.warnings.push(`${this.name}: ${renamed.length === 1 ? 'a column has' : `${renamed.length} columns have`} no name in the header; called ${renamed.join(', ')}`);
    const seen = new Map<string, number>();
    names.forEach((n, i) => {
      const before = seen.get(n);
      if (before !== undefined) throw new InputError(`${this.name}: the header names column "${n}" twice (columns ${before + 1} and ${i + 1}); rename one`);
      seen.set(n, i);
    });
    this.header = names;
    this.headerLine = line;
  }

  finish(): CsvTable {
    if (this.header === null) throw new InputError(`${this.name}: the file is empty`);
    const good = this.rows.length;
    if (good === 0 && this.bad === 0) throw new InputError(`${this.name}: the file has a header but no data rows`);
    const expected = this.header.length;
    const detail = this.examples.map((e) => `${e.line} (${e.fields})`);
    if (this.bad > good) {
      const hint =
        this.guess.delimiter !== null && this.guess.delimiter !== this.delimiter
          ? `wrong delimiter? (the file seems to use ${describeDelimiter(this.guess.delimiter)})`
          : 'wrong delimiter or broken quotes?';
      throw new InputError(
        `${this.name}: ${count(this.bad)} of ${count(this.bad + good)} rows do not have the header's ${expected} fields (${this.bad === 1 ? 'line' : 'lines'} with their field counts: ${detail.join(', ')}${this.bad > detail.length ? ', ...' : ''}): ${hint}`,
      );
    }
    if (this.bad > 0) {
      this.warnings.push(
        `${this.name}: skipped ${count(this.bad)} of ${count(this.bad + good)} rows without the header's ${expected} fields (${this.bad === 1 ? 'line' : 'lines'} with field counts: ${detail.join(', ')}${this.bad > detail.length ? `, and ${count(this.bad - detail.length)} more` : ''})`,
      );
    }
    return {
      file: this.name,
      header: this.header,
      rows: this.rows,
      lines: this.lines,
      delimiter: this.delimiter,
      delimiterSource: this.source,
      badRows: { count: this.bad, examples: this.examples },
      blankLines: this.blank,
      warnings: this.warnings,
    };
  }
}

function unterminated(name: string, error: UnterminatedQuoteError): InputError {
  const swallowed = error.lastLine - error.line;
  return new InputError(
    `${name}: a quoted field opened on line ${error.line} is never closed (a stray '"'?); ${swallowed > 0 ? `the ${count(swallowed)} lines after it would be read into one field` : 'it runs to the end of the file'}`,
  );
}

function builderFor(name: string, sample: string, complete: boolean, options: CsvReadOptions): TableBuilder {
  const guess = detectDelimiter(sample, complete);
  const given = options.delimiter === undefined ? undefined : parseDelimiterOption(options.delimiter);
  const delimiter = given ?? guess.delimiter ?? ',';
  return new TableBuilder(name, delimiter, given === undefined ? 'detected' : 'given', guess, options);
}

/** Parses CSV text already in memory (small inputs, tests). Same rules and errors as readCsvFile. */
export function parseCsvText(text: string, options: CsvReadOptions = {}): CsvTable {
  const name = options.name ?? 'input';
  const builder = builderFor(name, text.slice(0, SAMPLE_BYTES), text.length <= SAMPLE_BYTES, options);
  const parser = new CsvParser(builder.delimiter, builder.record, builder.blankLine);
  parser.push(text);
  try {
    parser.end();
  } catch (error) {
    if (error instanceof UnterminatedQuoteError) throw unterminated(name, error);
    throw error;
  }
  return builder.finish();
}

/**
 * Reads a CSV file, streaming it in chunks. Throws InputError for a missing or unreadable file, an empty
 * file, a missing header, a delimiter that gives one column, an unclosed quote, or mostly malformed rows.
 */
export async function readCsvFile(file: string, options: CsvReadOptions = {}): Promise<CsvTable> {
  const name = options.name ?? file;
  if (options.delimiter !== undefined) parseDelimiterOption(options.delimiter);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw fileError(name, error);
  }
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    let bytes: number;
    try {
      ({ bytesRead: bytes } = await handle.read(buffer, 0, SAMPLE_BYTES, 0));
    } catch (error) {
      throw fileError(name, error);
    }
    const sample = buffer.subarray(0, bytes).toString('utf8');
    if (sample.replace(/^\uFEFF/, '').trim() === '') {
      if (bytes < SAMPLE_BYTES) throw new InputError(`${name}: the file is empty`);
    }
    const builder = builderFor(name, sample, bytes < SAMPLE_BYTES, options);
    const parser = new CsvParser(builder.delimiter, builder.record, builder.blankLine);
    const stream = handle.createReadStream({ start: 0, encoding: 'utf8', highWaterMark: 256 * 1024, autoClose: false });
    try {
      for await (const chunk of stream) parser.push(chunk as string);
      parser.end();
    } catch (error) {
      if (error instanceof UnterminatedQuoteError) throw unterminated(name, error);
      if (error instanceof InputError) throw error;
      throw fileError(name, error);
    }
    return builder.finish();
  } finally {
    await handle.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------------------
// Columns

/** Throws an InputError naming the file's columns when one of `names` is not a column ("--label y"). */
export function requireColumns(table: Pick<CsvTable, 'file' | 'header'>, names: readonly string[], option: string): void {
  for (const name of names) {
    if (table.header.includes(name)) continue;
    const near = table.header.find((h) => h.toLowerCase() === name.toLowerCase());
    const columns = table.header.length > 40 ? `${table.header.slice(0, 40).join(', ')}, ... (${table.header.length} in all)` : table.header.join(', ');
    throw new InputError(`${table.file}: no column "${name}" (${option})${near !== undefined ? `; did you mean "${near}"?` : ''}; the columns are: ${columns}`);
  }
}

/** The values of one column, in row order. */
export function columnValues(table: Pick<CsvTable, 'header' | 'rows'>, name: string): string[] {
  const j = table.header.indexOf(name);
  if (j < 0) throw new Error(`columnValues: no column "${name}"`);
  return table.rows.map((row) => row[j] as string);
}
