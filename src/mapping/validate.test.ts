import { describe, expect, it } from 'vitest';
import type { FieldInfo } from '../../connectors/connector.ts';
import { hubspotProfile } from '../../connectors/hubspot/profile.ts';
import { salesforceProfile } from '../../connectors/salesforce/profile.ts';
import { checkMappingAgainstFields, DEFAULT_HUBSPOT_MAPPING, DEFAULT_SALESFORCE_MAPPING, MappingError, mappingProblems, parseMapping, type Mapping } from './index.ts';

const lead = DEFAULT_HUBSPOT_MAPPING.leadScore;
const field = (name: string, type: string, extra: Partial<FieldInfo> = {}): FieldInfo => ({ name, label: name, type, readOnly: false, ...extra });

/** A HubSpot portal that has every field the default mapping reads. */
function portal(): { contact: FieldInfo[]; deal: FieldInfo[]; ticket: FieldInfo[] } {
  return {
    contact: [
      ...lead.numeric.map((n) => field(n, 'number')),
      ...lead.categorical.map((n) => field(n, 'enumeration')),
      field('lifecyclestage', 'enumeration', { options: ['subscriber', 'lead', 'customer', 'evangelist', 'other'] }),
      field('email', 'string'),
      field('crm_signals_lead_score', 'number'),
    ],
    deal: [field('dealstage', 'enumeration', { options: ['appointmentscheduled', 'closedwon', 'closedlost'] })],
    ticket: [field('content', 'string'), field('subject', 'string'), field('createdate', 'datetime'), field('feedback_label', 'enumeration', { options: ['positive', 'negative'] })],
  };
}

const withLead = (changes: Partial<Mapping['leadScore']>): Mapping => parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, ...changes } });

describe('a mapping against the CRM it is saved for', () => {
  it('accepts the default mapping on a portal that has its fields', () => {
    expect(mappingProblems(DEFAULT_HUBSPOT_MAPPING, portal(), hubspotProfile.numericTypes)).toEqual([]);
  });

  it('names an unknown input, outcome, required, email, stage, text, time and label field with its path', () => {
    const fields = portal();
    const problems = mappingProblems(withLead({ categorical: [...lead.categorical, 'favourite_colour'] }), fields, hubspotProfile.numericTypes);
    expect(problems).toEqual([{ path: `leadScore.categorical.${lead.categorical.length}`, field: 'favourite_colour', message: `field "favourite_colour" does not exist on the CRM's contact object` }]);

    const empty = { contact: [], deal: [], ticket: [] };
    const all = mappingProblems(DEFAULT_HUBSPOT_MAPPING, empty, hubspotProfile.numericTypes);
    const byPath = new Map(all.map((p) => [p.path, p.field]));
    expect(byPath.get('leadScore.outcome.field')).toBe('lifecyclestage');
    expect(byPath.get('leadScore.required.0')).toBe('email');
    expect(byPath.get('leadScore.emailField')).toBe('email');
    expect(byPath.get('deals.stageField')).toBe('dealstage');
    expect(byPath.get('sentiment.text.1')).toBe('subject');
    expect(byPath.get('sentiment.time')).toBe('createdate');
    expect(byPath.get('sentiment.label.field')).toBe('feedback_label');
    // excluded columns are not read, so a CRM without them is fine
    expect(all.some((p) => p.field === 'call_duration')).toBe(false);
  });

  it('refuses a numeric input on a non-numeric field', () => {
    const fields = portal();
    fields.contact = fields.contact.map((f) => (f.name === 'age' ? { ...f, type: 'string' } : f));
    expect(mappingProblems(DEFAULT_HUBSPOT_MAPPING, fields, hubspotProfile.numericTypes)).toEqual([{ path: 'leadScore.numeric.0', field: 'age', message: 'field "age" is mapped as numeric but the CRM says it is string' }]);
  });

  it('refuses outcome, won-stage and label values that are not among the picklist options, and skips fields without options', () => {
    const mapping = parseMapping({
      ...DEFAULT_HUBSPOT_MAPPING,
      leadScore: { ...lead, outcome: { field: 'lifecyclestage', converted: ['customer', 'Customer '], lost: ['other'] } },
      deals: { stageField: 'dealstage', wonStages: ['closed_won'] },
      sentiment: { ...DEFAULT_HUBSPOT_MAPPING.sentiment, label: { field: 'feedback_label', positive: ['positive'], negative: ['bad'] } },
    });
    const problems = mappingProblems(mapping, portal(), hubspotProfile.numericTypes);
    expect(problems.map((p) => [p.path, p.field])).toEqual([
      ['leadScore.outcome.converted.1', 'lifecyclestage'],
      ['deals.wonStages.0', 'dealstage'],
      ['sentiment.label.negative.0', 'feedback_label'],
    ]);
    expect(problems[1]?.message).toBe('won stage "closed_won" is not an option of field "dealstage" (options: appointmentscheduled, closedwon, closedlost)');
    const noOptions = portal();
    noOptions.deal = [field('dealstage', 'string')];
    expect(mappingProblems(parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, deals: { stageField: 'dealstage', wonStages: ['anything'] } }), noOptions, hubspotProfile.numericTypes)).toEqual([]);
  });

  it('refuses the outcome field or an excluded field reaching the model through another column', () => {
    const outcome = mappingProblems(withLead({ categorical: [...lead.categorical, 'stage'], fields: { stage: 'lifecyclestage' } }), portal(), hubspotProfile.numericTypes);
    expect(outcome).toEqual([{ path: 'leadScore.fields.stage', field: 'lifecyclestage', message: 'field "lifecyclestage" is the outcome field: as an input (column "stage") it leaks the outcome' }]);
    const fields = portal();
    const leaky = mappingProblems(withLead({ numeric: [...lead.numeric, 'talk_time'], fields: { talk_time: 'call_duration' } }), fields, hubspotProfile.numericTypes);
    expect(leaky).toEqual([{ path: 'leadScore.fields.talk_time', field: 'call_duration', message: 'field "call_duration" is excluded as leaky but still feeds input column "talk_time"' }]);
  });

  it("refuses crm-signals' own output fields as inputs", () => {
    const problems = mappingProblems(withLead({ numeric: [...lead.numeric, 'crm_signals_lead_score'] }), portal(), hubspotProfile.numericTypes);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: 'crm_signals_lead_score', message: expect.stringMatching(/own outputs: as an input .* learn from its own signal/) });
  });

  it('refuses a CRM whose output field is read-only', () => {
    const fields = portal();
    fields.contact = fields.contact.map((f) => (f.name === 'crm_signals_lead_score' ? { ...f, readOnly: true } : f));
    expect(mappingProblems(DEFAULT_HUBSPOT_MAPPING, fields, hubspotProfile.numericTypes)).toEqual([{ path: 'outputs', field: 'crm_signals_lead_score', message: 'output field "crm_signals_lead_score" is read-only in the CRM: the Lead score (crm-signals) cannot be written' }]);
  });

  it('checks Salesforce field names behind the model columns', () => {
    const problems = mappingProblems(DEFAULT_SALESFORCE_MAPPING, { contact: [field('Age__c', 'double')] }, salesforceProfile.numericTypes);
    expect(problems.some((p) => p.field === 'Job__c' && p.path === 'leadScore.fields.job')).toBe(true);
    expect(problems.some((p) => p.field === 'Age__c')).toBe(false);
  });

  it('throws one MappingError carrying every problem', () => {
    const fields = portal();
    fields.contact = fields.contact.filter((f) => f.name !== 'job' && f.name !== 'age');
    try {
      checkMappingAgainstFields(DEFAULT_HUBSPOT_MAPPING, fields, hubspotProfile.numericTypes);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MappingError);
      expect((error as MappingError).problems.map((p) => p.field)).toEqual(['age', 'job']);
      expect((error as MappingError).message).toMatch(/"age" does not exist.*"job" does not exist/);
    }
  });

  it('a schema error carries its path as a problem too', () => {
    try {
      parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, numeric: ['age', 'Name; DELETE'] } });
      expect.unreachable();
    } catch (error) {
      const problems = (error as MappingError).problems;
      expect(problems).toContainEqual({ path: 'leadScore.numeric.1', message: 'is not a valid field name' });
      // the ranges of columns that are no longer numeric inputs are named by column
      expect(problems).toContainEqual({ path: 'leadScore.ranges.campaign_contacts', message: 'ranges: "campaign_contacts" is not a numeric model column' });
    }
  });
});
