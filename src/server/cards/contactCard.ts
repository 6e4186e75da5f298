/**
 * The contact card's payload for one tenant's contact, through the card cache: the one answer both the
 * HubSpot app card (hubspotContact.ts) and the Salesforce record page (the per-org route in app.ts) get.
 */
import type { ContactCardPayload } from '../../domain/card.ts';
import { contactCardPayload } from '../../pipeline/cardPayload.ts';
import type { Store } from '../../store/types.ts';
import type { CardCache } from './cardCache.ts';

export const CONTACT_NOT_FOUND = 'contact not found in this portal';
export const PORTAL_NOT_CONNECTED = 'portal not connected';

export const cardError = (message: string): ContactCardPayload => ({ status: 'error', message });

/** The payload, or null when the tenant has no such contact (an id the caller made up or not synced yet). */
export async function cachedContactCard(store: Store, cache: CardCache, tenantId: string, contactId: string): Promise<ContactCardPayload | null> {
  return cache.get(tenantId, contactId, async () => {
    const [record] = await store.getRecords(tenantId, 'contact', [contactId]);
    return record ? contactCardPayload(store, tenantId, contactId) : null;
  });
}
