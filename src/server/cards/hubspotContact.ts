/**
 * GET /cards/hubspot/contact: the HubSpot app card's data (manifests/hubspot, `hubspot.fetch`). HubSpot
 * appends userId, portalId, userEmail and appId to the card's URL and signs the whole call with the app's
 * client secret (signature v3, shared/reference/hubspot.md §9.4), so:
 * - the signature is checked over GET + the full external URL (with those parameters) + the empty body;
 * - the tenant is the one connected to the signed portalId, never a parameter alone: changing portalId
 *   breaks the signature;
 * - objectId is the card's own parameter (the signature proves the portal, not the record), so it must
 *   be a stored contact of that tenant, or the answer is 404 "contact not found in this portal".
 * Every answer is a ContactCardPayload (src/domain/card.ts), refusals included.
 */
import type { ReadCache } from '../readCache.ts';
import type { CardLoader } from './cardLoader.ts';
import type { Hono } from 'hono';
import type { Store } from '../../store/types.ts';
import { signatureRefusal, type HubSpotAppSecrets } from '../webhooks/hubspot.ts';
import type { CardCache } from './cardCache.ts';
import { cachedContactCard, cardError, CONTACT_NOT_FOUND, PORTAL_NOT_CONNECTED } from './contactCard.ts';

export const HUBSPOT_CONTACT_CARD_PATH = '/cards/hubspot/contact';

/** Read per request (an app built only for its route table never touches them). */
export interface HubSpotCardDeps {
  store: Store;
  publicUrl?: string;
  hubspot?: HubSpotAppSecrets;
  now?: () => number;
}

/** The one value of a required id parameter, or why there is none. */
function idParameter(query: URLSearchParams, name: string): { id: string } | { problem: string } {
  const values = query.getAll(name);
  if (values.length === 0) return { problem: `${name} is missing` };
  // Two values would leave it open which one the signature vouched for.
  if (values.length > 1) return { problem: `${name} is given ${values.length} times` };
  const value = values[0]!;
  if (!/^\d{1,20}$/.test(value)) return { problem: `${name} must be a HubSpot id (digits)` };
  return { id: value };
}

export function mountHubSpotContactCard(app: Hono<any>, deps: HubSpotCardDeps, cards: { cache: () => CardCache; load: CardLoader }, reads: ReadCache): void {
  app.get(HUBSPOT_CONTACT_CARD_PATH, async (c) => {
    // HubSpot signs a GET with an empty body.
    const refusal = signatureRefusal(c, deps, '');
    if (refusal) return c.json(cardError(refusal.reason), refusal.status);
    const query = new URL(c.req.url).searchParams;
    const portal = idParameter(query, 'portalId');
    if ('problem' in portal) return c.json(cardError(portal.problem), 400);
    const object = idParameter(query, 'objectId');
    if ('problem' in object) return c.json(cardError(object.problem), 400);
    const tenant = await reads.get(`tenant of hubspot portal ${portal.id}`, () => deps.store.findTenantByAccount('hubspot', portal.id));
    if (!tenant || tenant.status !== 'connected') return c.json(cardError(PORTAL_NOT_CONNECTED), 403);
    const payload = await cachedContactCard(cards.load, cards.cache(), tenant.id, object.id);
    if (!payload) return c.json(cardError(CONTACT_NOT_FOUND), 404);
    return c.json(payload, 200);
  });
}
