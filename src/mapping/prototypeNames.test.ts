/**
 * Column and field names come from outside (CSV headers, mappings, CRM properties): names of
 * Object.prototype members must read as ordinary names, never as the inherited functions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crmField, parseMapping, type LeadScoreMapping } from './schema.ts';
import { DEFAULT_HUBSPOT_MAPPING } from './defaults.ts';
import { modelRow, recordProblem } from './validate.ts';
import type { CanonicalRecord } from '../domain/records.ts';

const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString'];

function leadMapping(numeric: string[], categorical: string[], fields: Record<string, string> = {}): LeadScoreMapping {
  return parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...DEFAULT_HUBSPOT_MAPPING.leadScore, numeric, categorical, fields, ranges: {}, required: [], exclude: [] } }).leadScore;
}

describe('prototype member names as columns', () => {
  it('crmField maps an unmapped column named like a prototype member to itself, not to a function', () => {
    const m = leadMapping(['valueOf'], ['constructor', 'toString', 'hasOwnProperty']);
    for (const column of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) expect(crmField(m, column)).toBe(column);
  });

  it('modelRow reads a property the CRM left out as missing, even when it is named constructor or toString', () => {
    const m = leadMapping(['valueOf'], ['constructor', 'toString']);
    expect(modelRow({ valueOf: '3' }, m)).toEqual({ valueOf: '3', constructor: null, toString: null });
    const record = { properties: {} } as unknown as CanonicalRecord;
    expect(recordProblem(record, m)).toBeNull();
  });

  it('any column names, prototype names included, map to strings and read back their own values', () => {
    const name = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,12}$/));
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 6 }), fc.uniqueArray(name, { maxLength: 3 }), (columns, renamed) => {
        const fields = Object.fromEntries(renamed.filter((c) => columns.includes(c)).map((c) => [c, `crm_${c}`]));
        const m = leadMapping(columns, []);
        const mapped = leadMapping(columns, [], fields);
        const properties: Record<string, string> = {};
        for (const c of columns) expect(typeof crmField(m, c)).toBe('string');
        for (const c of columns) expect(crmField(mapped, c)).toBe(fields[c] !== undefined && Object.hasOwn(fields, c) ? fields[c] : c);
        const row = modelRow(properties, mapped);
        for (const c of columns) expect(row[c]).toBeNull();
      }),
      { numRuns: 300, seed: 13 },
    );
  });
});
