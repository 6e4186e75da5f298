/**
 * The card's entrypoint (card-hsmeta.json): registers the contact card with HubSpot and wires its
 * request to hubspot.fetch, which signs it and appends portalId and userId. Marketplace apps cannot use
 * HubSpot-hosted functions, so the data comes from the crm-signals backend.
 */
import { hubspot } from '@hubspot/ui-extensions';
import { ContactSignalsCard } from './ContactSignalsCard.tsx';
import { contactCardUrl, FETCH_TIMEOUT_MS } from './contactCard.ts';
import { CONTACT_CARD_URL } from './endpoint.generated.ts';

const load = (objectId: string) => hubspot.fetch(contactCardUrl(CONTACT_CARD_URL, objectId), { method: 'GET', timeout: FETCH_TIMEOUT_MS });

hubspot.extend<'crm.record.tab'>(({ context }) => <ContactSignalsCard objectId={String(context.crm.objectId)} load={load} />);
