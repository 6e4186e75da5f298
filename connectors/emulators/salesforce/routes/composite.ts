/**
 * sObject Collections (v42.0+): create, update, upsert by external id, delete and retrieve up to
 * 200 records (2,000 ids for retrieve) in one call that counts once against the allocation.
 * A well-formed request answers HTTP 200 even when records fail: each record gets
 * {id, success, errors:[{statusCode, message, fields}]}, in request order. With allOrNone, one
 * failure rolls every record back and the others report ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
import type { Context, Hono } from 'hono';
import { json, type Env, type EmulatorContext } from '../context.ts';
import { notFound, restError, saveError, unsupportedType, type SaveError } from '../errors.ts';
import type { ObjectDef } from '../schema.ts';
import type { Value } from '../values.ts';
import { applyCreate, applyUpdate, checkRecord, checkTargetId } from '../writes.ts';
import { isObject, readJson, recordJson, V, versionOf } from './shared.ts';

const MAX_RECORDS = 200;
const MAX_RETRIEVE_IDS = 2000;
const ROLLED_BACK = (): SaveError =>
  saveError('ALL_OR_NONE_OPERATION_ROLLED_BACK', 'Record rolled back because not all records were valid and the request was using AllOrNone header');

function tooMany(max: number): never {
  throw restError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${max} records into this call`);
}

/** One record's outcome before anything is stored. */
type Plan =
  | { ok: true; object: ObjectDef; id: string | undefined; fields: Record<string, Value>; create: boolean }
  | { ok: false; id: string | undefined; errors: SaveError[] };

interface Result {
  id?: string;
  success: boolean;
  errors: SaveError[];
  created?: boolean;
}

async function readCollection(c: Context): Promise<{ allOrNone: boolean; records: Record<string, unknown>[]; raw: string }> {
  const { value, raw } = await readJson(c);
  if (!isObject(value) || !Array.isArray(value['records'])) {
    throw restError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize the request: expected {"allOrNone": boolean, "records": [...]}');
  }
  const records = value['records'] as unknown[];
  if (records.length > MAX_RECORDS) tooMany(MAX_RECORDS);
  if (!records.every(isObject)) throw restError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from a non-object value');
  return { allOrNone: value['allOrNone'] === true, records, raw };
}

export function mountComposite(app: Hono<Env>, ctx: EmulatorContext): void {
  const { state, faults } = ctx;

  /** The record's attributes.type; an unknown type fails the request, as the body cannot be read. */
  const typeOf = (rec: Record<string, unknown>, fallback?: ObjectDef): ObjectDef => {
    const attrs = rec['attributes'];
    const type = isObject(attrs) && typeof attrs['type'] === 'string' ? attrs['type'] : undefined;
    if (type === undefined && fallback) return fallback;
    const o = type === undefined ? undefined : state.object(type);
    if (!o) throw restError(400, 'INVALID_TYPE', unsupportedType(type ?? 'null'));
    return o;
  };

  /** Stores the plans (all or none) and renders the results. */
  const commit = (plans: Plan[], allOrNone: boolean, userId: string): Result[] => {
    const failed = plans.some((p) => !p.ok);
    return plans.map((p): Result => {
      if (!p.ok) return { ...(p.id ? { id: p.id } : {}), success: false, errors: p.errors };
      if (allOrNone && failed) return { ...(p.id ? { id: p.id } : {}), success: false, errors: [ROLLED_BACK()] };
      if (p.create) {
        const rec = applyCreate(state, p.object, p.fields, userId);
        return { id: rec['Id'] as string, success: true, errors: [] };
      }
      applyUpdate(state, p.object, p.id as string, p.fields, userId);
      return { id: p.id as string, success: true, errors: [] };
    });
  };

  /** Checks one update; injected row-lock failures hit only records that are otherwise valid. */
  const planUpdate = (rec: Record<string, unknown>, raw: string, fallback?: ObjectDef): Plan => {
    const object = typeOf(rec, fallback);
    const idKey = Object.keys(rec).find((k) => k.toLowerCase() === 'id');
    const target = checkTargetId(state, object, idKey === undefined ? undefined : rec[idKey]);
    if ('error' in target) return { ok: false, id: target.id, errors: [target.error] };
    const checked = checkRecord(state, object, rec, 'update', raw, target.id);
    if (!checked.ok) return { ok: false, id: target.id, errors: checked.errors };
    const injected = faults.takeRecordFailure(target.id);
    if (injected) return { ok: false, id: target.id, errors: [injected] };
    return { ok: true, object, id: target.id, fields: checked.fields, create: false };
  };

  app.patch(`${V}/composite/sobjects`, async (c) => {
    const { allOrNone, records, raw } = await readCollection(c);
    ctx.stats.writeCalls++;
    const plans = records.map((rec) => planUpdate(rec, raw));
    return json(commit(plans, allOrNone, c.get('session').userId));
  });

  app.post(`${V}/composite/sobjects`, async (c) => {
    const { allOrNone, records, raw } = await readCollection(c);
    ctx.stats.writeCalls++;
    const plans = records.map((rec): Plan => {
      const object = typeOf(rec);
      const checked = checkRecord(state, object, rec, 'create', raw);
      return checked.ok ? { ok: true, object, id: undefined, fields: checked.fields, create: true } : { ok: false, id: undefined, errors: checked.errors };
    });
    return json(commit(plans, allOrNone, c.get('session').userId));
  });

  /** Upsert by external id (v46.0+): one object type, each record matched on the external id field. */
  app.patch(`${V}/composite/sobjects/:object/:field`, async (c) => {
    const object = state.object(c.req.param('object'));
    if (!object) throw notFound();
    const f = state.field(object.name, c.req.param('field'));
    if (!f || (!f.externalId && f.name !== 'Id')) {
      throw restError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${c.req.param('field')}`);
    }
    const { allOrNone, records, raw } = await readCollection(c);
    ctx.stats.writeCalls++;
    const created = new Set<number>();
    const plans = records.map((rec, i): Plan => {
      const given = typeOf(rec, object);
      if (given.name !== object.name) return { ok: false, id: undefined, errors: [saveError('INVALID_TYPE', `Record type ${given.name} does not match the request's ${object.name}`)] };
      const key = Object.keys(rec).find((k) => k.toLowerCase() === f.name.toLowerCase());
      const value = key === undefined ? undefined : rec[key];
      if (value === undefined || value === null || value === '') {
        return { ok: false, id: undefined, errors: [saveError('MISSING_ARGUMENT', `${f.name} not specified`, [f.name])] };
      }
      const matches = state.findBy(object.name, f.name, String(value));
      if (matches.length > 1) {
        return { ok: false, id: undefined, errors: [saveError('DUPLICATE_EXTERNAL_ID', `${f.label}: more than one record found for external id field: ${matches.map((m) => m['Id'] as string).join(', ')}`, [f.name])] };
      }
      const existing = matches[0];
      if (existing) return planUpdate({ ...rec, Id: existing['Id'] }, raw, object);
      const checked = checkRecord(state, object, rec, 'create', raw);
      if (!checked.ok) return { ok: false, id: undefined, errors: checked.errors };
      created.add(i);
      return { ok: true, object, id: undefined, fields: checked.fields, create: true };
    });
    const results = commit(plans, allOrNone, c.get('session').userId);
    return json(results.map((r, i) => ({ ...r, created: r.success && created.has(i) })));
  });

  /** Retrieve: POST {ids, fields}; unknown ids come back as null. */
  app.post(`${V}/composite/sobjects/:object`, async (c) => {
    const object = state.object(c.req.param('object'));
    if (!object) throw notFound();
    const { value } = await readJson(c);
    if (!isObject(value) || !Array.isArray(value['ids']) || !Array.isArray(value['fields'])) {
      throw restError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize the request: expected {"ids": [...], "fields": [...]}');
    }
    const ids = value['ids'] as unknown[];
    if (ids.length > MAX_RETRIEVE_IDS) tooMany(MAX_RETRIEVE_IDS);
    const fields = (value['fields'] as unknown[]).map((n) => {
      const f = typeof n === 'string' ? state.field(object.name, n) : undefined;
      if (!f) throw restError(400, 'INVALID_FIELD', `No such column '${String(n)}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
      return f;
    });
    const version = versionOf(c);
    return json(ids.map((id) => {
      const rec = typeof id === 'string' ? state.get(object.name, id) : undefined;
      return rec && rec['IsDeleted'] !== true ? recordJson(object, fields, rec, version) : null;
    }));
  });

  app.delete(`${V}/composite/sobjects`, (c) => {
    const ids = (c.req.query('ids') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (ids.length > MAX_RECORDS) tooMany(MAX_RECORDS);
    const allOrNone = c.req.query('allOrNone') === 'true';
    ctx.stats.writeCalls++;
    const plans = ids.map((raw) => {
      const object = state.objectForId(raw);
      if (!object) return { ok: false as const, id: undefined, errors: [saveError('MALFORMED_ID', `malformed id ${raw}`)] };
      const target = checkTargetId(state, object, raw);
      return 'error' in target ? { ok: false as const, id: target.id, errors: [target.error] } : { ok: true as const, object, id: target.id };
    });
    const failed = plans.some((p) => !p.ok);
    return json(plans.map((p): Result => {
      if (!p.ok) return { ...(p.id ? { id: p.id } : {}), success: false, errors: p.errors };
      if (allOrNone && failed) return { id: p.id, success: false, errors: [ROLLED_BACK()] };
      state.delete(p.object.name, p.id, { userId: c.get('session').userId });
      return { id: p.id, success: true, errors: [] };
    }));
  });
}
