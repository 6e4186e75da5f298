/**
 * The contact card's payload for one tenant's contact, through the card cache: the one answer both the
 * HubSpot app card (hubspotContact.ts) and the Salesforce record page (the per-org route in app.ts) get.
 */
import type { ContactCardPayload } from '../../domain/card.ts';
import { CONTACT_NOT_FOUND } from '../../pipeline/cardPayload.ts';
import type { CardCache } from './cardCache.ts';
import type { CardLoader } from './cardLoader.ts';

export { CONTACT_NOT_FOUND };
export const PORTAL_NOT_CONNECTED = 'portal not connected';

export const cardError = (message: string): ContactCardPayload => ({ status: 'error', message });

/** The payload, or null when the tenant has no such contact (an id the caller made up or not synced yet). */
export async function cachedContactCard(load: CardLoader, cache: CardCache, tenantId: string, contactId: string): Promise<ContactCardPayload | null> {
  const payload = await cache.get(tenantId, contactId, () => load(tenantId, contactId));
  return payload.status === 'error' && payload.message === CONTACT_NOT_FOUND ? null : payload;
}
