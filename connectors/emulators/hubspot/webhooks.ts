/**
 * The portal's webhook sender: every change to the portal (state.observer) becomes events for the app's
 * subscriptions, POSTed to the app's target URL the way HubSpot delivers them (reference §6, §9.14):
 * JSON arrays of at most 100 events, signed with the v3 signature, at most 10 requests in flight per
 * portal, retried on a connection failure, a timeout (5 s) or any 4xx/5xx, up to 10 times, spread out
 * with jitter, attemptNumber counting from 0 as in HubSpot's payloads.
 * Changes made in the same tick (one API batch write) go out together.
 */
import { createRng, deriveSeed, type Rng } from '../../../src/domain/random.mjs';
import { SINGULAR } from './objectTypes.ts';
import type { Actor, StateChange } from './state.ts';
import { signedHeaders } from './webhookSigner.ts';

export const MAX_EVENTS_PER_REQUEST = 100;
/** HubSpot's 2026-03 lifecycle event type ids (AppLifecycleEventSubscriptionUpsertRequest). */
export const APP_LIFECYCLE_EVENT = 'APP_LIFECYCLE_EVENT';
export const APP_UNINSTALL_EVENT_TYPE_ID = '4-1916193';
/** The user the emulator's UI changes are made by (the same admin the token info names). */
export const UI_USER_ID = 7_654_321;

/**
 * Ten retries over about 24 hours (1 min ... 7 h, 23.9 h in all), as HubSpot spreads them; tests pass
 * their own short schedule.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1, 5, 15, 30, 60, 120, 180, 240, 360, 420].map((m) => m * 60_000);

export interface SubscriptionSpec {
  /** e.g. contact.propertyChange, deal.creation, contact.privacyDeletion, APP_LIFECYCLE_EVENT. */
  subscriptionType: string;
  /** propertyChange only: the one property; omitted means every property. */
  propertyName?: string;
}

export interface WebhookOptions {
  /** Where events go; without one nothing is sent (as in HubSpot), and setTarget() can add it later. */
  targetUrl?: string;
  /** Default: every object event, contact.privacyDeletion and the uninstall lifecycle event. */
  subscriptions?: readonly SubscriptionSpec[];
  /** Delay before each retry; its length is the number of retries (default DEFAULT_RETRY_DELAYS_MS). */
  retryDelaysMs?: readonly number[];
  /** Share of each delay drawn at random either way; default 0.2. */
  jitter?: number;
  /** An answer slower than this is a failure; default 5000. */
  timeoutMs?: number;
  /** Requests in flight at once for the portal; default 10. */
  maxConcurrentRequests?: number;
}

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  changeFlag: string;
  changeSource: string;
  sourceId: string;
  propertyName?: string;
  propertyValue?: string;
  primaryObjectId?: number;
  mergedObjectIds?: number[];
  newObjectId?: number;
  eventTypeId?: string;
}

export interface DeliveryAttempt {
  /** Which batch (the same across its retries). */
  batch: number;
  /** attemptNumber as sent (0 on the first try). */
  attemptNumber: number;
  url: string;
  /** The events sent, as sent. */
  events: WebhookEvent[];
  /** The HTTP status, or why there was none. */
  status: number | 'timeout' | 'connection-failed' | 'no-target';
  ok: boolean;
  /** Whether another attempt was scheduled. */
  willRetry: boolean;
  /** Emulator clock at sending. */
  at: number;
}

export interface WebhookSender {
  /** Sets or clears (null) the target URL; batches already queued go to the new target. */
  setTarget(url: string | null): void;
  readonly targetUrl: string | null;
  /**
   * Resolves once every change so far has been sent and answered. By default it also waits for the
   * retries to run; with { retries: false } it stops waiting once the remaining retries are scheduled.
   */
  flush(options?: { retries?: boolean }): Promise<void>;
  /** Every attempt, in the order answers came back. */
  readonly deliveries: readonly DeliveryAttempt[];
  /** Drops queued batches and scheduled retries (end of a test, closing the emulator). */
  stop(): void;
}

interface Batch {
  id: number;
  events: Omit<WebhookEvent, 'attemptNumber'>[];
  attemptNumber: number;
}

interface Subscription extends SubscriptionSpec {
  id: number;
}

const OBJECT_KINDS = ['creation', 'deletion', 'propertyChange', 'merge'] as const;
const CHANGE_FLAGS: Record<StateChange['kind'], string> = {
  creation: 'NEW', deletion: 'DELETED', propertyChange: 'PROPERTY_CHANGE', merge: 'MERGED', privacyDeletion: 'PRIVACY_DELETED',
};

function knownTypes(): Set<string> {
  const types = new Set<string>([`contact.privacyDeletion`, APP_LIFECYCLE_EVENT]);
  for (const singular of Object.values(SINGULAR)) for (const kind of OBJECT_KINDS) types.add(`${singular}.${kind}`);
  return types;
}

function defaultSubscriptions(): SubscriptionSpec[] {
  return [...knownTypes()].map((subscriptionType) => ({ subscriptionType }));
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`webhook target ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`webhook target ${url} is not http(s)`);
  return parsed.href;
}

export interface SenderDeps {
  portalId: number;
  appId: number;
  clientSecret: string;
  clock: () => number;
  seed: number;
}

export function createWebhookSender(options: WebhookOptions, deps: SenderDeps): WebhookSender & { record(change: StateChange): void; uninstalled(): void } {
  const known = knownTypes();
  const subscriptions: Subscription[] = (options.subscriptions ?? defaultSubscriptions()).map((s, i) => {
    if (!known.has(s.subscriptionType)) throw new Error(`unknown webhook subscriptionType ${JSON.stringify(s.subscriptionType)}`);
    if (s.propertyName !== undefined && !s.subscriptionType.endsWith('.propertyChange')) {
      throw new Error(`propertyName is only for propertyChange subscriptions; ${s.subscriptionType} has ${s.propertyName}`);
    }
    return { ...s, id: 1_000_001 + i };
  });
  const retryDelays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  if (retryDelays.some((d) => !Number.isFinite(d) || d < 0)) throw new Error('retryDelaysMs must be non-negative numbers');
  const jitter = options.jitter ?? 0.2;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxInFlight = options.maxConcurrentRequests ?? 10;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new Error('maxConcurrentRequests must be a positive integer');
  const rng: Rng = createRng(deriveSeed(deps.seed, 'webhooks'));

  let target: string | null = options.targetUrl === undefined ? null : checkUrl(options.targetUrl);
  let nextEventId = 1;
  let nextBatchId = 1;
  let pending: Omit<WebhookEvent, 'attemptNumber'>[] = [];
  let cutScheduled = false;
  const ready: Batch[] = [];
  let inFlight = 0;
  const retryTimers = new Set<ReturnType<typeof setTimeout>>();
  const deliveries: DeliveryAttempt[] = [];
  let waiters: { retries: boolean; resolve: () => void }[] = [];

  const source = (by: Actor) =>
    by === 'INTEGRATION' ? { changeSource: 'INTEGRATION', sourceId: String(deps.appId) } : { changeSource: 'CRM_UI', sourceId: `userId:${UI_USER_ID}` };

  const settled = (retries: boolean) =>
    pending.length === 0 && !cutScheduled && ready.length === 0 && inFlight === 0 && (!retries || retryTimers.size === 0);

  const wake = () => {
    const still: typeof waiters = [];
    for (const w of waiters) (settled(w.retries) ? w.resolve() : still.push(w));
    waiters = still;
  };

  const enqueue = (events: Omit<WebhookEvent, 'attemptNumber'>[]) => {
    if (target === null || events.length === 0) return;
    pending.push(...events);
    if (cutScheduled) return;
    cutScheduled = true;
    setImmediate(() => {
      cutScheduled = false;
      const all = pending;
      pending = [];
      for (let i = 0; i < all.length; i += MAX_EVENTS_PER_REQUEST) {
        ready.push({ id: nextBatchId++, events: all.slice(i, i + MAX_EVENTS_PER_REQUEST), attemptNumber: 0 });
      }
      pump();
    });
  };

  const pump = () => {
    while (inFlight < maxInFlight && ready.length > 0) void send(ready.shift() as Batch);
    wake();
  };

  const attempt = async (url: string, body: string): Promise<DeliveryAttempt['status']> => {
    const timestamp = deps.clock();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedHeaders({ method: 'POST', uri: url, body, timestamp, clientSecret: deps.clientSecret }) },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.status;
    } catch (error) {
      const name = (error as { name?: string }).name;
      return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connection-failed';
    }
  };

  const send = async (batch: Batch) => {
    inFlight++;
    const events = batch.events.map((e) => ({ ...e, attemptNumber: batch.attemptNumber }) as WebhookEvent);
    const url = target;
    const at = deps.clock();
    const status = url === null ? 'no-target' : await attempt(url, JSON.stringify(events));
    const ok = typeof status === 'number' && status >= 200 && status < 300;
    // A cleared target ends the batch: HubSpot has nowhere to send it either.
    const willRetry = !ok && url !== null && batch.attemptNumber < retryDelays.length;
    deliveries.push({ batch: batch.id, attemptNumber: batch.attemptNumber, url: url ?? '', events, status, ok, willRetry, at });
    if (willRetry) {
      const base = retryDelays[batch.attemptNumber] as number;
      const delay = Math.max(0, Math.round(base * (1 + jitter * (2 * rng.next() - 1))));
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        ready.push({ ...batch, attemptNumber: batch.attemptNumber + 1 });
        pump();
      }, delay);
      timer.unref?.();
      retryTimers.add(timer);
    }
    inFlight--;
    pump();
  };

  const eventsFor = (change: StateChange): Omit<WebhookEvent, 'attemptNumber'>[] => {
    const singular = SINGULAR[change.type];
    const subscriptionType = change.kind === 'privacyDeletion' ? 'contact.privacyDeletion' : `${singular}.${change.kind}`;
    const occurredAt = deps.clock();
    const out: Omit<WebhookEvent, 'attemptNumber'>[] = [];
    for (const s of subscriptions) {
      if (s.subscriptionType !== subscriptionType) continue;
      if (change.kind === 'propertyChange' && s.propertyName !== undefined && s.propertyName !== change.propertyName) continue;
      const event: Omit<WebhookEvent, 'attemptNumber'> = {
        eventId: nextEventId++, subscriptionId: s.id, portalId: deps.portalId, appId: deps.appId, occurredAt, subscriptionType,
        objectId: Number(change.objectId), changeFlag: CHANGE_FLAGS[change.kind], ...source(change.by),
      };
      if (change.kind === 'propertyChange') Object.assign(event, { propertyName: change.propertyName, propertyValue: change.propertyValue });
      if (change.kind === 'merge') {
        Object.assign(event, {
          primaryObjectId: Number(change.primaryObjectId),
          mergedObjectIds: change.mergedObjectIds.map(Number),
          newObjectId: Number(change.objectId),
        });
      }
      out.push(event);
    }
    return out;
  };

  return {
    // Without a target nothing would be sent: skip building the events (the demo writes thousands).
    record: (change) => (target === null ? undefined : enqueue(eventsFor(change))),
    uninstalled: () => {
      const events = subscriptions
        .filter((s) => s.subscriptionType === APP_LIFECYCLE_EVENT)
        .map((s) => ({
          eventId: nextEventId++, subscriptionId: s.id, portalId: deps.portalId, appId: deps.appId, occurredAt: deps.clock(),
          subscriptionType: APP_LIFECYCLE_EVENT, eventTypeId: APP_UNINSTALL_EVENT_TYPE_ID, objectId: deps.portalId,
          changeFlag: 'APP_UNINSTALL', ...source('CRM_UI'),
        }));
      enqueue(events);
    },
    setTarget: (url) => {
      target = url === null ? null : checkUrl(url);
    },
    get targetUrl() {
      return target;
    },
    flush: ({ retries = true } = {}) =>
      new Promise<void>((resolve) => {
        if (settled(retries)) resolve();
        else waiters.push({ retries, resolve });
      }),
    deliveries,
    stop: () => {
      for (const t of retryTimers) clearTimeout(t);
      retryTimers.clear();
      pending = [];
      ready.length = 0;
      wake();
    },
  };
}
