/**
 * The change feed: HubSpot's webhooks name the records that changed, so a cycle reads those by id
 * instead of searching everything modified since the checkpoint, which after a write-back is every record
 * we wrote (our writes move `lastmodifieddate` too, and the search cannot filter on who changed a record).
 * The webhook job notes the ids (Store.noteChanged); the sync reads and clears them.
 *
 * A full search from the checkpoint still runs for a type:
 * - until its first full read has finished (webhooks only tell of changes after the install);
 * - when the tenant's mapping reads a property the app's subscriptions do not deliver (the manifest
 *   subscribes to the default mapping's inputs; a tenant's own field changes silently otherwise);
 * - every `reconcileEveryMs` (a day by default): for deliveries lost after HubSpot's retries and stored
 *   properties nobody subscribes to.
 * After a search the noted records are read by id too: the search's index lags a little behind webhooks.
 */
import { parseCheckpoint, type Checkpoint } from '../../connectors/connector.ts';
import type { ObjectType } from '../domain/records.ts';
import { DEFAULT_HUBSPOT_MAPPING, readFields, type ReadFields } from '../mapping/index.ts';
import type { PipelineContext } from './context.ts';

export interface ChangeFeed {
  /** The properties the app's webhook subscriptions deliver changes of, per object type. */
  subscribed: ReadFields;
  /** How often a full search still runs; default DEFAULT_RECONCILE_MS. */
  reconcileEveryMs?: number;
}

export const DEFAULT_RECONCILE_MS = 24 * 60 * 60 * 1000;

/**
 * The properties the HubSpot app subscribes to: the default mapping's (the manifest is generated from
 * these, src/manifests/write.ts), the same for every portal the app is installed in.
 */
export function appSubscriptions(): ReadFields {
  return readFields(DEFAULT_HUBSPOT_MAPPING);
}

/** The feed of a service that receives the HubSpot app's webhooks. */
export function hubspotChangeFeed(reconcileEveryMs = DEFAULT_RECONCILE_MS): ChangeFeed {
  return { subscribed: appSubscriptions(), reconcileEveryMs };
}

export type SyncSource =
  | { source: 'webhooks' }
  | {
      source: 'search';
      why: string | null;
      /** Leave out records our own integration changed last (Salesforce between reconciles). */
      excludeOwnWrites?: boolean;
      /** Read from here instead of the checkpoint: a reconcile re-reads what the excluding reads skipped. */
      from?: Checkpoint | null;
    };

/** What the last complete search covered: when it started, the properties it read, and where it read from. */
interface Reconciled {
  at: string;
  fields: string[];
  /** Where the next reconcile of a connector that excludes its own writes reads from. */
  from?: Checkpoint;
}

const cursorName = (objectType: ObjectType) => `reconciled:${objectType}`;

function fieldsOf(fields: ReadFields, objectType: ObjectType): string[] | null {
  return objectType in fields ? fields[objectType as keyof ReadFields] : null;
}

/** Whether this cycle reads the type from the change feed or searches, and why it searches. */
export async function syncSource(ctx: PipelineContext, objectType: ObjectType): Promise<SyncSource> {
  if (ctx.connector.canExcludeOwnWrites) return ownWritesExcluded(ctx, objectType);
  const feed = ctx.changeFeed;
  if (!feed || !ctx.connector.readByIds) return { source: 'search', why: null };
  const wanted = fieldsOf(readFields(ctx.mapping), objectType);
  const subscribed = new Set(fieldsOf(feed.subscribed, objectType) ?? []);
  if (wanted === null) return { source: 'search', why: `no webhooks for ${objectType}s` };
  const unsubscribed = wanted.filter((field) => !subscribed.has(field));
  if (unsubscribed.length > 0) return { source: 'search', why: `the mapping reads ${unsubscribed.join(', ')}, which no webhook subscription delivers` };
  const due = await reconcileDue(ctx, objectType);
  return due === null ? { source: 'webhooks' } : { source: 'search', why: due.why };
}

/**
 * Salesforce: every read leaves out the records our integration user changed last, except a reconcile,
 * which re-reads from where the last one started: a user's change followed by our write (before the sync
 * saw it) would otherwise be skipped for good, since our write makes us the last modifier.
 */
async function ownWritesExcluded(ctx: PipelineContext, objectType: ObjectType): Promise<SyncSource> {
  const due = await reconcileDue(ctx, objectType);
  if (due === null) return { source: 'search', why: null, excludeOwnWrites: true };
  return { source: 'search', why: due.why, ...(due.last?.from ? { from: due.last.from } : {}) };
}

/** Why a full read is due (null: it is not), with the last one's cursor. */
async function reconcileDue(ctx: PipelineContext, objectType: ObjectType): Promise<{ why: string; last: Reconciled | null } | null> {
  const wanted = fieldsOf(readFields(ctx.mapping), objectType) ?? [];
  const last = parseReconciled(await ctx.store.getCursor(ctx.tenant.id, cursorName(objectType)));
  if (!last) return { why: 'first full read', last };
  const newFields = wanted.filter((field) => !last.fields.includes(field));
  // New fields were never read: the whole type is read again (from the checkpoint, not `from`).
  if (newFields.length > 0) return { why: `the mapping now reads ${newFields.join(', ')}`, last: null };
  const now = (ctx.now?.() ?? new Date()).getTime();
  const every = ctx.changeFeed?.reconcileEveryMs ?? DEFAULT_RECONCILE_MS;
  if (now - Date.parse(last.at) >= every) return { why: `reconciling: the last full read started ${last.at}`, last };
  return null;
}

/**
 * After a read without exclusions reached the type's end: the feed (or the excluding reads) may take over
 * until the next reconcile is due, which reads again from `from` (the checkpoint this read started at).
 */
export async function searchCompleted(ctx: PipelineContext, objectType: ObjectType, startedAt: Date, from: Checkpoint | null): Promise<void> {
  const fields = fieldsOf(readFields(ctx.mapping), objectType) ?? [];
  // A first read (or one resumed in its initial phase) starts the next reconcile where it began.
  const next: Checkpoint = from?.phase === 'incremental' ? from : { phase: 'incremental', since: from?.startedAt ?? startedAt.toISOString() };
  await ctx.store.saveCursor(ctx.tenant.id, cursorName(objectType), { at: startedAt.toISOString(), fields, from: next } satisfies Reconciled);
}

function parseReconciled(value: unknown): Reconciled | null {
  if (typeof value !== 'object' || value === null) return null;
  const { at, fields, from } = value as Partial<Reconciled>;
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || !Array.isArray(fields) || !fields.every((f) => typeof f === 'string')) return null;
  const checkpoint = parseCheckpoint(from ?? null);
  return { at, fields, ...(checkpoint ? { from: checkpoint } : {}) };
}
