/**
 * Feature columns named like Object.prototype members are ordinary columns: present only when a row has
 * them, labelled by their own name, never by an inherited function.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dedupeRows, fitRowCleaner } from './cleaning.ts';
import { FeatureSchemaError, fitFeaturePipeline, type RawRow } from './pipeline.ts';

const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf', 'toLocaleString'];

/** Rows as parsed from outside: own properties only, `__proto__` an ordinary key. */
function rowOf(entries: Array<[string, string | null]>): RawRow {
  return Object.fromEntries(entries);
}

describe('prototype member names as feature columns', () => {
  it('a row without a "constructor" or "toString" column lacks it (FeatureSchemaError), not inherits it', () => {
    const rows = [rowOf([['a', '1']]), rowOf([['a', '2']])];
    expect(() => fitFeaturePipeline(rows, { numeric: ['a'], categorical: ['constructor'] })).toThrow(FeatureSchemaError);
    expect(() => fitFeaturePipeline(rows, { numeric: ['toString'], categorical: [] })).toThrow(FeatureSchemaError);
  });

  it('columns named constructor, toString and __proto__ fit, label and describe as strings', () => {
    const rows = Array.from({ length: 20 }, (_, i) => rowOf([['constructor', String(i)], ['toString', i % 2 ? 'x' : 'y'], ['__proto__', i % 3 ? 'p' : 'q']]));
    const pipeline = fitFeaturePipeline(rows, { numeric: ['constructor'], categorical: ['toString', '__proto__'], labels: {}, missingText: {} });
    const described = pipeline.describe(rows[0] as RawRow);
    for (const name of ['constructor', 'toString', '__proto__']) expect(typeof described[name], name).toBe('string');
    expect(pipeline.transform(rows).length).toBe(20);
    for (const column of pipeline.toJSON().columns) {
      expect(typeof column.label).toBe('string');
      expect(typeof column.missingText).toBe('string');
    }
  });

  it('the row cleaner and dedupe treat an absent "valueOf" as absent', () => {
    const cleaner = fitRowCleaner({ ranges: { a: { min: 0 } } });
    expect(cleaner.clean([rowOf([['valueOf', '-1'], ['a', '1']])]).issues).toEqual([]);
    expect(dedupeRows([rowOf([['a', '1']]), rowOf([['a', '1'], ['valueOf', null]])]).rows.length).toBe(2);
  });

  it('random column names, prototype names included, fit and transform without throwing anything but FeatureSchemaError', () => {
    const name = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.string({ minLength: 1, maxLength: 8 }));
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 2, maxLength: 5 }), fc.integer({ min: 0, max: 1000 }), (names, seed) => {
        const [numeric, ...categorical] = names as [string, ...string[]];
        const rows = Array.from({ length: 12 }, (_, i) => rowOf(names.map((n, j) => [n, j === 0 ? String((seed + i) % 7) : `v${(seed + i * j) % 3}`])));
        const pipeline = fitFeaturePipeline(rows, { numeric: [numeric], categorical });
        const matrix = pipeline.transform(rows);
        expect(matrix.every((r) => r.every((x) => Number.isFinite(x)))).toBe(true);
        for (const value of Object.values(pipeline.describe(rows[0] as RawRow))) expect(typeof value).toBe('string');
      }),
      { numRuns: 200, seed: 13 },
    );
  });
});
