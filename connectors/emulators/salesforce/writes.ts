/**
 * Record writes as the REST API performs them, shared by the single-record and sObject
 * Collections routes: deserialise each value for its field type (an undeserialisable value fails
 * the whole request with JSON_PARSER_ERROR, as Salesforce's JSON parser does), then check the
 * record (unknown, read-only or FLS-protected fields, lengths, ranges, restricted picklists,
 * lookups, required fields) and report problems per record.
 */
import { restError, saveError, type SaveError } from './errors.ts';
import { normalizeId } from './ids.ts';
import { NUMERIC_TYPES, TEXT_TYPES, type FieldDef, type ObjectDef } from './schema.ts';
import type { SalesforceState } from './state.ts';
import { parseDate, parseDateTime, truncateToSecond, type StoredRecord, type Value } from './values.ts';

export type Mode = 'create' | 'update';

export type Checked =
  | { ok: true; id: string | undefined; fields: Record<string, Value> }
  | { ok: false; id: string | undefined; errors: SaveError[] };

const NUMBER_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Salesforce's JSON parser message, pointing at the value in the body as well as it can. */
function parserError(f: FieldDef, javaType: string, v: unknown, rawBody: string): never {
  const at = rawBody.indexOf(`"${f.name}"`);
  const before = at < 0 ? '' : rawBody.slice(0, at);
  const line = before.split('\n').length;
  const column = at < 0 ? 1 : at - before.lastIndexOf('\n');
  const token = typeof v === 'string' ? 'VALUE_STRING' : typeof v === 'boolean' ? (v ? 'VALUE_TRUE' : 'VALUE_FALSE') : Array.isArray(v) ? 'START_ARRAY' : typeof v === 'object' ? 'START_OBJECT' : 'VALUE_NUMBER_INT';
  const shown = typeof v === 'string' ? v : JSON.stringify(v);
  throw restError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${javaType} from ${token} value ${shown} or request may be missing a required field at [line:${line}, column:${column}]`);
}

/** A JSON value as the field's stored type; throws the whole-request error when it cannot be read. */
export function deserialize(f: FieldDef, v: unknown, rawBody: string): Value {
  if (v === null) return null;
  if (TEXT_TYPES.has(f.type) || f.type === 'id' || f.type === 'reference') {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return parserError(f, 'String', v, rawBody);
  }
  if (NUMERIC_TYPES.has(f.type)) {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && NUMBER_RE.test(v.trim())) return Number(v);
    return parserError(f, f.type === 'int' ? 'int' : 'double', v, rawBody);
  }
  if (f.type === 'boolean') {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    return parserError(f, 'boolean', v, rawBody);
  }
  if (f.type === 'date') {
    if (typeof v === 'string') {
      const d = parseDate(v) ?? (parseDateTime(v) !== undefined ? v.slice(0, 10) : undefined);
      if (d) return d;
    }
    return parserError(f, 'date', v, rawBody);
  }
  if (typeof v === 'string') {
    const ms = parseDateTime(v) ?? (parseDate(v) ? Date.parse(`${v}T00:00:00Z`) : undefined);
    if (ms !== undefined) return truncateToSecond(ms);
  }
  return parserError(f, 'datetime', v, rawBody);
}

function integerDigits(n: number): number {
  const abs = Math.abs(Math.trunc(n));
  return abs === 0 ? 0 : String(abs).length;
}

/** Value-level checks after deserialisation; returns the stored value or an error. */
function checkValue(state: SalesforceState, f: FieldDef, v: Value): { value: Value } | { error: SaveError } {
  if (v === null) return { value: null };
  if (TEXT_TYPES.has(f.type) && typeof v === 'string') {
    if (f.length > 0 && v.length > f.length) {
      return { error: saveError('STRING_TOO_LONG', `${f.label}: data value too large: ${v.slice(0, 1000)} (max length=${f.length})`, [f.name]) };
    }
    if (f.type === 'email' && v !== '' && !EMAIL_RE.test(v)) {
      return { error: saveError('INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${v}`, [f.name]) };
    }
    if (f.type === 'picklist' && f.restrictedPicklist && !f.picklistValues.some((p) => p.active && p.value === v)) {
      return { error: saveError('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f.label}: bad value for restricted picklist field: ${v}`, [f.name]) };
    }
    // An empty string clears a text field, as in Salesforce.
    return { value: v === '' ? null : v };
  }
  if (NUMERIC_TYPES.has(f.type) && typeof v === 'number') {
    const scale = f.type === 'int' ? 0 : f.scale;
    const maxDigits = f.type === 'int' ? f.digits || 9 : f.precision - f.scale;
    // Salesforce rounds to the field's scale on save.
    const rounded = Math.round(v * 10 ** scale) / 10 ** scale;
    if (integerDigits(rounded) > maxDigits) {
      return { error: saveError('NUMBER_OUTSIDE_VALID_RANGE', `${f.label}: value outside of valid range on numeric field: ${v}`, [f.name]) };
    }
    return { value: rounded };
  }
  if (f.type === 'reference' && typeof v === 'string') {
    if (v === '') return { value: null };
    const id = normalizeId(v);
    if (!id) return { error: saveError('MALFORMED_ID', `${f.label}: id value of incorrect type: ${v}`, [f.name]) };
    const targets = f.referenceTo.map((t) => state.object(t)).filter((o): o is ObjectDef => o !== undefined);
    const target = targets.find((t) => t.keyPrefix === id.slice(0, 3));
    if (!target) return { error: saveError('FIELD_INTEGRITY_EXCEPTION', `${f.label}: id value of incorrect type: ${v}`, [f.name]) };
    const rec = state.get(target.name, id);
    if (!rec) return { error: saveError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [f.name]) };
    if (rec['IsDeleted'] === true) return { error: saveError('ENTITY_IS_DELETED', 'entity is deleted', [f.name]) };
    return { value: id };
  }
  return { value: v };
}

/** Checks an id given for an update or delete; returns the live record or the error to report. */
export function checkTargetId(state: SalesforceState, object: ObjectDef, rawId: unknown): { id: string; record: StoredRecord } | { id: string | undefined; error: SaveError } {
  if (rawId === undefined || rawId === null || rawId === '') return { id: undefined, error: saveError('MISSING_ARGUMENT', 'Id not specified in an update call') };
  const id = typeof rawId === 'string' ? normalizeId(rawId) : undefined;
  if (!id || id.slice(0, 3) !== object.keyPrefix) {
    return { id: undefined, error: saveError('MALFORMED_ID', `${object.label} ID: id value of incorrect type: ${String(rawId)}`, ['Id']) };
  }
  const record = state.get(object.name, id);
  if (!record) return { id, error: saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id') };
  if (record['IsDeleted'] === true) return { id, error: saveError('ENTITY_IS_DELETED', 'entity is deleted') };
  return { id, record };
}

/**
 * Checks one record body. `id` is the target of an update (already taken out of the body).
 * Throws SfError for whole-request problems (JSON_PARSER_ERROR); everything else is per record.
 */
export function checkRecord(state: SalesforceState, object: ObjectDef, body: Record<string, unknown>, mode: Mode, rawBody: string, id?: string): Checked {
  const fields: Record<string, Value> = {};
  const errors: SaveError[] = [];
  const notWritable: string[] = [];
  for (const [key, raw] of Object.entries(body)) {
    if (key === 'attributes') continue;
    if (key.toLowerCase() === 'id') {
      if (mode === 'create') errors.push(saveError('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']));
      continue;
    }
    const f = state.field(object.name, key);
    if (!f) {
      errors.push(saveError('INVALID_FIELD', `No such column '${key}' on sobject of type ${object.name}`));
      continue;
    }
    const value = deserialize(f, raw, rawBody);
    const access = state.accessOf(object.name, f.name);
    if (!(mode === 'create' ? f.createable : f.updateable) || !access.editable) {
      notWritable.push(f.name);
      continue;
    }
    const checked = checkValue(state, f, value);
    if ('error' in checked) errors.push(checked.error);
    else fields[f.name] = checked.value;
  }
  if (notWritable.length > 0) {
    errors.push(saveError(
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${notWritable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      notWritable,
    ));
  }
  if (errors.length === 0) {
    const missing = state.visibleFields(object.name).filter((f) => {
      if (!f.required || !f.createable) return false;
      return mode === 'create' ? fields[f.name] === undefined || fields[f.name] === null : f.name in fields && fields[f.name] === null;
    });
    if (missing.length > 0) {
      const names = missing.map((f) => f.name);
      errors.push(saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${names.join(', ')}]`, names));
    }
  }
  return errors.length > 0 ? { ok: false, id, errors } : { ok: true, id, fields };
}

/** Stores a checked create as the calling user (owner, creator and last modifier). */
export function applyCreate(state: SalesforceState, object: ObjectDef, fields: Record<string, Value>, userId: string): StoredRecord {
  return state.insert(object.name, fields, { createdById: userId });
}

/** Stores a checked update as the calling user, bumping LastModifiedDate and SystemModstamp. */
export function applyUpdate(state: SalesforceState, object: ObjectDef, id: string, fields: Record<string, Value>, userId: string): StoredRecord | undefined {
  return state.update(object.name, id, fields, { userId });
}
