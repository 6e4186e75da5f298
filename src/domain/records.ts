/**
 * Canonical records: what every connector yields, whatever the CRM. Property names are the CRM's own
 * (mapping decides which ones feed the models); everything else is one shape for both CRMs.
 */
export type Crm = 'hubspot' | 'salesforce';

export const OBJECT_TYPES = ['contact', 'deal', 'ticket', 'product'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** A CRM property value as the CRM APIs carry it: strings, or null when the property is empty. */
export type PropertyValue = string | null;

export interface LineItem {
  id: string;
  productId: string | null;
  name: string | null;
  quantity: number | null;
  price: number | null;
}

export interface CanonicalRecord {
  objectType: ObjectType;
  /** The CRM's id for the record (hs_object_id, Salesforce Id). */
  externalId: string;
  /** The CRM's last-modified time, ISO 8601. Drives incremental sync. */
  modifiedAt: string;
  /** Raw CRM properties (only those requested). */
  properties: Record<string, PropertyValue>;
  /** Ids of associated records by object type (contact -> deals, deal -> contacts, ticket -> contacts). */
  associations: Partial<Record<ObjectType, string[]>>;
  /** Deals only: their line items. */
  lineItems?: LineItem[];
  /** Set when the CRM says the last change was made by our own integration user (our write-back). */
  modifiedByApp?: boolean;
}

/** A record the connector could not turn into a canonical record; the batch goes on without it. */
export interface RejectedRecord {
  objectType: ObjectType;
  externalId: string | null;
  reason: string;
}

/** A lead's outcome as the models see it. */
export type Outcome = 'converted' | 'lost' | 'open';
