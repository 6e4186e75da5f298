/**
 * The mappings a new tenant starts with: the demo data's fields (from the bank marketing data), with the
 * same model columns in both CRMs so one model can serve a company that runs both.
 */
import type { Crm } from '../domain/records.ts';
import { parseMapping, type Mapping } from './schema.ts';

export const DEFAULT_HUBSPOT_MAPPING: Mapping = parseMapping({
  crm: 'hubspot',
  leadScore: {
    numeric: [
      'age',
      'campaign_contacts',
      'days_since_previous_contact',
      'previous_contacts',
      'emp_var_rate',
      'cons_price_idx',
      'cons_conf_idx',
      'euribor_3m',
      'nr_employed',
      'call_duration',
    ],
    categorical: [
      'job',
      'marital',
      'education',
      'credit_default',
      'housing',
      'loan',
      'contact_channel',
      'last_contact_month',
      'last_contact_day',
      'previous_outcome',
    ],
    placeholders: ['', 'Select'],
    ranges: {
      age: { min: 16, max: 110, integer: true },
      campaign_contacts: { min: 0, integer: true },
      previous_contacts: { min: 0, integer: true },
    },
    required: ['email'],
    // Known only after the call that decided the outcome: it leaks the label (see the dataset's notes).
    exclude: ['call_duration'],
    outcome: { field: 'lifecyclestage', converted: ['customer', 'evangelist'], lost: ['other'] },
  },
  sentiment: {
    text: ['content', 'subject'],
    label: { field: 'feedback_label', positive: ['positive'], negative: ['negative'] },
    time: 'createdate',
    language: 'en',
  },
  deals: { stageField: 'dealstage', wonStages: ['closedwon'] },
});

/** Model column -> Salesforce custom field, e.g. age -> Age__c, emp_var_rate -> Emp_Var_Rate__c. */
function salesforceField(column: string): string {
  return `${column.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('_')}__c`;
}

const hubspotLead = DEFAULT_HUBSPOT_MAPPING.leadScore;

export const DEFAULT_SALESFORCE_MAPPING: Mapping = parseMapping({
  crm: 'salesforce',
  leadScore: {
    numeric: hubspotLead.numeric,
    categorical: hubspotLead.categorical,
    fields: Object.fromEntries([...hubspotLead.numeric, ...hubspotLead.categorical].map((c) => [c, salesforceField(c)])),
    placeholders: hubspotLead.placeholders,
    ranges: hubspotLead.ranges,
    required: ['Email'],
    emailField: 'Email',
    exclude: hubspotLead.exclude,
    outcome: { field: 'Status', converted: ['Closed - Converted'], lost: ['Closed - Not Converted'] },
  },
  sentiment: {
    text: ['Description', 'Subject'],
    label: { field: 'Feedback_Label__c', positive: ['positive'], negative: ['negative'] },
    time: 'CreatedDate',
    language: 'en',
  },
  deals: { stageField: 'StageName', wonStages: ['Closed Won'] },
});

/** Every CRM must have a default mapping: the compiler lists what a new one lacks. */
const DEFAULT_MAPPINGS: Record<Crm, Mapping> = { hubspot: DEFAULT_HUBSPOT_MAPPING, salesforce: DEFAULT_SALESFORCE_MAPPING };

export function defaultMapping(crm: Crm): Mapping {
  return DEFAULT_MAPPINGS[crm];
}
