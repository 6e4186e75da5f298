/**
 * POST /webhooks/hubspot: HubSpot's webhook deliveries (shared/reference/hubspot.md §6, §9.3, §9.14).
 * The request only verifies, validates, stores and enqueues: HubSpot waits at most 5 s and retries
 * anything slower or any 4xx/5xx, so no CRM call and no sync run here (the webhook job does the work,
 * src/pipeline/jobs/webhookJobs.ts).
 *
 * - 413 over the body limit, before the signature (nothing larger can be a delivery);
 * - 401 when the v3 signature does not verify over POST + the external URL + the raw body + timestamp;
 * - 400 for a body that is not a JSON array of 1-100 events, naming the event and field;
 * - 200 otherwise, also for events we drop on purpose (unknown portal, disconnected tenant, our own
 *   write echoed back): a 4xx would only make HubSpot retry them for 24 hours.
 */
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { WebhookQueue } from '../../pipeline/jobs/webhookJobs.ts';
import type { Store } from '../../store/types.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyV3 } from '../hubspot/signature.ts';
import { deliveryProblem, HubSpotDelivery, isOwnEcho, toStoredEvent, type HubSpotEvent } from './hubspotEvents.ts';

export const HUBSPOT_WEBHOOK_PATH = '/webhooks/hubspot';

/**
 * 8 MiB. A delivery is at most 100 events; each is a few hundred bytes of ids plus, for a property change,
 * the new value, and HubSpot's longest text property holds 65,536 characters: 100 x 64 KiB is about
 * 6.6 MB, so no real delivery is refused, while a larger body is refused before it is read in full.
 */
export const WEBHOOK_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

export interface HubSpotAppSecrets {
  /** The app's client secret: HubSpot signs webhooks and hubspot.fetch calls with it. */
  clientSecret: string;
  /** The app's id: a property change made by this app on one of our output properties is our own echo. */
  appId?: string;
}

/** Read per request (an app built only for its route table never touches them). */
export interface WebhookReceiverDeps {
  store: Store;
  publicUrl?: string;
  hubspot?: HubSpotAppSecrets;
  jobs?: { webhooks: WebhookQueue };
  log?: (message: string) => void;
  now?: () => number;
}

/**
 * The URL HubSpot called, as it signed it: the configured external base, then the path and the query
 * exactly as they arrived (the order of the parameters is part of the signature).
 */
export function externalUrl(publicUrl: string | undefined, requestUrl: string): string {
  const base = (publicUrl ?? 'http://127.0.0.1').replace(/\/+$/, '');
  const afterScheme = requestUrl.indexOf('//');
  const pathStart = requestUrl.indexOf('/', afterScheme < 0 ? 0 : afterScheme + 2);
  return `${base}${pathStart < 0 ? '/' : requestUrl.slice(pathStart)}`;
}

/** The request's signature check as a refusal answer, or null when it verifies. */
export function signatureRefusal(c: Context, deps: Pick<WebhookReceiverDeps, 'publicUrl' | 'hubspot' | 'now'>, body: string): { status: 401 | 503; reason: string } | null {
  if (!deps.hubspot?.clientSecret) return { status: 503, reason: 'the HubSpot app is not configured on this service (HUBSPOT_CLIENT_SECRET)' };
  const check = verifyV3(
    deps.hubspot.clientSecret,
    { method: c.req.method, url: externalUrl(deps.publicUrl, c.req.url), body, signature: c.req.header(SIGNATURE_HEADER), timestamp: c.req.header(TIMESTAMP_HEADER) },
    deps.now?.() ?? Date.now(),
  );
  return check.ok ? null : { status: check.status, reason: check.reason };
}

export interface DeliveryReceipt {
  received: number;
  /** New events stored for a connected tenant. */
  stored: number;
  /** Events this service already had (HubSpot's retries, replays). */
  duplicates: number;
  /** Events of a portal with no connected tenant here. */
  dropped: number;
  /** Our own writes echoed back. */
  echoes: number;
}

export function mountHubSpotWebhooks(app: Hono<any>, deps: WebhookReceiverDeps, outputProperties: ReadonlySet<string>): void {
  const limit = bodyLimit({
    maxSize: WEBHOOK_BODY_LIMIT_BYTES,
    onError: (c) => c.json({ error: `the body is larger than ${WEBHOOK_BODY_LIMIT_BYTES} bytes` }, 413),
  });
  app.post(HUBSPOT_WEBHOOK_PATH, limit, async (c) => {
    const body = await c.req.text();
    const refusal = signatureRefusal(c, deps, body);
    if (refusal) return c.json({ error: refusal.reason }, refusal.status);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return c.json({ error: 'the body is not JSON' }, 400);
    }
    if (!Array.isArray(json)) return c.json({ error: 'the body must be a JSON array of webhook events' }, 400);
    const parsed = HubSpotDelivery.safeParse(json);
    if (!parsed.success) return c.json({ error: `invalid webhook event ${deliveryProblem(parsed.error)}` }, 400);
    return c.json(await receive(deps, parsed.data, outputProperties), 200);
  });
}

async function receive(deps: WebhookReceiverDeps, events: HubSpotEvent[], outputProperties: ReadonlySet<string>): Promise<DeliveryReceipt> {
  const receipt: DeliveryReceipt = { received: events.length, stored: 0, duplicates: 0, dropped: 0, echoes: 0 };
  const byPortal = new Map<string, HubSpotEvent[]>();
  for (const event of events) byPortal.set(event.portalId, [...(byPortal.get(event.portalId) ?? []), event]);
  let unknownPortals = 0;
  for (const [portalId, portalEvents] of byPortal) {
    // The tenant comes from the portal in the signed body: the secret is the app's, shared by every portal.
    const tenant = await deps.store.findTenantByAccount('hubspot', portalId);
    if (!tenant || tenant.status !== 'connected') {
      receipt.dropped += portalEvents.length;
      unknownPortals++;
      continue;
    }
    const kept = portalEvents.filter((e) => !isOwnEcho(e, deps.hubspot?.appId, outputProperties));
    receipt.echoes += portalEvents.length - kept.length;
    const stored = await deps.store.saveWebhookEvents(tenant.id, kept.map(toStoredEvent));
    receipt.stored += stored;
    receipt.duplicates += kept.length - stored;
    // Also when nothing was new but some is still pending: a delivery whose job request failed is retried by HubSpot.
    if (stored > 0 || (kept.length > 0 && (await deps.store.countWebhookEvents(tenant.id, { pending: true })) > 0)) {
      if (!deps.jobs) throw new Error('webhook events were stored but this service has no job queue to process them');
      await deps.jobs.webhooks.requestProcessing(tenant.id);
    }
  }
  if (receipt.dropped > 0) (deps.log ?? console.warn)(`webhooks: dropped ${receipt.dropped} event(s) of ${unknownPortals} portal(s) with no connected tenant`);
  return receipt;
}
