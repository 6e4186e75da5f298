import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryLabels, CsvParser, detectDelimiter, formatCsvRecord, InputError, parseCsvObjects, parseCsvRecords, parseCsvText, parseDelimiterOption, readCsvFile, requireColumns, UnterminatedQuoteError } from './index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'csv-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

function parseAll(text: string, delimiter = ',', chunk = Infinity): Array<[string[], number]> {
  const out: Array<[string[], number]> = [];
  const parser = new CsvParser(delimiter, (fields, line) => out.push([fields, line]));
  if (chunk === Infinity) parser.push(text);
  else for (let i = 0; i < text.length; i += chunk) parser.push(text.slice(i, i + chunk));
  parser.end();
  return out;
}

describe('CsvParser (RFC 4180)', () => {
  const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\n1,2,3\n\n4,,"6"\r7,8,9';

  it('handles quotes, escaped quotes, quoted line breaks, CRLF / LF / CR, a BOM and a missing final line break', () => {
    expect(parseAll(text)).toEqual([
      [['a', 'b', 'c'], 1],
      [['x, y', 'say "hi"', 'two\r\nlines'], 2],
      [['1', '2', '3'], 4],
      [['4', '', '6'], 6],
      [['7', '8', '9'], 7],
    ]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const whole = parseAll(text);
    for (const size of [1, 2, 3, 5, 7]) expect(parseAll(text, ',', size)).toEqual(whole);
  });

  it('keeps a quote inside an unquoted field, and text after a closing quote', () => {
    expect(parseAll('5 1/2",a\n"ab"c,d\n')).toEqual([
      [['5 1/2"', 'a'], 1],
      [['abc', 'd'], 2],
    ]);
  });

  it('keeps empty fields and an empty quoted field', () => {
    expect(parseAll(',,\n"",x\n')).toEqual([
      [['', '', ''], 1],
      [['', 'x'], 2],
    ]);
  });

  it('reports an unclosed quote with its line', () => {
    expect(() => parseAll('a,b\n"open,1\n2,3\n')).toThrow(/opened on line 2 is never closed/);
  });
});

describe('delimiter detection', () => {
  it('detects , ; tab and |, respecting quotes', () => {
    expect(detectDelimiter('a,b,c\n1,2,3\n', true).delimiter).toBe(',');
    expect(detectDelimiter('"age";"job"\n30;"admin."\n', true).delimiter).toBe(';');
    expect(detectDelimiter('a\tb\n1\t2\n', true).delimiter).toBe('\t');
    expect(detectDelimiter('a|b\n1|2\n', true).delimiter).toBe('|');
    // the commas are inside quotes: the delimiter is ';'
    expect(detectDelimiter('"a,b";c\n"1,2";3\n"4,5";6\n', true).delimiter).toBe(';');
    // decimal commas in ';' data
    expect(detectDelimiter('price;qty\n1,5;2\n2,25;3\n', true).delimiter).toBe(';');
    expect(detectDelimiter('justone\n1\n', true).delimiter).toBeNull();
  });

  it('parses --delimiter values', () => {
    expect(parseDelimiterOption('tab')).toBe('\t');
    expect(parseDelimiterOption('\\t')).toBe('\t');
    expect(parseDelimiterOption(';')).toBe(';');
    expect(() => parseDelimiterOption(';;')).toThrow(/--delimiter must be one character/);
  });
});

describe('parseCsvRecords / parseCsvObjects (a delimiter the caller knows, as for Bulk API results)', () => {
  it('splits on the given delimiter only, never guessing another', () => {
    // Detection would pick ';' (more columns); the caller said ',' and gets two fields per record.
    expect(parseCsvRecords('a;b;c,d\n1;2;3,4\n', ',')).toEqual([['a;b;c', 'd'], ['1;2;3', '4']]);
    expect(parseCsvRecords('"Id"|"Name"\r\n"001"|"A|B"\r\n', '|')).toEqual([['Id', 'Name'], ['001', 'A|B']]);
    expect(parseCsvRecords('x\ty\n1\t2', '\t')).toEqual([['x', 'y'], ['1', '2']]);
  });

  it('reads quoted delimiters, doubled quotes and quoted line breaks, CRLF or LF, and skips blank lines', () => {
    const text = '"Id","Note"\r\n"1","say ""hi"", then\r\nleave"\r\n\r\n"2",\n';
    expect(parseCsvRecords(text)).toEqual([['Id', 'Note'], ['1', 'say "hi", then\r\nleave'], ['2', '']]);
    expect(parseCsvObjects(text)).toEqual([{ Id: '1', Note: 'say "hi", then\r\nleave' }, { Id: '2', Note: '' }]);
  });

  it('gives short rows empty cells, an empty text no rows, and refuses a cut-off quoted field', () => {
    expect(parseCsvObjects('a,b,c\n1\n')).toEqual([{ a: '1', b: '', c: '' }]);
    expect(parseCsvObjects('')).toEqual([]);
    expect(parseCsvObjects('a,b\n')).toEqual([]);
    expect(() => parseCsvRecords('a,b\n"1,2\n3,4\n')).toThrow(UnterminatedQuoteError);
    expect(() => parseCsvRecords('a,b\n"1,2\n')).toThrow(/quoted field opened on line 2 is never closed/);
    expect(() => parseCsvRecords('a,b', ';;')).toThrow(/one character/);
  });

  it('reads back what formatCsvRecord writes, nulls as empty cells', () => {
    const values = ['plain', 'with "quotes"', 'a,b|c', 'two\nlines', '', null];
    const line = formatCsvRecord(values, '|');
    expect(line).toBe('"plain"|"with ""quotes"""|"a,b|c"|"two\nlines"|""|');
    expect(parseCsvRecords(`${formatCsvRecord(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'], '|')}\r\n${line}\r\n`, '|')).toEqual([
      ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'],
      ['plain', 'with "quotes"', 'a,b|c', 'two\nlines', '', ''],
    ]);
    expect(formatCsvRecord([null])).toBe('');
  });
});

describe('parseCsvText', () => {
  it('reads a table with line numbers and trimmed header names', () => {
    const t = parseCsvText(' id ;name\n1;"a;b"\n2;c\n', { name: 'f.csv' });
    expect(t.header).toEqual(['id', 'name']);
    expect(t.rows).toEqual([
      ['1', 'a;b'],
      ['2', 'c'],
    ]);
    expect(t.lines).toEqual([2, 3]);
    expect(t.delimiter).toBe(';');
    expect(t.delimiterSource).toBe('detected');
  });

  it('skips and counts rows with the wrong number of fields, with their lines', () => {
    const t = parseCsvText('a,b,c\n1,2,3\n1,2\n4,5,6\n1,2,3,4\n7,8,9\n', { name: 'f.csv' });
    expect(t.rows).toHaveLength(3);
    expect(t.badRows).toEqual({ count: 2, examples: [{ line: 3, fields: 2 }, { line: 5, fields: 4 }] });
    expect(t.warnings[0]).toMatch(/f\.csv: skipped 2 of 5 rows without the header's 3 fields \(lines with field counts: 3 \(2\), 5 \(4\)\)/);
  });

  it('fails when most rows are bad', () => {
    expect(() => parseCsvText('a,b,c\n1,2\n3,4\n5,6,7\n', { name: 'f.csv' })).toThrow(/f\.csv: 2 of 3 rows do not have the header's 3 fields/);
  });

  it('names columns without a header name and refuses duplicates', () => {
    expect(parseCsvText(',a\n1,2\n').header).toEqual(['column_1', 'a']);
    expect(() => parseCsvText('a,b,a\n1,2,3\n', { name: 'f.csv' })).toThrow(/f\.csv: the header names column "a" twice \(columns 1 and 3\)/);
  });

  it('gives clear errors for an empty file, no header, no rows and one column', () => {
    expect(() => parseCsvText('', { name: 'f.csv' })).toThrow(/f\.csv: the file is empty/);
    expect(() => parseCsvText('\uFEFF\n\n', { name: 'f.csv' })).toThrow(/the file is empty/);
    expect(() => parseCsvText('1.5,2,3\n4,5,6\n', { name: 'f.csv' })).toThrow(/f\.csv: no header: the first line \(1\.5, 2, 3\) holds only numbers/);
    expect(() => parseCsvText('a,b\n', { name: 'f.csv' })).toThrow(/header but no data rows/);
    expect(() => parseCsvText('a b c\n1 2 3\n', { name: 'f.csv' })).toThrow(/f\.csv: only one column found \(header "a b c"\): wrong delimiter\?/);
  });

  it('says which delimiter the file seems to use when --delimiter is wrong', () => {
    expect(() => parseCsvText('a;b;c\n1;2;3\n', { name: 'f.csv', delimiter: ',' })).toThrow(
      "f.csv: the file seems to use ';' but --delimiter ',' was given (only one column found)",
    );
    const t = parseCsvText('a\tb\n1\t2\n', { delimiter: 'tab' });
    expect(t.header).toEqual(['a', 'b']);
    expect(t.delimiterSource).toBe('given');
  });
});

describe('readCsvFile', () => {
  it('streams a file larger than the detection sample, with CRLF and a BOM', async () => {
    const lines = ['\uFEFFid;segment;amount'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i};"seg ${i % 7}; quoted";${(i * 1.5).toFixed(1)}`);
    const file = write('big.csv', `${lines.join('\r\n')}\r\n`);
    const t = await readCsvFile(file);
    expect(t.header).toEqual(['id', 'segment', 'amount']);
    expect(t.rows).toHaveLength(20_000);
    expect(t.rows[19_999]).toEqual(['19999', 'seg 0; quoted', '29998.5']);
    expect(t.lines[19_999]).toBe(20_001);
    expect(t.delimiter).toBe(';');
  });

  it('reports a missing file, a directory and an empty file as input errors', async () => {
    await expect(readCsvFile(path.join(dir, 'nope.csv'))).rejects.toThrow(/nope\.csv: file not found/);
    const sub = path.join(dir, 'sub');
    mkdirSync(sub, { recursive: true });
    await expect(readCsvFile(sub)).rejects.toThrow(/is a directory/);
    await expect(readCsvFile(write('empty.csv', ''))).rejects.toThrow(/empty\.csv: the file is empty/);
    await expect(readCsvFile(write('empty.csv', ''))).rejects.toBeInstanceOf(InputError);
  });

  it('reports an unclosed quote with the lines it would swallow', async () => {
    const file = write('quote.csv', 'a,b\n1,2\n"3,4\n5,6\n7,8\n');
    await expect(readCsvFile(file)).rejects.toThrow(/quote\.csv: a quoted field opened on line 3 is never closed \(a stray '"'\?\); the 3 lines after it/);
  });
});

describe('columns and labels', () => {
  const table = parseCsvText('age,job,y\n30,a,no\n40,b,yes\n50,c,no\n60,d,\n', { name: 'f.csv' });

  it('lists the columns when one is missing', () => {
    expect(() => requireColumns(table, ['Y'], '--label')).toThrow('f.csv: no column "Y" (--label); did you mean "y"?; the columns are: age, job, y');
  });

  it('turns a label column into 0/1, leaving out empty labels', () => {
    const l = binaryLabels(table, 'y');
    expect(l.positive).toBe('yes');
    expect(l.labels).toEqual([0, 1, 0]);
    expect(l.rows).toEqual([0, 1, 2]);
    expect(l.blank).toEqual({ count: 1, lines: [5] });
    expect(l.warnings[0]).toMatch(/left out 1 rows with an empty y \(unknown outcome; line 5\)/);
  });

  it('explains a one-class label, an unknown positive and no default positive', () => {
    const one = parseCsvText('a,y\n1,no\n2,no\n', { name: 'f.csv' });
    expect(() => binaryLabels(one, 'y')).toThrow("f.csv: column y has only the value 'no': a model needs both outcomes");
    expect(() => binaryLabels(table, 'y', { positive: 'maybe' })).toThrow("--positive 'maybe' is not a value of column y; its values: 'no' (2), 'yes' (1)");
    const churn = parseCsvText('a,status\n1,Churned\n2,Stayed\n', { name: 'f.csv' });
    expect(() => binaryLabels(churn, 'status')).toThrow(/no value that reads as the positive outcome \(yes, 1, true, won, converted\); pass --positive VALUE, one of: 'Churned' \(1\), 'Stayed' \(1\)/);
    expect(binaryLabels(churn, 'status', { positive: 'churned' }).labels).toEqual([1, 0]);
  });

  it('restricts negatives when asked, leaving the other values out', () => {
    const deals = parseCsvText('a,stage\n1,Won\n2,Lost\n3,Engaging\n4,Won\n', { name: 'f.csv' });
    const l = binaryLabels(deals, 'stage', { negative: ['lost'] });
    expect(l.labels).toEqual([1, 0, 1]);
    expect(l.excluded).toEqual({ count: 1, values: ['Engaging'] });
    expect(binaryLabels(deals, 'stage').negatives).toEqual(['Engaging', 'Lost']);
  });
});
