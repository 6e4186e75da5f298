import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldInfo } from '../../../connectors/connector.ts';
import { hubspotProfile } from '../../../connectors/hubspot/profile.ts';
import { salesforceProfile } from '../../../connectors/salesforce/profile.ts';
import { crmField, DEFAULT_HUBSPOT_MAPPING, DEFAULT_SALESFORCE_MAPPING, MappingError, parseMapping, sameMapping, type Mapping } from '../../mapping/index.ts';
import { mappingFromPicker, PickerForm, pickerRows, problemField, staticFlags, withoutUndefined } from './mappingPicker.ts';

const field = (name: string, type: string, options?: string[]): FieldInfo => ({ name, label: name.toUpperCase(), type, readOnly: false, ...(options ? { options } : {}) });
const lead = DEFAULT_HUBSPOT_MAPPING.leadScore;
const CONTACT: FieldInfo[] = [
  ...lead.numeric.map((n) => field(n, 'number')),
  ...lead.categorical.map((n) => field(n, 'enumeration')),
  field('lifecyclestage', 'enumeration', ['lead', 'customer', 'evangelist', 'other']),
  field('hs_lead_status', 'enumeration', ['NEW', 'UNQUALIFIED']),
  field('hubspotscore', 'number'),
  field('email', 'string'),
  field('crm_signals_lead_score', 'number'),
];

/** The form exactly as the page renders it for `m`: every box as the mapping has it. */
function formOf(m: Mapping): Record<string, unknown> {
  const l = m.leadScore;
  return {
    action: 'save',
    note: '',
    input: [...l.numeric, ...l.categorical].map((c) => crmField(l, c)),
    exclude: l.exclude.map((c) => crmField(l, c)),
    ...Object.fromEntries(l.categorical.map((c) => [`kind.${crmField(l, c)}`, 'categorical'])),
    ...Object.fromEntries(Object.entries(l.monotone).map(([c, d]) => [`direction.${crmField(l, c)}`, d])),
    outcomeField: l.outcome.field,
    converted: l.outcome.converted,
    lost: l.outcome.lost,
    stageField: m.deals.stageField,
    wonStages: m.deals.wonStages,
    text: m.sentiment.text,
    timeField: m.sentiment.time,
    labelField: m.sentiment.label?.field ?? '',
    positiveText: m.sentiment.label?.positive.join(', ') ?? '',
    negativeText: m.sentiment.label?.negative.join(', ') ?? '',
  };
}

const build = (form: Record<string, unknown>, base: Mapping = DEFAULT_HUBSPOT_MAPPING, contactFields = CONTACT, numericTypes = hubspotProfile.numericTypes) =>
  withoutUndefined(mappingFromPicker(PickerForm.parse(form), { base, contactFields, numericTypes }));

function problemsOf(input: unknown) {
  try {
    parseMapping(input);
    return [];
  } catch (error) {
    if (!(error instanceof MappingError)) throw error;
    return [...error.problems];
  }
}

describe('the field picker: form -> mapping', () => {
  it('the form as rendered gives back the running mapping, for HubSpot and for Salesforce (columns kept behind their fields)', () => {
    expect(sameMapping(parseMapping(build(formOf(DEFAULT_HUBSPOT_MAPPING))), DEFAULT_HUBSPOT_MAPPING)).toBe(true);
    const sf = DEFAULT_SALESFORCE_MAPPING;
    const sfFields = [...sf.leadScore.numeric.map((c) => field(crmField(sf.leadScore, c), 'double')), ...sf.leadScore.categorical.map((c) => field(crmField(sf.leadScore, c), 'picklist'))];
    const back = parseMapping(build(formOf(sf), sf, sfFields, salesforceProfile.numericTypes));
    expect(sameMapping(back, sf)).toBe(true);
    expect(back.leadScore.fields.age).toBe('Age__c');
  });

  it('unticking drops the column with its range and label; a new number field feeds as a number unless the form says categories', () => {
    const labelled = parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, labels: { age: 'Age in years', job: 'Occupation' } } });
    const form = formOf(labelled);
    form.input = [...(form.input as string[]).filter((f) => f !== 'age'), 'hubspotscore', 'hs_lead_status'];
    const m = parseMapping(build(form, labelled));
    expect(m.leadScore.numeric).not.toContain('age');
    expect(m.leadScore.ranges.age).toBeUndefined();
    expect(m.leadScore.labels).toEqual({ job: 'Occupation' });
    expect(m.leadScore.numeric.at(-1)).toBe('hubspotscore');
    expect(m.leadScore.categorical.at(-1)).toBe('hs_lead_status');
    // the running order is kept, new fields come last
    expect(m.leadScore.categorical.slice(0, -1)).toEqual(lead.categorical);

    const asCategories = parseMapping(build({ ...form, 'kind.hubspotscore': 'categorical' }, labelled));
    expect(asCategories.leadScore.categorical).toContain('hubspotscore');
    expect(asCategories.leadScore.numeric).not.toContain('hubspotscore');
  });

  it('outcome, won stages and sentiment from checkboxes and comma-separated text, without duplicates', () => {
    const m = parseMapping(
      build({ ...formOf(DEFAULT_HUBSPOT_MAPPING), converted: ['customer'], convertedText: 'evangelist, customer', lost: ['other'], wonStagesText: 'closedwon', wonStages: [], labelField: '', text: ['content'] }),
    );
    expect(m.leadScore.outcome).toEqual({ field: 'lifecyclestage', converted: ['customer', 'evangelist'], lost: ['other'] });
    expect(m.deals.wonStages).toEqual(['closedwon']);
    expect(m.sentiment.label).toBeUndefined();
    expect(m.sentiment.text).toEqual(['content']);
  });

  it('refuses the outcome field as an input, naming it; a field both converted and lost; a field name that is no field', () => {
    const form = formOf(DEFAULT_HUBSPOT_MAPPING);
    const outcomeInput = problemsOf(build({ ...form, input: [...(form.input as string[]), 'lifecyclestage'] }));
    expect(outcomeInput).toContainEqual({ path: 'leadScore.outcome.field', message: 'the outcome field "lifecyclestage" cannot also be a model input' });
    expect(problemsOf(build({ ...form, lost: ['other', 'customer'] }))).toContainEqual(expect.objectContaining({ path: 'leadScore.outcome', message: expect.stringContaining('customer') }));
    expect(problemsOf(build({ ...form, input: ['age', 'x; DROP'] }))).toContainEqual({ path: 'leadScore.categorical.0', message: 'is not a valid field name' });
    expect(problemsOf(build({ ...form, converted: [], convertedText: '' }))[0]?.path).toBe('leadScore.outcome.converted');
  });

  it('a direction chosen beside a number field lands in the mapping and survives a save; "either way" and categories drop it', () => {
    const numericField = lead.numeric[0] as string;
    const categoricalField = lead.categorical[0] as string;
    const m = build({ ...formOf(DEFAULT_HUBSPOT_MAPPING), [`direction.${numericField}`]: 'decreasing', [`direction.${categoricalField}`]: 'increasing' });
    expect(parseMapping(m).leadScore.monotone).toEqual({ [numericField]: 'decreasing' });
    expect(build(formOf(parseMapping(m))).leadScore.monotone).toEqual({ [numericField]: 'decreasing' });
    expect(pickerRows(parseMapping(m), CONTACT, hubspotProfile.numericTypes).find((r) => r.field.name === numericField)?.direction).toBe('decreasing');
    expect(build({ ...formOf(parseMapping(m)), [`direction.${numericField}`]: '' }).leadScore.monotone).toEqual({});
    expect(build({ ...formOf(parseMapping(m)), [`kind.${numericField}`]: 'categorical' }).leadScore.monotone).toEqual({});
  });

  it("sends a signal to the field chosen in its select, and back to crm-signals' own with the empty choice", () => {
    const chosen = build({ ...formOf(DEFAULT_HUBSPOT_MAPPING), 'output.leadScore': 'lead_rating', 'output.segment': '' });
    expect(chosen.outputs).toEqual({ leadScore: 'lead_rating' });
    expect(build({ ...formOf(chosen), 'output.leadScore': '' }).outputs).toBeUndefined();
    expect(problemsOf(build({ ...formOf(DEFAULT_HUBSPOT_MAPPING), 'output.leadScore': 'not a field!' }))).toContainEqual(expect.objectContaining({ path: 'outputs.leadScore' }));
  });

  it('refuses a form that is not the picker, naming the field', () => {
    expect(PickerForm.safeParse({ action: 'delete' }).error?.issues[0]?.path).toEqual(['action']);
    expect(PickerForm.safeParse({ action: 'save', input: Array.from({ length: 2001 }, (_, i) => `f${i}`) }).error?.issues[0]?.message).toBe('input: at most 2000 values');
    expect(PickerForm.safeParse({ action: 'save', note: 'x'.repeat(501) }).error?.issues[0]?.path).toEqual(['note']);
  });

  it('any form either makes a valid mapping or one refused with paths (bounded fuzz, never a throw from the builder)', () => {
    const names = fc.oneof(fc.constantFrom(...CONTACT.map((f) => f.name), ''), fc.string({ maxLength: 12 }));
    const many = fc.oneof(fc.string({ maxLength: 12 }), fc.array(names, { maxLength: 8 }));
    const form = fc.record(
      { action: fc.constantFrom('save', 'preview', 'refresh'), input: many, exclude: many, outcomeField: names, converted: many, lost: many, convertedText: fc.string({ maxLength: 20 }), stageField: names, wonStages: many, text: many, timeField: names, labelField: names, 'kind.age': fc.constantFrom('numeric', 'categorical', 'x'), 'direction.age': fc.oneof(fc.constantFrom('increasing', 'decreasing', ''), fc.string({ maxLength: 12 })), 'direction.job': fc.constantFrom('increasing', 'decreasing') },
      { requiredKeys: ['action'] },
    );
    fc.assert(
      fc.property(form, (f) => {
        const doc = build(f);
        const problems = problemsOf(doc);
        for (const p of problems) expect(p.path).toMatch(/^(leadScore|sentiment|deals|crm)(\.|$)/);
      }),
      { numRuns: 500, seed: 3 },
    );
  });
});

describe('the field picker: mapping -> what the form shows', () => {
  it('pre-checks the inputs and excluded fields and flags the outcome, our outputs and the existing score', () => {
    const m = parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, championField: 'hubspotscore' } });
    const rows = new Map(pickerRows(m, CONTACT, hubspotProfile.numericTypes, new Map([['hs_lead_status', ['alone predicts the outcome']]])).map((r) => [r.field.name, r]));
    expect(rows.get('age')).toMatchObject({ input: true, kind: 'numeric', numericCapable: true, excluded: false, flags: [] });
    expect(rows.get('job')).toMatchObject({ input: true, kind: 'categorical', numericCapable: false });
    expect(rows.get('call_duration')).toMatchObject({ input: true, excluded: true });
    expect(rows.get('lifecyclestage')?.flags[0]).toMatch(/outcome field/);
    expect(rows.get('crm_signals_lead_score')?.flags[0]).toMatch(/own output/);
    expect(rows.get('hubspotscore')?.flags[0]).toMatch(/existing score/);
    expect(rows.get('hs_lead_status')).toMatchObject({ input: false, flags: ['alone predicts the outcome'] });
    expect(staticFlags(m, 'call_duration')).toEqual(['excluded as leaky']);
  });

  it('puts each problem beside the field its path points at', () => {
    const doc = build({ ...formOf(DEFAULT_HUBSPOT_MAPPING), input: ['age', 'lifecyclestage', 'no_such_field'] });
    expect(problemField(doc, { path: 'leadScore.categorical.1', message: 'x' })).toBe('no_such_field');
    expect(problemField(doc, { path: 'leadScore.outcome.field', message: 'x' })).toBe('lifecyclestage');
    expect(problemField(doc, { path: 'deals.stageField', message: 'x', field: 'dealstage' })).toBe('dealstage');
    expect(problemField(doc, { path: 'sentiment.time', message: 'x' })).toBeNull();
    const rows = pickerRows(doc, CONTACT, hubspotProfile.numericTypes, new Map(), [{ path: 'leadScore.outcome.field', message: 'the outcome field "lifecyclestage" cannot also be a model input' }]);
    expect(rows.find((r) => r.field.name === 'lifecyclestage')?.problems).toEqual(['leadScore.outcome.field: the outcome field "lifecyclestage" cannot also be a model input']);
  });
});
