/**
 * CSV headers come from the user's file: a header named like an Object.prototype member is an ordinary
 * column, and a column the file lacks reads as absent, not as an inherited function.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsvObjects } from './csv.ts';

describe('CSV headers named like prototype members', () => {
  it('parseCsvObjects keeps __proto__ and constructor as columns and reads an absent toString as undefined', () => {
    const [row] = parseCsvObjects('__proto__,constructor\nx,y\n') as [Record<string, string>];
    expect(Object.keys(row)).toEqual(['__proto__', 'constructor']);
    expect(row['__proto__']).toBe('x');
    expect(row['constructor']).toBe('y');
    expect(row['toString']).toBeUndefined();
    expect(row['hasOwnProperty']).toBeUndefined();
  });

  it('random headers, prototype names included, read back exactly their cells', () => {
    const name = fc.oneof(fc.constantFrom('constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'), fc.stringMatching(/^[a-z_]{1,10}$/));
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 6 }), (header) => {
        const cells = header.map((_, i) => `v${i}`);
        const [row] = parseCsvObjects(`${header.join(',')}\n${cells.join(',')}\n`) as [Record<string, string>];
        expect(Object.keys(row)).toEqual(header);
        header.forEach((h, i) => expect(row[h]).toBe(`v${i}`));
        for (const absent of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) if (!header.includes(absent)) expect(row[absent]).toBeUndefined();
      }),
      { numRuns: 300, seed: 13 },
    );
  });
});
