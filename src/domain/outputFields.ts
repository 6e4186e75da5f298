/**
 * The fields crm-signals writes into a CRM, defined once. Connectors install them, manifests are generated
 * from them, and write-back refers to them by key.
 */
import type { Crm, ObjectType } from './records.ts';

export type OutputFieldType = 'number' | 'string' | 'text' | 'enumeration' | 'datetime';

export interface OutputField {
  /** Stable key used by signals and the outbox. */
  key: string;
  objectType: ObjectType;
  label: string;
  description: string;
  type: OutputFieldType;
  /** The field's name in each CRM (HubSpot: lowercase with underscores; Salesforce: a custom field API name). */
  names: Record<Crm, string>;
  options?: { value: string; label: string }[];
  /**
   * Salesforce attributes the type alone does not decide. Number fields must say their digits
   * (precision = total digits, scale = decimals: both can be widened but never narrowed once the
   * package is released); string fields may set a length (default 255).
   */
  salesforce?: { precision?: number; scale?: number; length?: number };
  /**
   * 'programs': machine-readable (JSON) for integrations and the app card; record pages that list our
   * fields for reps leave it out. Default 'reps'.
   */
  audience?: 'reps' | 'programs';
}

/** Salesforce long text area as the package declares it (the platform allows 256..131,072). */
export const SALESFORCE_LONG_TEXT_LENGTH = 32_768;
/** HubSpot: a string property's value holds at most 65,536 characters. */
export const HUBSPOT_TEXT_LENGTH = 65_536;
const SALESFORCE_TEXT_LENGTH = 255;

/** The most characters a value of this field may have in every CRM: what we write must fit both. */
export function maxValueLength(field: OutputField): number {
  const salesforce = field.salesforce?.length ?? (field.type === 'text' ? SALESFORCE_LONG_TEXT_LENGTH : SALESFORCE_TEXT_LENGTH);
  return Math.min(HUBSPOT_TEXT_LENGTH, salesforce);
}

export const OUTPUT_GROUP = {
  hubspotName: 'crm_signals',
  label: 'crm-signals',
} as const;

const SENTIMENT_OPTIONS = [
  { value: 'positive', label: 'Positive' },
  { value: 'neutral', label: 'Neutral' },
  { value: 'negative', label: 'Negative' },
];

export const OUTPUT_FIELDS: readonly OutputField[] = [
  {
    key: 'leadScore',
    objectType: 'contact',
    label: 'Lead score (crm-signals)',
    description: 'How likely this lead is to convert, 1-99. Calibrated: a score of 70 means about 70 % of similar leads converted.',
    type: 'number',
    names: { hubspot: 'crm_signals_lead_score', salesforce: 'Signals_Lead_Score__c' },
    salesforce: { precision: 3, scale: 0 },
  },
  {
    key: 'leadScoreReasons',
    objectType: 'contact',
    label: 'Lead score reasons (crm-signals)',
    description: 'The factors that raised and lowered this lead score the most.',
    type: 'text',
    names: { hubspot: 'crm_signals_score_reasons', salesforce: 'Signals_Score_Reasons__c' },
  },
  {
    key: 'leadScoreModel',
    objectType: 'contact',
    label: 'Lead score model (crm-signals)',
    description: 'The model version that produced the lead score.',
    type: 'string',
    names: { hubspot: 'crm_signals_model_version', salesforce: 'Signals_Model_Version__c' },
  },
  {
    key: 'leadScoreReasonCodes',
    objectType: 'contact',
    label: 'Lead score reason codes (crm-signals)',
    description: 'The lead score reasons as versioned JSON (v, model, and per reason its code, column, bucket, direction, weight and points), for reports and integrations.',
    type: 'text',
    names: { hubspot: 'crm_signals_score_reason_codes', salesforce: 'Signals_Score_Reason_Codes__c' },
    audience: 'programs',
  },
  {
    key: 'segment',
    objectType: 'contact',
    label: 'Segment (crm-signals)',
    description: 'The segment of similar contacts this one belongs to, named from what sets the segment apart.',
    type: 'enumeration',
    names: { hubspot: 'crm_signals_segment', salesforce: 'Signals_Segment__c' },
    // The segments of the active model are added as options when models are trained; an enumeration
    // needs at least one option to be created.
    options: [{ value: 'unassigned', label: 'Not segmented yet' }],
  },
  {
    key: 'recommendations',
    objectType: 'contact',
    label: 'Recommended products (crm-signals)',
    description: 'The three products this contact is most likely to buy next, each with the reason.',
    type: 'text',
    names: { hubspot: 'crm_signals_recommendations', salesforce: 'Signals_Recommendations__c' },
  },
  {
    key: 'feedbackSentiment',
    objectType: 'contact',
    label: 'Feedback sentiment (crm-signals)',
    description: "Recency-weighted sentiment of this contact's tickets, from -1 (negative) to 1 (positive).",
    type: 'number',
    names: { hubspot: 'crm_signals_feedback_sentiment', salesforce: 'Signals_Feedback_Sentiment__c' },
    salesforce: { precision: 4, scale: 3 },
  },
  {
    key: 'feedbackSentimentLabel',
    objectType: 'contact',
    label: 'Feedback sentiment label (crm-signals)',
    description: "Whether this contact's recent feedback reads positive, neutral or negative.",
    type: 'enumeration',
    names: { hubspot: 'crm_signals_feedback_label', salesforce: 'Signals_Feedback_Label__c' },
    options: SENTIMENT_OPTIONS,
  },
  {
    key: 'ticketSentiment',
    objectType: 'ticket',
    label: 'Sentiment (crm-signals)',
    description: 'Sentiment of this ticket, from -1 (negative) to 1 (positive).',
    type: 'number',
    names: { hubspot: 'crm_signals_sentiment', salesforce: 'Signals_Sentiment__c' },
    salesforce: { precision: 4, scale: 3 },
  },
  {
    key: 'ticketSentimentLabel',
    objectType: 'ticket',
    label: 'Sentiment label (crm-signals)',
    description: 'Whether this ticket reads positive, neutral or negative.',
    type: 'enumeration',
    names: { hubspot: 'crm_signals_sentiment_label', salesforce: 'Signals_Sentiment_Label__c' },
    options: SENTIMENT_OPTIONS,
  },
];

export function outputFieldsFor(objectType: ObjectType): OutputField[] {
  return OUTPUT_FIELDS.filter((f) => f.objectType === objectType);
}

/** The CRM's name of an output field. */
/** The CRM field an output is written to: the mapping's choice (`outputs`) or crm-signals' own. */
export function crmFieldName(crm: Crm, key: string, chosen?: Partial<Record<string, string>>): string {
  return chosen?.[key] ?? outputField(key).names[crm];
}

export function outputField(key: string): OutputField {
  const field = OUTPUT_FIELDS.find((f) => f.key === key);
  if (!field) throw new Error(`unknown output field "${key}"`);
  return field;
}
