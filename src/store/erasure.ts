/**
 * Privacy deletion inside the store (migration 006). A person's email and names arrive as search terms
 * and are never written anywhere: what stays is the (object type, id) of each erased record and the date.
 * Run in one transaction by SqlStore.erasePerson; savePage asks dropErased which records of a page were
 * erased, so a sync of a record the CRM still holds does not bring the person back.
 */
import type { CanonicalRecord, ObjectType } from '../domain/records.ts';
import type { Queryable } from './db.ts';
import { cleanText, toJsonb } from './sanitize.ts';
import { int, object, text } from './sql.ts';
import { PERSON_ERASED, type ErasureRequest, type ErasureResult } from './types.ts';

const MAX_ID_LENGTH = 1000;
/** A shorter search term would scrub unrelated text ("Al" in every "Also"). */
const MIN_TERM_LENGTH = 2;
/** What a scrubbed mention becomes in free text. */
export const ERASED_TEXT = '[erased]';
/** Associations of this type point at people: a record linked only to erased people is theirs. */
const PERSON_TYPE: ObjectType = 'contact';

/** Erasure and savePage exclude each other per tenant, so a page read before an erasure cannot re-insert the person after it. */
export const ERASURE_LOCK = `hashtext('crm-signals:erasure:' || $1::text)`;

export class ErasureRequestError extends Error {
  override readonly name = 'ErasureRequestError';
}

interface Terms {
  ids: string[];
  otherIds: string[];
  emails: string[];
  names: string[];
}

function terms(list: unknown, what: string, max: number, lower: boolean): string[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new ErasureRequestError(`erasure ${what} must be a list of strings`);
  const out = new Set<string>();
  for (const [i, value] of list.entries()) {
    if (typeof value !== 'string') throw new ErasureRequestError(`erasure ${what}[${i}] is not a string`);
    const clean = cleanText(value).trim();
    if (clean === '') continue;
    if (clean.length > max) throw new ErasureRequestError(`erasure ${what}[${i}] is longer than ${max} characters`);
    out.add(lower ? clean.toLowerCase() : clean);
  }
  return [...out];
}

/** The request checked: an error names what is wrong. */
export function parseErasureRequest(request: ErasureRequest): { objectType: ObjectType; terms: Terms } {
  if (request === null || typeof request !== 'object') throw new ErasureRequestError('an erasure request must be an object');
  if (typeof request.objectType !== 'string' || request.objectType.trim() === '') throw new ErasureRequestError('erasure objectType is missing');
  const ids = terms(request.externalIds, 'externalIds', MAX_ID_LENGTH, false);
  if (ids.length === 0) throw new ErasureRequestError('an erasure needs at least one external id of the person');
  return {
    objectType: request.objectType,
    terms: {
      ids,
      otherIds: terms(request.otherIds, 'otherIds', MAX_ID_LENGTH, false),
      emails: terms(request.emails, 'emails', 320, true).filter((e) => e.length >= MIN_TERM_LENGTH),
      names: terms(request.names, 'names', 200, true).filter((n) => n.length >= MIN_TERM_LENGTH),
    },
  };
}

/** How a string looks inside jsonb's text output (quotes and backslashes escaped), lower-cased. */
function asJsonText(term: string): string {
  return JSON.stringify(term).slice(1, -1).toLowerCase();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whole-word, case-insensitive mentions of any term. */
function mentionPattern(words: readonly string[]): RegExp | null {
  if (words.length === 0) return null;
  const longestFirst = [...words].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${longestFirst.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

/** A copy of a JSON value with every mention replaced in strings and keys; `changed` says whether any was. */
export function scrubJson(value: unknown, pattern: RegExp | null): { value: unknown; changed: boolean } {
  if (!pattern) return { value, changed: false };
  let changed = false;
  const scrubString = (s: string) => {
    const out = s.replace(pattern, ERASED_TEXT);
    if (out !== s) changed = true;
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubString(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [scrubString(k), walk(x)]));
    return v;
  };
  const out = walk(value);
  return { value: out, changed };
}

type Key = `${string}\u0000${string}`;
const key = (objectType: string, externalId: string): Key => `${objectType}\u0000${externalId}`;

function byType(keys: Iterable<Key>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const k of keys) {
    const [objectType, externalId] = k.split('\u0000') as [string, string];
    out.set(objectType, [...(out.get(objectType) ?? []), externalId]);
  }
  return out;
}

/** The erasure itself; `tx` is a transaction of the store. */
export async function eraseInTransaction(tx: Queryable, tenantId: string, request: ErasureRequest, erasedAt: Date): Promise<ErasureResult> {
  const { objectType, terms: t } = parseErasureRequest(request);
  if (!Number.isFinite(erasedAt?.getTime?.())) throw new ErasureRequestError('erasure date is not a valid date');
  const at = erasedAt.toISOString();
  const { rows: tenant } = await tx.query('SELECT id FROM tenants WHERE id = $1', [tenantId]);
  if (!tenant[0]) throw new ErasureRequestError(`tenant ${tenantId} does not exist`);
  await tx.query(`SELECT pg_advisory_xact_lock(${ERASURE_LOCK})`, [tenantId]);

  const emailTerms = t.emails.map(asJsonText);
  const mentions = mentionPattern([...t.emails, ...t.names]);
  const erased = new Set<Key>(t.ids.map((id) => key(objectType, id)));
  const result: ErasureResult = {
    erasedAt: at,
    records: {},
    unlinked: 0,
    signals: 0,
    outbox: 0,
    writtenValues: 0,
    rejected: 0,
    audit: 0,
    modelBodies: 0,
    scrubbed: 0,
    retrain: [],
    tombstones: [],
  };

  // A record of the person's type that quotes their email is the same person (a duplicate contact).
  const { rows: duplicates } = await tx.query(
    `SELECT external_id FROM records WHERE tenant_id = $1 AND object_type = $2
       AND EXISTS (SELECT 1 FROM unnest($3::text[]) n WHERE position(n IN lower(properties::text)) > 0)`,
    [tenantId, objectType, emailTerms],
  );
  const personIds = [...new Set([...t.ids, ...duplicates.map((r) => text(r.external_id))])];
  for (const id of personIds) erased.add(key(objectType, id));

  // Records linked to the person (by association or by another id of theirs) and records quoting their email.
  const { rows: candidates } = await tx.query(
    `SELECT object_type, external_id, associations, properties::text AS props,
            EXISTS (SELECT 1 FROM unnest($5::text[]) n WHERE position(n IN lower(properties::text)) > 0) AS quotes_email,
            EXISTS (SELECT 1 FROM jsonb_each_text(properties) p WHERE p.value = ANY($4::text[])) AS names_other_id
     FROM records
     WHERE tenant_id = $1 AND NOT (object_type = $2 AND external_id = ANY($3::text[])) AND (
       COALESCE(associations -> $2, '[]'::jsonb) ?| $3::text[]
       OR EXISTS (SELECT 1 FROM jsonb_each_text(properties) p WHERE p.value = ANY($4::text[]))
       OR EXISTS (SELECT 1 FROM unnest($5::text[]) n WHERE position(n IN lower(properties::text)) > 0))`,
    [tenantId, objectType, personIds, t.otherIds, emailTerms],
  );
  const unlink: Array<{ object_type: string; external_id: string; associations: Record<string, unknown> }> = [];
  for (const r of candidates) {
    const type = text(r.object_type);
    const id = text(r.external_id);
    if (r.quotes_email === true || r.names_other_id === true) {
      erased.add(key(type, id));
      continue;
    }
    const associations = object<Record<string, unknown>>(r.associations);
    const linked = Array.isArray(associations[objectType]) ? (associations[objectType] as unknown[]).map(String) : [];
    const others = linked.filter((l) => !personIds.includes(l));
    // A record shared with other people stays theirs, unless it names this person.
    const namesPerson = mentions !== null && new RegExp(mentions.source, mentions.flags).test(text(r.props));
    if (others.length > 0 && !namesPerson) unlink.push({ object_type: type, external_id: id, associations: { ...associations, [objectType]: others } });
    else erased.add(key(type, id));
  }
  const stillLinked = unlink.filter((u) => !erased.has(key(u.object_type, u.external_id)));
  if (stillLinked.length > 0) {
    await tx.query(
      `UPDATE records r SET associations = u.associations, change_seq = nextval('record_change_seq')
       FROM jsonb_to_recordset($2::jsonb) AS u (object_type text, external_id text, associations jsonb)
       WHERE r.tenant_id = $1 AND r.object_type = u.object_type AND r.external_id = u.external_id`,
      [tenantId, toJsonb(stillLinked)],
    );
    result.unlinked = stillLinked.length;
  }

  const groups = byType(erased);
  const allIds = [...new Set([...erased].map((k) => k.split('\u0000')[1]!))];
  const marker = `erased on ${at.slice(0, 10)}`;
  for (const [type, ids] of groups) {
    const args = [tenantId, type, ids];
    const where = 'tenant_id = $1 AND object_type = $2 AND external_id = ANY($3::text[])';
    result.signals += (await tx.query(`DELETE FROM signals WHERE ${where}`, args)).rowCount;
    result.outbox += (await tx.query(`DELETE FROM outbox WHERE ${where}`, args)).rowCount;
    result.writtenValues += (await tx.query(`DELETE FROM written_values WHERE ${where}`, args)).rowCount;
    // What a shadow run would have written for the person: their ids and our values for them.
    await tx.query(`DELETE FROM proposed_changes WHERE ${where}`, args);
    const deleted = (await tx.query(`DELETE FROM records WHERE ${where}`, args)).rowCount;
    if (deleted > 0) result.records[type as ObjectType] = deleted;
    result.audit += (
      await tx.query(`UPDATE audit SET old_value = NULL, new_value = $4, erased_at = $5 WHERE ${where} AND erased_at IS NULL`, [...args, marker, at])
    ).rowCount;
  }
  const textTerms = [...emailTerms, ...t.names.map(asJsonText)];
  result.rejected = (
    await tx.query(
      `DELETE FROM rejected_records WHERE tenant_id = $1 AND (external_id = ANY($2::text[])
         OR EXISTS (SELECT 1 FROM unnest($3::text[]) n WHERE position(n IN lower(reason)) > 0))`,
      [tenantId, allIds, textTerms],
    )
  ).rowCount;

  // Tombstones: ids and the date, nothing else.
  const tombstones = [...erased].map((k) => k.split('\u0000') as [string, string]);
  await tx.query(
    `INSERT INTO erasures (tenant_id, object_type, external_id, erased_at)
     SELECT $1, e.object_type, e.external_id, $3::timestamptz FROM jsonb_to_recordset($2::jsonb) AS e (object_type text, external_id text)
     ON CONFLICT (tenant_id, object_type, external_id) DO NOTHING`,
    [tenantId, toJsonb(tombstones.map(([object_type, external_id]) => ({ object_type, external_id }))), at],
  );
  result.tombstones = tombstones.map(([type, externalId]) => ({ objectType: type as ObjectType, externalId }));

  result.modelBodies = await dropModelBodies(tx, tenantId, { emailTerms, names: t.names, ids: allIds, mentions });
  result.scrubbed = await scrubFreeText(tx, tenantId, textTerms, mentions);

  const removedSomething = Object.keys(result.records).length > 0 || result.unlinked > 0 || result.modelBodies > 0;
  if (removedSomething) {
    // Every kind: whichever model saw the person, it was trained on them and must be fitted again. The
    // database's clock dates the request: completeRetrainRequest compares it with models' created_at.
    const { rows } = await tx.query(
      `INSERT INTO retrain_requests (tenant_id, kind, reason, requested_at)
       SELECT DISTINCT $1::text, kind, $2::text, now() FROM models WHERE tenant_id = $1
       ON CONFLICT (tenant_id, kind) DO UPDATE SET reason = excluded.reason, requested_at = excluded.requested_at
       RETURNING kind`,
      [tenantId, PERSON_ERASED],
    );
    result.retrain = rows.map((r) => text(r.kind)).sort();
  }
  return result;
}

/**
 * Model versions whose body, metrics or training note hold the person: an email anywhere, a name or an
 * id as a whole JSON string (a category level, a recommender's user id). Bodies go; metrics and notes are
 * scrubbed; an active one is retired, so nothing scores with it. Returns how many versions.
 */
async function dropModelBodies(
  tx: Queryable,
  tenantId: string,
  terms: { emailTerms: string[]; names: string[]; ids: string[]; mentions: RegExp | null },
): Promise<number> {
  const whole = [...terms.names, ...terms.ids.map((id) => id.toLowerCase())].map((v) => `"${asJsonText(v)}"`);
  const needles = [...terms.emailTerms, ...whole];
  if (needles.length === 0) return 0;
  const { rows } = await tx.query(
    `SELECT kind, version, metrics, trained_on FROM models m
     WHERE tenant_id = $1 AND EXISTS (
       SELECT 1 FROM unnest($2::text[]) n
       WHERE position(n IN lower(COALESCE(m.model::text, ''))) > 0 OR position(n IN lower(m.metrics::text)) > 0
          OR position(n IN lower(m.trained_on::text)) > 0)`,
    [tenantId, needles],
  );
  const idPattern = mentionPattern(terms.ids);
  for (const r of rows) {
    const scrub = (v: unknown) => scrubJson(scrubJson(v, terms.mentions).value, idPattern).value;
    await tx.query(
      `UPDATE models SET model = NULL, metrics = $4::jsonb, trained_on = $5::jsonb,
         status = CASE WHEN status = 'active' THEN 'retired' ELSE status END
       WHERE tenant_id = $1 AND kind = $2 AND version = $3`,
      [tenantId, text(r.kind), int(r.version), toJsonb(scrub(r.metrics)), toJsonb(scrub(r.trained_on))],
    );
  }
  return rows.length;
}

/** Run summaries, cursors and checkpoints, outbox errors: mentions of the email or a name become "[erased]". */
async function scrubFreeText(tx: Queryable, tenantId: string, textTerms: string[], mentions: RegExp | null): Promise<number> {
  if (textTerms.length === 0 || !mentions) return 0;
  const hit = (column: string) => `EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE position(n IN lower(${column}::text)) > 0)`;
  let scrubbed = 0;
  const runs = await tx.query(`SELECT id, summary FROM runs WHERE tenant_id = $1 AND ${hit('summary')}`, [tenantId, textTerms]);
  for (const r of runs.rows) {
    const { value, changed } = scrubJson(r.summary, mentions);
    if (!changed) continue;
    await tx.query('UPDATE runs SET summary = $3::jsonb WHERE tenant_id = $1 AND id = $2', [tenantId, int(r.id), toJsonb(value)]);
    scrubbed++;
  }
  const checkpoints = await tx.query(`SELECT object_type, checkpoint FROM checkpoints WHERE tenant_id = $1 AND ${hit('checkpoint')}`, [tenantId, textTerms]);
  for (const r of checkpoints.rows) {
    const { value, changed } = scrubJson(r.checkpoint, mentions);
    if (!changed) continue;
    await tx.query('UPDATE checkpoints SET checkpoint = $3::jsonb WHERE tenant_id = $1 AND object_type = $2', [tenantId, text(r.object_type), toJsonb(value)]);
    scrubbed++;
  }
  const outbox = await tx.query(`SELECT id, last_error FROM outbox WHERE tenant_id = $1 AND last_error IS NOT NULL AND ${hit('last_error')}`, [tenantId, textTerms]);
  for (const r of outbox.rows) {
    const { value, changed } = scrubJson(text(r.last_error), mentions);
    if (!changed) continue;
    await tx.query('UPDATE outbox SET last_error = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, int(r.id), value]);
    scrubbed++;
  }
  return scrubbed;
}

/**
 * A page's records without the erased ones: a tombstoned record is skipped, tombstoned ids leave its
 * associations, and a record whose every linked person was erased is skipped as theirs.
 */
export async function dropErased<T extends { externalId: string; record: CanonicalRecord }>(
  tx: Queryable,
  tenantId: string,
  objectType: ObjectType,
  valid: T[],
): Promise<{ kept: T[]; erased: number }> {
  if (valid.length === 0) return { kept: valid, erased: 0 };
  const ids = new Set<string>();
  for (const v of valid) {
    ids.add(v.externalId);
    // Association ids are the CRM's, uncleaned: a NUL in one must not fail the page's lookup.
    for (const linked of Object.values(v.record.associations ?? {})) if (Array.isArray(linked)) for (const id of linked) ids.add(cleanText(String(id)));
  }
  const { rows } = await tx.query('SELECT object_type, external_id FROM erasures WHERE tenant_id = $1 AND external_id = ANY($2::text[])', [tenantId, [...ids]]);
  if (rows.length === 0) return { kept: valid, erased: 0 };
  const tomb = new Set(rows.map((r) => key(text(r.object_type), text(r.external_id))));
  const kept: T[] = [];
  let erased = 0;
  for (const v of valid) {
    if (tomb.has(key(objectType, v.externalId))) {
      erased++;
      continue;
    }
    const associations = v.record.associations ?? {};
    const before = Array.isArray(associations[PERSON_TYPE]) ? associations[PERSON_TYPE]!.map(String) : [];
    let touched = false;
    const cleaned: Partial<Record<ObjectType, string[]>> = {};
    for (const [type, list] of Object.entries(associations) as Array<[ObjectType, string[] | undefined]>) {
      if (!Array.isArray(list)) continue;
      const left = list.filter((id) => !tomb.has(key(type, cleanText(String(id)))));
      if (left.length !== list.length) touched = true;
      cleaned[type] = left;
    }
    if (before.length > 0 && (cleaned[PERSON_TYPE]?.length ?? 0) === 0) {
      erased++;
      continue;
    }
    kept.push(touched ? { ...v, record: { ...v.record, associations: cleaned } } : v);
  }
  return { kept, erased };
}
