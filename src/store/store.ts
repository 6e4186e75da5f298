/**
 * The Store on either engine. Every query names its tenant; values from a CRM pass through sanitize.ts
 * before they reach PostgreSQL.
 */
import { createHash } from 'node:crypto';
import type { CanonicalRecord, Crm, LineItem, ObjectType, PropertyValue, RejectedRecord } from '../domain/records.ts';
import type { Sealer } from './crypto.ts';
import type { Db, Queryable, Row } from './db.ts';
import { dropErased, ERASURE_LOCK, eraseInTransaction } from './erasure.ts';
import { cleanText, cleanTruncated, redactSecrets, toJsonb } from './sanitize.ts';
import { int, intOrNull, iso, isoOrNull, multiRow, normalizeTimestamp, object, text, textOrNull } from './sql.ts';
import { KEPT_PROPOSAL_RUNS, RunLeaseHeldError } from './types.ts';
import type {
  AuditRow,
  ComputedSignal,
  ErasureRequest,
  ErasureResult,
  RecordMatch,
  RecordGenerations,
  RetrainRequest,
  LeasedRunStart,
  ModelStatus,
  OutboxInput,
  OutboxItem,
  AuditQuery,
  ProposedChangeQuery,
  ProposedChanges,
  PageWrite,
  PageWriteResult,
  RunLease,
  RunProgress,
  OutboxFilter,
  RunRow,
  ApiUsageDay,
  SaveInstallOptions,
  SaveMappingOptions,
  IdRange,
  SignalRow,
  Store,
  StoredMapping,
  StoredModel,
  StoredRecord,
  AdminSession,
  Tenant,
  TenantInput,
  TenantMode,
  TenantStatus,
  StoredWebhookEvent,
  NotedChange,
  WebhookEventInput,
} from './types.ts';

/** Longer ids cannot be a CRM's and would overflow a btree index entry (~2.7 kB). */
const MAX_ID_LENGTH = 1000;
const MAX_REASON_LENGTH = 2000;
const MAX_ERROR_LENGTH = 2000;
const DEFAULT_AUDIT_LIMIT = 1000;
/** Records per page of recordPages: a few megabytes of properties at a time. */
export const RECORD_PAGE = 5_000;
const RECORD_COLUMNS = 'object_type, external_id, modified_at, properties, associations, line_items, input_hash, synced_at';

type ValidRecord = { externalId: string; modifiedAt: string; record: CanonicalRecord & { inputHash: string } };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return cleanTruncated(s, 80);
}

/** Why the store cannot keep a record, or null. */
function recordProblem(record: unknown, objectType: ObjectType): string | null {
  if (!isPlainObject(record)) return 'record is not an object';
  if (record.objectType !== objectType) return `record of type ${preview(record.objectType)} in a ${objectType} page`;
  const id = record.externalId;
  if (typeof id !== 'string' || cleanText(id).trim() === '') return 'missing externalId';
  if (id.length > MAX_ID_LENGTH) return `externalId longer than ${MAX_ID_LENGTH} characters`;
  if (normalizeTimestamp(record.modifiedAt) === null) return `invalid modifiedAt ${preview(record.modifiedAt)}`;
  if (typeof record.inputHash !== 'string' || record.inputHash === '') return 'missing inputHash';
  if (!isPlainObject(record.properties)) return 'properties is not an object';
  if (record.associations !== undefined && record.associations !== null && !isPlainObject(record.associations)) return 'associations is not an object';
  if (record.lineItems !== undefined && record.lineItems !== null && !Array.isArray(record.lineItems)) return 'lineItems is not an array';
  return null;
}

function cleanId(id: string | null | undefined): string | null {
  return typeof id === 'string' ? cleanTruncated(id, MAX_ID_LENGTH) : null;
}

/* ------------------------------------------------------------------ row mappers */

function toTenant(r: Row): Tenant {
  return {
    id: text(r.id),
    crm: text(r.crm) as Tenant['crm'],
    name: text(r.name),
    mode: text(r.mode) as TenantMode,
    accountId: textOrNull(r.account_id),
    createdAt: iso(r.created_at),
    status: text(r.status) as TenantStatus,
    statusReason: textOrNull(r.status_reason),
    statusChangedAt: isoOrNull(r.status_changed_at),
  };
}

const TENANT_COLUMNS = 'id, crm, name, mode, account_id, created_at, status, status_reason, status_changed_at';

/** One-time tokens and session ids are kept as hashes: the database alone cannot replay them. */
const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('base64url');

function toSession(r: Row): AdminSession {
  return { operator: r.operator === true, tenantIds: Array.isArray(r.tenant_ids) ? r.tenant_ids.map(String) : [], label: text(r.label), expiresAt: iso(r.expires_at) };
}

function toRun(r: Row): RunRow {
  const status = text(r.status) as RunRow['status'];
  return {
    id: int(r.id),
    kind: text(r.kind),
    status,
    startedAt: iso(r.started_at),
    finishedAt: isoOrNull(r.finished_at),
    summary: object(r.summary),
    // Only a running run has a "now": an ended run's last event would be stale (a late write may land after finishRun).
    ...(status === 'running' && r.progress ? { progress: { ...object<Omit<RunProgress, 'updatedAt'>>(r.progress), updatedAt: iso(r.progress_at) } } : {}),
  };
}

const isIdList = (scope: readonly string[] | IdRange | undefined): scope is readonly string[] => Array.isArray(scope);

/** `AND external_id` within the range, its bounds appended to `args`; '' sorts before every id. */
function rangeClause(range: IdRange, args: unknown[]): string {
  const after = ` AND external_id > $${args.push(cleanText(range.after ?? ''))}`;
  return range.through === null ? after : `${after} AND external_id <= $${args.push(cleanText(range.through))}`;
}

const UTC_DAY = /^\d{4}-\d{2}-\d{2}$/;
function utcDayParam(day: string): string {
  if (!UTC_DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new Error(`not a UTC day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  return day;
}

function toStoredRecord(r: Row): StoredRecord {
  const record: StoredRecord = {
    objectType: text(r.object_type) as ObjectType,
    externalId: text(r.external_id),
    modifiedAt: iso(r.modified_at),
    properties: object<Record<string, PropertyValue>>(r.properties),
    associations: object<Partial<Record<ObjectType, string[]>>>(r.associations),
    inputHash: text(r.input_hash),
    syncedAt: iso(r.synced_at),
  };
  if (Array.isArray(r.line_items)) record.lineItems = r.line_items as LineItem[];
  return record;
}

function toModel(r: Row): StoredModel {
  return {
    kind: text(r.kind),
    version: int(r.version),
    status: text(r.status) as ModelStatus,
    metrics: object(r.metrics),
    model: r.model ?? null,
    trainedOn: object(r.trained_on),
    createdAt: iso(r.created_at),
  };
}

function toOutboxItem(r: Row): OutboxItem {
  return {
    id: int(r.id),
    runId: int(r.run_id),
    objectType: text(r.object_type) as ObjectType,
    externalId: text(r.external_id),
    properties: object<Record<string, string>>(r.properties),
    previous: object<Record<string, string | null>>(r.previous),
    modelVersion: intOrNull(r.model_version),
    attempts: int(r.attempts),
    createdAt: iso(r.created_at),
  };
}

function toAudit(r: Row): AuditRow {
  return {
    id: int(r.id),
    runId: int(r.run_id),
    objectType: text(r.object_type) as ObjectType,
    externalId: text(r.external_id),
    property: text(r.property),
    oldValue: textOrNull(r.old_value),
    newValue: text(r.new_value),
    modelVersion: intOrNull(r.model_version),
    writtenAt: iso(r.written_at),
    erasedAt: isoOrNull(r.erased_at),
  };
}

const MODEL_SUMMARY_COLUMNS = 'kind, version, status, metrics, trained_on, created_at';

/* ------------------------------------------------------------------ the store */

/**
 * The db with every statement that may write counted, before and after it runs (a read that overlaps a
 * write then never keeps its answer under the write's count). Statements that are plain SELECTs do not
 * count; a transaction always does.
 */
function countingWrites(db: Db, wrote: () => void): Db {
  const reads = (sql: string) => /^\s*SELECT\b/i.test(sql);
  const around = async <T>(run: () => Promise<T>): Promise<T> => {
    wrote();
    try {
      return await run();
    } finally {
      wrote();
    }
  };
  return {
    engine: db.engine,
    query: (sql, params) => (reads(sql) ? db.query(sql, params) : around(() => db.query(sql, params))),
    exec: (sql) => around(() => db.exec(sql)),
    execReturning: (sql) => around(() => db.execReturning(sql)),
    transaction: (fn) => around(() => db.transaction(fn)),
    close: () => db.close(),
  };
}

export class SqlStore implements Store {
  readonly #db: Db;
  readonly #sealer: Sealer;
  #closed = false;
  #writes = 0;

  constructor(db: Db, sealer: Sealer) {
    this.#db = countingWrites(db, () => void this.#writes++);
    this.#sealer = sealer;
  }

  changes(): number {
    return this.#writes;
  }

  get engine(): 'pglite' | 'postgres' {
    return this.#db.engine;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.close();
  }

  /* -------------------------------------------------------------- tenants */

  async upsertTenant(tenant: TenantInput): Promise<Tenant> {
    return upsertTenantRow(this.#db, tenant);
  }

  async getTenant(tenantId: string): Promise<Tenant | null> {
    const { rows } = await this.#db.query(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`, [tenantId]);
    return rows[0] ? toTenant(rows[0]) : null;
  }

  async listTenants(): Promise<Tenant[]> {
    const { rows } = await this.#db.query(`SELECT ${TENANT_COLUMNS} FROM tenants ORDER BY id`);
    return rows.map(toTenant);
  }

  async saveCredentials(tenantId: string, credentials: Record<string, unknown>): Promise<void> {
    await saveSealed(this.#db, tenantId, this.#sealer.seal(JSON.stringify(credentials), tenantId));
  }

  async loadCredentials(tenantId: string): Promise<Record<string, unknown> | null> {
    const { rows } = await this.#db.query('SELECT sealed FROM credentials WHERE tenant_id = $1', [tenantId]);
    const row = rows[0];
    if (!row) return null;
    const sealed = text(row.sealed);
    let plaintext: string;
    try {
      plaintext = this.#sealer.open(sealed, tenantId);
    } catch (error) {
      throw new Error(`credentials of tenant ${tenantId}: ${(error as Error).message}`);
    }
    if (!this.#sealer.isCurrent(sealed)) {
      // Rotation: an older key's value moves to the newest key. Only if nobody replaced it meanwhile
      // (a refresh on another host saves newer tokens, which must not be overwritten with these).
      await this.#db.query('UPDATE credentials SET sealed = $3, updated_at = now() WHERE tenant_id = $1 AND sealed = $2', [
        tenantId,
        sealed,
        this.#sealer.seal(plaintext, tenantId),
      ]);
    }
    return object(JSON.parse(plaintext));
  }

  /* -------------------------------------------------------------- runs */

  async startRun(tenantId: string, kind: string): Promise<number> {
    const { rows } = await this.#db.query('INSERT INTO runs (tenant_id, kind) VALUES ($1, $2) RETURNING id', [tenantId, kind]);
    return int(rows[0]?.id);
  }

  async finishRun(tenantId: string, runId: number, status: RunRow['status'], summary: Record<string, unknown>): Promise<void> {
    const { rowCount } = await this.#db.query(
      'UPDATE runs SET status = $3, finished_at = now(), summary = $4::jsonb WHERE tenant_id = $1 AND id = $2',
      [tenantId, runId, status, toJsonb(summary ?? {})],
    );
    if (rowCount === 0) throw new Error(`run ${runId} of tenant ${tenantId} does not exist`);
  }

  async listRuns(tenantId: string, limit: number): Promise<RunRow[]> {
    const { rows } = await this.#db.query(
      'SELECT id, kind, status, started_at, finished_at, summary, progress, progress_at FROM runs WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2',
      [tenantId, Math.max(0, Math.floor(limit))],
    );
    return rows.map(toRun);
  }

  /* -------------------------------------------------------------- records */

  async getCheckpoint(tenantId: string, objectType: ObjectType): Promise<unknown | null> {
    const { rows } = await this.#db.query('SELECT checkpoint FROM checkpoints WHERE tenant_id = $1 AND object_type = $2', [tenantId, objectType]);
    return rows[0]?.checkpoint ?? null;
  }

  async deleteRecords(tenantId: string, objectType: ObjectType, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.#db.transaction(async (tx) => {
      for (const table of ['written_values', 'signals', 'proposed_changes', 'changed_records']) {
        await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND object_type = $2 AND external_id = ANY($3::text[])`, [tenantId, objectType, ids]);
      }
      await tx.query(`DELETE FROM outbox WHERE tenant_id = $1 AND object_type = $2 AND external_id = ANY($3::text[]) AND status = 'pending'`, [tenantId, objectType, ids]);
      const { rows } = await tx.query(`DELETE FROM records WHERE tenant_id = $1 AND object_type = $2 AND external_id = ANY($3::text[]) RETURNING external_id`, [tenantId, objectType, ids]);
      return rows.length;
    });
  }

  async getCursor(tenantId: string, name: string): Promise<unknown | null> {
    const { rows } = await this.#db.query('SELECT checkpoint FROM checkpoints WHERE tenant_id = $1 AND object_type = $2', [tenantId, `${CURSOR_PREFIX}${name}`]);
    return rows[0]?.checkpoint ?? null;
  }

  async saveCursor(tenantId: string, name: string, value: unknown): Promise<void> {
    await this.#db.query(
      `INSERT INTO checkpoints (tenant_id, object_type, checkpoint, updated_at) VALUES ($1, $2, $3::jsonb, now())
       ON CONFLICT (tenant_id, object_type) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = now()`,
      [tenantId, `${CURSOR_PREFIX}${name}`, toJsonb(value)],
    );
  }

  async savePage(tenantId: string, page: PageWrite): Promise<PageWriteResult> {
    const { objectType } = page;
    const rejected: RejectedRecord[] = [...(page.rejected ?? [])];
    // Validate, and keep the last occurrence of an id (one statement cannot upsert a row twice).
    const byId = new Map<string, ValidRecord>();
    for (const record of page.records ?? []) {
      const problem = recordProblem(record, objectType);
      if (problem) {
        const id = isPlainObject(record) && typeof record.externalId === 'string' ? record.externalId : null;
        rejected.push({ objectType, externalId: id, reason: problem });
        continue;
      }
      const externalId = cleanText(record.externalId);
      byId.delete(externalId);
      byId.set(externalId, { externalId, modifiedAt: normalizeTimestamp(record.modifiedAt) as string, record });
    }
    const candidates = [...byId.values()];

    return this.#db.transaction(async (tx) => {
      // Shared: pages of one tenant go on together; an erasure waits for them and they for it.
      await tx.query(`SELECT pg_advisory_xact_lock_shared(${ERASURE_LOCK})`, [tenantId]);
      const { kept: valid, erased } = await dropErased(tx, tenantId, objectType, candidates);
      const changed = new Set<string>();
      // `old` and `up` see the same snapshot: old holds the hashes before this statement's upsert.
      // A record older than the stored one (an out-of-order webhook) does not overwrite it.
      const returned = await multiRow(tx, {
        head: 'WITH v (external_id, modified_at, properties, associations, line_items, input_hash) AS (VALUES',
        tail: `),
          old AS (
            SELECT r.external_id, r.input_hash FROM records r JOIN v ON v.external_id = r.external_id
            WHERE r.tenant_id = $1::text AND r.object_type = $2::text
          ),
          up AS (
            INSERT INTO records (tenant_id, object_type, external_id, modified_at, properties, associations, line_items, input_hash, synced_at)
            SELECT $1::text, $2::text, v.external_id, v.modified_at, v.properties, v.associations, v.line_items, v.input_hash, now() FROM v
            ON CONFLICT (tenant_id, object_type, external_id) DO UPDATE SET
              modified_at = excluded.modified_at, properties = excluded.properties, associations = excluded.associations,
              line_items = excluded.line_items, input_hash = excluded.input_hash, synced_at = excluded.synced_at,
              change_seq = CASE
                WHEN (records.properties - $3::text[], records.associations, records.line_items, records.input_hash)
                  IS DISTINCT FROM (excluded.properties - $3::text[], excluded.associations, excluded.line_items, excluded.input_hash)
                THEN nextval('record_change_seq') ELSE records.change_seq END
            WHERE records.modified_at <= excluded.modified_at
            RETURNING external_id, input_hash
          )
          SELECT up.external_id FROM up LEFT JOIN old ON old.external_id = up.external_id
          WHERE old.input_hash IS DISTINCT FROM up.input_hash`,
        fixed: [tenantId, objectType, [...(page.stamps ?? [])]],
        types: ['text', 'timestamptz', 'jsonb', 'jsonb', 'jsonb', 'text'],
        rows: valid.map(({ externalId, modifiedAt, record }) => [
          externalId,
          modifiedAt,
          toJsonb(record.properties),
          toJsonb(record.associations ?? {}),
          record.lineItems === undefined || record.lineItems === null ? null : toJsonb(record.lineItems),
          cleanText(record.inputHash),
        ]),
      });
      for (const r of returned) changed.add(text(r.external_id));

      if (rejected.length > 0) {
        await multiRow(tx, {
          head: 'INSERT INTO rejected_records (tenant_id, run_id, object_type, external_id, reason) VALUES',
          fixed: [tenantId, page.runId],
          prefix: '$1::text, $2::bigint, ',
          types: ['text', 'text', 'text'],
          rows: rejected.map((r) => [
            cleanTruncated(typeof r.objectType === 'string' ? r.objectType : objectType, 100),
            cleanId(r.externalId),
            cleanTruncated(typeof r.reason === 'string' ? redactSecrets(r.reason) : String(r.reason), MAX_REASON_LENGTH),
          ]),
        });
      }

      if (page.checkpoint !== undefined) {
        await tx.query(
          `INSERT INTO checkpoints (tenant_id, object_type, checkpoint, run_id, updated_at) VALUES ($1, $2, $3::jsonb, $4, now())
           ON CONFLICT (tenant_id, object_type) DO UPDATE SET checkpoint = excluded.checkpoint, run_id = excluded.run_id, updated_at = now()`,
          [tenantId, objectType, toJsonb(page.checkpoint), page.runId],
        );
      }

      const changedIds = valid.filter((v) => changed.has(v.externalId)).map((v) => v.externalId);
      const result: PageWriteResult = { changedIds, unchanged: valid.length - changedIds.length, rejected: rejected.length };
      return erased > 0 ? { ...result, erased } : result;
    });
  }

  async rejectedRecords(tenantId: string, runId: number): Promise<RejectedRecord[]> {
    const { rows } = await this.#db.query(
      'SELECT object_type, external_id, reason FROM rejected_records WHERE tenant_id = $1 AND run_id = $2 ORDER BY id',
      [tenantId, runId],
    );
    return rows.map((r) => ({ objectType: text(r.object_type) as ObjectType, externalId: textOrNull(r.external_id), reason: text(r.reason) }));
  }

  async getRecords(tenantId: string, objectType: ObjectType, ids?: string[]): Promise<StoredRecord[]> {
    if (ids === undefined) {
      const { rows } = await this.#db.query(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE tenant_id = $1 AND object_type = $2 ORDER BY external_id`,
        [tenantId, objectType],
      );
      return rows.map(toStoredRecord);
    }
    if (ids.length === 0) return [];
    const { rows } = await this.#db.query(
      `SELECT ${RECORD_COLUMNS} FROM records WHERE tenant_id = $1 AND object_type = $2 AND external_id = ANY($3::text[]) ORDER BY external_id`,
      [tenantId, objectType, ids.map(cleanText)],
    );
    return rows.map(toStoredRecord);
  }

  async *recordPages(tenantId: string, objectType: ObjectType, pageSize = RECORD_PAGE): AsyncIterable<StoredRecord[]> {
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`recordPages: pageSize must be a positive integer, got ${pageSize}`);
    let after: string | null = null;
    for (;;) {
      const { rows }: { rows: Row[] } = await this.#db.query(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE tenant_id = $1 AND object_type = $2 AND ($3::text IS NULL OR external_id > $3::text)
         ORDER BY external_id LIMIT $4`,
        [tenantId, objectType, after, pageSize],
      );
      if (rows.length === 0) return;
      const page: StoredRecord[] = rows.map(toStoredRecord);
      yield page;
      if (page.length < pageSize) return;
      after = page.at(-1)!.externalId;
    }
  }

  async *recordPagesChangedSince(tenantId: string, objectType: ObjectType, changeSeq: string, pageSize = RECORD_PAGE): AsyncIterable<StoredRecord[]> {
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`recordPagesChangedSince: pageSize must be a positive integer, got ${pageSize}`);
    if (!/^\d{1,19}$/.test(changeSeq)) throw new RangeError(`recordPagesChangedSince: changeSeq must be a change number from recordGenerations, got ${JSON.stringify(changeSeq).slice(0, 40)}`);
    let after = changeSeq;
    for (;;) {
      const { rows }: { rows: Row[] } = await this.#db.query(
        `SELECT ${RECORD_COLUMNS}, change_seq FROM records WHERE tenant_id = $1 AND object_type = $2 AND change_seq > $3::bigint
         ORDER BY change_seq LIMIT $4`,
        [tenantId, objectType, after, pageSize],
      );
      if (rows.length === 0) return;
      yield rows.map(toStoredRecord);
      if (rows.length < pageSize) return;
      after = String(rows.at(-1)!.change_seq);
    }
  }

  async countWithValue(tenantId: string, objectType: ObjectType, property: string, values: readonly string[], options: { onePerValueOf?: string } = {}): Promise<number> {
    const where = 'FROM records WHERE tenant_id = $1 AND object_type = $2 AND properties ->> $3::text = ANY($4::text[])';
    if (options.onePerValueOf === undefined) {
      const { rows } = await this.#db.query(`SELECT count(*) AS n ${where}`, [tenantId, objectType, property, [...values]]);
      return int(rows[0]?.n ?? 0);
    }
    // As JavaScript's trim().toLowerCase() keys a person: blank counts every record, a value once.
    const { rows } = await this.#db.query(
      `SELECT count(DISTINCT person) + count(*) FILTER (WHERE person IS NULL) AS n FROM (
         SELECT NULLIF(lower(regexp_replace(properties ->> $5::text, '^\\s+|\\s+$', '', 'g')), '') AS person ${where}
       ) labelled`,
      [tenantId, objectType, property, [...values], options.onePerValueOf],
    );
    return int(rows[0]?.n ?? 0);
  }

  async countRecords(tenantId: string, objectType: ObjectType): Promise<number> {
    const { rows } = await this.#db.query('SELECT count(*) AS n FROM records WHERE tenant_id = $1 AND object_type = $2', [tenantId, objectType]);
    return int(rows[0]?.n ?? 0);
  }

  async recordGenerations(tenantId: string): Promise<RecordGenerations> {
    const { rows } = await this.#db.query(
      'SELECT object_type, count(*) AS n, coalesce(max(change_seq), 0) AS seq FROM records WHERE tenant_id = $1 GROUP BY object_type ORDER BY object_type',
      [tenantId],
    );
    return Object.fromEntries(rows.map((r) => [text(r.object_type), { count: int(r.n), changeSeq: String(r.seq) }]));
  }

  /* -------------------------------------------------------------- models */

  async saveModel(tenantId: string, model: Omit<StoredModel, 'version' | 'createdAt'>): Promise<number> {
    return this.#db.transaction(async (tx) => {
      // Serialise version numbering per tenant and kind (concurrent trainers on a server).
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('crm-signals:models:' || $1::text || ':' || $2::text))`, [tenantId, model.kind]);
      const { rows } = await tx.query('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM models WHERE tenant_id = $1 AND kind = $2', [tenantId, model.kind]);
      const version = int(rows[0]?.v ?? 1);
      if (model.status === 'active') await retireActive(tx, tenantId, model.kind);
      await tx.query(
        `INSERT INTO models (tenant_id, kind, version, status, metrics, model, trained_on, promoted_at)
         VALUES ($1, $2, $3, $4::text, $5::jsonb, $6::jsonb, $7::jsonb, CASE WHEN $4::text = 'active' THEN now() END)`,
        [tenantId, model.kind, version, model.status, toJsonb(model.metrics ?? {}), toJsonb(model.model ?? null), toJsonb(model.trainedOn ?? {})],
      );
      return version;
    });
  }

  async getActiveModel(tenantId: string, kind: string): Promise<StoredModel | null> {
    const { rows } = await this.#db.query(
      `SELECT ${MODEL_SUMMARY_COLUMNS}, model FROM models WHERE tenant_id = $1 AND kind = $2 AND status = 'active'`,
      [tenantId, kind],
    );
    return rows[0] ? toModel(rows[0]) : null;
  }

  async promoteModel(tenantId: string, kind: string, version: number): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const { rows } = await tx.query('SELECT status FROM models WHERE tenant_id = $1 AND kind = $2 AND version = $3 FOR UPDATE', [tenantId, kind, version]);
      const row = rows[0];
      if (!row) throw new Error(`tenant ${tenantId} has no ${kind} model version ${version}`);
      if (row.status === 'active') return;
      await retireActive(tx, tenantId, kind);
      await tx.query(
        `UPDATE models SET status = 'active', promoted_at = now() WHERE tenant_id = $1 AND kind = $2 AND version = $3`,
        [tenantId, kind, version],
      );
    });
  }

  async listModels(tenantId: string, kind: string): Promise<Omit<StoredModel, 'model'>[]> {
    const { rows } = await this.#db.query(
      `SELECT ${MODEL_SUMMARY_COLUMNS} FROM models WHERE tenant_id = $1 AND kind = $2 ORDER BY version DESC`,
      [tenantId, kind],
    );
    return rows.map((r) => {
      const { model: _model, ...rest } = toModel(r);
      return rest;
    });
  }

  /* -------------------------------------------------------------- signals */

  async saveSignals(tenantId: string, runId: number, rows: SignalRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#db.transaction(async (tx) => {
      await multiRow(tx, {
        head: 'INSERT INTO signals (tenant_id, run_id, object_type, external_id, signal, model_version, value, input_hash) VALUES',
        fixed: [tenantId, runId],
        prefix: '$1::text, $2::bigint, ',
        types: ['text', 'text', 'text', 'integer', 'jsonb', 'text'],
        rows: rows.map((s) => [s.objectType, cleanText(s.externalId), s.signal, s.modelVersion, toJsonb(s.value ?? null), cleanText(s.inputHash)]),
      });
    });
  }

  async latestSignals(tenantId: string, objectType: ObjectType, signal: string, scope?: readonly string[] | IdRange): Promise<Map<string, SignalRow>> {
    const args: unknown[] = [tenantId, objectType, signal];
    const within = isIdList(scope) ? ` AND external_id = ANY($${args.push(scope.map(cleanText))}::text[])` : scope ? rangeClause(scope, args) : '';
    const { rows } = await this.#db.query(
      `SELECT DISTINCT ON (external_id) external_id, model_version, value, input_hash FROM signals
       WHERE tenant_id = $1 AND object_type = $2 AND signal = $3${within}
       ORDER BY external_id, id DESC`,
      args,
    );
    const out = new Map<string, SignalRow>();
    for (const r of rows) {
      const externalId = text(r.external_id);
      out.set(externalId, { objectType, externalId, signal, modelVersion: int(r.model_version), value: r.value ?? null, inputHash: text(r.input_hash) });
    }
    return out;
  }

  async nextSignalRange(tenantId: string, objectType: ObjectType, signals: readonly string[], after: string | null, size: number): Promise<IdRange | null> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`nextSignalRange: size must be a positive integer, got ${size}`);
    // Per signal, the next `size` distinct ids off the signals_latest index; the range ends at the
    // smallest last id of the signals that filled a page (the others have nothing left beyond theirs).
    // Comparisons stay in SQL, so the range follows the database's collation, not JavaScript's.
    const { rows } = await this.#db.query(
      `SELECT bool_or(p.n > 0) AS found, min(p.last) FILTER (WHERE p.n = $5) AS through
       FROM unnest($3::text[]) AS s(signal)
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS n, max(external_id) AS last FROM (
           SELECT DISTINCT external_id FROM signals
           WHERE tenant_id = $1 AND object_type = $2 AND signal = s.signal AND external_id > $4
           ORDER BY external_id LIMIT $5
         ) page
       ) p`,
      [tenantId, objectType, [...signals], cleanText(after ?? ''), size],
    );
    const row = rows[0];
    return row?.found === true ? { after, through: textOrNull(row.through) } : null;
  }

  async scoreBandCounts(tenantId: string, objectType: ObjectType, signal: string, width: number): Promise<Map<number, number>> {
    if (!Number.isInteger(width) || width < 1) throw new RangeError(`scoreBandCounts: width must be a positive integer, got ${width}`);
    // the newest row per record, as latestSignals, but only its score leaves the database: at a million
    // contacts the JSON values never cross into JS
    const { rows } = await this.#db.query(
      `SELECT LEAST(FLOOR(score / $4::float8), FLOOR(99 / $4::float8))::integer AS band, COUNT(*)::integer AS n FROM (
         SELECT DISTINCT ON (external_id) CASE WHEN jsonb_typeof(value->'score') = 'number' THEN (value->>'score')::float8 END AS score
         FROM signals WHERE tenant_id = $1 AND object_type = $2 AND signal = $3
         ORDER BY external_id, id DESC
       ) latest WHERE score IS NOT NULL GROUP BY band`,
      [tenantId, objectType, signal, width],
    );
    return new Map(rows.map((r) => [int(r.band), int(r.n)]));
  }

  /* -------------------------------------------------------------- write-back */

  async writtenValues(tenantId: string, objectType: ObjectType, range?: IdRange): Promise<Map<string, Record<string, PropertyValue>>> {
    const args: unknown[] = [tenantId, objectType];
    const within = range ? rangeClause(range, args) : '';
    const { rows } = await this.#db.query(`SELECT external_id, property, value FROM written_values WHERE tenant_id = $1 AND object_type = $2${within}`, args);
    const out = new Map<string, Record<string, PropertyValue>>();
    for (const r of rows) {
      const id = text(r.external_id);
      let values = out.get(id);
      if (!values) {
        values = {};
        out.set(id, values);
      }
      values[text(r.property)] = textOrNull(r.value);
    }
    return out;
  }

  async enqueue(tenantId: string, runId: number, items: OutboxInput[]): Promise<number> {
    // The newest item per record wins, within the batch as against what is pending.
    const latest = new Map<string, OutboxInput>();
    for (const item of items) {
      if (Object.keys(item.properties ?? {}).length === 0) continue;
      const key = `${item.objectType}\u0001${item.externalId}`;
      latest.delete(key);
      latest.set(key, item);
    }
    if (latest.size === 0) return 0;
    await this.#db.transaction(async (tx) => {
      await multiRow(tx, {
        head: 'INSERT INTO outbox (tenant_id, run_id, object_type, external_id, properties, previous, model_version) VALUES',
        tail: `ON CONFLICT (tenant_id, object_type, external_id) WHERE status = 'pending' DO UPDATE SET
                 run_id = excluded.run_id, properties = excluded.properties, previous = excluded.previous,
                 model_version = excluded.model_version, attempts = 0, last_error = NULL, updated_at = now()`,
        fixed: [tenantId, runId],
        prefix: '$1::text, $2::bigint, ',
        types: ['text', 'text', 'jsonb', 'jsonb', 'integer'],
        rows: [...latest.values()].map((i) => [
          i.objectType,
          cleanText(i.externalId),
          toJsonb(i.properties),
          toJsonb(i.previous ?? {}),
          i.modelVersion ?? null,
        ]),
      });
    });
    return latest.size;
  }

  async pendingOutbox(tenantId: string, objectType: ObjectType, limit: number, only?: OutboxFilter): Promise<OutboxItem[]> {
    const { rows } = await this.#db.query(
      `SELECT id, run_id, object_type, external_id, properties, previous, model_version, attempts, created_at FROM outbox
       WHERE tenant_id = $1 AND object_type = $2 AND status = 'pending'${only ? ' AND run_id IN (SELECT id FROM runs WHERE tenant_id = $1 AND kind = $4)' : ''} ORDER BY id LIMIT $3`,
      [tenantId, objectType, Math.max(0, Math.floor(limit)), ...(only ? [only.runKind] : [])],
    );
    return rows.map(toOutboxItem);
  }

  async countPending(tenantId: string, objectType?: ObjectType, only?: OutboxFilter): Promise<number> {
    const params: unknown[] = [tenantId];
    let where = `tenant_id = $1 AND status = 'pending'`;
    if (objectType !== undefined) where += ` AND object_type = $${params.push(objectType)}`;
    if (only) where += ` AND run_id IN (SELECT id FROM runs WHERE tenant_id = $1 AND kind = $${params.push(only.runKind)})`;
    const { rows } = await this.#db.query(`SELECT count(*) AS n FROM outbox WHERE ${where}`, params);
    return int(rows[0]?.n ?? 0);
  }

  async completeOutbox(tenantId: string, runId: number, done: Array<{ id: number; modifiedAt: string | null }>): Promise<void> {
    if (done.length === 0) return;
    const stamps = new Map<number, string | null>();
    for (const d of done) stamps.set(d.id, typeof d.modifiedAt === 'string' && d.modifiedAt !== '' ? cleanTruncated(d.modifiedAt, 100) : null);
    await this.#db.transaction(async (tx) => {
      // Only pending items complete: completing twice writes no second audit row.
      const { rows } = await tx.query(
        `UPDATE outbox SET status = 'done', done_at = now(), updated_at = now()
         WHERE tenant_id = $1 AND status = 'pending' AND id = ANY($2::bigint[])
         RETURNING id, object_type, external_id, properties, previous, model_version`,
        [tenantId, [...stamps.keys()]],
      );
      const audit: unknown[][] = [];
      const written: unknown[][] = [];
      const recordStamps: unknown[][] = [];
      for (const r of rows) {
        const objectType = text(r.object_type);
        const externalId = text(r.external_id);
        const modelVersion = intOrNull(r.model_version);
        const properties = object<Record<string, unknown>>(r.properties);
        const previous = object<Record<string, unknown>>(r.previous);
        const stamp = stamps.get(int(r.id)) ?? null;
        for (const [property, value] of Object.entries(properties)) {
          const newValue = value === null || value === undefined ? '' : String(value);
          const old = previous[property];
          audit.push([objectType, externalId, property, old === null || old === undefined ? null : String(old), newValue, modelVersion]);
          written.push([objectType, externalId, property, newValue, modelVersion, stamp]);
        }
        recordStamps.push([objectType, externalId, stamp]);
      }
      if (audit.length > 0) {
        await multiRow(tx, {
          head: 'INSERT INTO audit (tenant_id, run_id, object_type, external_id, property, old_value, new_value, model_version) VALUES',
          fixed: [tenantId, runId],
          prefix: '$1::text, $2::bigint, ',
          types: ['text', 'text', 'text', 'text', 'text', 'integer'],
          rows: audit,
        });
        await multiRow(tx, {
          head: 'INSERT INTO written_values (tenant_id, run_id, written_at, object_type, external_id, property, value, model_version, crm_modified_at) VALUES',
          tail: `ON CONFLICT (tenant_id, object_type, external_id, property) DO UPDATE SET
                   value = excluded.value, model_version = excluded.model_version, run_id = excluded.run_id,
                   written_at = excluded.written_at, crm_modified_at = excluded.crm_modified_at`,
          fixed: [tenantId, runId],
          prefix: '$1::text, $2::bigint, now(), ',
          types: ['text', 'text', 'text', 'text', 'integer', 'text'],
          rows: written,
        });
      }
      if (recordStamps.length > 0) {
        // Our write moved the record's modified time: every property of the record carries the new stamp.
        await tx.query(
          `UPDATE written_values w SET crm_modified_at = s.stamp
           FROM jsonb_to_recordset($2::jsonb) AS s (object_type text, external_id text, stamp text)
           WHERE w.tenant_id = $1 AND w.object_type = s.object_type AND w.external_id = s.external_id
             AND w.crm_modified_at IS DISTINCT FROM s.stamp`,
          [tenantId, toJsonb(recordStamps.map(([objectType, externalId, stamp]) => ({ object_type: objectType, external_id: externalId, stamp })))],
        );
      }
    });
  }

  async failOutbox(tenantId: string, failures: Array<{ id: number; error: string; retryable: boolean }>): Promise<void> {
    if (failures.length === 0) return;
    const byId = new Map<number, { id: number; error: string; retryable: boolean }>();
    for (const f of failures) {
      byId.set(f.id, { id: f.id, error: cleanTruncated(redactSecrets(String(f.error ?? 'unknown error')), MAX_ERROR_LENGTH), retryable: f.retryable === true });
    }
    await this.#db.query(
      `UPDATE outbox o SET attempts = o.attempts + 1, last_error = f.error, updated_at = now(),
         status = CASE WHEN f.retryable THEN 'pending' ELSE 'failed' END
       FROM jsonb_to_recordset($2::jsonb) AS f (id bigint, error text, retryable boolean)
       WHERE o.tenant_id = $1 AND o.id = f.id AND o.status = 'pending'`,
      [tenantId, toJsonb([...byId.values()])],
    );
  }

  async ownWriteStamps(tenantId: string, objectType: ObjectType, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.#db.query(
      `SELECT external_id, max(crm_modified_at) AS stamp FROM written_values
       WHERE tenant_id = $1 AND object_type = $2 AND external_id = ANY($3::text[]) AND crm_modified_at IS NOT NULL GROUP BY external_id`,
      [tenantId, objectType, [...new Set(ids)]],
    );
    return new Map(rows.map((r) => [text(r.external_id), text(r.stamp)]));
  }

  async forgetCrmState(tenantId: string): Promise<void> {
    await this.#db.transaction((tx) => forgetCrmRows(tx, tenantId));
  }

  async audit(tenantId: string, options: AuditQuery = {}): Promise<AuditRow[]> {
    const limit = Math.max(0, Math.floor(options.limit ?? DEFAULT_AUDIT_LIMIT));
    const columns = 'id, run_id, object_type, external_id, property, old_value, new_value, model_version, written_at, erased_at';
    const where = ['tenant_id = $1'];
    const args: unknown[] = [tenantId];
    if (options.runId !== undefined) where.push(`run_id = $${args.push(options.runId)}`);
    if (options.externalId !== undefined) where.push(`external_id = $${args.push(cleanText(options.externalId))}`);
    if (options.beforeId !== undefined) where.push(`id < $${args.push(options.beforeId)}`);
    if (options.afterId !== undefined) where.push(`id > $${args.push(options.afterId)}`);
    const order = options.afterId !== undefined ? 'ASC' : 'DESC';
    const { rows } = await this.#db.query(`SELECT ${columns} FROM audit WHERE ${where.join(' AND ')} ORDER BY id ${order} LIMIT $${args.push(limit)}`, args);
    return rows.map(toAudit);
  }

  async countAudit(tenantId: string): Promise<number> {
    const { rows } = await this.#db.query('SELECT count(*) AS n FROM audit WHERE tenant_id = $1', [tenantId]);
    return int(rows[0]?.n ?? 0);
  }

  /* -------------------------------------------------------------- field mappings (migration 003) */

  async saveMapping(tenantId: string, mapping: unknown, options: SaveMappingOptions = {}): Promise<number> {
    if (mapping === null || typeof mapping !== 'object') throw new Error(`tenant ${tenantId}: a mapping must be an object`);
    return this.#db.transaction(async (tx) => {
      // The tenant row serialises version numbering (two consoles saving at once) and must exist.
      const { rows: tenant } = await tx.query('SELECT id FROM tenants WHERE id = $1 FOR UPDATE', [tenantId]);
      if (!tenant[0]) throw new Error(`tenant ${tenantId} does not exist`);
      const { rows } = await tx.query(
        `INSERT INTO mappings (tenant_id, version, mapping, note, author)
         SELECT $1, COALESCE(MAX(version), 0) + 1, $2::jsonb, $3, $4 FROM mappings WHERE tenant_id = $1
         RETURNING version`,
        [tenantId, toJsonb(mapping), options.note === undefined ? null : cleanText(options.note), options.author === undefined ? null : cleanText(options.author)],
      );
      for (const objectType of options.resync ?? []) {
        await tx.query('DELETE FROM checkpoints WHERE tenant_id = $1 AND object_type = $2', [tenantId, objectType]);
      }
      return int(rows[0]?.version);
    });
  }

  async activeMapping(tenantId: string): Promise<StoredMapping | null> {
    const { rows } = await this.#db.query(`SELECT ${MAPPING_COLUMNS} FROM mappings WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1`, [tenantId]);
    return rows[0] ? toMapping(rows[0]) : null;
  }

  async listMappings(tenantId: string): Promise<StoredMapping[]> {
    const { rows } = await this.#db.query(`SELECT ${MAPPING_COLUMNS} FROM mappings WHERE tenant_id = $1 ORDER BY version DESC`, [tenantId]);
    return rows.map(toMapping);
  }

  /* -------------------------------------------------------------- run leases (see RunLease in types.ts) */

  async startLeasedRun(tenantId: string, kind: string, lease: RunLease): Promise<LeasedRunStart> {
    const ttlMs = leaseTtl(lease);
    return this.#db.transaction(async (tx) => {
      // The tenant row lock serialises concurrent starts for one tenant across connections and processes.
      const tenant = await tx.query('SELECT id FROM tenants WHERE id = $1 FOR UPDATE', [tenantId]);
      if (tenant.rows.length === 0) throw new Error(`tenant ${tenantId} does not exist`);
      const interrupted = await tx.query(
        `UPDATE runs SET status = 'interrupted', finished_at = now(), summary = summary || jsonb_build_object('error', CASE
            WHEN lease_expires_at IS NULL THEN 'interrupted: left running without a lease'
            WHEN lease_expires_at < now() THEN 'interrupted: the lease of ' || lease_owner || ' expired'
            ELSE 'interrupted: ' || lease_owner || ' restarted' END)
         WHERE tenant_id = $1 AND status = 'running'
           AND (lease_expires_at IS NULL OR lease_expires_at < now() OR (lease_owner = $2 AND lease_instance IS DISTINCT FROM $3))
         RETURNING id`,
        [tenantId, lease.owner, lease.instance],
      );
      const held = await tx.query(
        `SELECT id, lease_owner, lease_expires_at FROM runs WHERE tenant_id = $1 AND status = 'running' ORDER BY id LIMIT 1`,
        [tenantId],
      );
      const holder = held.rows[0];
      if (holder) throw new RunLeaseHeldError(tenantId, int(holder.id), text(holder.lease_owner), iso(holder.lease_expires_at));
      const { rows } = await tx.query(
        `INSERT INTO runs (tenant_id, kind, lease_owner, lease_instance, lease_expires_at)
         VALUES ($1, $2, $3, $4, now() + $5::int * interval '1 millisecond') RETURNING id`,
        [tenantId, kind, lease.owner, lease.instance, ttlMs],
      );
      return { runId: int(rows[0]?.id), interrupted: interrupted.rows.map((r) => int(r.id)).sort((a, b) => a - b) };
    });
  }

  async renewRunLease(tenantId: string, runId: number, lease: RunLease): Promise<boolean> {
    const { rowCount } = await this.#db.query(
      `UPDATE runs SET lease_expires_at = now() + $5::int * interval '1 millisecond'
       WHERE tenant_id = $1 AND id = $2 AND status = 'running' AND lease_owner = $3 AND lease_instance = $4`,
      [tenantId, runId, lease.owner, lease.instance, leaseTtl(lease)],
    );
    return rowCount > 0;
  }

  async annotateRun(tenantId: string, runId: number, patch: Record<string, unknown>): Promise<void> {
    const { rowCount } = await this.#db.query('UPDATE runs SET summary = summary || $3::jsonb WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      runId,
      toJsonb(patch),
    ]);
    if (rowCount === 0) throw new Error(`run ${runId} of tenant ${tenantId} does not exist`);
  }

  async recordFailedRun(tenantId: string, kind: string, summary: Record<string, unknown>): Promise<number> {
    const { rows } = await this.#db.query(
      `INSERT INTO runs (tenant_id, kind, status, finished_at, summary) VALUES ($1, $2, 'failed', now(), $3::jsonb) RETURNING id`,
      [tenantId, kind, toJsonb(summary)],
    );
    return int(rows[0]?.id);
  }

  /* -------------------------------------------------------------- install */

  async saveInstall(tenant: TenantInput, credentials: Record<string, unknown>, options: SaveInstallOptions = {}): Promise<Tenant> {
    const plaintext = JSON.stringify(credentials);
    return this.#db.transaction(async (tx) => {
      const row = await upsertTenantRow(tx, tenant);
      if (options.forgetCrmState) await forgetCrmRows(tx, row.id);
      await saveSealed(tx, row.id, this.#sealer.seal(plaintext, row.id));
      const { rows } = await tx.query(
        `UPDATE tenants SET status = 'connected', status_reason = NULL, status_changed_at = CASE WHEN status = 'connected' THEN status_changed_at ELSE now() END
         WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
        [row.id],
      );
      return toTenant(rows[0]!);
    });
  }

  /* -------------------------------------------------------------- access */

  async findTenantByAccount(crm: Crm, accountId: string): Promise<Tenant | null> {
    const { rows } = await this.#db.query(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE crm = $1 AND account_id = $2 ORDER BY created_at LIMIT 1`, [crm, accountId]);
    return rows[0] ? toTenant(rows[0]) : null;
  }

  async disconnectTenant(tenantId: string, reason: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      await tx.query('DELETE FROM credentials WHERE tenant_id = $1', [tenantId]);
      const { rowCount } = await tx.query(
        `UPDATE tenants SET status = 'disconnected', status_reason = $2, status_changed_at = now(), updated_at = now() WHERE id = $1 AND status <> 'disconnected'`,
        [tenantId, cleanTruncated(reason, 500)],
      );
      return (rowCount ?? 0) > 0;
    });
  }

  async putOneTimeToken(purpose: string, token: string, payload: Record<string, unknown>, ttlMs: number): Promise<void> {
    // Expired tokens are useless: each new one sweeps them, so the table stays as small as the live ones.
    await this.#db.query('DELETE FROM one_time_tokens WHERE expires_at < now()');
    await this.#db.query(
      `INSERT INTO one_time_tokens (purpose, token_hash, payload, expires_at) VALUES ($1, $2, $3::jsonb, now() + make_interval(secs => $4::double precision / 1000))`,
      [purpose, tokenHash(token), toJsonb(payload), ttlMs],
    );
  }

  async takeOneTimeToken(purpose: string, token: string): Promise<Record<string, unknown> | null> {
    const { rows } = await this.#db.query('DELETE FROM one_time_tokens WHERE purpose = $1 AND token_hash = $2 RETURNING payload, expires_at > now() AS live', [purpose, tokenHash(token)]);
    const row = rows[0];
    return row && row.live === true ? object(row.payload) : null;
  }

  async saveSession(sessionId: string, session: Omit<AdminSession, 'expiresAt'>, ttlMs: number): Promise<AdminSession> {
    await this.#db.query('DELETE FROM sessions WHERE expires_at < now()');
    const { rows } = await this.#db.query(
      `INSERT INTO sessions (id_hash, operator, tenant_ids, label, expires_at) VALUES ($1, $2, $3::text[], $4, now() + make_interval(secs => $5::double precision / 1000))
       RETURNING operator, tenant_ids, label, expires_at`,
      [tokenHash(sessionId), session.operator, session.tenantIds.map((id) => cleanText(id)), cleanTruncated(session.label, 200), ttlMs],
    );
    return toSession(rows[0]!);
  }

  async loadSession(sessionId: string): Promise<AdminSession | null> {
    const { rows } = await this.#db.query('SELECT operator, tenant_ids, label, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > now()', [tokenHash(sessionId)]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.#db.query('DELETE FROM sessions WHERE id_hash = $1', [tokenHash(sessionId)]);
  }

  /* -------------------------------------------------------------- webhook events (migration 007) */

  async saveProposedChanges(tenantId: string, runId: number, items: OutboxInput[], options: { append?: boolean } = {}): Promise<number> {
    const rows = items.flatMap((item) =>
      Object.entries(item.properties).map(([property, value]) => [item.objectType, cleanText(item.externalId), cleanText(property), item.previous[property] === null || item.previous[property] === undefined ? null : cleanText(item.previous[property]), cleanText(value)]),
    );
    return this.#db.transaction(async (tx) => {
      if (!options.append) await tx.query('DELETE FROM proposed_changes WHERE tenant_id = $1 AND run_id = $2', [tenantId, runId]);
      await multiRow(tx, {
        head: 'INSERT INTO proposed_changes (tenant_id, run_id, object_type, external_id, property, old_value, new_value) VALUES',
        fixed: [tenantId, runId],
        prefix: '$1::text, $2::bigint, ',
        types: ['text', 'text', 'text', 'text', 'text'],
        rows,
      });
      // The newest runs with proposals keep them; an older shadow run's list is history nobody acts on.
      // The runs are found through the runs table (a probe each), not a DISTINCT over every proposal:
      // a diff saved a page at a time prunes on every page.
      await tx.query(
        `DELETE FROM proposed_changes WHERE tenant_id = $1 AND run_id < (
           SELECT min(id) FROM (
             SELECT r.id FROM runs r WHERE r.tenant_id = $1
               AND EXISTS (SELECT 1 FROM proposed_changes p WHERE p.tenant_id = $1 AND p.run_id = r.id)
             ORDER BY r.id DESC LIMIT $2
           ) kept HAVING count(*) = $2)`,
        [tenantId, KEPT_PROPOSAL_RUNS],
      );
      return rows.length;
    });
  }

  async proposedChanges(tenantId: string, runId: number, query: ProposedChangeQuery = {}): Promise<ProposedChanges> {
    const { rows: countRows } = await this.#db.query(
      `SELECT object_type, property, count(*)::int AS n, count(DISTINCT external_id)::int AS records
       FROM proposed_changes WHERE tenant_id = $1 AND run_id = $2 GROUP BY object_type, property ORDER BY object_type, property`,
      [tenantId, runId],
    );
    const { rows: recordRows } = await this.#db.query(
      'SELECT count(*)::int AS n FROM (SELECT DISTINCT object_type, external_id FROM proposed_changes WHERE tenant_id = $1 AND run_id = $2) r',
      [tenantId, runId],
    );
    const counts: Record<string, number> = {};
    for (const r of countRows) counts[`${text(r.object_type)}.${text(r.property)}`] = int(r.n);
    const filter = ['tenant_id = $1', 'run_id = $2'];
    const args: unknown[] = [tenantId, runId];
    if (query.property !== undefined) filter.push(`property = $${args.push(cleanText(query.property))}`);
    if (query.externalId !== undefined) filter.push(`external_id = $${args.push(cleanText(query.externalId))}`);
    const where = filter.join(' AND ');
    const { rows: matchingRows } = await this.#db.query(`SELECT count(*)::int AS n FROM proposed_changes WHERE ${where}`, args);
    const limit = Math.max(1, Math.min(query.limit ?? 100, 10_000));
    const offset = Math.max(0, query.offset ?? 0);
    const { rows } = await this.#db.query(
      `SELECT object_type, external_id, property, old_value, new_value FROM proposed_changes WHERE ${where}
       ORDER BY object_type, external_id, property LIMIT ${limit} OFFSET ${offset}`,
      args,
    );
    return {
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      records: int(recordRows[0]?.n ?? 0),
      counts,
      matching: int(matchingRows[0]?.n ?? 0),
      changes: rows.map((r) => ({ objectType: text(r.object_type) as ObjectType, externalId: text(r.external_id), property: text(r.property), oldValue: textOrNull(r.old_value), newValue: text(r.new_value) })),
    };
  }

  async saveWebhookEvents(tenantId: string, events: WebhookEventInput[]): Promise<number> {
    if (events.length === 0) return 0;
    const rows = events.map((e) => {
      const occurredAt = normalizeTimestamp(e.occurredAt);
      if (occurredAt === null) throw new Error(`webhook event ${e.eventId}: invalid occurredAt ${JSON.stringify(e.occurredAt)}`);
      return {
        event_id: cleanTruncated(e.eventId, MAX_ID_LENGTH),
        subscription_type: cleanTruncated(e.subscriptionType, 200),
        object_id: cleanTruncated(e.objectId, MAX_ID_LENGTH),
        occurred_at: occurredAt,
        payload: e.payload,
      };
    });
    const { rows: inserted } = await this.#db.query(
      `INSERT INTO webhook_events (tenant_id, event_id, subscription_type, object_id, occurred_at, payload)
       SELECT $1, e.event_id, e.subscription_type, e.object_id, e.occurred_at, e.payload
       FROM jsonb_to_recordset($2::jsonb) AS e (event_id text, subscription_type text, object_id text, occurred_at timestamptz, payload jsonb)
       ON CONFLICT (tenant_id, event_id) DO NOTHING
       RETURNING event_id`,
      [tenantId, toJsonb(rows)],
    );
    return inserted.length;
  }

  async pendingWebhookEvents(tenantId: string, limit: number): Promise<StoredWebhookEvent[]> {
    const { rows } = await this.#db.query(
      `SELECT event_id, subscription_type, object_id, occurred_at, payload, received_at, processed_at FROM webhook_events
       WHERE tenant_id = $1 AND processed_at IS NULL ORDER BY occurred_at, event_id LIMIT $2`,
      [tenantId, Math.max(0, Math.floor(limit))],
    );
    return rows.map((r) => ({
      eventId: text(r.event_id),
      subscriptionType: text(r.subscription_type),
      objectId: text(r.object_id),
      occurredAt: iso(r.occurred_at),
      payload: object(r.payload),
      receivedAt: iso(r.received_at),
      processedAt: isoOrNull(r.processed_at),
    }));
  }

  async markWebhookEventsProcessed(tenantId: string, eventIds: string[]): Promise<number> {
    if (eventIds.length === 0) return 0;
    const { rowCount } = await this.#db.query(
      'UPDATE webhook_events SET processed_at = now() WHERE tenant_id = $1 AND event_id = ANY($2::text[]) AND processed_at IS NULL',
      [tenantId, eventIds],
    );
    return rowCount ?? 0;
  }

  async countWebhookEvents(tenantId: string, options: { pending?: boolean } = {}): Promise<number> {
    const { rows } = await this.#db.query(
      `SELECT count(*) AS n FROM webhook_events WHERE tenant_id = $1${options.pending ? ' AND processed_at IS NULL' : ''}`,
      [tenantId],
    );
    return int(rows[0]?.n ?? 0);
  }

  /* -------------------------------------------------------------- the change feed (migration 010) */

  async noteChanged(tenantId: string, objectType: ObjectType, externalIds: readonly string[]): Promise<number> {
    const ids = [...new Set(externalIds.filter((id) => typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH))];
    if (ids.length === 0) return 0;
    const { rowCount } = await this.#db.query(
      `INSERT INTO changed_records (tenant_id, object_type, external_id) SELECT $1, $2, unnest($3::text[])
       ON CONFLICT (tenant_id, object_type, external_id) DO UPDATE SET version = changed_records.version + 1, noted_at = now()`,
      [tenantId, objectType, ids],
    );
    return rowCount ?? ids.length;
  }

  async changedRecords(tenantId: string, objectType: ObjectType, limit: number): Promise<NotedChange[]> {
    const { rows } = await this.#db.query(
      'SELECT external_id, version FROM changed_records WHERE tenant_id = $1 AND object_type = $2 ORDER BY noted_at, external_id LIMIT $3',
      [tenantId, objectType, Math.max(0, Math.floor(limit))],
    );
    return rows.map((r) => ({ externalId: text(r.external_id), version: int(r.version) }));
  }

  async countChanged(tenantId: string, objectType: ObjectType): Promise<number> {
    const { rows } = await this.#db.query('SELECT count(*) AS n FROM changed_records WHERE tenant_id = $1 AND object_type = $2', [tenantId, objectType]);
    return int(rows[0]?.n ?? 0);
  }

  async clearChanged(tenantId: string, objectType: ObjectType, seen: readonly NotedChange[]): Promise<number> {
    if (seen.length === 0) return 0;
    const { rowCount } = await this.#db.query(
      `DELETE FROM changed_records c USING jsonb_to_recordset($3::jsonb) AS s ("externalId" text, version integer)
       WHERE c.tenant_id = $1 AND c.object_type = $2 AND c.external_id = s."externalId" AND c.version = s.version`,
      [tenantId, objectType, toJsonb(seen.map(({ externalId, version }) => ({ externalId, version })))],
    );
    return rowCount ?? 0;
  }

  /* -------------------------------------------------------------- daily API budget, run progress (migration 009) */

  async setApiBudget(tenantId: string, dailyCalls: number | null): Promise<void> {
    if (dailyCalls !== null && !(Number.isInteger(dailyCalls) && dailyCalls > 0 && dailyCalls <= 2_147_483_647)) throw new Error(`a daily API budget is a positive whole number of calls, got ${dailyCalls}`);
    const { rowCount } = await this.#db.query('UPDATE tenants SET api_daily_budget = $2, updated_at = now() WHERE id = $1', [tenantId, dailyCalls]);
    if (rowCount === 0) throw new Error(`tenant ${tenantId} does not exist`);
  }

  async apiUsage(tenantId: string, day: string): Promise<ApiUsageDay> {
    const { rows } = await this.#db.query(
      `SELECT t.api_daily_budget AS budget, coalesce(u.calls, 0) AS calls FROM tenants t
       LEFT JOIN api_usage u ON u.tenant_id = t.id AND u.day = $2::date WHERE t.id = $1`,
      [tenantId, utcDayParam(day)],
    );
    const row = rows[0];
    if (!row) throw new Error(`tenant ${tenantId} does not exist`);
    return { day, calls: int(row.calls), budget: intOrNull(row.budget) };
  }

  async addApiCalls(tenantId: string, day: string, calls: number): Promise<ApiUsageDay> {
    if (!Number.isInteger(calls) || calls < 0) throw new Error(`API calls to add must be a whole number >= 0, got ${calls}`);
    if (calls === 0) return this.apiUsage(tenantId, day);
    const { rows } = await this.#db.query(
      `WITH added AS (
         INSERT INTO api_usage (tenant_id, day, calls) VALUES ($1, $2::date, $3)
         ON CONFLICT (tenant_id, day) DO UPDATE SET calls = api_usage.calls + excluded.calls, updated_at = now()
         RETURNING calls)
       SELECT added.calls, t.api_daily_budget AS budget FROM added, tenants t WHERE t.id = $1`,
      [tenantId, utcDayParam(day), calls],
    );
    const row = rows[0];
    if (!row) throw new Error(`tenant ${tenantId} does not exist`);
    return { day, calls: int(row.calls), budget: intOrNull(row.budget) };
  }

  async saveRunProgress(tenantId: string, runId: number, progress: Omit<RunProgress, 'updatedAt'>): Promise<boolean> {
    const { rowCount } = await this.#db.query(
      `UPDATE runs SET progress = $3::jsonb, progress_at = now() WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
      [tenantId, runId, toJsonb(progress)],
    );
    return rowCount > 0;
  }

  /* -------------------------------------------------------------- one record's signals (the app card) */

  async signalsOfRecords(tenantId: string, objectType: ObjectType, externalIds: readonly string[], signals: readonly string[]): Promise<Map<string, Map<string, ComputedSignal>>> {
    const out = new Map<string, Map<string, ComputedSignal>>();
    if (signals.length === 0 || externalIds.length === 0) return out;
    // both ANYs keep to the signals_latest index (tenant, object type, signal, external id, id DESC)
    const { rows } = await this.#db.query(
      `SELECT DISTINCT ON (external_id, signal) external_id, signal, model_version, value, input_hash, computed_at FROM signals
       WHERE tenant_id = $1 AND object_type = $2 AND signal = ANY($3::text[]) AND external_id = ANY($4::text[])
       ORDER BY external_id, signal, id DESC`,
      [tenantId, objectType, [...signals], externalIds.map(cleanText)],
    );
    for (const r of rows) {
      const externalId = text(r.external_id);
      const signal = text(r.signal);
      let of = out.get(externalId);
      if (of === undefined) out.set(externalId, (of = new Map()));
      of.set(signal, { objectType, externalId, signal, modelVersion: int(r.model_version), value: r.value ?? null, inputHash: text(r.input_hash), computedAt: iso(r.computed_at) });
    }
    return out;
  }

  /* -------------------------------------------------------------- privacy deletion (migration 006, erasure.ts) */

  async findRecordIds(tenantId: string, objectType: ObjectType, match: RecordMatch): Promise<string[]> {
    const values = Array.isArray(match?.values) ? match.values.filter((v): v is string => typeof v === 'string').map((v) => cleanText(v).trim()).filter((v) => v !== '') : [];
    if (values.length === 0) return [];
    const byProperty = typeof match.property === 'string' && match.property !== '';
    const { rows } = byProperty
      ? await this.#db.query(
          `SELECT external_id FROM records WHERE tenant_id = $1 AND object_type = $2 AND lower(trim(properties ->> $3)) = ANY($4::text[]) ORDER BY external_id`,
          [tenantId, objectType, cleanText(match.property!), [...new Set(values.map((v) => v.toLowerCase()))]],
        )
      : await this.#db.query(
          `SELECT external_id FROM records r WHERE tenant_id = $1 AND object_type = $2
             AND EXISTS (SELECT 1 FROM jsonb_each_text(r.properties) p WHERE p.value = ANY($3::text[])) ORDER BY external_id`,
          [tenantId, objectType, [...new Set(values)]],
        );
    return rows.map((r) => text(r.external_id));
  }

  async erasePerson(tenantId: string, request: ErasureRequest, erasedAt: Date): Promise<ErasureResult> {
    return this.#db.transaction((tx) => eraseInTransaction(tx, tenantId, request, erasedAt));
  }

  async erasedIds(tenantId: string, objectType: ObjectType): Promise<Map<string, string>> {
    const { rows } = await this.#db.query('SELECT external_id, erased_at FROM erasures WHERE tenant_id = $1 AND object_type = $2 ORDER BY external_id', [tenantId, objectType]);
    return new Map(rows.map((r) => [text(r.external_id), iso(r.erased_at)]));
  }

  async latestIds(tenantId: string): Promise<{ signal: string; audit: string }> {
    const { rows } = await this.#db.query(
      'SELECT (SELECT coalesce(max(id), 0) FROM signals WHERE tenant_id = $1) AS signal, (SELECT coalesce(max(id), 0) FROM audit WHERE tenant_id = $1) AS audit',
      [tenantId],
    );
    return { signal: String(rows[0]?.signal ?? 0), audit: String(rows[0]?.audit ?? 0) };
  }

  async activeModelVersions(tenantId: string): Promise<Record<string, number>> {
    const { rows } = await this.#db.query("SELECT kind, version FROM models WHERE tenant_id = $1 AND status = 'active' ORDER BY kind", [tenantId]);
    return Object.fromEntries(rows.map((r) => [text(r.kind), int(r.version)]));
  }

  async retrainRequests(tenantId: string): Promise<Map<string, RetrainRequest>> {
    const { rows } = await this.#db.query('SELECT kind, reason, requested_at FROM retrain_requests WHERE tenant_id = $1 ORDER BY kind', [tenantId]);
    return new Map(rows.map((r) => [text(r.kind), { reason: text(r.reason), requestedAt: iso(r.requested_at) }]));
  }

  async completeRetrainRequest(tenantId: string, kind: string, requestedAt: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      // requestedAt came back with milliseconds; PostgreSQL keeps microseconds, so compare at the precision we hand out.
      await tx.query(`DELETE FROM retrain_requests WHERE tenant_id = $1 AND kind = $2 AND date_trunc('milliseconds', requested_at) <= $3::timestamptz`, [tenantId, kind, requestedAt]);
      await tx.query(
        `UPDATE models SET model = NULL WHERE tenant_id = $1 AND kind = $2 AND status <> 'active' AND date_trunc('milliseconds', created_at) <= $3::timestamptz AND model IS NOT NULL`,
        [tenantId, kind, requestedAt],
      );
    });
  }
}

async function upsertTenantRow(q: Queryable, tenant: TenantInput): Promise<Tenant> {
  const { rows } = await q.query(
    `INSERT INTO tenants (id, crm, name, mode, account_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET crm = excluded.crm, name = excluded.name, mode = excluded.mode,
       account_id = excluded.account_id, updated_at = now()
     RETURNING ${TENANT_COLUMNS}`,
    [cleanText(tenant.id), tenant.crm, cleanText(tenant.name), tenant.mode, tenant.accountId === null ? null : cleanText(tenant.accountId)],
  );
  const row = rows[0];
  if (!row) throw new Error('upsertTenant returned no row');
  return toTenant(row);
}

async function saveSealed(q: Queryable, tenantId: string, sealed: string): Promise<void> {
  await q.query(
    `INSERT INTO credentials (tenant_id, sealed) VALUES ($1, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET sealed = excluded.sealed, updated_at = now()`,
    [tenantId, sealed],
  );
}

async function forgetCrmRows(q: Queryable, tenantId: string): Promise<void> {
  for (const table of ['proposed_changes', 'written_values', 'outbox', 'signals', 'changed_records', 'records']) {
    await q.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
  }
  // Cursors over our own trail (audit -> history) stay: the audit stays too.
  await q.query(`DELETE FROM checkpoints WHERE tenant_id = $1 AND object_type NOT LIKE $2`, [tenantId, `${CURSOR_PREFIX}%`]);
}

const MAPPING_COLUMNS = 'version, mapping, note, author, created_at';

function toMapping(r: Row): StoredMapping {
  return { version: int(r.version), mapping: r.mapping, note: textOrNull(r.note), author: textOrNull(r.author), createdAt: iso(r.created_at) };
}

/** A lease of at least 1 ms and at most a day, in whole milliseconds. */
function leaseTtl(lease: RunLease): number {
  if (!lease.owner || !lease.instance) throw new Error('a run lease needs an owner and an instance');
  if (!Number.isFinite(lease.ttlMs) || lease.ttlMs < 1 || lease.ttlMs > 86_400_000) throw new Error(`run lease ttlMs must be 1..86400000, got ${lease.ttlMs}`);
  return Math.round(lease.ttlMs);
}

/** Cursors share the checkpoints table under a prefix no object type has. */
const CURSOR_PREFIX = 'cursor:';

async function retireActive(tx: Queryable, tenantId: string, kind: string): Promise<void> {
  await tx.query(`UPDATE models SET status = 'retired' WHERE tenant_id = $1 AND kind = $2 AND status = 'active'`, [tenantId, kind]);
}
