/**
 * The webhook job: what the receiver (src/server/webhooks/hubspot.ts) stored, applied to the store. One
 * job per tenant at a time (a singleton key on a stately queue), so a burst of deliveries coalesces into
 * one job, and that job into at most one cycle job:
 * - deletion: the records are forgotten (with their signals, written values and pending writes);
 * - merge: the merged-away records are forgotten, and the primary is re-read by the next sync;
 * - contact.privacyDeletion: the person is erased everywhere (src/pipeline/privacy.ts);
 * - the app's uninstall lifecycle event: the tenant is disconnected (its tokens deleted);
 * - creation, propertyChange, restore, associationChange: the record is noted for the change feed (read by
 *   id by the next sync, src/pipeline/changeFeed.ts) and one incremental cycle is asked for; a change to
 *   a property the tenant's mapping does not read is ignored.
 * Events are taken in occurredAt order (HubSpot does not deliver in order) and marked processed after
 * their effects; every effect is idempotent, so a job that dies half-way is simply run again.
 */
import type PgBoss from 'pg-boss';
import { z } from 'zod';
import type { ObjectType } from '../../domain/records.ts';
import type { Store, StoredWebhookEvent, Tenant } from '../../store/types.ts';
import { disconnect, type DisconnectJobs } from '../disconnect.ts';
import { tenantWritten } from '../events.ts';
import { readFields, type ReadFields } from '../../mapping/index.ts';
import { tenantMapping } from '../mappings.ts';
import { erasePerson } from '../privacy.ts';
import { ensureQueue } from './bossDb.ts';
import { sendCycle } from './cycleJobs.ts';
import { parseJobData, type RetryPolicy } from './queues.ts';

export const WEBHOOK_QUEUE = 'crm-signals-webhooks';
export const WebhookJobData = z.object({ tenantId: z.string().min(1) });
export type WebhookJobData = z.infer<typeof WebhookJobData>;

/** Events handled per store round trip; a job loops until none is left. */
const PAGE = 500;
const WEBHOOK_RETRY: RetryPolicy = { limit: 5, delaySeconds: 10 };

/** The HubSpot object names we keep, by the prefix of their subscription types. */
const STORED_TYPES: Record<string, ObjectType> = { contact: 'contact', deal: 'deal', ticket: 'ticket', product: 'product' };
/** The same for generic `object.*` subscriptions, by HubSpot's object type id. */
const STORED_TYPE_IDS: Record<string, ObjectType> = { '0-1': 'contact', '0-3': 'deal', '0-5': 'ticket', '0-7': 'product' };
const SYNC_KINDS = new Set(['creation', 'propertyChange', 'restore', 'associationChange']);
const UNINSTALL_EVENT_TYPE_ID = '4-1916193';

/** What the receiver needs of the queue: one request per tenant touched by a delivery. */
export interface WebhookQueue {
  /** The job's id, or null when one is already queued for the tenant (it will see these events too). */
  requestProcessing(tenantId: string): Promise<string | null>;
}

export function webhookQueue(boss: PgBoss, retry: RetryPolicy = WEBHOOK_RETRY): WebhookQueue {
  return {
    requestProcessing: (tenantId) =>
      boss.send(WEBHOOK_QUEUE, { tenantId } satisfies WebhookJobData, { singletonKey: tenantId, retryLimit: retry.limit, retryDelay: retry.delaySeconds, retryBackoff: true }),
  };
}

export interface WebhookJobDeps {
  store: Store;
  log(message: string): void;
  /** Asks for one incremental cycle of the tenant's unit; null when one is already queued. */
  requestCycle(tenant: Tenant): Promise<string | null>;
  /** Cancels an uninstalled tenant's queued cycle jobs. */
  cancelQueued?: DisconnectJobs['cancelQueued'];
  now?: () => Date;
}

export interface WebhookProcessing {
  events: number;
  deleted: number;
  /** Records noted for the change feed. */
  noted: number;
  erased: number;
  disconnected: boolean;
  /** The cycle job asked for (or null: none needed, or one was already queued). */
  cycleJob: string | null;
  cycleRequested: boolean;
  ignored: number;
}

/** Applies the tenant's unprocessed events; safe to run again after a crash at any point. */
export async function processWebhookEvents(deps: WebhookJobDeps, tenantId: string): Promise<WebhookProcessing> {
  const { store, log } = deps;
  const out: WebhookProcessing = { events: 0, deleted: 0, noted: 0, erased: 0, disconnected: false, cycleJob: null, cycleRequested: false, ignored: 0 };
  let needsSync = false;
  for (;;) {
    const tenant = await store.getTenant(tenantId);
    if (!tenant) throw new Error(`${WEBHOOK_QUEUE}: no tenant ${tenantId}`);
    const events = await store.pendingWebhookEvents(tenantId, PAGE);
    if (events.length === 0) break;
    const { mapping } = await tenantMapping(store, tenant);
    const plan = planEvents(events, readFields(mapping));
    // Erasure first: it finds the person's email and names on the stored contact, which a deletion would remove.
    if (plan.erase.size > 0) {
      for (const id of plan.erase) {
        const erased = await erasePerson(store, tenant, mapping, { ids: [id] }, { log });
        if (erased.listenerFailures.length > 0) throw new Error(`privacy deletion of a contact of ${tenantId}: ${erased.listenerFailures.length} cache listener(s) failed; retried`);
        out.erased++;
      }
    }
    for (const [objectType, ids] of plan.forget) out.deleted += await store.deleteRecords(tenantId, objectType, [...ids]);
    // After the forgetting: a merged-away record is not read again, its primary is.
    for (const [objectType, ids] of plan.note) out.noted += await store.noteChanged(tenantId, objectType, [...ids].filter((id) => !plan.forget.get(objectType)?.has(id)));
    if (plan.uninstall && tenant.status === 'connected') {
      const when = (deps.now?.() ?? new Date()).toISOString().slice(0, 10);
      const reason = `the app was uninstalled from HubSpot portal ${tenant.accountId ?? '?'} on ${when}`;
      out.disconnected = (await disconnect(store, tenantId, reason, deps.cancelQueued ? { cancelQueued: deps.cancelQueued } : undefined)).changed;
    }
    if (plan.forget.size > 0 || plan.erase.size > 0) tenantWritten(tenantId);
    needsSync ||= plan.sync;
    out.ignored += plan.ignored;
    out.events += events.length;
    await store.markWebhookEventsProcessed(tenantId, events.map((e) => e.eventId));
    if (events.length < PAGE) break;
  }
  const tenant = await store.getTenant(tenantId);
  if (needsSync && tenant?.status === 'connected') {
    out.cycleRequested = true;
    out.cycleJob = await deps.requestCycle(tenant);
  }
  if (out.events > 0) {
    log(`webhooks of ${tenantId}: ${out.events} event(s), ${out.deleted} record(s) forgotten, ${out.noted} noted as changed, ${out.erased} person(s) erased${out.disconnected ? ', disconnected (uninstalled)' : ''}${out.cycleRequested ? `, cycle ${out.cycleJob ? 'queued' : 'already queued'}` : ''}${out.ignored ? `, ${out.ignored} ignored` : ''}`);
  }
  return out;
}

interface EventPlan {
  forget: Map<ObjectType, Set<string>>;
  note: Map<ObjectType, Set<string>>;
  erase: Set<string>;
  uninstall: boolean;
  sync: boolean;
  ignored: number;
}

/** What a page of events asks for; order does not change the outcome, since every effect is idempotent. */
function planEvents(events: StoredWebhookEvent[], read: ReadFields): EventPlan {
  const plan: EventPlan = { forget: new Map(), note: new Map(), erase: new Set(), uninstall: false, sync: false, ignored: 0 };
  const add = (into: Map<ObjectType, Set<string>>, type: ObjectType, ids: string[]) => {
    const set = into.get(type) ?? new Set<string>();
    for (const id of ids) set.add(id);
    into.set(type, set);
  };
  const forget = (type: ObjectType, ids: string[]) => add(plan.forget, type, ids);
  /** Products are not synced by cycles (no change feed for them): their events still ask for one. */
  const changed = (type: ObjectType, id: string) => {
    if (type in read) add(plan.note, type, [id]);
    plan.sync = true;
  };
  for (const event of events) {
    if (event.subscriptionType === 'APP_LIFECYCLE_EVENT') {
      if (event.payload.eventTypeId === UNINSTALL_EVENT_TYPE_ID) plan.uninstall = true;
      else plan.ignored++;
      continue;
    }
    if (event.subscriptionType === 'contact.privacyDeletion') {
      plan.erase.add(event.objectId);
      continue;
    }
    const [prefix = '', kind = ''] = event.subscriptionType.split('.');
    const type = prefix === 'object' ? STORED_TYPE_IDS[String(event.payload.objectTypeId ?? '')] : STORED_TYPES[prefix];
    if (!type) {
      plan.ignored++;
      continue;
    }
    if (kind === 'deletion') forget(type, [event.objectId]);
    else if (kind === 'merge') {
      const primary = String(event.payload.primaryObjectId ?? event.objectId);
      const merged = Array.isArray(event.payload.mergedObjectIds) ? event.payload.mergedObjectIds.map(String) : [];
      forget(type, merged.filter((id) => id !== primary));
      changed(type, primary);
    } else if (kind === 'propertyChange' && !readsProperty(read, type, event.payload.propertyName)) plan.ignored++;
    else if (SYNC_KINDS.has(kind)) changed(type, event.objectId);
    else plan.ignored++;
  }
  return plan;
}

/** Whether the mapping reads the changed property (an event without a property name is taken as a change). */
function readsProperty(read: ReadFields, type: ObjectType, property: unknown): boolean {
  if (typeof property !== 'string' || !(type in read)) return true;
  return read[type as keyof ReadFields].includes(property);
}

export async function createWebhookQueue(boss: PgBoss, retry: RetryPolicy = WEBHOOK_RETRY): Promise<void> {
  await ensureQueue(boss, WEBHOOK_QUEUE, { policy: 'stately', retryLimit: retry.limit, retryDelay: retry.delaySeconds, retryBackoff: true });
}

export interface RegisterWebhookJobs extends Omit<WebhookJobDeps, 'requestCycle'> {
  /** The tenants whose cycles run as one job with this tenant's (default: the tenant alone). */
  unitOf?(tenant: Tenant): Promise<string[]>;
  cycleRetry?: RetryPolicy;
}

/** Creates the webhook queue and subscribes this process to it; cycles it asks for go to the cycle queue. */
export async function registerWebhookJobs(boss: PgBoss, deps: RegisterWebhookJobs): Promise<void> {
  await createWebhookQueue(boss);
  const jobDeps: WebhookJobDeps = {
    ...deps,
    requestCycle: async (tenant) => sendCycle(boss, (await deps.unitOf?.(tenant)) ?? [tenant.id], 'webhook', deps.cycleRetry),
  };
  await boss.work<unknown>(WEBHOOK_QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 1 }, async ([job]) => {
    if (!job) return undefined;
    const { tenantId } = parseJobData(WebhookJobData, WEBHOOK_QUEUE, job.id, job.data);
    return processWebhookEvents(jobDeps, tenantId);
  });
}
