import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldInfo } from '../../connectors/connector.ts';
import { DEFAULT_HUBSPOT_MAPPING, DEFAULT_SALESFORCE_MAPPING } from './defaults.ts';
import { inputLabels } from './labels.ts';
import { MappingError, parseMapping, type Mapping } from './schema.ts';

function withLabels(base: Mapping, labels: unknown): unknown {
  return { ...base, leadScore: { ...base.leadScore, labels } };
}

function problemsOf(input: unknown): Array<{ path: string; message: string }> {
  try {
    parseMapping(input);
    return [];
  } catch (error) {
    if (!(error instanceof MappingError)) throw error;
    return [...error.problems];
  }
}

const field = (name: string, label: string): FieldInfo => ({ name, label, type: 'string', readOnly: false });

describe('mapping labels: validation', () => {
  it('accepts labels by model column and by the CRM field behind it, trimmed', () => {
    const m = parseMapping(withLabels(DEFAULT_SALESFORCE_MAPPING, { previous_outcome: '  Previous campaign ', Nr_Employed__c: 'Employees (thousands)' }));
    expect(m.leadScore.labels).toEqual({ previous_outcome: 'Previous campaign', Nr_Employed__c: 'Employees (thousands)' });
    expect(parseMapping(DEFAULT_HUBSPOT_MAPPING).leadScore.labels).toBeUndefined();
  });

  it('refuses a label for a field the mapping does not read as a model input, naming it', () => {
    expect(problemsOf(withLabels(DEFAULT_HUBSPOT_MAPPING, { shoe_size: 'Shoe size' }))).toEqual([
      { path: 'leadScore.labels.shoe_size', message: 'labels: "shoe_size" is not a model column or the CRM field of one' },
    ]);
    // the outcome and email are read, but are no model inputs: nothing a reason names
    expect(problemsOf(withLabels(DEFAULT_HUBSPOT_MAPPING, { lifecyclestage: 'Stage' }))[0]?.path).toBe('leadScore.labels.lifecyclestage');
  });

  it('refuses empty, blank, too long and multi-line labels', () => {
    expect(problemsOf(withLabels(DEFAULT_HUBSPOT_MAPPING, { age: '' }))).toEqual([{ path: 'leadScore.labels.age', message: 'must not be empty' }]);
    expect(problemsOf(withLabels(DEFAULT_HUBSPOT_MAPPING, { age: '   ' }))).toEqual([{ path: 'leadScore.labels.age', message: 'must not be empty' }]);
    expect(problemsOf(withLabels(DEFAULT_HUBSPOT_MAPPING, { age: 'x'.repeat(81) }))).toEqual([{ path: 'leadScore.labels.age', message: 'must be at most 80 characters' }]);
    expect(parseMapping(withLabels(DEFAULT_HUBSPOT_MAPPING, { age: 'x'.repeat(80) })).leadScore.labels?.age).toHaveLength(80);
    expect(problemsOf(withLabels(DEFAULT_HUBSPOT_MAPPING, { age: 'Age\nin years' }))[0]?.message).toMatch(/control characters/);
    expect(problemsOf(withLabels(DEFAULT_HUBSPOT_MAPPING, { age: 42 }))[0]?.path).toBe('leadScore.labels.age');
    expect(problemsOf(withLabels(DEFAULT_HUBSPOT_MAPPING, ['Age']))[0]?.path).toBe('leadScore.labels');
  });

  it('refuses prototype names instead of dropping or inheriting them', () => {
    const proto = JSON.parse('{"__proto__": "Hacked", "age": "Age"}');
    expect(problemsOf(withLabels(DEFAULT_HUBSPOT_MAPPING, proto))).toContainEqual({ path: 'leadScore.labels.__proto__', message: 'labels: "__proto__" is not a model column or the CRM field of one' });
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(problemsOf(withLabels(DEFAULT_HUBSPOT_MAPPING, { [name]: 'x' }))).toEqual([{ path: `leadScore.labels.${name}`, message: `labels: "${name}" is not a model column or the CRM field of one` }]);
    }
  });

  it('any labels object is either accepted as given (trimmed) or refused with problems under leadScore.labels (bounded fuzz)', () => {
    const columns = [...DEFAULT_HUBSPOT_MAPPING.leadScore.numeric, ...DEFAULT_HUBSPOT_MAPPING.leadScore.categorical];
    const key = fc.oneof(fc.constantFrom(...columns, '__proto__', 'constructor', 'shoe_size', ''), fc.string({ maxLength: 12 }));
    const value = fc.oneof(fc.string({ maxLength: 100 }), fc.integer(), fc.constant(null), fc.constant({}));
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (labels) => {
        const problems = problemsOf(withLabels(DEFAULT_HUBSPOT_MAPPING, labels));
        const valid = Object.entries(labels).every(
          ([k, v]) => columns.includes(k) && typeof v === 'string' && v.trim().length >= 1 && v.trim().length <= 80 && !/[\u0000-\u001f\u007f]/.test(v.trim()),
        );
        if (valid) expect(problems).toEqual([]);
        else {
          expect(problems.length).toBeGreaterThan(0);
          for (const p of problems) expect(p.path.startsWith('leadScore.labels')).toBe(true);
        }
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});

describe('mapping labels: which label a reason uses', () => {
  const sf = DEFAULT_SALESFORCE_MAPPING;

  it('prefers the mapping override by column, then by CRM field, then the CRM label, then the readable column name', () => {
    const m = parseMapping(withLabels(sf, { previous_outcome: 'Previous campaign', Previous_Outcome__c: 'ignored: the column wins', Age__c: 'Age (years)' })).leadScore;
    const discovered = [field('Previous_Outcome__c', 'Previous campaign outcome'), field('Age__c', 'Age'), field('Nr_Employed__c', 'Number of employees (thousands)')];
    const labels = inputLabels(m, discovered);
    expect(labels.previous_outcome).toBe('Previous campaign');
    expect(labels.age).toBe('Age (years)');
    expect(labels.nr_employed).toBe('Number of employees (thousands)');
    expect(labels.emp_var_rate).toBe('Emp var rate');
    // excluded inputs are no model inputs: no label
    expect(Object.hasOwn(labels, 'call_duration')).toBe(false);
  });

  it('falls back to the readable column name without discover, or for a blank CRM label', () => {
    const labels = inputLabels(sf.leadScore, null);
    expect(labels.euribor_3m).toBe('Euribor 3m');
    expect(inputLabels(sf.leadScore, [field('Euribor_3m__c', '  ')]).euribor_3m).toBe('Euribor 3m');
  });

  it('gives a column named like a prototype member its own label, never an inherited function', () => {
    const m = parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...DEFAULT_HUBSPOT_MAPPING.leadScore, numeric: ['valueOf'], categorical: ['constructor'], ranges: {}, exclude: [] } }).leadScore;
    const labels = inputLabels(m, [field('constructor', 'Builder')]);
    expect(labels.constructor).toBe('Builder');
    expect(labels.valueOf).toBe('Value of');
  });
});
