/**
 * HubSpot webhook events as the receiver accepts them (shared/reference/hubspot.md §6, §9.5, §9.6): the
 * body is a JSON array of at most 100 events. Only what the job needs is kept, and never a property
 * value: `propertyValue` can be an email or a name, and the job re-reads the record through the API.
 */
import { z } from 'zod';
import type { WebhookEventInput } from '../../store/types.ts';

export const MAX_EVENTS_PER_DELIVERY = 100;

/** A HubSpot numeric id: sent as a JSON number, accepted as a string of digits too. */
const id = z.union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,20}$/, 'must be digits')]).transform(String);
const shortText = z.string().max(200);

export const HubSpotEvent = z.object({
  eventId: id,
  subscriptionType: z.string().min(1).max(100).regex(/^[A-Za-z_.]+$/, 'must be a subscription type such as contact.propertyChange'),
  portalId: id,
  occurredAt: z.number().int().nonnegative().max(8.64e15),
  objectId: id,
  appId: id.optional(),
  subscriptionId: id.optional(),
  attemptNumber: z.number().int().nonnegative().optional(),
  changeFlag: shortText.optional(),
  changeSource: shortText.optional(),
  sourceId: shortText.optional(),
  propertyName: shortText.optional(),
  // Accepted and then dropped: never stored, never logged.
  propertyValue: z.unknown().optional(),
  primaryObjectId: id.optional(),
  mergedObjectIds: z.array(id).max(1000).optional(),
  newObjectId: id.optional(),
  eventTypeId: shortText.optional(),
  /** Generic `object.*` subscriptions (what the manifest subscribes to) name the object type by id: 0-1 contacts. */
  objectTypeId: z.string().max(50).regex(/^\d+-\d+$/, 'must be an object type id such as 0-1').optional(),
});
export type HubSpotEvent = z.infer<typeof HubSpotEvent>;

export const HubSpotDelivery = z
  .array(HubSpotEvent)
  .min(1, 'must hold at least one event')
  .max(MAX_EVENTS_PER_DELIVERY, `must hold at most ${MAX_EVENTS_PER_DELIVERY} events (HubSpot sends at most 100 per request)`);

/** The first problem of a delivery, naming the event and field (e.g. "[3].objectId: must be digits"). */
export function deliveryProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'the body is not a list of webhook events';
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return `${path || 'body'}: ${issue.message}`;
}

/** The event as stored: ids, property name and provenance; no property value. */
export function toStoredEvent(event: HubSpotEvent): WebhookEventInput {
  const { eventId, subscriptionType, objectId, occurredAt, propertyValue: _value, ...rest } = event;
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) payload[key] = value;
  return { eventId, subscriptionType, objectId, occurredAt: new Date(occurredAt).toISOString(), payload };
}

/** HubSpot's app lifecycle events (2026-03 webhooks); the uninstall's event type id. */
export const APP_LIFECYCLE_EVENT = 'APP_LIFECYCLE_EVENT';
export const APP_UNINSTALL_EVENT_TYPE_ID = '4-1916193';

/**
 * Our own write coming back (reference §9.6): a property change made by an integration whose source is
 * our app, on one of our output properties. Anything else, even by us, may be an input change.
 */
export function isOwnEcho(event: HubSpotEvent, ownAppId: string | undefined, outputProperties: ReadonlySet<string>): boolean {
  return (
    ownAppId !== undefined &&
    event.subscriptionType.endsWith('.propertyChange') &&
    event.changeSource === 'INTEGRATION' &&
    event.sourceId === ownAppId &&
    event.propertyName !== undefined &&
    outputProperties.has(event.propertyName)
  );
}
