/**
 * What crm-signals reads of each Salesforce object, and the related data added to each page.
 * Our canonical contact is the Lead (the record a rep works and a score belongs on); a converted lead's
 * Contact links it to opportunities and cases, so associations point back to the Lead ids.
 */
import type { CanonicalRecord, LineItem, ObjectType } from '../../src/domain/records.ts';
import { flatten } from './mapRecord.ts';
import type { SalesforceSession } from './session.ts';
import { checkFields, idLiteral, selectFrom, type DescribedObject } from './soql.ts';

export interface SalesforceObject {
  objectType: ObjectType;
  sobject: string;
  baseFields: string[];
  /** Output fields live on this object (the managed package deploys them). */
  writable?: boolean;
  /** The Signal_History__c lookup that points at a record of this object. */
  historyParent?: string;
  enrich?: (session: SalesforceSession, records: CanonicalRecord[], describe: (sobject: string) => Promise<DescribedObject>) => Promise<void>;
}

/** Keeps IN (...) lists well under SOQL's statement length limit. */
const IN_CHUNK = 200;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function queryAll(session: SalesforceSession, label: string, soql: string): Promise<unknown[]> {
  const records: unknown[] = [];
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
  let result = await session.query(label, soql);
  records.push(...result.records);
  while (!result.done && result.nextRecordsUrl) {
    const next = result.nextRecordsUrl;
    result = await session.queryMore(`${label} (more)`, next);
    records.push(...result.records);
  }
  return records;
}

/** Contact id -> the Lead ids converted into it. */
async function leadsByContact(session: SalesforceSession, contactIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const batch of chunks([...new Set(contactIds)], IN_CHUNK)) {
    const rows = (await queryAll(session, 'leads by contact', selectFrom(SALESFORCE_OBJECTS.contact.sobject, ['Id', 'ConvertedContactId'], `ConvertedContactId IN (${batch.map(idLiteral).join(', ')})`))) as Array<{ Id: string; ConvertedContactId: string }>;
    for (const row of rows) out.set(row.ConvertedContactId, [...(out.get(row.ConvertedContactId) ?? []), row.Id]);
  }
  return out;
}

async function linkContacts(session: SalesforceSession, records: CanonicalRecord[], field: string): Promise<void> {
  const contactIds = records.flatMap((r) => (r.properties[field] ? [r.properties[field]!] : []));
  const leads = await leadsByContact(session, contactIds);
  for (const record of records) {
    const contact = record.properties[field];
    record.associations.contact = contact ? (leads.get(contact) ?? []) : [];
  }
}

async function attachLineItems(session: SalesforceSession, deals: CanonicalRecord[], describe: (sobject: string) => Promise<DescribedObject>): Promise<void> {
  const fields = checkFields(await describe('OpportunityLineItem'), ['Id', 'OpportunityId', 'Product2Id', 'Product2.Name', 'Quantity', 'UnitPrice']);
  const byDeal = new Map<string, LineItem[]>();
  for (const batch of chunks(deals.map((d) => d.externalId), IN_CHUNK)) {
    const raws = await queryAll(session, 'line items', selectFrom('OpportunityLineItem', fields, `OpportunityId IN (${batch.map(idLiteral).join(', ')})`, 'Id'));
    for (const raw of raws) {
      const p = flatten(raw as Record<string, unknown>);
      if (!p.Id || !p.OpportunityId) continue;
      const item: LineItem = { id: p.Id, productId: p.Product2Id ?? null, name: p['Product2.Name'] ?? null, quantity: p.Quantity ? Number(p.Quantity) : null, price: p.UnitPrice ? Number(p.UnitPrice) : null };
      byDeal.set(p.OpportunityId!, [...(byDeal.get(p.OpportunityId!) ?? []), item]);
    }
  }
  for (const deal of deals) deal.lineItems = byDeal.get(deal.externalId) ?? [];
  await linkContacts(session, deals, 'ContactId');
}

const AUDIT = ['Id', 'CreatedDate', 'SystemModstamp', 'LastModifiedById'];

/** The one table of Salesforce object names: the profile, reads, writes and history all come from it. */
export const SALESFORCE_OBJECTS = {
  contact: {
    objectType: 'contact',
    sobject: 'Lead',
    baseFields: [...AUDIT, 'Email', 'FirstName', 'LastName', 'Status', 'IsConverted', 'ConvertedContactId'],
    writable: true,
    historyParent: 'Lead__c',
  },
  deal: { objectType: 'deal', sobject: 'Opportunity', baseFields: [...AUDIT, 'Name', 'StageName', 'Amount', 'CloseDate', 'IsWon', 'IsClosed', 'AccountId', 'ContactId'], enrich: attachLineItems },
  ticket: {
    objectType: 'ticket',
    sobject: 'Case',
    baseFields: [...AUDIT, 'Subject', 'Description', 'Status', 'ContactId'],
    enrich: (session, records) => linkContacts(session, records, 'ContactId'),
    writable: true,
    historyParent: 'Case__c',
  },
} satisfies Partial<Record<ObjectType, SalesforceObject>>;

const BY_TYPE: Partial<Record<ObjectType, SalesforceObject>> = SALESFORCE_OBJECTS;

/** What crm-signals reads of a canonical type in Salesforce; undefined for types it does not read there. */
export function salesforceObject(objectType: ObjectType): SalesforceObject | undefined {
  return BY_TYPE[objectType];
}

/** Canonical type -> what `pick` says of its Salesforce object (its name, its history lookup), where it says something. */
export function objectMap(pick: (object: SalesforceObject) => string | undefined): Partial<Record<ObjectType, string>> {
  return Object.fromEntries(
    Object.values(BY_TYPE).flatMap((o) => {
      const value = pick(o);
      return value === undefined ? [] : [[o.objectType, value]];
    }),
  );
}

/** Where output fields live in Salesforce: our contact is the Lead, our ticket the Case. */
export const SALESFORCE_WRITE_TARGETS = objectMap((o) => (o.writable ? o.sobject : undefined));

/** The record page objects of the signalHistory component: converted leads keep their history on the Contact. */
export const SALESFORCE_CARD_OBJECTS: readonly string[] = ['Lead', 'Contact'];
