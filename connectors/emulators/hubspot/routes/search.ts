/**
 * POST /crm/v3/objects/{objectType}/search with HubSpot's limits enforced, because the spec encodes
 * none of them (reference 9.1) and a sync that ignores them breaks only in production.
 */
import type { Hono } from 'hono';
import { parseDateValue, type PropertyDef } from '../catalog.ts';
import type { EmulatorContext } from '../context.ts';
import { isRecord, readJson, unknownObjectType, validationError } from '../errors.ts';
import { resolveObjectType, type ObjectType } from '../objectTypes.ts';
import type { EmulatorState, StoredRecord } from '../state.ts';
import { propertyNames, stringList, toApiObject } from './shared.ts';
import { servedId } from '../faults.ts';

export const SEARCH_LIMITS = { maxLimit: 200, maxResults: 10_000, maxGroups: 5, maxFiltersPerGroup: 6, maxFilters: 18, maxSorts: 1, maxQueryLength: 3000 };

const OPERATORS = ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN'] as const;
type Operator = (typeof OPERATORS)[number];

interface Filter {
  def: PropertyDef;
  operator: Operator;
  value?: string;
  highValue?: string;
  values?: string[];
}

interface Sort {
  def: PropertyDef;
  descending: boolean;
}

/** Text properties `query` looks in, like HubSpot's default searchable properties. */
const QUERY_PROPERTIES: Record<ObjectType, string[]> = {
  contacts: ['email', 'firstname', 'lastname'],
  companies: ['name', 'domain'],
  deals: ['dealname'],
  tickets: ['subject', 'content'],
  line_items: ['name'],
  products: ['name', 'description', 'hs_sku'],
};

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

type Comparable = number | string;

/** Dates compare as epoch ms (ISO or ms strings both accepted), numbers numerically. */
function toComparable(def: PropertyDef, v: string): Comparable | undefined {
  if (def.type === 'number') {
    const n = Number(v);
    return v.trim() === '' || Number.isNaN(n) ? undefined : n;
  }
  if (def.type === 'datetime' || def.type === 'date') return parseDateValue(v);
  return v.toLowerCase();
}

function compare(a: Comparable, b: Comparable): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function tokenMatch(text: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return text.toLowerCase().split(/[^\p{L}\p{N}@._-]+/u).some((t) => re.test(t));
}

function matches(record: StoredRecord, f: Filter): boolean {
  const raw = record.properties[f.def.name];
  const has = raw !== undefined && raw !== '';
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'NEQ':
    case 'NOT_IN':
    case 'NOT_CONTAINS_TOKEN':
      // A record without a value is "not equal" to anything.
      if (!has) return true;
      break;
    default:
      if (!has) return false;
  }
  const value = raw as string;
  if (f.operator === 'CONTAINS_TOKEN') return tokenMatch(value, f.value as string);
  if (f.operator === 'NOT_CONTAINS_TOKEN') return !tokenMatch(value, f.value as string);
  const actual = toComparable(f.def, value);
  if (actual === undefined) return f.operator === 'NEQ' || f.operator === 'NOT_IN';
  const cmp = (v: string | undefined): number | undefined => {
    const target = v === undefined ? undefined : toComparable(f.def, v);
    return target === undefined ? undefined : compare(actual, target);
  };
  switch (f.operator) {
    case 'EQ':
      return cmp(f.value) === 0;
    case 'NEQ':
      return cmp(f.value) !== 0;
    case 'LT':
      return (cmp(f.value) ?? 0) < 0;
    case 'LTE':
      return (cmp(f.value) ?? 1) <= 0;
    case 'GT':
      return (cmp(f.value) ?? 0) > 0;
    case 'GTE':
      return (cmp(f.value) ?? -1) >= 0;
    case 'BETWEEN': {
      const lo = cmp(f.value);
      const hi = cmp(f.highValue);
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    }
    case 'IN':
      return (f.values ?? []).some((v) => cmp(v) === 0);
    case 'NOT_IN':
      return !(f.values ?? []).some((v) => cmp(v) === 0);
    default:
      return false;
  }
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function parseFilterGroups(props: Map<string, PropertyDef>, raw: unknown): Parsed<Filter[][]> {
  if (raw === undefined || raw === null) return { ok: true, value: [] };
  if (!Array.isArray(raw)) return { ok: false, message: 'filterGroups must be an array' };
  if (raw.length > SEARCH_LIMITS.maxGroups) {
    return { ok: false, message: `Too many filter groups: ${raw.length}. The maximum is ${SEARCH_LIMITS.maxGroups}.` };
  }
  const groups: Filter[][] = [];
  let total = 0;
  for (const g of raw) {
    const filters = isRecord(g) ? g['filters'] : undefined;
    if (!Array.isArray(filters)) return { ok: false, message: 'Each filter group needs a filters array' };
    if (filters.length > SEARCH_LIMITS.maxFiltersPerGroup) {
      return { ok: false, message: `Too many filters in a group: ${filters.length}. The maximum is ${SEARCH_LIMITS.maxFiltersPerGroup}.` };
    }
    total += filters.length;
    if (total > SEARCH_LIMITS.maxFilters) {
      return { ok: false, message: `Too many filters: the maximum is ${SEARCH_LIMITS.maxFilters} across all filter groups.` };
    }
    const group: Filter[] = [];
    for (const f of filters) {
      if (!isRecord(f)) return { ok: false, message: 'Each filter must be an object' };
      const name = f['propertyName'];
      const operator = f['operator'] ?? 'EQ';
      if (typeof name !== 'string') return { ok: false, message: 'filter.propertyName is required' };
      if (typeof operator !== 'string' || !(OPERATORS as readonly string[]).includes(operator)) {
        return { ok: false, message: `Invalid filter operator: ${String(operator)}` };
      }
      const def = props.get(name);
      if (!def) return { ok: false, message: `Property "${name}" used in a filter does not exist` };
      const op = operator as Operator;
      const filter: Filter = { def, operator: op };
      const value = scalar(f['value']);
      if (value !== undefined) filter.value = value;
      const highValue = scalar(f['highValue']);
      if (highValue !== undefined) filter.highValue = highValue;
      if (Array.isArray(f['values'])) filter.values = (f['values'] as unknown[]).map(scalar).filter((v): v is string => v !== undefined);
      if (op === 'IN' || op === 'NOT_IN') {
        if (!filter.values) return { ok: false, message: `Operator ${op} needs a values array` };
      } else if (op === 'BETWEEN') {
        if (filter.value === undefined || filter.highValue === undefined) return { ok: false, message: 'BETWEEN needs value and highValue' };
      } else if (op !== 'HAS_PROPERTY' && op !== 'NOT_HAS_PROPERTY' && filter.value === undefined) {
        return { ok: false, message: `Operator ${op} needs a value` };
      }
      if ((def.type === 'datetime' || def.type === 'date') && filter.value !== undefined && parseDateValue(filter.value) === undefined) {
        return { ok: false, message: `${filter.value} is not a valid date for ${name}: use epoch milliseconds or ISO 8601` };
      }
      group.push(filter);
    }
    groups.push(group);
  }
  return { ok: true, value: groups };
}

/**
 * One sort, in either form the real API takes: "prop" / "-prop" strings, which the spec's
 * PublicObjectSearchRequest.sorts (string[]) and HubSpot's SDK README document, or the search guide's
 * {propertyName, direction} objects, which HubSpot's SDK issues (hubspot-api-nodejs#9, #14, #559) show
 * sorting as documented. Stricter than HubSpot in one case on purpose: a sort on an unknown property
 * (a JSON-encoded object string included) is refused here, where hubspot-api-nodejs#14 saw the API
 * answer unsorted; a sync that relies on the order must fail loudly in tests, not page out of order.
 */
function parseSorts(props: Map<string, PropertyDef>, raw: unknown): Parsed<Sort | undefined> {
  if (raw === undefined || raw === null) return { ok: true, value: undefined };
  if (!Array.isArray(raw)) return { ok: false, message: 'sorts must be an array' };
  if (raw.length > SEARCH_LIMITS.maxSorts) return { ok: false, message: `Only ${SEARCH_LIMITS.maxSorts} sort is allowed; got ${raw.length}` };
  const s = raw[0];
  if (s === undefined) return { ok: true, value: undefined };
  let name: unknown;
  let descending = false;
  if (typeof s === 'string') {
    descending = s.startsWith('-');
    name = descending ? s.slice(1) : s;
  } else if (isRecord(s)) {
    name = s['propertyName'];
    const dir = s['direction'] ?? 'ASCENDING';
    if (dir !== 'ASCENDING' && dir !== 'DESCENDING') return { ok: false, message: `Invalid sort direction: ${String(dir)}` };
    descending = dir === 'DESCENDING';
  }
  if (typeof name !== 'string') return { ok: false, message: 'sort.propertyName is required' };
  const def = props.get(name);
  if (!def) return { ok: false, message: `Property "${name}" used in a sort does not exist` };
  return { ok: true, value: { def, descending } };
}

function integerField(raw: unknown, fallback: number): number | undefined {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Every record the filters, query and index lag let through, in the requested order. */
function generalSearch(state: EmulatorState, type: ObjectType, groups: Filter[][], s: Sort | undefined, visibleBefore: number, needle: string | undefined): StoredRecord[] {
  let hits = state.list(type).filter((r) => {
    if (r.updatedAt > visibleBefore) return false;
    if (needle !== undefined && !QUERY_PROPERTIES[type].some((p) => r.properties[p]?.toLowerCase().includes(needle))) return false;
    return groups.length === 0 || groups.some((g) => g.every((f) => matches(r, f)));
  });
  if (s) {
    const keyed = hits.map((r) => {
      const v = r.properties[s.def.name];
      return { r, k: v === undefined || v === '' ? undefined : toComparable(s.def, v) };
    });
    keyed.sort((a, b) => {
      // Records without a value go last either way; ties fall back to id so pages are stable.
      if (a.k === undefined || b.k === undefined) {
        if (a.k === undefined && b.k === undefined) return Number(a.r.id) - Number(b.r.id);
        return a.k === undefined ? 1 : -1;
      }
      const d = compare(a.k, b.k);
      return d !== 0 ? (s.descending ? -d : d) : Number(a.r.id) - Number(b.r.id);
    });
    hits = keyed.map((x) => x.r);
  }
  return hits;
}

/** Records with a numeric (date or number) value of one property, ordered by it and then by id. */
interface SortedIndex {
  revision: number;
  records: StoredRecord[];
  keys: number[];
}

const sortedIndexes = new WeakMap<EmulatorState, Map<string, SortedIndex>>();

function sortedBy(state: EmulatorState, type: ObjectType, def: PropertyDef): SortedIndex {
  let byProperty = sortedIndexes.get(state);
  if (byProperty === undefined) sortedIndexes.set(state, (byProperty = new Map()));
  const name = `${type}\u0000${def.name}`;
  const cached = byProperty.get(name);
  if (cached !== undefined && cached.revision === state.revision) return cached;
  const keyed: Array<{ r: StoredRecord; k: number }> = [];
  for (const r of state.list(type)) {
    const v = r.properties[def.name];
    const k = v === undefined || v === '' ? undefined : toComparable(def, v);
    if (typeof k === 'number') keyed.push({ r, k });
  }
  keyed.sort((a, b) => a.k - b.k || Number(a.r.id) - Number(b.r.id));
  const index = { revision: state.revision, records: keyed.map((x) => x.r), keys: keyed.map((x) => x.k) };
  byProperty.set(name, index);
  return index;
}

/**
 * The incremental sync's search, answered from an index instead of a pass over every record: "modified
 * at or after T" (GTE), or "after T, or at T with a greater id" (the tie-break window), sorted ascending by
 * that property. Its hits are a suffix of the records ordered by (value, id), so a page costs a binary
 * search and the page, not a filter and sort of the whole portal: a sync of a million contacts then
 * measures the product, not the emulator. The same hits as generalSearch; null for any other search.
 */
function modifiedSince(state: EmulatorState, type: ObjectType, groups: Filter[][], s: Sort | undefined): { records: StoredRecord[]; start: number } | null {
  if (s === undefined || s.descending || (s.def.type !== 'datetime' && s.def.type !== 'date' && s.def.type !== 'number')) return null;
  const on = (f: Filter | undefined, operator: Operator, name = s.def.name) => f !== undefined && f.operator === operator && f.def.name === name && f.value !== undefined;
  let since: Comparable | undefined;
  let afterId: number | undefined;
  const [first, second] = groups;
  if (groups.length === 1 && first?.length === 1 && on(first[0], 'GTE')) {
    since = toComparable(s.def, first[0]!.value as string);
  } else if (groups.length === 2 && first?.length === 1 && second?.length === 2 && on(first[0], 'GT')) {
    const eq = second.find((f) => on(f, 'EQ'));
    const id = second.find((f) => on(f, 'GT', 'hs_object_id'));
    if (eq === undefined || id === undefined || eq.value !== first[0]!.value) return null;
    since = toComparable(s.def, first[0]!.value as string);
    const n = Number(id.value);
    afterId = Number.isFinite(n) && (id.value as string).trim() !== '' ? n : undefined;
    if (afterId === undefined) return null;
  } else {
    return null;
  }
  if (typeof since !== 'number') return null;
  const index = sortedBy(state, type, s.def);
  // the first entry past (since, afterId): key > since, or key == since and (no id bound or id > afterId)
  let lo = 0;
  let hi = index.keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = index.keys[mid] as number;
    const before = k < since || (k === since && afterId !== undefined && Number((index.records[mid] as StoredRecord).id) <= afterId);
    if (before) lo = mid + 1;
    else hi = mid;
  }
  return { records: index.records, start: lo };
}

export function mountSearch(app: Hono, ctx: EmulatorContext): void {
  const { state, faults } = ctx;
  app.post('/crm/v3/objects/:objectType/search', ctx.guard('search'), async (c) => {
    const type = resolveObjectType(c.req.param('objectType'));
    if (!type) return unknownObjectType(c, c.req.param('objectType'));
    const body = await readJson(c);
    if (!isRecord(body)) return validationError(c, 'Invalid input JSON on line 1: expected a search request object');
    const props = state.catalogue(type).properties;

    const limit = integerField(body['limit'], 10);
    if (limit === undefined || limit > SEARCH_LIMITS.maxLimit) {
      return validationError(c, `limit must be an integer between 0 and ${SEARCH_LIMITS.maxLimit}; got ${String(body['limit'])}`);
    }
    const after = integerField(body['after'], 0);
    if (after === undefined) return validationError(c, `after must be a non-negative integer; got ${String(body['after'])}`);
    if (after + limit > SEARCH_LIMITS.maxResults) {
      return validationError(c, `Search results are limited to ${SEARCH_LIMITS.maxResults} records: after (${after}) + limit (${limit}) is past that. Narrow the filter instead of paging further.`);
    }
    const query = body['query'];
    if (query !== undefined && (typeof query !== 'string' || query.length > SEARCH_LIMITS.maxQueryLength)) {
      return validationError(c, `query must be a string of at most ${SEARCH_LIMITS.maxQueryLength} characters`);
    }
    const groups = parseFilterGroups(props, body['filterGroups']);
    if (!groups.ok) return validationError(c, groups.message);
    const sort = parseSorts(props, body['sorts']);
    if (!sort.ok) return validationError(c, sort.message);
    const requested = stringList(body['properties']);
    if (requested === null) return validationError(c, 'properties must be an array of strings');

    // Index lag: very recent changes are not searchable yet.
    const visibleBefore = faults.current.searchLagMs > 0 ? state.now() - faults.current.searchLagMs : Infinity;
    const needle = typeof query === 'string' && query.trim() !== '' ? query.trim().toLowerCase() : undefined;
    const names = propertyNames(state, type, requested, 'search');
    const fast = visibleBefore === Infinity && needle === undefined ? modifiedSince(state, type, groups.value, sort.value) : null;
    let total: number;
    let page: readonly StoredRecord[];
    if (fast !== null) {
      total = fast.records.length - fast.start;
      page = fast.records.slice(fast.start + after, fast.start + after + limit);
    } else {
      const hits = generalSearch(state, type, groups.value, sort.value, visibleBefore, needle);
      total = hits.length;
      page = hits.slice(after, after + limit);
    }
    const out: Record<string, unknown> = {
      total,
      results: page.map((r) => ({ ...toApiObject(state, type, r, { names }), id: servedId(faults.current, r.id) })),
    };
    // Like HubSpot, paging points past 10,000 too; following it is what earns the 400.
    const next = faults.current.repeatCursor && after > 0 ? after : after + limit;
    if (limit > 0 && after + limit < total) out['paging'] = { next: { after: String(next) } };
    return c.json(out);
  });
}
