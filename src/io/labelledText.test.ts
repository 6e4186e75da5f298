import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLabelledText, readLabelledTextFile } from './index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'text-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('text<TAB>label files', () => {
  it('splits on \\n only and never treats " as a quote', () => {
    const t = parseLabelledText('He said "great\tnot really.\t0\nA\u0085B and a lone \r inside\t1\r\n"quoted" start\t1\n');
    expect(t.texts).toEqual(['He said "great\tnot really.', 'A\u0085B and a lone \r inside', '"quoted" start']);
    expect(t.labels).toEqual([0, 1, 1]);
    expect(t.lines).toEqual([1, 2, 3]);
  });

  it('skips a header line and reports bad labels with their line numbers', () => {
    const t = parseLabelledText('sentence\tlabel\ngood\t1\nbad\t0\n\nmeh\tmaybe\nno tab here\nok\t1\nfine\t0\n', { name: 'f.txt' });
    expect(t.header).toBe('sentence\tlabel');
    expect(t.texts).toEqual(['good', 'bad', 'ok', 'fine']);
    expect(t.bad).toEqual({
      count: 2,
      examples: [
        { line: 5, reason: "label 'maybe' is not 0 or 1" },
        { line: 6, reason: 'no tab before the label' },
      ],
    });
    expect(t.blankLines).toBe(1);
    expect(t.warnings[1]).toBe("f.txt: skipped 2 malformed lines (line 5: label 'maybe' is not 0 or 1; line 6: no tab before the label)");
  });

  it('fails when most lines are malformed, or there is nothing', () => {
    expect(() => parseLabelledText('a,1\nb,0\nc\t1\n', { name: 'f.txt' })).toThrow(/f\.txt: 2 of 3 lines are not 'text<TAB>0\|1' \(line 1: no tab before the label; line 2: no tab/);
    expect(() => parseLabelledText('', { name: 'f.txt' })).toThrow('f.txt: the file is empty');
    expect(() => parseLabelledText('text\tlabel\n', { name: 'f.txt' })).toThrow('f.txt: the file has a header line but no examples');
  });

  it('streams files, keeping lines split across chunks whole', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `sentence number ${i} "with quotes"\t${i % 2}`);
    const file = path.join(dir, 'big.txt');
    writeFileSync(file, lines.join('\n'));
    const t = await readLabelledTextFile(file);
    expect(t.texts).toHaveLength(30_000);
    expect(t.texts[29_999]).toBe('sentence number 29999 "with quotes"');
    expect(t.labels[29_999]).toBe(1);
    await expect(readLabelledTextFile(path.join(dir, 'none.txt'))).rejects.toThrow(/none\.txt: file not found/);
  });
});
