/**
 * The org's data: records per object, the schema they follow, field-level security for the
 * connected user, the delete log and the outcomes the API hides. Tests reach in here directly to
 * play the admin (install fields, change permissions) or a sales rep (edit and delete records).
 */
import { SEED_BASE_DATE_MS, writeTime } from '../shared/seedPlan.ts';
import { KEY_PREFIX, makeId, normalizeId } from './ids.ts';
import {
  customField, customObject, defaultValue, OPPORTUNITY_STAGES, SIGNALS_PACKAGE, standardObjects,
  type CustomFieldInput, type CustomObjectInput, type FieldDef, type ObjectDef,
} from './schema.ts';
import { truncateToSecond, type StoredRecord, type Value } from './values.ts';
import { dumpError } from '../shared/persist.ts';
import { parseSalesforceDump, SALESFORCE_DUMP_KIND, SALESFORCE_DUMP_NAME, SALESFORCE_DUMP_VERSION, type SalesforceEmulatorDump } from './dump.ts';

export { SEED_BASE_DATE_MS };

export type Outcome = 'yes' | 'no';

interface Table {
  def: ObjectDef;
  /** Lower-cased field name -> definition. */
  index: Map<string, FieldDef>;
  byId: Map<string, StoredRecord>;
  /** Ids in creation order, which is also ascending id order (ids come from a counter). */
  order: string[];
  counter: number;
  /**
   * Every field with its default, in describe order. New records start as a copy, so all records
   * of an object share one shape (V8 keeps them fast; 60,000 leads seed in well under a second).
   */
  template: StoredRecord;
}

export interface DeletedEntry {
  id: string;
  deletedDate: number;
}

export interface FieldAccess {
  /** false: the field is absent from describe and SOQL answers INVALID_FIELD, as for a user without FLS read. */
  readable: boolean;
  /** false: describe says updateable/createable false and writes answer INVALID_FIELD_FOR_INSERT_UPDATE. */
  editable: boolean;
}

export interface InsertOptions {
  /** A fixed id (15 or 18 characters, this object's key prefix) instead of the next one. */
  id?: string;
  createdAt?: number;
  modifiedAt?: number;
  createdById?: string;
}

export interface WriteOptions {
  /** Who makes the change; LastModifiedById becomes this user. Default: the admin user. */
  userId?: string;
  at?: number;
}

export interface OrgUsers {
  integration: string;
  admin: string;
  reps: string[];
}

/** Record counters start here so ids look like a used org rather than 000000001. */
const COUNTER_BASE = 3_500_000;

const OPPORTUNITY_PROBABILITY = new Map<string, number>(OPPORTUNITY_STAGES.map(([s, p]) => [s, p]));

export class SalesforceState {
  readonly orgId: string;
  users: OrgUsers = { integration: '', admin: '', reps: [] };
  private readonly tables = new Map<string, Table>();
  private readonly byPrefix = new Map<string, Table>();
  private readonly deletedLogs = new Map<string, DeletedEntry[]>();
  private readonly hidden = new Map<string, Outcome>();
  private readonly access = new Map<string, FieldAccess>();
  private customObjects = 0;
  private caseNumber = 1000;
  private readonly clock: () => number;

  /** A number seeds a new org with the standard objects; { orgId } is an empty shell fromDump fills. */
  constructor(clock: () => number = Date.now, org: number | { orgId: string } = 1) {
    this.clock = clock;
    if (typeof org === 'number') {
      this.orgId = makeId(KEY_PREFIX.Organization, COUNTER_BASE + org);
      for (const def of standardObjects()) this.addTable(def);
    } else {
      this.orgId = org.orgId;
    }
  }

  private addTable(def: ObjectDef): void {
    // Offset per key prefix, so records of different objects do not share their last characters.
    const offset = [...def.keyPrefix].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 9973, 7) * 97;
    const table: Table = {
      def, index: new Map(def.fields.map((f) => [f.name.toLowerCase(), f])), byId: new Map(), order: [], counter: COUNTER_BASE + offset,
      template: Object.fromEntries(def.fields.map((f) => [f.name, defaultValue(f)])),
    };
    this.tables.set(def.name.toLowerCase(), table);
    this.byPrefix.set(def.keyPrefix, table);
  }

  /** The time stamped on writes (see writeTime), in whole seconds as Salesforce stores them. */
  now(): number {
    return truncateToSecond(writeTime(this.clock()));
  }

  /** The raw clock, for session expiry, cursors and limits. */
  clockNow(): number {
    return this.clock();
  }

  // ---- schema --------------------------------------------------------------------------------

  objects(): ObjectDef[] {
    return [...this.tables.values()].map((t) => t.def);
  }

  /** Case-insensitive, as object names are in the API. */
  object(name: string): ObjectDef | undefined {
    return this.tables.get(name.toLowerCase())?.def;
  }

  /** The object an id belongs to, by its key prefix. */
  objectForId(id: string): ObjectDef | undefined {
    return this.byPrefix.get(id.slice(0, 3))?.def;
  }

  private table(object: string): Table {
    const t = this.tables.get(object.toLowerCase());
    if (!t) throw new Error(`unknown sObject ${object}`);
    return t;
  }

  /** A field as the connected user sees it: undefined when unknown or hidden by field-level security. */
  field(object: string, name: string): FieldDef | undefined {
    const t = this.tables.get(object.toLowerCase());
    const f = t?.index.get(name.toLowerCase());
    if (!t || !f) return undefined;
    return this.accessOf(t.def.name, f.name).readable ? f : undefined;
  }

  /** Every field the connected user can read, in describe order. */
  visibleFields(object: string): FieldDef[] {
    const t = this.table(object);
    return t.def.fields.filter((f) => this.accessOf(t.def.name, f.name).readable);
  }

  accessOf(object: string, field: string): FieldAccess {
    return this.access.get(`${object}.${field}`.toLowerCase()) ?? { readable: true, editable: true };
  }

  /**
   * Field-level security for the connected (integration) user. A package field the admin forgot
   * to put in the permission set is readable-but-not-editable or invisible; connectors must find
   * that out from describe before writing.
   */
  setFieldAccess(object: string, field: string, access: Partial<FieldAccess>): void {
    const t = this.table(object);
    const f = t.index.get(field.toLowerCase());
    if (!f) throw new Error(`no field ${field} on ${object}`);
    const next = { ...this.accessOf(t.def.name, f.name), ...access };
    if (!next.readable) next.editable = false;
    this.access.set(`${t.def.name}.${f.name}`.toLowerCase(), next);
    t.def.lastModified = this.clock();
  }

  /** Adds a custom field, as a package deploy or an admin in Setup would. Existing records read null. */
  addCustomField(object: string, input: CustomFieldInput): FieldDef {
    const t = this.table(object);
    if (t.index.has(input.name.toLowerCase())) throw new Error(`${t.def.name}.${input.name} already exists`);
    if (input.referenceTo && !this.object(input.referenceTo)) throw new Error(`lookup target ${input.referenceTo} does not exist`);
    const def = customField(input);
    if (def.referenceTo[0]) def.referenceTo = [this.table(def.referenceTo[0]).def.name];
    // Appended, so describe lists custom fields after the standard ones.
    t.def.fields.push(def);
    t.index.set(def.name.toLowerCase(), def);
    t.template = { ...t.template, [def.name]: defaultValue(def) };
    t.def.lastModified = this.clock();
    return def;
  }

  /** Adds a custom object (key prefix a00, a01, ...). */
  addCustomObject(input: CustomObjectInput): ObjectDef {
    if (this.tables.has(input.name.toLowerCase())) throw new Error(`${input.name} already exists`);
    for (const f of input.fields) {
      if (f.referenceTo && !this.object(f.referenceTo)) throw new Error(`lookup target ${f.referenceTo} does not exist`);
    }
    const prefix = `a0${'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[this.customObjects++ % 36]}`;
    const def = customObject(input, prefix, this.clock());
    this.addTable(def);
    return def;
  }

  /** Installs SIGNALS_PACKAGE: the score fields on Lead and Contact and Signal_History__c. */
  installSignalsPackage(): void {
    for (const [object, fields] of Object.entries(SIGNALS_PACKAGE.fields)) {
      for (const f of fields) if (!this.tables.get(object.toLowerCase())?.index.has(f.name.toLowerCase())) this.addCustomField(object, f);
    }
    for (const o of SIGNALS_PACKAGE.objects) if (!this.object(o.name)) this.addCustomObject(o);
  }

  /** Child relationships of an object (e.g. Opportunity.OpportunityLineItems), for describe and subqueries. */
  childRelationships(object: string): { childSObject: string; field: string; relationshipName: string }[] {
    const name = this.table(object).def.name;
    const out: { childSObject: string; field: string; relationshipName: string }[] = [];
    for (const t of this.tables.values()) {
      for (const f of t.def.fields) {
        if (f.childRelationshipName && f.referenceTo.includes(name)) {
          out.push({ childSObject: t.def.name, field: f.name, relationshipName: f.childRelationshipName });
        }
      }
    }
    return out;
  }

  // ---- records -------------------------------------------------------------------------------

  /** Live records in id order (deleted ones only with includeDeleted). Do not mutate them. */
  list(object: string, options: { includeDeleted?: boolean } = {}): readonly StoredRecord[] {
    const t = this.table(object);
    const out: StoredRecord[] = [];
    for (const id of t.order) {
      const r = t.byId.get(id);
      if (r && (options.includeDeleted || r['IsDeleted'] !== true)) out.push(r);
    }
    return out;
  }

  count(object: string): number {
    return this.list(object).length;
  }

  /** A record by 15- or 18-character id, deleted ones included (check IsDeleted). */
  get(object: string, id: string): StoredRecord | undefined {
    const t = this.table(object);
    // Stored ids are already in 18-character form: look up directly before normalising.
    const direct = t.byId.get(id);
    if (direct) return direct;
    const norm = normalizeId(id);
    return norm ? t.byId.get(norm) : undefined;
  }

  /** A live record by id, whatever its object. */
  getById(id: string): StoredRecord | undefined {
    const t = this.byPrefix.get(id.slice(0, 3));
    let r = t?.byId.get(id);
    if (!r) {
      const norm = normalizeId(id);
      r = norm ? t?.byId.get(norm) : undefined;
    }
    return r && r['IsDeleted'] !== true ? r : undefined;
  }

  /** The next id for an object, without storing anything. */
  private nextId(t: Table): string {
    return makeId(t.def.keyPrefix, t.counter++);
  }

  /**
   * Stores a record as given, without validation, the way imports and old integrations leave data
   * in a real org. Audit fields, defaults and derived fields are filled in. Field names must be
   * the API names (exact case).
   */
  insert(object: string, fields: Record<string, Value>, options: InsertOptions = {}): StoredRecord {
    const t = this.table(object);
    const createdAt = truncateToSecond(options.createdAt ?? this.now());
    const modifiedAt = truncateToSecond(options.modifiedAt ?? createdAt);
    const by = options.createdById ?? this.users.admin;
    const rec: StoredRecord = { ...t.template };
    Object.assign(rec, fields);
    if (options.id !== undefined) {
      const fixed = normalizeId(options.id);
      if (!fixed || fixed.slice(0, 3) !== t.def.keyPrefix || t.byId.has(fixed)) throw new Error(`cannot use id ${options.id} for ${t.def.name}`);
      rec['Id'] = fixed;
    } else {
      rec['Id'] = this.nextId(t);
    }
    rec['IsDeleted'] = false;
    rec['CreatedDate'] = createdAt;
    rec['CreatedById'] = by;
    rec['LastModifiedDate'] = modifiedAt;
    rec['LastModifiedById'] = by;
    rec['SystemModstamp'] = modifiedAt;
    if (t.index.has('ownerid') && (rec['OwnerId'] === undefined || rec['OwnerId'] === null)) rec['OwnerId'] = by;
    this.derive(t, rec, fields);
    t.byId.set(rec['Id'] as string, rec);
    t.order.push(rec['Id'] as string);
    return rec;
  }

  /**
   * Changes fields as a user would (no validation), stamping LastModifiedDate, SystemModstamp and
   * LastModifiedById. Every save moves SystemModstamp, even one that changes nothing, as in
   * Salesforce. Returns undefined for an unknown or deleted id.
   */
  update(object: string, id: string, fields: Record<string, Value>, options: WriteOptions = {}): StoredRecord | undefined {
    const t = this.table(object);
    const norm = normalizeId(id);
    const rec = norm ? t.byId.get(norm) : undefined;
    if (!rec || rec['IsDeleted'] === true) return undefined;
    Object.assign(rec, fields);
    const at = truncateToSecond(options.at ?? this.now());
    rec['LastModifiedDate'] = at;
    rec['SystemModstamp'] = at;
    rec['LastModifiedById'] = options.userId ?? this.users.admin;
    this.derive(t, rec, fields);
    return rec;
  }

  /** Moves a record to the recycle bin: queries skip it, queryAll and /deleted see it. */
  delete(object: string, id: string, options: WriteOptions = {}): boolean {
    const t = this.table(object);
    const norm = normalizeId(id);
    const rec = norm ? t.byId.get(norm) : undefined;
    if (!rec || rec['IsDeleted'] === true) return false;
    const at = truncateToSecond(options.at ?? this.now());
    rec['IsDeleted'] = true;
    rec['SystemModstamp'] = at;
    rec['LastModifiedDate'] = at;
    rec['LastModifiedById'] = options.userId ?? this.users.admin;
    let log = this.deletedLogs.get(t.def.name);
    if (!log) this.deletedLogs.set(t.def.name, (log = []));
    log.push({ id: rec['Id'] as string, deletedDate: at });
    return true;
  }

  deletedLog(object: string): readonly DeletedEntry[] {
    return this.deletedLogs.get(this.table(object).def.name) ?? [];
  }

  /** Values the org computes: names, closed/won flags, totals, case numbers. */
  private derive(t: Table, rec: StoredRecord, written: Record<string, Value>): void {
    switch (t.def.name) {
      case 'Lead':
      case 'Contact':
      case 'User':
        rec['Name'] = [rec['FirstName'], rec['LastName']].filter((v) => typeof v === 'string' && v !== '').join(' ');
        break;
      case 'Opportunity': {
        const stage = rec['StageName'];
        rec['IsClosed'] = stage === 'Closed Won' || stage === 'Closed Lost';
        rec['IsWon'] = stage === 'Closed Won';
        // A stage change sets the stage's default probability unless the writer set one.
        if ('StageName' in written && !('Probability' in written) && typeof stage === 'string') {
          rec['Probability'] = OPPORTUNITY_PROBABILITY.get(stage) ?? rec['Probability'] ?? null;
        }
        break;
      }
      case 'OpportunityLineItem': {
        const q = rec['Quantity'];
        const p = rec['UnitPrice'];
        if (typeof q === 'number' && typeof p === 'number' && !('TotalPrice' in written)) rec['TotalPrice'] = Math.round(q * p * 100) / 100;
        break;
      }
      case 'Case':
        if (rec['CaseNumber'] === undefined || rec['CaseNumber'] === null) rec['CaseNumber'] = String(++this.caseNumber).padStart(8, '0');
        rec['IsClosed'] = rec['Status'] === 'Closed';
        if (rec['IsClosed'] && (rec['ClosedDate'] === undefined || rec['ClosedDate'] === null)) rec['ClosedDate'] = rec['LastModifiedDate'] ?? null;
        if (!rec['IsClosed']) rec['ClosedDate'] = null;
        break;
      default:
        if (t.def.custom) {
          const format = t.index.get('name')?.autoNumberFormat;
          if (format && (rec['Name'] === undefined || rec['Name'] === null)) {
            const n = t.order.length + 1;
            rec['Name'] = format.replace(/\{(0+)\}/, (_m, zeros: string) => String(n).padStart(zeros.length, '0'));
          }
        }
    }
  }

  /** Live records whose field equals value (case-insensitive for text), for external-id upserts. */
  findBy(object: string, field: string, value: string): StoredRecord[] {
    const lower = value.toLowerCase();
    return this.list(object).filter((r) => {
      const v = r[field];
      return typeof v === 'string' ? v.toLowerCase() === lower : v !== null && v !== undefined && String(v) === value;
    });
  }

  // ---- hidden outcomes -----------------------------------------------------------------------

  /** The true outcome of an open lead, kept off the API so tests can score predictions. */
  hiddenOutcome(leadId: string): Outcome | undefined {
    return this.hidden.get(normalizeId(leadId) ?? leadId);
  }

  setHiddenOutcome(leadId: string, outcome: Outcome): void {
    this.hidden.set(leadId, outcome);
  }

  /** Ids of the open leads whose outcome is hidden, in id order. */
  openLeadIds(): string[] {
    return [...this.hidden.keys()];
  }

  /** A plain, ordered copy of everything, for comparing two emulators. */
  snapshot(): unknown {
    const out: Record<string, unknown> = { orgId: this.orgId, users: this.users };
    for (const t of [...this.tables.values()].sort((a, b) => (a.def.name < b.def.name ? -1 : 1))) {
      out[t.def.name] = t.order.map((id) => sortKeys(t.byId.get(id) ?? {}));
    }
    out['hidden'] = [...this.hidden.entries()];
    return out;
  }

  // ---- persistence ---------------------------------------------------------------------------

  /** Plain JSON of everything the API answers from, in the orders the state keeps (see dump.ts). */
  toJSON(): SalesforceEmulatorDump {
    const copy = <T>(v: T): T => structuredClone(v);
    return {
      kind: SALESFORCE_DUMP_KIND,
      version: SALESFORCE_DUMP_VERSION,
      orgId: this.orgId,
      users: copy(this.users),
      tables: [...this.tables.values()].map((t) => ({
        def: copy(t.def),
        counter: t.counter,
        records: t.order.map((id) => ({ ...(t.byId.get(id) as StoredRecord) })),
      })),
      deleted: [...this.deletedLogs.entries()].map(([name, log]) => [name, log.map((e) => ({ ...e }))]),
      hidden: [...this.hidden.entries()],
      access: [...this.access.entries()].map(([k, a]) => [k, { ...a }]),
      customObjects: this.customObjects,
      caseNumber: this.caseNumber,
    };
  }

  /**
   * The org a dump describes, instead of a seeded one. Throws an error naming the problem when the
   * dump is not one, is another version, or contradicts itself (an id repeated or under the wrong
   * key prefix, a counter that would hand out an id again, log entries or outcomes for records
   * that do not exist).
   */
  static fromDump(json: unknown, clock: () => number = Date.now): SalesforceState {
    const dump = parseSalesforceDump(json);
    const fail = (where: string, problem: string) => dumpError(SALESFORCE_DUMP_NAME, where, problem);
    const state = new SalesforceState(clock, { orgId: dump.orgId });
    dump.tables.forEach((src, i) => {
      const where = `tables.${i} (${src.def.name})`;
      if (state.tables.has(src.def.name.toLowerCase())) throw fail(where, `object ${src.def.name} is listed twice`);
      if (state.byPrefix.has(src.def.keyPrefix)) throw fail(where, `key prefix ${src.def.keyPrefix} is already used by ${state.byPrefix.get(src.def.keyPrefix)?.def.name}`);
      const names = new Set<string>();
      for (const f of src.def.fields) {
        if (names.has(f.name.toLowerCase())) throw fail(where, `field ${f.name} is listed twice`);
        names.add(f.name.toLowerCase());
      }
      state.addTable(structuredClone(src.def));
      const t = state.table(src.def.name);
      t.counter = src.counter;
      src.records.forEach((r, k) => {
        const id = r['Id'];
        const norm = typeof id === 'string' ? normalizeId(id) : undefined;
        if (!norm || norm !== id) throw fail(`${where}.records.${k}`, `Id ${JSON.stringify(id ?? null)} is not an 18-character id`);
        if (norm.slice(0, 3) !== t.def.keyPrefix) throw fail(`${where}.records.${k}`, `Id ${norm} does not start with ${t.def.keyPrefix}`);
        if (t.byId.has(norm)) throw fail(`${where}.records.${k}`, `Id ${norm} is listed twice`);
        t.byId.set(norm, { ...r });
        t.order.push(norm);
      });
      if (t.byId.has(makeId(t.def.keyPrefix, t.counter))) throw fail(`${where}.counter`, `${t.counter} would hand out an id already used`);
    });
    for (const [name, log] of dump.deleted) {
      const t = state.tables.get(name.toLowerCase());
      if (!t) throw fail(`deleted.${name}`, `no object ${name} in the dump`);
      const bad = log.find((e) => t.byId.get(e.id)?.['IsDeleted'] !== true);
      if (bad) throw fail(`deleted.${name}`, `${bad.id} is not a deleted ${name} record`);
      state.deletedLogs.set(t.def.name, log.map((e) => ({ ...e })));
    }
    for (const [key, access] of dump.access) {
      const [object, field] = key.split('.');
      if (!object || !field || !state.tables.get(object)?.index.has(field)) throw fail(`access.${key}`, 'no such object field');
      state.access.set(key, { ...access });
    }
    for (const [leadId, outcome] of dump.hidden) {
      if (!state.tables.get('lead')?.byId.has(leadId)) throw fail(`hidden.${leadId}`, 'no such lead');
      state.hidden.set(leadId, outcome);
    }
    state.users = structuredClone(dump.users);
    state.customObjects = dump.customObjects;
    state.caseNumber = dump.caseNumber;
    return state;
  }
}

function sortKeys(o: StoredRecord): StoredRecord {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}
