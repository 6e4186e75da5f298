/**
 * The fields crm-signals writes into a CRM, defined once. Connectors install them, manifests are generated
 * from them, and write-back refers to them by key.
 */
import type { ObjectType } from './records.ts';

export type OutputFieldType = 'number' | 'string' | 'text' | 'enumeration' | 'datetime';

export interface OutputField {
  /** Stable key used by signals and the outbox. */
  key: string;
  objectType: ObjectType;
  label: string;
  description: string;
  type: OutputFieldType;
  /** HubSpot property name (lowercase, underscores). */
  hubspotName: string;
  /** Salesforce custom field API name. */
  salesforceName: string;
  options?: { value: string; label: string }[];
}

export const OUTPUT_GROUP = {
  hubspotName: 'crm_signals',
  label: 'crm-signals',
} as const;

export const OUTPUT_FIELDS: readonly OutputField[] = [
  {
    key: 'leadScore',
    objectType: 'contact',
    label: 'Lead score (crm-signals)',
    description: 'How likely this lead is to convert, 1-99. Calibrated: a score of 70 means about 70 % of similar leads converted.',
    type: 'number',
    hubspotName: 'crm_signals_lead_score',
    salesforceName: 'Signals_Lead_Score__c',
  },
  {
    key: 'leadScoreReasons',
    objectType: 'contact',
    label: 'Lead score reasons (crm-signals)',
    description: 'The factors that raised and lowered this lead score the most.',
    type: 'text',
    hubspotName: 'crm_signals_score_reasons',
    salesforceName: 'Signals_Score_Reasons__c',
  },
  {
    key: 'leadScoreModel',
    objectType: 'contact',
    label: 'Lead score model (crm-signals)',
    description: 'The model version that produced the lead score.',
    type: 'string',
    hubspotName: 'crm_signals_model_version',
    salesforceName: 'Signals_Model_Version__c',
  },
];

export function outputFieldsFor(objectType: ObjectType): OutputField[] {
  return OUTPUT_FIELDS.filter((f) => f.objectType === objectType);
}

export function outputField(key: string): OutputField {
  const field = OUTPUT_FIELDS.find((f) => f.key === key);
  if (!field) throw new Error(`unknown output field "${key}"`);
  return field;
}
