/**
 * What crm-signals reads of each HubSpot object: its path segment, the properties it always needs, the
 * property that orders incremental reads, and the related data added to each page (associations, line items).
 * One definition per object; the paging and the mapper are shared.
 */
import type { CanonicalRecord, LineItem, ObjectType } from '../../src/domain/records.ts';
import type { HubSpotSession } from './session.ts';
import { batchRead, readAssociations } from './associations.ts';
import { mapPage } from './mapRecord.ts';

export interface HubSpotObject {
  objectType: ObjectType;
  hubspotType: string;
  baseProperties: string[];
  modifiedProperty: string;
  enrich?: (session: HubSpotSession, records: CanonicalRecord[]) => Promise<void>;
}

const LINE_ITEM_PROPERTIES = ['name', 'hs_product_id', 'quantity', 'price', 'amount'];

function numberOrNull(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

async function attachLineItems(session: HubSpotSession, deals: CanonicalRecord[]): Promise<void> {
  const ids = deals.map((d) => d.externalId);
  const [contacts, lineItemIds] = await Promise.all([
    readAssociations(session, 'deals', 'contacts', ids),
    readAssociations(session, 'deals', 'line_items', ids),
  ]);
  const allLineItemIds = [...new Set([...lineItemIds.values()].flat())];
  const rawLineItems = await batchRead(session, 'line_items', allLineItemIds, LINE_ITEM_PROPERTIES);
  const { records } = mapPage('deal', rawLineItems);
  const byId = new Map<string, LineItem>(
    records.map((r) => [
      r.externalId,
      {
        id: r.externalId,
        productId: r.properties.hs_product_id ?? null,
        name: r.properties.name ?? null,
        quantity: numberOrNull(r.properties.quantity),
        price: numberOrNull(r.properties.price),
      },
    ]),
  );
  for (const deal of deals) {
    deal.associations.contact = contacts.get(deal.externalId) ?? [];
    deal.lineItems = (lineItemIds.get(deal.externalId) ?? []).flatMap((id) => byId.get(id) ?? []);
  }
}

async function attachContacts(session: HubSpotSession, tickets: CanonicalRecord[]): Promise<void> {
  const contacts = await readAssociations(session, 'tickets', 'contacts', tickets.map((t) => t.externalId));
  for (const ticket of tickets) ticket.associations.contact = contacts.get(ticket.externalId) ?? [];
}

export const HUBSPOT_OBJECTS: Record<ObjectType, HubSpotObject> = {
  contact: {
    objectType: 'contact',
    hubspotType: 'contacts',
    baseProperties: ['email', 'firstname', 'lastname', 'lifecyclestage', 'hs_lead_status', 'createdate', 'lastmodifieddate'],
    // Contacts carry both; search on contacts documents lastmodifieddate.
    modifiedProperty: 'lastmodifieddate',
  },
  deal: {
    objectType: 'deal',
    hubspotType: 'deals',
    baseProperties: ['dealname', 'amount', 'dealstage', 'closedate', 'pipeline', 'createdate', 'hs_lastmodifieddate'],
    modifiedProperty: 'hs_lastmodifieddate',
    enrich: attachLineItems,
  },
  ticket: {
    objectType: 'ticket',
    hubspotType: 'tickets',
    baseProperties: ['subject', 'content', 'hs_pipeline', 'hs_pipeline_stage', 'createdate', 'hs_lastmodifieddate'],
    modifiedProperty: 'hs_lastmodifieddate',
    enrich: attachContacts,
  },
  product: {
    objectType: 'product',
    hubspotType: 'products',
    baseProperties: ['name', 'price', 'hs_sku', 'description', 'hs_lastmodifieddate'],
    modifiedProperty: 'hs_lastmodifieddate',
  },
};
