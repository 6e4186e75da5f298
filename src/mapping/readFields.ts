/**
 * What a mapping needs from the CRM, per object type: the one derivation the connectors (fields to
 * request), the webhook subscriptions (properties worth a change event) and the manifests share, so a
 * field added to a mapping is read, subscribed to and declared alike.
 */
import { crmField, modelInputs, type Mapping } from './schema.ts';

export interface ReadFields {
  /** Model inputs, the outcome, required fields, the email that matches people across CRMs and the CRM's own score to compare with. */
  contact: string[];
  /** The stage field: a deal reaching a won stage turns its line items into purchases. */
  deal: string[];
  /** The customer's words, the agents' feedback label and the ticket time. */
  ticket: string[];
}

const unique = (names: string[]) => [...new Set(names)];

export function readFields(mapping: Mapping): ReadFields {
  const lead = mapping.leadScore;
  const { numeric, categorical } = modelInputs(lead);
  const sentiment = mapping.sentiment;
  return {
    contact: unique([...[...numeric, ...categorical].map((column) => crmField(lead, column)), lead.outcome.field, ...lead.required, lead.emailField, ...(lead.championField ? [lead.championField] : [])]),
    deal: [mapping.deals.stageField],
    ticket: unique([...sentiment.text, ...(sentiment.label ? [sentiment.label.field] : []), sentiment.time]),
  };
}
