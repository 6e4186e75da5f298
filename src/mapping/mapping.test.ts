import { describe, expect, it } from 'vitest';
import { hubspotProfile } from '../../connectors/hubspot/profile.ts';
import type { CanonicalRecord } from '../domain/records.ts';
import { checkMappingAgainstFields, DEFAULT_HUBSPOT_MAPPING, inputHash, leadScoreFitSpec, leadScoreSpecHash, MappingError, modelRow, outcomeOf, parseMapping, recordProblem, sameMapping } from './index.ts';

const lead = DEFAULT_HUBSPOT_MAPPING.leadScore;
function contact(properties: Record<string, string | null>): CanonicalRecord {
  return { objectType: 'contact', externalId: '1', modifiedAt: '2026-01-01T00:00:00.000Z', properties, associations: {} };
}

describe('field mapping', () => {
  it('sameMapping ignores key order (a mapping read back from jsonb) and sees any changed value', () => {
    const reversed = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(reversed) : value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)])) : value;
    const roundTripped = reversed(DEFAULT_HUBSPOT_MAPPING) as typeof DEFAULT_HUBSPOT_MAPPING;
    expect(JSON.stringify(roundTripped)).not.toBe(JSON.stringify(DEFAULT_HUBSPOT_MAPPING));
    expect(sameMapping(roundTripped, DEFAULT_HUBSPOT_MAPPING)).toBe(true);
    expect(sameMapping(DEFAULT_HUBSPOT_MAPPING, { ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, numeric: [...lead.numeric].reverse() } })).toBe(false);
    expect(sameMapping(DEFAULT_HUBSPOT_MAPPING, { ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, labels: { age: 'Age in years' } } })).toBe(false);
  });

  it('refuses a field name that could inject into a query, naming the path', () => {
    const bad = { ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, numeric: ['age', 'Name; DELETE'] } };
    expect(() => parseMapping(bad)).toThrow(/leadScore\.numeric\.1: is not a valid field name/);
  });

  it('refuses a direction on a column that is not a numeric input, or a direction that is not one', () => {
    expect(() => parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, monotone: { job: 'increasing' } } })).toThrow(/monotone: "job" is not a numeric model column/);
    expect(() => parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, monotone: { age: 'up' } } })).toThrow(/monotone\.age: must be "increasing" or "decreasing"/);
    const m = parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, monotone: { age: 'increasing' } } });
    expect(leadScoreFitSpec(m.leadScore).monotone).toEqual({ age: 'increasing' });
    // a direction is part of what the model is fitted on: changing it retrains; none keeps older hashes
    expect(leadScoreSpecHash(m)).not.toBe(leadScoreSpecHash(parseMapping(DEFAULT_HUBSPOT_MAPPING)));
    expect(leadScoreFitSpec({ ...m.leadScore, exclude: ['age'] }).monotone).toEqual({});
  });

  it('refuses value ranges on a column that is not a numeric input, or with min above max', () => {
    expect(() => parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, ranges: { job: { min: 0 } } } })).toThrow(/ranges: "job" is not a numeric model column/);
    expect(() => parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, ranges: { age: { min: 9, max: 1 } } } })).toThrow(/ranges: "age" has min 9 above max 1/);
    expect(() => parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, ranges: { age: { min: 0, typo: 1 } } } })).toThrow(/ranges/);
    expect(parseMapping(DEFAULT_HUBSPOT_MAPPING).leadScore.ranges.age).toEqual({ min: 16, max: 110, integer: true });
  });

  it('refuses the outcome field as an input and a field mapped twice', () => {
    expect(() => parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, categorical: [...lead.categorical, 'lifecyclestage'] } })).toThrow(/outcome field/);
    expect(() => parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, categorical: [...lead.categorical, 'age'] } })).toThrow(/mapped twice/);
  });

  it('checks mapped fields exist in the CRM with a fitting type', () => {
    const fields = [...lead.numeric.map((name) => ({ name, label: name, type: 'number', readOnly: false })), ...lead.categorical.map((name) => ({ name, label: name, type: 'enumeration', readOnly: false }))];
    expect(() => checkMappingAgainstFields(DEFAULT_HUBSPOT_MAPPING, { contact: fields }, hubspotProfile.numericTypes)).toThrow(/"lifecyclestage" does not exist/);
    const withOutcome = [...fields, { name: 'lifecyclestage', label: 'Lifecycle', type: 'enumeration', readOnly: false }, { name: 'email', label: 'Email', type: 'string', readOnly: false }];
    expect(() => checkMappingAgainstFields(DEFAULT_HUBSPOT_MAPPING, { contact: withOutcome }, hubspotProfile.numericTypes)).not.toThrow();
    const wrongType = withOutcome.map((f) => (f.name === 'age' ? { ...f, type: 'string' } : f));
    expect(() => checkMappingAgainstFields(DEFAULT_HUBSPOT_MAPPING, { contact: wrongType }, hubspotProfile.numericTypes)).toThrow(MappingError);
  });

  it('names a non-numeric value in a numeric field, and accepts placeholders and blanks', () => {
    expect(recordProblem(contact({ email: 'a@example.com', age: 'forty' }), lead)).toBe('property "age" should be a number but is "forty"');
    expect(recordProblem(contact({ email: 'a@example.com', emp_var_rate: '1,1' }), lead)).toBe('property "emp_var_rate" should be a number but is "1,1"');
    expect(recordProblem(contact({ email: 'a@example.com', age: 'Select' }), lead)).toBeNull();
    expect(recordProblem(contact({ email: 'a@example.com', age: null, campaign_contacts: '3' }), lead)).toBeNull();
  });

  it('names a missing required field', () => {
    expect(recordProblem(contact({ age: '30' }), lead)).toBe('required property "email" is missing');
    expect(recordProblem(contact({ email: '  ', age: '30' }), lead)).toBe('required property "email" is missing');
  });

  it('ignores excluded fields: a leaky column cannot block or change a score', () => {
    expect(recordProblem(contact({ email: 'a@example.com', call_duration: 'long' }), lead)).toBeNull();
    expect(inputHash(contact({ age: '30', call_duration: '10' }), lead)).toBe(inputHash(contact({ age: '30', call_duration: '999' }), lead));
    expect(inputHash(contact({ age: '30' }), lead)).not.toBe(inputHash(contact({ age: '31' }), lead));
  });

  it('reads the outcome from the mapped field', () => {
    expect(outcomeOf(contact({ lifecyclestage: 'customer' }), lead)).toBe('converted');
    expect(outcomeOf(contact({ lifecyclestage: 'other' }), lead)).toBe('lost');
    expect(outcomeOf(contact({ lifecyclestage: 'lead' }), lead)).toBe('open');
  });

  it('gives the model every mapped input, missing ones as null, and nothing else', () => {
    const row = modelRow({ email: 'a@example.com', age: '30', call_duration: '99', lifecyclestage: 'lead' }, lead);
    expect(row.age).toBe('30');
    expect(row.job).toBeNull();
    expect(Object.hasOwn(row, 'job')).toBe(true);
    expect(Object.hasOwn(row, 'call_duration')).toBe(false);
    expect(Object.hasOwn(row, 'lifecyclestage')).toBe(false);
    expect(Object.keys(row).sort()).toEqual([...lead.numeric, ...lead.categorical].filter((n) => n !== 'call_duration').sort());
  });

  it('reads model columns from the CRM fields mapped to them, so both CRMs feed the same columns', () => {
    const salesforce = parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, crm: 'salesforce', leadScore: { ...lead, fields: { age: 'Age__c', job: 'Job__c' }, required: ['Email'] } }).leadScore;
    const hubspotRow = modelRow({ age: '41', job: 'retired' }, lead);
    const salesforceRow = modelRow({ Age__c: '41', Job__c: 'retired' }, salesforce);
    expect(salesforceRow).toEqual(hubspotRow);
    expect(recordProblem(contact({ Email: 'a@example.com', Age__c: 'old' }), salesforce)).toBe('property "Age__c" should be a number but is "old"');
  });
});
