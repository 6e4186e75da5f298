/**
 * Resolves a parsed query against the org (INVALID_TYPE / INVALID_FIELD with Salesforce's
 * messages, type checks of filter literals) and runs it: filter, sort, offset/limit, then the
 * REST JSON shape (nested parent objects with their own attributes, child subqueries as
 * {totalSize, done, records} or null) or Bulk API CSV cells.
 */
import { noSuchColumn, soqlError, unsupportedType } from '../errors.ts';
import { NUMERIC_TYPES, TEXT_TYPES, type FieldDef, type ObjectDef } from '../schema.ts';
import type { SalesforceState } from '../state.ts';
import { formatDate, parseDate, parseDateTime, toCsv, toJson, type StoredRecord, type Value } from '../values.ts';
import { normalizeId } from '../ids.ts';
import { parseSoql, type Condition, type FieldPath, type Literal, type OrderItem, type Query } from './parser.ts';

export type JsonRecord = Record<string, unknown>;

/** Salesforce caps OFFSET; deeper paging must use queryMore. */
export const MAX_OFFSET = 2000;
const DAY_MS = 86_400_000;

interface Resolved {
  /** Lookup fields walked from the queried object to the field's object. */
  chain: FieldDef[];
  field: FieldDef;
  get: (rec: StoredRecord) => Value;
}

type Key = string | number | boolean;

interface ProjectionNode {
  object: ObjectDef;
  /** How the object is named in attributes.type: "Name" for polymorphic lookups such as Owner. */
  attributesType?: string;
  entries: ProjectionEntry[];
}

type ProjectionEntry =
  | { kind: 'field'; field: FieldDef }
  | { kind: 'parent'; ref: FieldDef; node: ProjectionNode }
  | { kind: 'children'; name: string; sub: CompiledSubquery };

interface CompiledSubquery {
  relationshipName: string;
  childObject: ObjectDef;
  parentField: FieldDef;
  where: ((rec: StoredRecord) => boolean) | undefined;
  sort: ((rows: StoredRecord[]) => StoredRecord[]) | undefined;
  limit: number | undefined;
  node: ProjectionNode;
}

export interface Column {
  /** CSV header: the path as written in the query (Account.Name). */
  header: string;
  resolved: Resolved;
}

export interface Execution {
  /** Rows of a records query (empty for COUNT()). */
  rows: StoredRecord[];
  totalSize: number;
  /** Rows of an aggregate query (COUNT(field)), already in JSON form. */
  aggregates: JsonRecord[] | undefined;
  toJson(rec: StoredRecord): JsonRecord;
  /** Bulk CSV header: the selected paths as written in the query. */
  csvHeader: string[];
  toCsv(rec: StoredRecord): (string | null)[];
}

export interface CompiledQuery {
  query: Query;
  object: ObjectDef;
  kind: 'records' | 'count' | 'aggregate';
  hasSubqueries: boolean;
  columns: Column[];
  execute(options: { includeDeleted: boolean; version: string }): Execution;
}

function typeName(f: FieldDef): string {
  switch (f.type) {
    case 'int': return 'integer';
    case 'datetime': return 'dateTime';
    case 'date': case 'double': case 'currency': case 'percent': case 'boolean': return f.type;
    default: return 'string';
  }
}

/** The comparable form of a stored value: text compares case-insensitively, ids exactly. */
function keyOf(f: FieldDef, v: Value): Key | null {
  if (v === null || v === undefined) return null;
  if (TEXT_TYPES.has(f.type) && typeof v === 'string') return v.toLowerCase();
  return v;
}

class Compiler {
  private readonly text: string;

  constructor(
    private readonly state: SalesforceState,
    query: Query,
  ) {
    this.text = query.text;
  }

  private fail(pos: number, code: string, reason: string): never {
    throw soqlError(this.text, pos, code, reason);
  }

  resolve(object: ObjectDef, path: FieldPath): Resolved {
    let parts = path.parts;
    // "SELECT Lead.Name FROM Lead" may prefix fields with the object's own name.
    if (parts.length > 1 && parts[0]?.toLowerCase() === object.name.toLowerCase() && !this.relationship(object, parts[0])) parts = parts.slice(1);
    let current = object;
    const chain: FieldDef[] = [];
    for (const seg of parts.slice(0, -1)) {
      const ref = this.relationship(current, seg);
      if (!ref) {
        this.fail(path.pos, 'INVALID_FIELD', `Didn't understand relationship '${seg}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
      }
      chain.push(ref);
      current = this.target(ref);
    }
    const last = parts[parts.length - 1] as string;
    const field = this.state.field(current.name, last);
    if (!field) this.fail(path.pos, 'INVALID_FIELD', noSuchColumn(last, current.name));
    return { chain, field, get: this.getter(chain, field) };
  }

  private relationship(object: ObjectDef, name: string): FieldDef | undefined {
    const lower = name.toLowerCase();
    return this.state.visibleFields(object.name).find((f) => f.type === 'reference' && f.relationshipName?.toLowerCase() === lower);
  }

  /** A lookup's target; polymorphic Owner (Group or User) resolves to User, the only one served. */
  private target(ref: FieldDef): ObjectDef {
    for (const name of ref.referenceTo) {
      const o = this.state.object(name);
      if (o) return o;
    }
    throw new Error(`lookup ${ref.name} points at no served object`);
  }

  private getter(chain: FieldDef[], field: FieldDef): (rec: StoredRecord) => Value {
    const name = field.name;
    if (chain.length === 0) return (rec) => rec[name] ?? null;
    const state = this.state;
    return (rec) => {
      let r: StoredRecord | undefined = rec;
      for (const ref of chain) {
        const id: Value = r[ref.name] ?? null;
        r = typeof id === 'string' ? state.getById(id) : undefined;
        if (!r) return null;
      }
      return r[name] ?? null;
    };
  }

  // ---- filters -------------------------------------------------------------------------------

  condition(object: ObjectDef, cond: Condition): (rec: StoredRecord) => boolean {
    switch (cond.kind) {
      case 'and': {
        const parts = cond.items.map((c) => this.condition(object, c));
        return (rec) => parts.every((p) => p(rec));
      }
      case 'or': {
        const parts = cond.items.map((c) => this.condition(object, c));
        return (rec) => parts.some((p) => p(rec));
      }
      case 'not': {
        const inner = this.condition(object, cond.item);
        return (rec) => !inner(rec);
      }
      case 'compare':
        return this.compare(object, cond.path, cond.op, cond.value);
      case 'in': {
        const r = this.filterable(object, cond.path);
        const keys = new Set(cond.values.map((v) => (v.kind === 'null' ? null : this.literal(r.field, v))));
        const hasNull = keys.has(null);
        return (rec) => {
          const k = keyOf(r.field, r.get(rec));
          const hit = k === null ? hasNull : keys.has(k);
          return cond.negated ? !hit : hit;
        };
      }
      case 'like': {
        const r = this.filterable(object, cond.path);
        if (!TEXT_TYPES.has(r.field.type) && r.field.type !== 'id' && r.field.type !== 'reference') {
          this.fail(cond.value.pos, 'INVALID_FIELD', `LIKE operator only valid on string field: ${r.field.name}`);
        }
        const re = likeToRegExp(cond.value.value);
        return (rec) => {
          const v = r.get(rec);
          return v !== null && re.test(String(v));
        };
      }
    }
  }

  private filterable(object: ObjectDef, path: FieldPath): Resolved {
    const r = this.resolve(object, path);
    if (!r.field.filterable) this.fail(path.pos, 'INVALID_FIELD', `field '${r.field.name}' can not be filtered in query call`);
    return r;
  }

  private compare(object: ObjectDef, path: FieldPath, op: string, lit: Literal): (rec: StoredRecord) => boolean {
    const r = this.filterable(object, path);
    const f = r.field;
    if (lit.kind === 'null') {
      if (op === '=') return (rec) => r.get(rec) === null;
      if (op === '!=') return (rec) => r.get(rec) !== null;
      return () => false;
    }
    if (lit.kind === 'dateLiteral') {
      if (f.type !== 'date' && f.type !== 'datetime') this.fail(lit.pos, 'INVALID_FIELD', `value of filter criterion for field '${f.name}' must be of type ${typeName(f)} and should be enclosed in quotes`);
      const [lo, hi] = this.dateRange(f, lit);
      const inRange = (k: Key) => k >= lo && k < hi;
      const test: Record<string, (k: Key) => boolean> = {
        '=': inRange, '!=': (k) => !inRange(k), '<': (k) => k < lo, '<=': (k) => k < hi, '>': (k) => k >= hi, '>=': (k) => k >= lo,
      };
      const t = test[op] as (k: Key) => boolean;
      return (rec) => {
        const k = keyOf(f, r.get(rec));
        return k === null ? op === '!=' : t(k);
      };
    }
    const c = this.literal(f, lit);
    switch (op) {
      case '=': return (rec) => keyOf(f, r.get(rec)) === c;
      case '!=': return (rec) => keyOf(f, r.get(rec)) !== c;
      case '<': return (rec) => { const k = keyOf(f, r.get(rec)); return k !== null && k < c; };
      case '<=': return (rec) => { const k = keyOf(f, r.get(rec)); return k !== null && k <= c; };
      case '>': return (rec) => { const k = keyOf(f, r.get(rec)); return k !== null && k > c; };
      default: return (rec) => { const k = keyOf(f, r.get(rec)); return k !== null && k >= c; };
    }
  }

  /** A filter literal as a comparable key, after checking it suits the field's type. */
  private literal(f: FieldDef, lit: Literal): Key {
    const quoted = (shouldQuote: boolean): never =>
      this.fail(lit.pos, 'INVALID_FIELD', `value of filter criterion for field '${f.name}' must be of type ${typeName(f)} and should${shouldQuote ? '' : ' not'} be enclosed in quotes`);
    if (f.type === 'id' || f.type === 'reference') {
      if (lit.kind !== 'string') return quoted(true);
      const id = normalizeId(lit.value);
      if (!id) this.fail(lit.pos, 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${lit.value}`);
      return id;
    }
    if (TEXT_TYPES.has(f.type)) {
      if (lit.kind !== 'string') return quoted(true);
      return lit.value.toLowerCase();
    }
    if (NUMERIC_TYPES.has(f.type)) {
      if (lit.kind !== 'number') return quoted(false);
      return lit.value;
    }
    if (f.type === 'boolean') {
      if (lit.kind !== 'boolean') return quoted(false);
      return lit.value;
    }
    if (f.type === 'datetime') {
      if (lit.kind !== 'datetime') return quoted(false);
      const ms = parseDateTime(lit.text);
      if (ms === undefined) this.fail(lit.pos, 'MALFORMED_QUERY', `Invalid date/time: ${lit.text}`);
      return ms;
    }
    if (f.type === 'date') {
      if (lit.kind !== 'date') return quoted(false);
      const d = parseDate(lit.value);
      if (!d) this.fail(lit.pos, 'MALFORMED_QUERY', `Invalid date: ${lit.value}`);
      return d;
    }
    return quoted(true);
  }

  /** [lo, hi) of a date literal in the field's domain (ms for datetime, YYYY-MM-DD for date); UTC days. */
  private dateRange(f: FieldDef, lit: Literal & { kind: 'dateLiteral' }): [Key, Key] {
    const today = Math.floor(this.state.clockNow() / DAY_MS) * DAY_MS;
    const n = lit.n ?? 0;
    let lo: number;
    let hi: number;
    switch (lit.name) {
      case 'TODAY': [lo, hi] = [today, today + DAY_MS]; break;
      case 'YESTERDAY': [lo, hi] = [today - DAY_MS, today]; break;
      case 'TOMORROW': [lo, hi] = [today + DAY_MS, today + 2 * DAY_MS]; break;
      case 'LAST_N_DAYS': [lo, hi] = [today - n * DAY_MS, today + DAY_MS]; break;
      case 'NEXT_N_DAYS': [lo, hi] = [today + DAY_MS, today + (n + 1) * DAY_MS]; break;
      default: [lo, hi] = [today - n * DAY_MS, today - (n - 1) * DAY_MS];
    }
    return f.type === 'date' ? [formatDate(lo), formatDate(hi)] : [lo, hi];
  }

  // ---- ordering ------------------------------------------------------------------------------

  sorter(object: ObjectDef, items: OrderItem[]): ((rows: StoredRecord[]) => StoredRecord[]) | undefined {
    if (items.length === 0) return undefined;
    const keys = items.map((item) => {
      const r = this.resolve(object, item.path);
      if (!r.field.sortable) this.fail(item.path.pos, 'INVALID_FIELD', `field '${r.field.name}' can not be sorted in a query call`);
      return { r, dir: item.descending ? -1 : 1, nullsLast: item.nullsLast };
    });
    return (rows) => {
      // Decorate once: relationship paths would otherwise be walked on every comparison.
      const decorated = rows.map((rec, i) => ({ rec, i, k: keys.map((key) => keyOf(key.r.field, key.r.get(rec))) }));
      decorated.sort((a, b) => {
        for (let j = 0; j < keys.length; j++) {
          const key = keys[j] as (typeof keys)[number];
          const x = a.k[j] ?? null;
          const y = b.k[j] ?? null;
          if (x === y) continue;
          if (x === null) return key.nullsLast ? 1 : -1;
          if (y === null) return key.nullsLast ? -1 : 1;
          return (x < y ? -1 : 1) * key.dir;
        }
        return a.i - b.i;
      });
      return decorated.map((d) => d.rec);
    };
  }

  // ---- projection ----------------------------------------------------------------------------

  /** Adds a selected path to the projection tree, sharing parent objects between paths. */
  addToTree(root: ProjectionNode, r: Resolved): void {
    let node = root;
    for (const ref of r.chain) {
      let entry = node.entries.find((e): e is ProjectionEntry & { kind: 'parent' } => e.kind === 'parent' && e.ref.name === ref.name);
      if (!entry) {
        const target = this.target(ref);
        const child: ProjectionNode = { object: target, entries: [] };
        if (ref.referenceTo.length > 1) child.attributesType = 'Name';
        entry = { kind: 'parent', ref, node: child };
        node.entries.push(entry);
      }
      node = entry.node;
    }
    node.entries.push({ kind: 'field', field: r.field });
  }

  subquery(parent: ObjectDef, sub: Query, pos: number): CompiledSubquery {
    const lower = sub.from.name.toLowerCase();
    const rel = this.state.childRelationships(parent.name).find((c) => c.relationshipName.toLowerCase() === lower);
    if (!rel) {
      this.fail(sub.from.pos, 'INVALID_TYPE', `Didn't understand relationship '${sub.from.name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
    const childObject = this.state.object(rel.childSObject) as ObjectDef;
    const parentField = this.state.field(childObject.name, rel.field);
    if (!parentField) this.fail(pos, 'INVALID_TYPE', unsupportedType(sub.from.name));
    const node: ProjectionNode = { object: childObject, entries: [] };
    const seen = new Set<string>();
    for (const item of sub.select) {
      if (item.kind !== 'field') this.fail(item.pos, 'MALFORMED_QUERY', 'Only fields can be selected in a relationship subquery');
      const r = this.resolve(childObject, item.path);
      this.unique(seen, r, item.path);
      this.addToTree(node, r);
    }
    return {
      relationshipName: rel.relationshipName,
      childObject,
      parentField,
      where: sub.where ? this.condition(childObject, sub.where) : undefined,
      sort: this.sorter(childObject, sub.orderBy),
      limit: sub.limit,
      node,
    };
  }

  unique(seen: Set<string>, r: Resolved, path: FieldPath): void {
    const key = [...r.chain.map((c) => c.name), r.field.name].join('.').toLowerCase();
    if (seen.has(key)) this.fail(path.pos, 'INVALID_FIELD', `duplicate field selected: ${r.field.name}`);
    seen.add(key);
  }
}

function likeToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && (pattern[i + 1] === '_' || pattern[i + 1] === '%')) {
      out += pattern[i + 1];
      i++;
    } else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'is');
}

function attributes(type: string, url: string | undefined): JsonRecord {
  return url === undefined ? { type } : { type, url };
}

export function compileSoql(state: SalesforceState, text: string): CompiledQuery {
  const query = parseSoql(text);
  const object = state.object(query.from.name);
  if (!object) throw soqlError(text, query.from.pos, 'INVALID_TYPE', unsupportedType(query.from.name));
  const c = new Compiler(state, query);

  if (query.offset !== undefined && query.offset > MAX_OFFSET) {
    throw soqlError(text, query.from.pos, 'NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
  }

  const counts = query.select.filter((s) => s.kind === 'count');
  const plain = query.select.filter((s) => s.kind !== 'count');
  let kind: CompiledQuery['kind'] = 'records';
  if (counts.length > 0) {
    const firstPlain = plain[0];
    if (firstPlain) {
      const pos = firstPlain.kind === 'field' ? firstPlain.path.pos : firstPlain.pos;
      const name = firstPlain.kind === 'field' ? firstPlain.path.text : 'subquery';
      throw soqlError(text, pos, 'MALFORMED_QUERY', `Field must be grouped or aggregated: ${name}`);
    }
    kind = counts.length === 1 && counts[0]?.kind === 'count' && counts[0].path === undefined ? 'count' : 'aggregate';
    if (kind === 'aggregate' && counts.some((s) => s.kind === 'count' && s.path === undefined)) {
      throw soqlError(text, counts[0]?.kind === 'count' ? counts[0].pos : 0, 'MALFORMED_QUERY', 'COUNT() must be the only element in the SELECT list.');
    }
  }

  const root: ProjectionNode = { object, entries: [] };
  const columns: Column[] = [];
  const seen = new Set<string>();
  const aggregates: { alias: string; resolved: Resolved | undefined }[] = [];
  let hasSubqueries = false;
  let expr = 0;
  for (const item of query.select) {
    if (item.kind === 'field') {
      const r = c.resolve(object, item.path);
      c.unique(seen, r, item.path);
      c.addToTree(root, r);
      columns.push({ header: item.path.text, resolved: r });
    } else if (item.kind === 'subquery') {
      const sub = c.subquery(object, item.query, item.pos);
      root.entries.push({ kind: 'children', name: sub.relationshipName, sub });
      hasSubqueries = true;
    } else if (item.path) {
      aggregates.push({ alias: item.alias ?? `expr${expr++}`, resolved: c.resolve(object, item.path) });
    }
  }
  const where = query.where ? c.condition(object, query.where) : undefined;
  const sort = kind === 'records' ? c.sorter(object, query.orderBy) : undefined;

  return {
    query,
    object,
    kind,
    hasSubqueries,
    columns,
    execute({ includeDeleted, version }) {
      let rows = state.list(object.name, { includeDeleted }).filter((r) => !where || where(r));
      if (sort) rows = sort(rows);
      const offset = query.offset ?? 0;
      if (offset > 0 || query.limit !== undefined) rows = rows.slice(offset, query.limit === undefined ? undefined : offset + query.limit);
      const base = `/services/data/v${version}/sobjects`;
      // Child rows grouped by parent id, built on first use and kept for the cursor's later pages.
      const childCache = new Map<CompiledSubquery, Map<string, StoredRecord[]>>();
      const childrenOf = (sub: CompiledSubquery, parentId: string): StoredRecord[] => {
        let index = childCache.get(sub);
        if (!index) {
          index = new Map();
          for (const ch of state.list(sub.childObject.name)) {
            if (sub.where && !sub.where(ch)) continue;
            const pid = ch[sub.parentField.name];
            if (typeof pid !== 'string') continue;
            const list = index.get(pid);
            if (list) list.push(ch);
            else index.set(pid, [ch]);
          }
          childCache.set(sub, index);
        }
        let list = index.get(parentId) ?? [];
        if (sub.sort) list = sub.sort(list);
        return sub.limit === undefined ? list : list.slice(0, sub.limit);
      };
      const project = (rec: StoredRecord, node: ProjectionNode): JsonRecord => {
        const id = rec['Id'] as string;
        const out: JsonRecord = { attributes: attributes(node.attributesType ?? node.object.name, `${base}/${node.object.name}/${id}`) };
        for (const e of node.entries) {
          if (e.kind === 'field') out[e.field.name] = toJson(e.field, rec[e.field.name]);
          else if (e.kind === 'parent') {
            const pid = rec[e.ref.name];
            const parent = typeof pid === 'string' ? state.getById(pid) : undefined;
            out[e.ref.relationshipName as string] = parent ? project(parent, e.node) : null;
          } else {
            const children = childrenOf(e.sub, id);
            out[e.name] = children.length === 0 ? null : { totalSize: children.length, done: true, records: children.map((ch) => project(ch, e.sub.node)) };
          }
        }
        return out;
      };
      if (kind === 'count') {
        return { rows: [], totalSize: rows.length, aggregates: undefined, toJson: () => ({}), csvHeader: [], toCsv: () => [] };
      }
      if (kind === 'aggregate') {
        const record: JsonRecord = { attributes: attributes('AggregateResult', undefined) };
        for (const a of aggregates) record[a.alias] = a.resolved ? rows.filter((r) => a.resolved?.get(r) !== null).length : rows.length;
        return { rows: [], totalSize: 1, aggregates: [record], toJson: () => record, csvHeader: [], toCsv: () => [] };
      }
      return {
        rows,
        totalSize: rows.length,
        aggregates: undefined,
        toJson: (rec) => project(rec, root),
        csvHeader: columns.map((col) => col.header),
        toCsv: (rec) => columns.map((col) => toCsv(col.resolved.field, col.resolved.get(rec))),
      };
    },
  };
}
