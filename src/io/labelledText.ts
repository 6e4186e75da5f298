/**
 * A reader for `text<TAB>label` files (the UCI sentiment sentences): one example per line, label 0 or 1
 * after the last tab. Lines are split on '\n' only (a text may hold U+0085 or a lone '\r', which other
 * line splitters break on) and '"' is never a quote character (a CSV reader loses 252 imdb rows to it).
 * A first line whose label is not 0/1 is taken as a header and skipped; other malformed lines are skipped
 * and reported with their line numbers; the read fails when most lines are malformed. Files are streamed.
 */
import { createReadStream } from 'node:fs';
import { count, fileError, InputError } from './errors.ts';

export interface BadLine {
  line: number;
  reason: string;
}

export interface LabelledText {
  file: string;
  texts: string[];
  labels: (0 | 1)[];
  /** The line of each example (1-based). */
  lines: number[];
  bad: { count: number; examples: BadLine[] };
  blankLines: number;
  /** The first line, when it was skipped as a header. */
  header: string | null;
  warnings: string[];
}

export interface LabelledTextOptions {
  /** The file's name in messages (default: the path). */
  name?: string;
  /** Malformed lines kept as examples (default 5). */
  maxExamples?: number;
}

function shortLabel(label: string): string {
  return label.length > 20 ? `${label.slice(0, 19)}…` : label;
}

class LineCollector {
  readonly texts: string[] = [];
  readonly labels: (0 | 1)[] = [];
  readonly lines: number[] = [];
  badCount = 0;
  readonly examples: BadLine[] = [];
  blank = 0;
  header: string | null = null;
  private line = 0;
  private seenContent = false;

  constructor(
    private readonly name: string,
    private readonly maxExamples: number,
  ) {}

  add(raw: string): void {
    this.line++;
    const text = this.line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') {
      this.blank++;
      return;
    }
    const first = !this.seenContent;
    this.seenContent = true;
    const tab = text.lastIndexOf('\t');
    if (tab < 0) {
      this.reject(`no tab before the label`);
      return;
    }
    const label = text.slice(tab + 1).trim();
    const sentence = text.slice(0, tab);
    if (label !== '0' && label !== '1') {
      if (first) {
        this.header = text.trimEnd();
        return;
      }
      this.reject(label === '' ? 'empty label' : `label '${shortLabel(label)}' is not 0 or 1`);
      return;
    }
    if (sentence.trim() === '') {
      this.reject('empty text');
      return;
    }
    this.texts.push(sentence);
    this.labels.push(label === '1' ? 1 : 0);
    this.lines.push(this.line);
  }

  private reject(reason: string): void {
    this.badCount++;
    if (this.examples.length < this.maxExamples) this.examples.push({ line: this.line, reason });
  }

  finish(): LabelledText {
    const good = this.texts.length;
    const described = this.examples.map((e) => `line ${e.line}: ${e.reason}`).join('; ');
    if (good === 0 && this.badCount === 0) {
      throw new InputError(this.header === null ? `${this.name}: the file is empty` : `${this.name}: the file has a header line but no examples`);
    }
    if (this.badCount > good) {
      throw new InputError(
        `${this.name}: ${count(this.badCount)} of ${count(this.badCount + good)} lines are not 'text<TAB>0|1' (${described}${this.badCount > this.examples.length ? '; ...' : ''}): is this a text<TAB>label file?`,
      );
    }
    const warnings: string[] = [];
    if (this.header !== null) warnings.push(`${this.name}: line 1 has no 0/1 label ("${shortLabel(this.header)}"): skipped as a header`);
    if (this.badCount > 0) {
      warnings.push(
        `${this.name}: skipped ${count(this.badCount)} malformed ${this.badCount === 1 ? 'line' : 'lines'} (${described}${this.badCount > this.examples.length ? `; and ${count(this.badCount - this.examples.length)} more` : ''})`,
      );
    }
    return {
      file: this.name,
      texts: this.texts,
      labels: this.labels,
      lines: this.lines,
      bad: { count: this.badCount, examples: this.examples },
      blankLines: this.blank,
      header: this.header,
      warnings,
    };
  }
}

/** Parses `text<TAB>label` content already in memory (tests, small inputs). */
export function parseLabelledText(content: string, options: LabelledTextOptions = {}): LabelledText {
  const collector = new LineCollector(options.name ?? 'input', options.maxExamples ?? 5);
  const parts = content.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  for (const part of parts) collector.add(part);
  return collector.finish();
}

/** Reads a `text<TAB>label` file, streaming it. Throws InputError for a missing, empty or mostly malformed file. */
export async function readLabelledTextFile(file: string, options: LabelledTextOptions = {}): Promise<LabelledText> {
  const name = options.name ?? file;
  const collector = new LineCollector(name, options.maxExamples ?? 5);
  let rest = '';
  try {
    const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
    for await (const chunk of stream) {
      const text = rest + (chunk as string);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        collector.add(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    }
  } catch (error) {
    throw fileError(name, error);
  }
  if (rest !== '') collector.add(rest);
  return collector.finish();
}
