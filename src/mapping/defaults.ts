/**
 * The mapping a new HubSpot tenant starts with: the demo portal's contact properties (from the bank
 * marketing data) and HubSpot's lifecycle stage as the outcome.
 */
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
});
