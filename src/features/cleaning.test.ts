import { describe, expect, it } from 'vitest';
import { dedupeRows, fitRowCleaner, RowCleaner } from './cleaning.ts';
import { fitFeaturePipeline, FeatureSchemaError } from './pipeline.ts';
import type { RawRow } from './pipeline.ts';

describe('dedupeRows', () => {
  const rows: RawRow[] = [
    { email: 'a@x.io', age: '30', source: 'web' },
    { email: 'b@x.io', age: '41', source: 'ads' },
    { email: 'a@x.io', age: '30', source: 'web' }, // exact repeat of 0
    { email: 'a@x.io', age: '31', source: 'web' }, // same email, other age
    { email: 'b@x.io', age: '41', source: 'ads' }, // exact repeat of 1
    { email: 'a@x.io', age: null, source: 'web' },
    { email: 'a@x.io', source: 'web' }, // age absent: not the same as null
  ];

  it('drops exact repeats on all columns, keeping the first, and says which row each repeats', () => {
    const out = dedupeRows(rows);
    expect(out.rows).toEqual([rows[0], rows[1], rows[3], rows[5], rows[6]]);
    expect(out.removed).toBe(2);
    expect(out.duplicates).toEqual([
      { index: 2, firstIndex: 0 },
      { index: 4, firstIndex: 1 },
    ]);
    expect(out.labels).toBeUndefined();
  });

  it('compares only the key columns when given, and keeps labels aligned', () => {
    const byEmail = rows.slice(0, 6);
    const labels = [1, 0, 1, 0, 0, 1];
    const out = dedupeRows(byEmail, { key: ['email'], labels });
    expect(out.rows).toEqual([byEmail[0], byEmail[1]]);
    expect(out.labels).toEqual([1, 0]);
    expect(out.removed).toBe(4);
    expect(out.duplicates.map((d) => d.firstIndex)).toEqual([0, 0, 1, 0]);
    // dropped rows 2 (1 vs 1), 3 (0 vs 1), 4 (0 vs 0), 5 (1 vs 1): only row 3 disagrees with the row kept
    expect(out.labelConflicts).toBe(1);
  });

  it('compares values exactly (no trimming or case folding)', () => {
    const out = dedupeRows([{ e: 'A@x.io' }, { e: 'a@x.io' }, { e: 'a@x.io ' }, { e: 'a@x.io' }]);
    expect(out.removed).toBe(1);
    expect(out.duplicates).toEqual([{ index: 3, firstIndex: 1 }]);
  });

  it('refuses mismatched labels, an empty key and a key column a row lacks', () => {
    expect(() => dedupeRows(rows, { labels: [1, 0] })).toThrow(/2 labels for 7 rows/);
    expect(() => dedupeRows(rows, { key: [] })).toThrow(/key lists no columns/);
    expect(() => dedupeRows(rows, { key: ['email', 'age'] })).toThrow(FeatureSchemaError);
    expect(() => dedupeRows(rows, { key: ['emial'] })).toThrow(/key column "emial" is absent from row 0/);
  });

  it('handles no rows', () => {
    expect(dedupeRows([], { labels: [] })).toEqual({ rows: [], labels: [], removed: 0, duplicates: [], labelConflicts: 0 });
  });
});

describe('RowCleaner', () => {
  const cleaner = fitRowCleaner({
    ranges: { age: { min: 0, max: 120, integer: true }, employees: { min: 1 } },
    levels: { stage: ['lead', 'mql', 'customer'] },
    placeholders: ['Select'],
  });
  // Frozen: cleaning must copy, and an in-place write would throw in any test, not just the one checking it.
  const rows: RawRow[] = [
    { age: '34', employees: '12', stage: 'lead' },
    { age: '150', employees: '0', stage: 'prospect' },
    { age: '-1', employees: 'n/a', stage: ' mql ' },
    { age: '33.5', employees: '1e3', stage: 'Select' },
    { age: null, employees: '', stage: null },
    { age: 'abc', employees: '1', stage: 'Customer' },
    { age: '120', employees: '1', stage: 'customer', other: 'kept' },
  ].map((r) => Object.freeze(r));

  it('replaces impossible values with null and reports each with its reason, counted per column', () => {
    const { rows: out, issues, counts } = cleaner.clean(rows);
    expect(out[1]).toEqual({ age: null, employees: null, stage: null });
    expect(out[2]).toEqual({ age: null, employees: 'n/a', stage: ' mql ' });
    expect(out[3]).toEqual({ age: null, employees: '1e3', stage: 'Select' });
    expect(out[5]).toEqual({ age: 'abc', employees: '1', stage: null });
    expect(issues.map(({ column, value, rowIndex, reason }) => ({ column, value, rowIndex, reason }))).toEqual([
      { column: 'age', value: '150', rowIndex: 1, reason: 'above-max' },
      { column: 'employees', value: '0', rowIndex: 1, reason: 'below-min' },
      { column: 'stage', value: 'prospect', rowIndex: 1, reason: 'not-allowed' },
      { column: 'age', value: '-1', rowIndex: 2, reason: 'below-min' },
      { column: 'age', value: '33.5', rowIndex: 3, reason: 'not-integer' },
      { column: 'stage', value: 'Customer', rowIndex: 5, reason: 'not-allowed' },
    ]);
    expect(issues[0]?.message).toBe('age = 150 is above the maximum 120');
    expect(counts).toEqual({ age: 3, employees: 1, stage: 2 });
  });

  it('leaves valid, missing, placeholder and unparsable values and unconfigured columns alone, and does not mutate input', () => {
    const before = structuredClone(rows);
    const { rows: out } = cleaner.clean(rows);
    expect(out[0]).toBe(rows[0]);
    expect(out[4]).toBe(rows[4]);
    expect(out[6]).toBe(rows[6]);
    expect(rows).toEqual(before);
  });

  it('feeds the pipeline: cleaned values are imputed like missing ones', () => {
    const { rows: out } = cleaner.clean(rows);
    const p = fitFeaturePipeline(out, { numeric: ['age'], categorical: [], placeholders: ['Select'] });
    // ages left: 34, 120 -> median 77; 150, -1 and 33.5 are missing now
    expect(p.transform([out[1] as RawRow])).toEqual([[77, 1]]);
  });

  it('throws naming the row and the column a row lacks', () => {
    expect(() => cleaner.clean([{ age: '3', employees: '2', stage: 'lead' }, { age: '3', stage: 'lead' }])).toThrow(
      /row 1 lacks "employees"/,
    );
  });

  it('rejects bad specs', () => {
    expect(() => fitRowCleaner({ ranges: { age: { min: 10, max: 5 } } })).toThrow(/min 10 of "age" is above its max 5/);
    expect(() => fitRowCleaner({ ranges: { age: { max: Infinity } } })).toThrow(/max of "age" must be a finite number/);
    expect(() => fitRowCleaner({ ranges: { age: { min: Number.NaN } } })).toThrow(/min of "age"/);
    expect(() => fitRowCleaner({ ranges: { age: {} } })).toThrow(/sets none of min, max, integer/);
    expect(() => fitRowCleaner({ levels: { stage: [] } })).toThrow(/allowed levels of "stage" must be a non-empty list/);
    expect(() => fitRowCleaner({ ranges: { x: { min: 0 } }, levels: { x: ['a'] } })).toThrow(/"x" has both a range and allowed levels/);
  });

  it('round-trips through JSON text with identical cleaning', () => {
    const json = JSON.parse(JSON.stringify(cleaner.toJSON())) as unknown;
    expect(json).toMatchObject({ kind: 'rowCleaner', version: 1 });
    const loaded = RowCleaner.fromJSON(json);
    expect(loaded.clean(rows)).toEqual(cleaner.clean(rows));
    expect(loaded.toJSON()).toEqual(cleaner.toJSON());
  });

  it('rejects malformed JSON naming what is wrong', () => {
    const json = cleaner.toJSON();
    expect(() => RowCleaner.fromJSON(null)).toThrow(/not a row cleaner/);
    expect(() => RowCleaner.fromJSON({ ...json, kind: 'scaler' })).toThrow(/expected kind "rowCleaner", got "scaler"/);
    expect(() => RowCleaner.fromJSON({ ...json, version: 2 })).toThrow(/unsupported row cleaner version 2/);
    expect(() => RowCleaner.fromJSON({ ...json, ranges: { age: { min: 'zero', integer: true } } })).toThrow(/invalid row cleaner JSON: ranges\.age\.min/);
    expect(() => RowCleaner.fromJSON({ ...json, ranges: { age: { min: 5, max: 1, integer: false } } })).toThrow(/min is above max/);
    expect(() => RowCleaner.fromJSON({ ...json, levels: { age: ['a'] } })).toThrow(/"age" has both a range and allowed levels/);
  });
});
