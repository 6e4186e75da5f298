/**
 * The sObject resources: describeGlobal, describe (with If-Modified-Since), single-record
 * create/read/update/delete as jsforce calls them, upsert by external id, and the replication
 * endpoints /updated and /deleted.
 */
import type { Context, Hono } from 'hono';
import { json, type Env, type EmulatorContext } from '../context.ts';
import { notFound, restError, SfError, type SaveError } from '../errors.ts';
import type { FieldDef, ObjectDef } from '../schema.ts';
import { formatDateTime, parseDateTime } from '../values.ts';
import { applyCreate, applyUpdate, checkRecord, checkTargetId } from '../writes.ts';
import { isObject, readJson, recordJson, V, versionOf } from './shared.ts';

const DAY_MS = 86_400_000;
/** How far back /updated and /deleted reach. */
const REPLICATION_WINDOW_MS = 30 * DAY_MS;

const SOAP_TYPES: Record<string, string> = {
  id: 'tns:ID', reference: 'tns:ID', double: 'xsd:double', currency: 'xsd:double', percent: 'xsd:double', int: 'xsd:int',
  boolean: 'xsd:boolean', date: 'xsd:date', datetime: 'xsd:dateTime',
};

/** One entry of describe's fields[], with the connected user's field-level security applied. */
function describeField(ctx: EmulatorContext, object: ObjectDef, f: FieldDef): Record<string, unknown> {
  const editable = ctx.state.accessOf(object.name, f.name).editable;
  return {
    aggregatable: f.groupable || f.type === 'double' || f.type === 'currency' || f.type === 'int',
    autoNumber: f.autoNumber,
    byteLength: f.length * 3,
    calculated: f.calculated,
    calculatedFormula: null,
    cascadeDelete: false,
    caseSensitive: false,
    controllerName: null,
    createable: f.createable && editable,
    custom: f.custom,
    defaultValue: f.type === 'boolean' ? false : (f.picklistValues.find((p) => p.defaultValue)?.value ?? null),
    defaultValueFormula: null,
    defaultedOnCreate: f.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.digits,
    displayLocationInDecimal: false,
    encrypted: false,
    externalId: f.externalId,
    extraTypeInfo: f.type === 'textarea' ? (f.length > 255 ? 'plaintextarea' : null) : null,
    filterable: f.filterable,
    filteredLookupInfo: null,
    groupable: f.groupable,
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: f.idLookup,
    inlineHelpText: f.inlineHelpText,
    label: f.label,
    length: f.length,
    mask: null,
    maskType: null,
    name: f.name,
    nameField: f.nameField,
    namePointing: f.referenceTo.length > 1,
    nillable: f.nillable,
    permissionable: f.custom || (f.nillable && !f.calculated),
    picklistValues: f.picklistValues.map((p) => ({ ...p })),
    polymorphicForeignKey: f.referenceTo.length > 1,
    precision: f.precision,
    queryByDistance: false,
    referenceTargetField: null,
    referenceTo: [...f.referenceTo],
    relationshipName: f.relationshipName,
    relationshipOrder: null,
    restrictedDelete: false,
    restrictedPicklist: f.restrictedPicklist,
    scale: f.scale,
    searchPrefilterable: false,
    soapType: SOAP_TYPES[f.type] ?? 'xsd:string',
    sortable: f.sortable,
    type: f.type,
    unique: f.unique,
    updateable: f.updateable && editable,
    writeRequiresMasterRead: false,
  };
}

function urls(version: string, name: string): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${name}`;
  return { compactLayouts: `${base}/describe/compactLayouts`, rowTemplate: `${base}/{ID}`, describe: `${base}/describe`, sobject: base };
}

function globalEntry(o: ObjectDef, version: string): Record<string, unknown> {
  return {
    activateable: false, createable: o.createable, custom: o.custom, customSetting: false, deletable: o.deletable,
    deprecatedAndHidden: false, feedEnabled: false, hasSubtypes: false, isSubtype: false, keyPrefix: o.keyPrefix, label: o.label,
    labelPlural: o.labelPlural, layoutable: true, mergeable: false, mruEnabled: true, name: o.name, queryable: true,
    replicateable: true, retrieveable: true, searchable: true, triggerable: true, undeletable: true, updateable: o.updateable,
    urls: urls(version, o.name),
  };
}

/** A single-record failure: the REST error array uses errorCode where collections say statusCode. */
function toRestError(errors: SaveError[], status: number): SfError {
  return new SfError(status, errors.map((x) => ({ message: x.message, errorCode: x.statusCode, fields: x.fields })));
}

/** Parses a replication window bound ("+" may arrive as a space when the client did not encode it). */
function windowBound(c: Context, name: 'start' | 'end'): number {
  const raw = c.req.query(name);
  const ms = raw === undefined ? undefined : parseDateTime(raw.replace(/ /g, '+'));
  if (ms === undefined) throw restError(400, 'INVALID_REPLICATION_DATE', `${name}Date is missing or not a valid dateTime: ${raw ?? ''}`);
  return ms;
}

/** Replication dates are reported to the minute. */
function floorMinute(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000;
}

export function mountSObjects(app: Hono<Env>, ctx: EmulatorContext): void {
  const { state } = ctx;

  const objectOf = (c: Context): ObjectDef => {
    const o = state.object(c.req.param('object') ?? '');
    if (!o) throw notFound();
    return o;
  };

  const replicationWindow = (c: Context): [number, number] => {
    const start = windowBound(c, 'start');
    const end = windowBound(c, 'end');
    if (end - start < 60_000) throw restError(400, 'INVALID_REPLICATION_DATE', 'startDate must chronologically precede endDate by more than one minute');
    if (start < state.clockNow() - REPLICATION_WINDOW_MS) throw restError(400, 'INVALID_REPLICATION_DATE', 'startDate cannot be more than 30 days ago');
    return [start, end];
  };

  app.get(`${V}/sobjects`, (c) => {
    const version = versionOf(c);
    return json({ encoding: 'UTF-8', maxBatchSize: 200, sobjects: state.objects().map((o) => globalEntry(o, version)) });
  });

  app.get(`${V}/sobjects/:object/describe`, (c) => {
    const o = objectOf(c);
    const since = c.req.header('If-Modified-Since');
    const lastModified = new Date(o.lastModified).toUTCString();
    if (since && Date.parse(since) >= Math.floor(o.lastModified / 1000) * 1000) return c.body(null, 304, { 'Last-Modified': lastModified });
    const version = versionOf(c);
    return json({
      ...globalEntry(o, version),
      actionOverrides: [],
      childRelationships: state.childRelationships(o.name).map((r) => ({
        cascadeDelete: false, childSObject: r.childSObject, deprecatedAndHidden: false, field: r.field, junctionIdListNames: [],
        junctionReferenceTo: [], relationshipName: r.relationshipName, restrictedDelete: false,
      })),
      compactLayoutable: true,
      fields: state.visibleFields(o.name).map((f) => describeField(ctx, o, f)),
      listviewable: null,
      lookupLayoutable: null,
      namedLayoutInfos: [],
      networkScopeFieldName: null,
      recordTypeInfos: [{
        active: true, available: true, defaultRecordTypeMapping: true, developerName: 'Master', master: true, name: 'Master',
        recordTypeId: '012000000000000AAA', urls: { layout: `/services/data/v${version}/sobjects/${o.name}/describe/layouts/012000000000000AAA` },
      }],
      searchLayoutable: true,
      supportedScopes: [{ label: 'All', name: 'everything' }, { label: 'My', name: 'mine' }],
    }, 200, { 'Last-Modified': lastModified });
  });

  app.get(`${V}/sobjects/:object/updated`, (c) => {
    const o = objectOf(c);
    const [start, end] = replicationWindow(c);
    const ids = state.list(o.name).filter((r) => {
      const t = r['SystemModstamp'] as number;
      return t >= start && t <= end;
    }).map((r) => r['Id'] as string);
    return json({ ids, latestDateCovered: formatDateTime(floorMinute(Math.min(end, state.clockNow()))) });
  });

  app.get(`${V}/sobjects/:object/deleted`, (c) => {
    const o = objectOf(c);
    const [start, end] = replicationWindow(c);
    const log = state.deletedLog(o.name);
    const earliest = log.reduce((m, e) => Math.min(m, e.deletedDate), state.clockNow() - REPLICATION_WINDOW_MS);
    return json({
      deletedRecords: log.filter((e) => e.deletedDate >= start && e.deletedDate <= end).map((e) => ({ id: e.id, deletedDate: formatDateTime(e.deletedDate) })),
      earliestDateAvailable: formatDateTime(floorMinute(earliest)),
      latestDateCovered: formatDateTime(floorMinute(Math.min(end, state.clockNow()))),
    });
  });

  app.get(`${V}/sobjects/:object`, (c) => {
    const o = objectOf(c);
    return json({ objectDescribe: globalEntry(o, versionOf(c)), recentItems: [] });
  });

  app.post(`${V}/sobjects/:object`, async (c) => {
    const o = objectOf(c);
    const { value, raw } = await readJson(c);
    if (!isObject(value)) throw restError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from a non-object value');
    ctx.stats.writeCalls++;
    const checked = checkRecord(state, o, value, 'create', raw);
    if (!checked.ok) toRestErrorThrow(checked.errors);
    const rec = applyCreate(state, o, checked.fields, c.get('session').userId);
    return json({ id: rec['Id'], success: true, errors: [] }, 201);
  });

  app.get(`${V}/sobjects/:object/:id`, (c) => {
    const o = objectOf(c);
    const rec = state.get(o.name, c.req.param('id'));
    if (!rec) throw notFound();
    if (rec['IsDeleted'] === true) throw restError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    const wanted = c.req.query('fields');
    let fields = state.visibleFields(o.name);
    if (wanted) {
      fields = wanted.split(',').map((n) => {
        const f = state.field(o.name, n.trim());
        if (!f) throw restError(400, 'INVALID_FIELD', `No such column '${n.trim()}' on entity '${o.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
        return f;
      });
    }
    return json(recordJson(o, fields, rec, versionOf(c)));
  });

  app.patch(`${V}/sobjects/:object/:id`, async (c) => {
    const o = objectOf(c);
    const { value, raw } = await readJson(c);
    if (!isObject(value)) throw restError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from a non-object value');
    ctx.stats.writeCalls++;
    const target = checkTargetId(state, o, c.req.param('id'));
    if ('error' in target) {
      if (target.error.statusCode === 'MALFORMED_ID' || target.error.statusCode === 'INVALID_CROSS_REFERENCE_KEY') throw notFound();
      toRestErrorThrow([target.error], 404);
    }
    const checked = checkRecord(state, o, value, 'update', raw, target.id);
    if (!checked.ok) toRestErrorThrow(checked.errors);
    const injected = ctx.faults.takeRecordFailure(target.id);
    if (injected) toRestErrorThrow([injected]);
    applyUpdate(state, o, target.id, checked.fields, c.get('session').userId);
    return c.body(null, 204);
  });

  app.delete(`${V}/sobjects/:object/:id`, (c) => {
    const o = objectOf(c);
    ctx.stats.writeCalls++;
    const target = checkTargetId(state, o, c.req.param('id'));
    if ('error' in target) {
      if (target.error.statusCode === 'ENTITY_IS_DELETED') toRestErrorThrow([target.error], 404);
      throw notFound();
    }
    state.delete(o.name, target.id, { userId: c.get('session').userId });
    return c.body(null, 204);
  });

  /** Upsert one record by external id: 201 when created, 200 {created:false} when updated (v46+). */
  app.patch(`${V}/sobjects/:object/:field/:value`, async (c) => {
    const o = objectOf(c);
    const f = state.field(o.name, c.req.param('field'));
    if (!f || (!f.externalId && f.name !== 'Id')) {
      throw restError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${c.req.param('field')}`);
    }
    const { value, raw } = await readJson(c);
    if (!isObject(value)) throw restError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from a non-object value');
    ctx.stats.writeCalls++;
    const key = c.req.param('value');
    const matches = state.findBy(o.name, f.name, key);
    if (matches.length > 1) {
      // Salesforce answers 300 Multiple Choices with the matching records' URLs.
      return json(matches.map((m) => `/services/data/v${versionOf(c)}/sobjects/${o.name}/${m['Id'] as string}`), 300);
    }
    const userId = c.get('session').userId;
    const existing = matches[0];
    if (existing) {
      const checked = checkRecord(state, o, value, 'update', raw, existing['Id'] as string);
      if (!checked.ok) toRestErrorThrow(checked.errors);
      applyUpdate(state, o, existing['Id'] as string, checked.fields, userId);
      return json({ id: existing['Id'], success: true, errors: [], created: false }, 200);
    }
    const checked = checkRecord(state, o, { ...value, [f.name]: key }, 'create', raw);
    if (!checked.ok) toRestErrorThrow(checked.errors);
    const rec = applyCreate(state, o, checked.fields, userId);
    return json({ id: rec['Id'], success: true, errors: [], created: true }, 201);
  });
}

function toRestErrorThrow(errors: SaveError[], status = 400): never {
  throw toRestError(errors, status);
}
