/**
 * What the rest of the service asks of the store. Every method takes the tenant first: no query runs
 * unscoped. One implementation serves PGlite (embedded default) and a PostgreSQL server (DATABASE_URL).
 */
import type { Crm, ObjectType, PropertyValue, RejectedRecord } from '../domain/records.ts';
import type { CanonicalRecord } from '../domain/records.ts';

export type TenantMode = 'shadow' | 'live';

/** Disconnected: uninstalled, or the CRM refused or revoked our refresh token; no tokens are kept then. */
export type TenantStatus = 'connected' | 'disconnected';

export interface Tenant {
  id: string;
  /** Any CRM of the registry (connectors/registry.ts); the store keeps the name, the app checks it. */
  crm: Crm;
  name: string;
  mode: TenantMode;
  /** CRM account id (HubSpot portal id, Salesforce org id), once known. */
  accountId: string | null;
  createdAt: string;
  status: TenantStatus;
  /** Why the tenant was disconnected (shown to its admin); null while connected. */
  statusReason: string | null;
  statusChangedAt: string | null;
}

/** What callers set on a tenant row; the connection status changes only through install and disconnect. */
export type TenantInput = Omit<Tenant, 'createdAt' | 'status' | 'statusReason' | 'statusChangedAt'>;

/** An admin session: every tenant (the operator's login link) or the tenants it was issued for. */
export interface AdminSession {
  operator: boolean;
  tenantIds: string[];
  /** Who it was issued to, for the page header ("installer of portal 123"); never a secret. */
  label: string;
  expiresAt: string;
}

export interface StoredRecord extends CanonicalRecord {
  /** Hash of the mapped input properties: a record whose hash did not change needs no re-scoring. */
  inputHash: string;
  syncedAt: string;
}

export interface PageWrite {
  runId: number;
  objectType: ObjectType;
  records: Array<CanonicalRecord & { inputHash: string }>;
  rejected: RejectedRecord[];
  /** Saved in the same transaction as the records; `undefined` leaves the stored checkpoint as it is. */
  checkpoint: unknown;
  /**
   * Properties that move on every write, ours included (the CRM's modification stamps): a record whose
   * other content is unchanged keeps its change number (recordGenerations).
   */
  stamps?: readonly string[];
}

export interface PageWriteResult {
  /** Records that are new or whose inputHash changed (in page order). */
  changedIds: string[];
  /** Stored records whose inputHash did not change (or older than the stored copy, which is kept). */
  unchanged: number;
  /**
   * Rows recorded as rejected: the page's own plus records the store could not keep (no id, an id over
   * 1,000 characters, an unparseable modifiedAt, a record of another object type).
   */
  rejected: number;
  /** Records skipped because they were erased (tombstoned), when there were any. */
  erased?: number;
}

export type ModelStatus = 'active' | 'candidate' | 'rejected' | 'retired';

export interface StoredModel {
  kind: string;
  version: number;
  status: ModelStatus;
  metrics: Record<string, unknown>;
  model: unknown;
  trainedOn: Record<string, unknown>;
  createdAt: string;
}

/** External ids after `after` (exclusive; null: from the first) through `through` (inclusive; null: to the last), in the database's order. */
export interface IdRange {
  after: string | null;
  through: string | null;
}

export interface SignalRow {
  objectType: ObjectType;
  externalId: string;
  signal: string;
  modelVersion: number;
  value: unknown;
  inputHash: string;
}

export interface OutboxInput {
  objectType: ObjectType;
  externalId: string;
  /** CRM property -> new value ('' clears). */
  properties: Record<string, string>;
  /** CRM property -> value last written by us (null if never). */
  previous: Record<string, string | null>;
  modelVersion: number | null;
}

export interface OutboxItem extends OutboxInput {
  id: number;
  runId: number;
  attempts: number;
  createdAt: string;
}

export interface AuditRow {
  id: number;
  runId: number;
  objectType: ObjectType;
  externalId: string;
  property: string;
  oldValue: string | null;
  newValue: string;
  modelVersion: number | null;
  writtenAt: string;
  /** Set when the record was erased for a privacy deletion: the values are gone, the ids stay. */
  erasedAt?: string | null;
}

export interface AuditQuery {
  runId?: number;
  /** One record's writes. */
  externalId?: string;
  /** Rows older than this id (paging). */
  beforeId?: number;
  /** Rows newer than this id, oldest first (reading the trail forward from a cursor). */
  afterId?: number;
  limit?: number;
}

/** Pending outbox items of some runs only: a rollback sends its own restores, never a cycle's queued scores. */
export interface OutboxFilter {
  runKind: string;
}

export interface RunRow {
  id: number;
  kind: string;
  /** 'paused': stopped at a batch boundary by the tenant's daily API budget; the next day's run goes on from there. */
  status: 'running' | 'succeeded' | 'failed' | 'interrupted' | 'paused';
  startedAt: string;
  finishedAt: string | null;
  summary: Record<string, unknown>;
  /** The latest progress of a running run (migration 009); absent once it ended. */
  progress?: RunProgress | null;
}

/** Where a running run stands, as its last progress event said. */
export interface RunProgress {
  stage: string;
  /** What the stage works on (an object type while syncing). */
  objectType?: string;
  /** Records read so far (sync). */
  records?: number;
  done?: number;
  total?: number;
  /** The same in words, e.g. "writing 300 / 1,200". */
  message: string;
  /** When the store received it (ISO). */
  updatedAt: string;
}

/** A tenant's daily API budget and the calls counted on one UTC day. */
export interface ApiUsageDay {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  calls: number;
  /** Calls allowed per UTC day; null is no limit. */
  budget: number | null;
}

/** One saved version of a tenant's field mapping; the body is checked by the pipeline, not the store. */
export interface StoredMapping {
  version: number;
  mapping: unknown;
  note: string | null;
  author: string | null;
  createdAt: string;
}

export interface SaveMappingOptions {
  note?: string;
  author?: string;
  /**
   * Object types to read again from the start, in the same transaction: a mapping that reads more fields
   * needs them on records the incremental sync would not return.
   */
  resync?: ObjectType[];
}

/** Options of openStore (src/store/index.ts). */
export interface StoreOptions {
  /** PGlite data lives in `${dataDir}/pgdata`, the generated key in `${dataDir}/secret.key`. Default `./.crm-signals`. */
  dataDir?: string;
  /** A PostgreSQL server (the configured DATABASE_URL, see functions/config.ts); PGlite when absent or empty. */
  databaseUrl?: string;
  /**
   * The credentials keys, newest first (each a base64 32-byte key or a passphrase): the newest seals, any
   * opens, and a value sealed with an older one is sealed again with the newest when it is next loaded.
   * Required with a databaseUrl: a key file beside one host's data could not be read by another host.
   * Without keys the embedded store keeps a random key in `${dataDir}/secret.key`.
   */
  keys?: readonly string[];
  /** One passphrase, tried after `keys` (the single secret of earlier versions). */
  secret?: string;
  /** PGlite in memory (tests, dry runs); credentials then use a random per-process key. */
  inMemory?: boolean;
  /** Put every table in this schema (created if missing), e.g. to isolate test runs on one server. */
  schema?: string;
}

/** Timestamps the store returns are ISO 8601 UTC with milliseconds (`toISOString()`). */
export interface Store {
  /**
   * A count that moves whenever this store object writes (or starts or ends a write): what an
   * in-process cache of reads compares to know that its answer may be stale. Writes by other processes
   * sharing the database do not move it.
   */
  changes(): number;
  close(): Promise<void>;
  readonly engine: 'pglite' | 'postgres';

  /** Tenants must exist before anything else is stored for them (foreign keys). */
  upsertTenant(tenant: TenantInput): Promise<Tenant>;
  getTenant(tenantId: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;
  /** Stored encrypted (AES-256-GCM); never logged. */
  saveCredentials(tenantId: string, credentials: Record<string, unknown>): Promise<void>;
  loadCredentials(tenantId: string): Promise<Record<string, unknown> | null>;

  startRun(tenantId: string, kind: string): Promise<number>;
  finishRun(tenantId: string, runId: number, status: RunRow['status'], summary: Record<string, unknown>): Promise<void>;
  listRuns(tenantId: string, limit: number): Promise<RunRow[]>;

  getCheckpoint(tenantId: string, objectType: ObjectType): Promise<unknown | null>;
  /** Forgets records the CRM deleted, with their signals, written values and pending writes. */
  deleteRecords(tenantId: string, objectType: ObjectType, ids: string[]): Promise<number>;
  /** A named position outside the sync (e.g. how far the audit trail was turned into history entries). */
  getCursor(tenantId: string, name: string): Promise<unknown | null>;
  saveCursor(tenantId: string, name: string, value: unknown): Promise<void>;
  /** Upserts the page's records, records the rejected ones, and saves the checkpoint: one transaction. */
  savePage(tenantId: string, page: PageWrite): Promise<PageWriteResult>;
  rejectedRecords(tenantId: string, runId: number): Promise<RejectedRecord[]>;
  getRecords(tenantId: string, objectType: ObjectType, ids?: string[]): Promise<StoredRecord[]>;
  /**
   * Every record of the type in pages of at most `pageSize`, by external id (keyset: each page is one
   * indexed range query after the last id seen), so a stage holds one page, never the whole table.
   */
  recordPages(tenantId: string, objectType: ObjectType, pageSize?: number): AsyncIterable<StoredRecord[]>;
  countRecords(tenantId: string, objectType: ObjectType): Promise<number>;
  /**
   * The records added or changed after `changeSeq` (a change number from recordGenerations), in change
   * order, a page at a time: what a stage has not seen since its last pass.
   */
  recordPagesChangedSince(tenantId: string, objectType: ObjectType, changeSeq: string, pageSize?: number): AsyncIterable<StoredRecord[]>;
  /**
   * How many records have one of `values` in `property` (exactly, as outcomeOf compares). With
   * `onePerValueOf`, records sharing a non-empty value of that property (trimmed, any case: an email)
   * count once, as the lead score's training keeps one row per person.
   */
  countWithValue(tenantId: string, objectType: ObjectType, property: string, values: readonly string[], options?: { onePerValueOf?: string }): Promise<number>;
  /**
   * Per object type the tenant has records of: how many, and the highest change number (a record's moves
   * whenever it is inserted or its content changes). Equal generations mean nothing was added, changed or deleted.
   */
  recordGenerations(tenantId: string): Promise<RecordGenerations>;
  /**
   * The newest signal row's id and the newest audit row's id (as text; '0' for none): a signal saved or a
   * value written since moves one of them.
   */
  latestIds(tenantId: string): Promise<{ signal: string; audit: string }>;
  /** The active version of each model kind, without the model bodies. */
  activeModelVersions(tenantId: string): Promise<Record<string, number>>;

  saveModel(tenantId: string, model: Omit<StoredModel, 'version' | 'createdAt'>): Promise<number>;
  getActiveModel(tenantId: string, kind: string): Promise<StoredModel | null>;
  /** Makes `version` the active model of its kind and retires the previous active one. */
  promoteModel(tenantId: string, kind: string, version: number): Promise<void>;
  /** Newest version first, without the model bodies. */
  listModels(tenantId: string, kind: string): Promise<Omit<StoredModel, 'model'>[]>;

  saveSignals(tenantId: string, runId: number, rows: SignalRow[]): Promise<void>;
  /** The newest row of `signal` per record (of these records only, or of this key range, when given). */
  latestSignals(tenantId: string, objectType: ObjectType, signal: string, scope?: readonly string[] | IdRange): Promise<Map<string, SignalRow>>;
  /**
   * The next key range after `after` (null: from the first) that holds at most `size` records with each
   * of these signals, in the database's order of external ids; null when none of them has a record after
   * it. A large table is read a range at a time by following `through` until it is null.
   */
  nextSignalRange(tenantId: string, objectType: ObjectType, signals: readonly string[], after: string | null, size: number): Promise<IdRange | null>;
  /**
   * How many records' newest `signal` value has a numeric `score` in each band of `width` points,
   * counted in SQL: band k holds scores k*width .. k*width + width - 1 (a score of 100 falls in the last
   * band), bands without records are left out; a value without a numeric score is not counted.
   */
  scoreBandCounts(tenantId: string, objectType: ObjectType, signal: string, width: number): Promise<Map<number, number>>;

  /** What we last wrote to each record's CRM properties (of this key range, when given): the base of the write-back diff. */
  writtenValues(tenantId: string, objectType: ObjectType, range?: IdRange): Promise<Map<string, Record<string, PropertyValue>>>;
  /**
   * Replaces any pending item for the same record (only the newest values matter); items with no
   * properties are skipped. Returns the number of items queued.
   */
  enqueue(tenantId: string, runId: number, items: OutboxInput[]): Promise<number>;
  pendingOutbox(tenantId: string, objectType: ObjectType, limit: number, only?: OutboxFilter): Promise<OutboxItem[]>;
  /** Pending outbox items, of one object type when given. */
  countPending(tenantId: string, objectType?: ObjectType, only?: OutboxFilter): Promise<number>;
  /** In one transaction: marks items done, appends an audit row per property, updates writtenValues. */
  completeOutbox(tenantId: string, runId: number, done: Array<{ id: number; modifiedAt: string | null }>): Promise<void>;
  /** Retryable failures stay pending with attempts+1; others are marked failed with the error. */
  failOutbox(tenantId: string, failures: Array<{ id: number; error: string; retryable: boolean }>): Promise<void>;
  /**
   * The CRM modified time our own write left on a record (verbatim, as passed to completeOutbox): a record
   * still at that time changed only by us. Asked per page, for the page's ids: a sync of a few records
   * must not load a stamp per record ever written (100,000 rows at 100k contacts).
   */
  ownWriteStamps(tenantId: string, objectType: ObjectType, ids: readonly string[]): Promise<Map<string, string>>;
  /** Newest first; at most `limit` rows (default 1,000). */
  /**
   * Forgets what we know of the tenant's CRM (records, checkpoints, signals, the outbox, written values)
   * when it is connected to a different account; keeps runs, models and the audit trail.
   */
  forgetCrmState(tenantId: string): Promise<void>;
  /** Newest first; `beforeId` pages on (the last row's id). */
  audit(tenantId: string, options?: AuditQuery): Promise<AuditRow[]>;
  countAudit(tenantId: string): Promise<number>;

  /* ---- field mappings (migration 003): versioned per tenant, the newest version is the active one ---- */
  /** Saves the next version (1 for the first) and returns its number. */
  saveMapping(tenantId: string, mapping: unknown, options?: SaveMappingOptions): Promise<number>;
  /** The newest version, or null when the tenant has none yet. */
  activeMapping(tenantId: string): Promise<StoredMapping | null>;
  /** Newest first. */
  listMappings(tenantId: string): Promise<StoredMapping[]>;
  /* -------------------------------------------------------------- run leases (see RunLease below) */

  /**
   * In one transaction, serialised per tenant: marks interrupted the tenant's running runs whose lease
   * expired (or that never had one, or that `lease.owner` left from another instance), then throws
   * RunLeaseHeldError if a run still holds a live lease, else starts the run holding `lease`.
   */
  startLeasedRun(tenantId: string, kind: string, lease: RunLease): Promise<LeasedRunStart>;
  /** Extends the lease by `lease.ttlMs` from now; false when the run is no longer running under this lease. */
  renewRunLease(tenantId: string, runId: number, lease: RunLease): Promise<boolean>;
  /** Merges `patch` into the run's summary (top-level keys), e.g. the job attempt a run belonged to. */
  annotateRun(tenantId: string, runId: number, patch: Record<string, unknown>): Promise<void>;
  /** A failed run with its reason, for a job that failed before its cycle could start a run. */
  recordFailedRun(tenantId: string, kind: string, summary: Record<string, unknown>): Promise<number>;

  /* -------------------------------------------------------------- install */

  /**
   * An install as one transaction: the tenant row with its account id and the encrypted credentials (and,
   * when asked, forgetting the previous account's CRM state), so a crash leaves no trace or all of it.
   */
  saveInstall(tenant: TenantInput, credentials: Record<string, unknown>, options?: SaveInstallOptions): Promise<Tenant>;

  /* -------------------------------------------------------------- access (migration 005) */

  /** The tenant connected to this CRM account (a re-install finds its tenant, and webhooks their portal). */
  findTenantByAccount(crm: Crm, accountId: string): Promise<Tenant | null>;
  /**
   * In one transaction: marks the tenant disconnected with the reason and deletes its tokens. False if it
   * was already disconnected (the first reason stays). A later install connects it again.
   */
  disconnectTenant(tenantId: string, reason: string): Promise<boolean>;
  /** A single-use token (stored as a SHA-256 hash) with its payload, valid for ttlMs. */
  putOneTimeToken(purpose: string, token: string, payload: Record<string, unknown>, ttlMs: number): Promise<void>;
  /** Removes and returns the token's payload; null when unknown, already used or expired. */
  takeOneTimeToken(purpose: string, token: string): Promise<Record<string, unknown> | null>;
  /** Stores a session under the hash of its id. */
  saveSession(sessionId: string, session: Omit<AdminSession, 'expiresAt'>, ttlMs: number): Promise<AdminSession>;
  /** The live session, or null (unknown or expired). */
  loadSession(sessionId: string): Promise<AdminSession | null>;
  deleteSession(sessionId: string): Promise<void>;

  /* -------------------------------------------------------------- webhook events (migration 007) */

  /**
   * Stores events as received; an event id the tenant already has is skipped (a retried or replayed
   * delivery changes nothing). Returns the number of events that were new.
   */
  saveWebhookEvents(tenantId: string, events: WebhookEventInput[]): Promise<number>;
  /** Unprocessed events, oldest occurrence first (HubSpot does not deliver in order). */
  pendingWebhookEvents(tenantId: string, limit: number): Promise<StoredWebhookEvent[]>;
  /** Marks the events processed; returns how many were still unprocessed. */
  markWebhookEventsProcessed(tenantId: string, eventIds: string[]): Promise<number>;
  /** How many events the tenant has, only the unprocessed ones when asked. */
  countWebhookEvents(tenantId: string, options?: { pending?: boolean }): Promise<number>;

  /* -------------------------------------------------------------- the change feed (migration 010) */

  /**
   * Notes records a webhook said changed, for the next sync to read by id (src/pipeline/changeFeed.ts).
   * A record noted again gets a new version. Returns the rows noted.
   */
  noteChanged(tenantId: string, objectType: ObjectType, externalIds: readonly string[]): Promise<number>;
  /** The oldest noted records first, with the version each was noted at. */
  changedRecords(tenantId: string, objectType: ObjectType, limit: number): Promise<NotedChange[]>;
  countChanged(tenantId: string, objectType: ObjectType): Promise<number>;
  /** Clears the notes read, each only at the version seen: a record noted again meanwhile stays noted. */
  clearChanged(tenantId: string, objectType: ObjectType, seen: readonly NotedChange[]): Promise<number>;

  /* -------------------------------------------------------------- proposed changes (migration 008) */

  /**
   * Keeps every change a run would have written (shadow mode, dry run), one row per record and field,
   * and drops the proposals of the tenant's older runs beyond the newest KEPT_PROPOSAL_RUNS. Replaces the
   * run's list, or adds to it with `append` (a diff saved a page at a time). Returns the rows saved.
   */
  saveProposedChanges(tenantId: string, runId: number, items: OutboxInput[], options?: { append?: boolean }): Promise<number>;
  /** A run's proposed changes: counts per object type and field, and a page of rows (filtered by field or record). */
  proposedChanges(tenantId: string, runId: number, query?: ProposedChangeQuery): Promise<ProposedChanges>;

  /* -------------------------------------------------------------- daily API budget, run progress (migration 009) */

  /** The CRM API calls the tenant may make per UTC day; null removes the limit. */
  setApiBudget(tenantId: string, dailyCalls: number | null): Promise<void>;
  /** The tenant's budget and the calls counted on `day` (UTC, YYYY-MM-DD). */
  apiUsage(tenantId: string, day: string): Promise<ApiUsageDay>;
  /** Adds calls to the day's count (atomically, across hosts) and returns the budget and the new count. */
  addApiCalls(tenantId: string, day: string, calls: number): Promise<ApiUsageDay>;
  /** Records a running run's latest progress; false (nothing saved) once the run is no longer running. */
  saveRunProgress(tenantId: string, runId: number, progress: Omit<RunProgress, 'updatedAt'>): Promise<boolean>;

  /* -------------------------------------------------------------- one record's signals (the app card) */

  /** The newest row of each of `signals` per record (with when it was computed), for many records in one query: records without any of the signals are absent. */
  signalsOfRecords(tenantId: string, objectType: ObjectType, externalIds: readonly string[], signals: readonly string[]): Promise<Map<string, Map<string, ComputedSignal>>>;

  /* -------------------------------------------------------------- privacy deletion (migration 006) */

  /**
   * Ids of the tenant's `objectType` records matching one of `values`: by `property` (trimmed, case-
   * insensitive: a person by email), or without one by any property equal to a value exactly (the leads
   * whose ConvertedContactId is a Salesforce contact id).
   */
  findRecordIds(tenantId: string, objectType: ObjectType, match: RecordMatch): Promise<string[]>;
  /**
   * Erases a person in one transaction (see ErasureRequest): their records and the records linked only to
   * them, with signals, outbox items, written values and rejected rows; audit rows keep ids and the date
   * only; model bodies holding their values are dropped and every model kind is asked to retrain; the
   * ids are kept as tombstones that savePage skips. Idempotent: erasing again finds nothing more.
   */
  erasePerson(tenantId: string, request: ErasureRequest, erasedAt: Date): Promise<ErasureResult>;
  /** Tombstoned ids of one object type (ids and dates only). */
  erasedIds(tenantId: string, objectType: ObjectType): Promise<Map<string, string>>;
  /** Model kinds the next cycle must retrain, with the reason and when it was asked. */
  retrainRequests(tenantId: string): Promise<Map<string, RetrainRequest>>;
  /**
   * A kind was retrained for its request: clears the request (unless a newer one came since `requestedAt`,
   * another erasure meanwhile) and drops the bodies of that kind's versions saved before it, which learnt
   * from the erased person; their metrics and history stay.
   */
  completeRetrainRequest(tenantId: string, kind: string, requestedAt: string): Promise<void>;
}

export interface ComputedSignal extends SignalRow {
  /** ISO 8601. */
  computedAt: string;
}

export interface SaveInstallOptions {
  /** The code was exchanged for another account (or a fresh one): forget what forgetCrmState forgets, in the same transaction. */
  forgetCrmState?: boolean;
}

/* ------------------------------------------------------------------ run leases
 * A running run holds a lease: which process runs it and until when (heartbeats extend it). Only runs
 * whose lease expired, or that the same owner left from an earlier process instance, are marked
 * interrupted; a live lease held by someone else keeps a second run of the tenant from starting.
 */

export interface RunLease {
  /** Stable identity of the worker (host:pid, or the embedded data dir): a restarted owner takes over its own runs. */
  owner: string;
  /** One process lifetime of that owner. */
  instance: string;
  /** How long the lease lasts without a heartbeat; measured on the database's clock. */
  ttlMs: number;
}

export interface LeasedRunStart {
  runId: number;
  /** The tenant's runs that this start marked interrupted (their lease had expired or their owner restarted). */
  interrupted: number[];
}

/** A run of the tenant still holds a live lease of another process. */
export class RunLeaseHeldError extends Error {
  constructor(
    readonly tenantId: string,
    readonly runId: number,
    readonly owner: string,
    readonly expiresAt: string,
  ) {
    super(`tenant ${tenantId} is busy: run #${runId} is held by ${owner} until ${expiresAt}`);
    this.name = 'RunLeaseHeldError';
  }
}

/* ------------------------------------------------------------------ webhook events */

export interface WebhookEventInput {
  /** The CRM's event id (unique per tenant). */
  eventId: string;
  subscriptionType: string;
  objectId: string;
  /** ISO 8601. */
  occurredAt: string;
  /** Ids, property names and provenance only: never a property value. */
  payload: Record<string, unknown>;
}

/** A record the change feed holds: read it by id, then clear this version. */
export interface NotedChange {
  externalId: string;
  version: number;
}

export interface StoredWebhookEvent extends WebhookEventInput {
  receivedAt: string;
  processedAt: string | null;
}

/* ------------------------------------------------------------------ privacy deletion (migration 006) */

export interface ErasureRequest {
  /** The person's object type ('contact': a HubSpot contact, a Salesforce lead). */
  objectType: ObjectType;
  /** The person's record ids; at least one. Kept as tombstones. */
  externalIds: string[];
  /**
   * Ids the CRM gives the same person elsewhere (the Salesforce Contact a lead was converted into):
   * records whose properties hold one (a case's ContactId) are linked to the person. Matched exactly.
   */
  otherIds?: string[];
  /**
   * The person's email addresses: search terms only, never stored. Any record that mentions one is
   * erased too (a duplicate contact, a ticket quoting it); they are scrubbed from run summaries, cursors
   * and errors, and a model body that holds one is dropped.
   */
  emails?: string[];
  /**
   * The person's names (first, last, full): search terms only, never stored. A record linked to the
   * person and to others is erased rather than unlinked when it names them; whole-word mentions are
   * scrubbed like emails; a model body holding one as a whole value (a category level) is dropped.
   */
  names?: string[];
}

/** Runs of a tenant whose proposed changes are kept. */
export const KEPT_PROPOSAL_RUNS = 5;

export interface ProposedChange {
  objectType: ObjectType;
  externalId: string;
  property: string;
  /** What we last wrote (null: never written by us). */
  oldValue: string | null;
  newValue: string;
}

export interface ProposedChangeQuery {
  property?: string;
  externalId?: string;
  /** Default 100, at most 10,000. */
  limit?: number;
  offset?: number;
}

export interface ProposedChanges {
  /** Rows in all (every field of every record), before the filter. */
  total: number;
  /** Records that would change, before the filter. */
  records: number;
  /** Rows per `<object type>.<property>`, before the filter. */
  counts: Record<string, number>;
  /** Rows matching the filter (what paging goes through). */
  matching: number;
  changes: ProposedChange[];
}

export interface ErasureResult {
  erasedAt: string;
  /** Records deleted, by object type (the person's and the records linked only to them). */
  records: Partial<Record<ObjectType, number>>;
  /** Records linked to the person and to others, which keep their other links and lose the person's. */
  unlinked: number;
  signals: number;
  outbox: number;
  writtenValues: number;
  rejected: number;
  /** Audit rows whose values were cleared (ids and the erasure date kept). */
  audit: number;
  /** Model versions whose body held the person's values: dropped (an active one is retired). */
  modelBodies: number;
  /** Run summaries, cursors and outbox errors the person's email or name was scrubbed from. */
  scrubbed: number;
  /** Model kinds the next cycle retrains. */
  retrain: string[];
  /** Every (object type, id) tombstoned by this erasure. */
  tombstones: Array<{ objectType: ObjectType; externalId: string }>;
}

export interface RecordMatch {
  property?: string;
  values: string[];
}

export interface RetrainRequest {
  reason: string;
  requestedAt: string;
}

/** The reason the next cycle gives for retraining after an erasure. */
export const PERSON_ERASED = 'person erased (privacy deletion)';

/** Per object type: the record count and the highest change number (a bigint, as text). */
export type RecordGenerations = Record<string, { count: number; changeSeq: string }>;
