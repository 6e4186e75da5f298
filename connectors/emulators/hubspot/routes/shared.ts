/** Turning stored records into the JSON @hubspot/api-client deserialises (SimplePublicObject...). */
import type { Context } from 'hono';
import { associationTypeName, resolveObjectType, SINGULAR, type ObjectType } from '../objectTypes.ts';
import type { EmulatorState, StoredRecord } from '../state.ts';

/** Always returned, whatever was asked for: the sync cursor and the id live in these. */
export function systemProperties(type: ObjectType): string[] {
  return type === 'contacts'
    ? ['hs_object_id', 'createdate', 'hs_lastmodifieddate', 'lastmodifieddate']
    : ['hs_object_id', 'createdate', 'hs_lastmodifieddate'];
}

/** What HubSpot returns when no properties are requested (list and read). */
const LIST_DEFAULTS: Record<ObjectType, string[]> = {
  contacts: ['email', 'firstname', 'lastname'],
  companies: ['name', 'domain'],
  deals: ['dealname', 'amount', 'dealstage', 'pipeline', 'closedate'],
  tickets: ['subject', 'content', 'hs_pipeline', 'hs_pipeline_stage'],
  line_items: ['name', 'hs_product_id', 'quantity', 'price', 'amount'],
  products: ['name', 'description', 'price'],
};

/** Search returns less by default: only contacts get names and email. */
const SEARCH_DEFAULTS: Record<ObjectType, string[]> = {
  contacts: ['email', 'firstname', 'lastname'],
  companies: ['name', 'domain'],
  deals: [],
  tickets: [],
  line_items: [],
  products: [],
};

export function upperName(type: ObjectType): string {
  return SINGULAR[type].toUpperCase();
}

/**
 * The property names to return. Requested names the catalogue does not know are silently dropped,
 * as HubSpot does; known ones without a value come back as null.
 */
export function propertyNames(state: EmulatorState, type: ObjectType, requested: string[] | undefined, mode: 'list' | 'search'): string[] {
  const catalogue = state.catalogue(type).properties;
  const wanted = requested && requested.length > 0 ? requested : (mode === 'list' ? LIST_DEFAULTS : SEARCH_DEFAULTS)[type];
  const names = new Set<string>();
  for (const n of wanted) if (catalogue.has(n)) names.add(n);
  for (const n of systemProperties(type)) names.add(n);
  return [...names];
}

export interface SerializeOptions {
  names: string[];
  withHistory?: string[];
  associations?: ObjectType[];
  objectWriteTraceId?: string;
}

export function toApiObject(state: EmulatorState, type: ObjectType, record: StoredRecord, opts: SerializeOptions): Record<string, unknown> {
  const properties: Record<string, string | null> = {};
  for (const n of opts.names) properties[n] = record.properties[n] ?? null;
  const out: Record<string, unknown> = {
    id: record.id,
    properties,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    archived: false,
  };
  if (opts.withHistory && opts.withHistory.length > 0) {
    // No history is kept: the current value is the only version, stamped with the last change.
    const history: Record<string, unknown[]> = {};
    for (const n of opts.withHistory) {
      const v = record.properties[n];
      if (v === undefined || !state.catalogue(type).properties.has(n)) continue;
      history[n] = [{ value: v, timestamp: new Date(record.updatedAt).toISOString(), sourceType: 'CRM_UI' }];
    }
    out['propertiesWithHistory'] = history;
  }
  if (opts.associations && opts.associations.length > 0) {
    const assoc: Record<string, unknown> = {};
    for (const to of opts.associations) {
      const ids = state.associations(type, record.id, to);
      if (ids.length === 0) continue;
      assoc[to] = { results: ids.map((id) => ({ id, type: associationTypeName(type, to) })) };
    }
    if (Object.keys(assoc).length > 0) out['associations'] = assoc;
  }
  if (opts.objectWriteTraceId !== undefined) out['objectWriteTraceId'] = opts.objectWriteTraceId;
  return out;
}

/** Query lists arrive repeated (?properties=a&properties=b, as the SDK sends) or comma-joined. */
export function queryList(c: Context, name: string): string[] | undefined {
  const raw = c.req.queries(name);
  if (!raw) return undefined;
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

/** A JSON array of strings from a body field; undefined if absent, null if malformed. */
export function stringList(v: unknown): string[] | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return null;
  return v as string[];
}

export function resolveTypes(names: string[] | undefined): ObjectType[] {
  const out: ObjectType[] = [];
  for (const n of names ?? []) {
    const t = resolveObjectType(n);
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

/** Ids are strings in HubSpot's JSON but clients often send numbers. */
export function idOf(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  return undefined;
}

export function nowIso(): string {
  return new Date().toISOString();
}
