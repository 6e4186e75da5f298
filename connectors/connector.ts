/**
 * The one interface every CRM connector implements, in the spirit of Airbyte's verbs:
 * check (install-time permissions), discover (the tenant's fields), install (output fields),
 * read (per object, from a checkpoint, page by page) and write (a batch, a result per record).
 */
import { z } from 'zod';
import type { CanonicalRecord, Crm, ObjectType, RejectedRecord } from '../src/domain/records.ts';
import type { OutputField } from '../src/domain/outputFields.ts';

/** Where a read stands. Saved by the runner only after the page it came with is stored. */
export const Checkpoint = z.discriminatedUnion('phase', [
  z.object({
    phase: z.literal('initial'),
    /** Paging cursor of the list endpoint; absent on the first page. */
    after: z.string().optional(),
    /** When the initial read began (ISO): the incremental phase starts from here. */
    startedAt: z.string(),
  }),
  z.object({
    phase: z.literal('incremental'),
    /** Records modified at or after this time (ISO) are read. */
    since: z.string(),
    /** Tie-break among records sharing `since`: ids at or below this one were already read. */
    afterId: z.string().optional(),
  }),
]);
export type Checkpoint = z.infer<typeof Checkpoint>;

/** Parses a stored checkpoint; a corrupt one means a clean re-sync (null), never a crash. */
export function parseCheckpoint(raw: unknown): Checkpoint | null {
  const parsed = Checkpoint.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export interface ReadOptions {
  /** Leave out records last changed by our own integration (where canExcludeOwnWrites). */
  excludeOwnWrites?: boolean;
}

export interface Page {
  records: CanonicalRecord[];
  rejected: RejectedRecord[];
  /** Where to resume after this page is stored. */
  checkpoint: Checkpoint;
}

export interface FieldInfo {
  name: string;
  label: string;
  type: string;
  options?: string[];
  readOnly: boolean;
}

export interface CheckResult {
  ok: boolean;
  problems: string[];
}

export interface InstallResult {
  created: string[];
  existing: string[];
  /** Existing fields whose definition was repaired (e.g. enumeration options added). */
  updated: string[];
}

export interface RecordUpdate {
  externalId: string;
  /** CRM property name -> value ('' clears a property). */
  properties: Record<string, string>;
}

export type WriteResult =
  | { externalId: string; ok: true; modifiedAt: string | null }
  | { externalId: string; ok: false; error: string; retryable: boolean };

/** The results of one CRM write request, as soon as it answered (see Connector.write). */
export type WriteBatchConfirmed = (results: WriteResult[]) => Promise<void>;

/** A significant signal change, kept as a timeline entry on the record where the CRM supports it. */
export interface HistoryEntry {
  /** Idempotency key: the same change recorded twice stays one entry. */
  key: string;
  objectType: ObjectType;
  externalId: string;
  signal: string;
  oldValue: string | null;
  newValue: string;
  reasons: string | null;
  modelVersion: string | null;
  changedAt: string;
}

export interface ApiUsage {
  calls: number;
  retries: number;
  throttled: number;
}

export interface Connector {
  readonly crm: Crm;
  check(): Promise<CheckResult>;
  discover(objectType: ObjectType): Promise<FieldInfo[]>;
  install(fields: readonly OutputField[]): Promise<InstallResult>;
  read(objectType: ObjectType, checkpoint: Checkpoint | null, options?: ReadOptions): AsyncIterable<Page>;
  /**
   * `read` can leave out records whose last change was our own write (Salesforce: LastModifiedById is
   * the integration user), so a write-back is never read back; src/pipeline/changeFeed.ts says when.
   */
  readonly canExcludeOwnWrites?: boolean;
  /**
   * Writes in the CRM's own batches and returns a result per update. With `onBatch`, each request's
   * results are handed over as soon as the CRM answered, before the next request is sent (awaited; a throw
   * stops the write): the caller records confirmed writes there, so a crash re-sends at most the request
   * that was in flight.
   */
  write(objectType: ObjectType, updates: RecordUpdate[], onBatch?: WriteBatchConfirmed): Promise<WriteResult[]>;
  /**
   * Records deleted since `since` (ISO), and how far the CRM's answer reaches (the next `since`);
   * absent where deletions arrive another way (HubSpot: deletion webhooks).
   */
  deleted?(objectType: ObjectType, since: string | null): Promise<{ ids: string[]; until: string }>;
  /**
   * These records as `read` gives them (mapped, enriched), by id, in the CRM's batch reads: what the change
   * feed reads of the records webhooks named. A record the CRM no longer has is left out. Absent where no
   * webhooks feed the sync (Salesforce).
   */
  readByIds?(objectType: ObjectType, ids: readonly string[]): Promise<Omit<Page, 'checkpoint'>>;
  /** Timeline entries for significant changes; absent where the CRM has no place for them. */
  recordHistory?(entries: HistoryEntry[]): Promise<number>;
  /**
   * The CRM's current values of `properties` on these records (a rollback restores only values still
   * ours); a record the CRM no longer has is missing from the answer, an empty value is null.
   */
  readValues(objectType: ObjectType, ids: readonly string[], properties: readonly string[]): Promise<Map<string, Record<string, string | null>>>;
  usage(): ApiUsage;
}
