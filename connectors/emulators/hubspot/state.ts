/**
 * The portal's data: records per object type, associations, the property catalogue, and the
 * outcomes the API hides. Tests reach in here directly to play the CRM user.
 */
import { buildCatalogue, type Catalogue, type GroupDef, type PropertyDef } from './catalog.ts';
import { OBJECT_TYPES, type ObjectType } from './objectTypes.ts';
import { writeTime } from '../shared/seedPlan.ts';
import { dumpError } from '../shared/persist.ts';
import { HUBSPOT_DUMP_KIND, HUBSPOT_DUMP_NAME, HUBSPOT_DUMP_VERSION, parseHubSpotDump, type HubSpotEmulatorDump } from './dump.ts';


export interface StoredRecord {
  readonly id: string;
  /** Everything HubSpot stores is a string; a missing key means "no value". */
  readonly properties: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface MutableRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

interface Table {
  byId: Map<string, MutableRecord>;
  /** Ids in ascending numeric order (ids are handed out increasingly, so appending keeps the order). */
  order: string[];
  nextId: number;
}

/** Separate id ranges per type make an id used with the wrong object type fail loudly (404). */
const ID_BASE: Record<ObjectType, number> = {
  contacts: 1_001, companies: 2_000_001, deals: 3_000_001, tickets: 4_000_001, line_items: 5_000_001, products: 6_000_001,
};

export type Outcome = 'yes' | 'no';

export const DEFAULT_PORTAL_ID = 24_681_357;

/**
 * Who made a change, as webhook events report it: a user in HubSpot's UI, or our app through the API
 * (HubSpot says INTEGRATION with the writing app's id as sourceId, reference §9.6).
 */
export type Actor = 'CRM_UI' | 'INTEGRATION';

/** A change to the portal, in the terms of HubSpot's webhook subscription types. */
export type StateChange =
  | { kind: 'creation' | 'deletion'; type: ObjectType; objectId: string; by: Actor }
  | { kind: 'propertyChange'; type: ObjectType; objectId: string; propertyName: string; propertyValue: string; by: Actor }
  | { kind: 'merge'; type: ObjectType; objectId: string; primaryObjectId: string; mergedObjectIds: string[]; by: Actor }
  | { kind: 'privacyDeletion'; type: 'contacts'; objectId: string; by: Actor };

export interface InsertOptions {
  createdAt?: number;
  updatedAt?: number;
  by?: Actor;
}

/** Stamped on every write; a change to them alone is no change a subscriber hears about. */
const SYSTEM_PROPERTIES = new Set(['hs_object_id', 'createdate', 'hs_lastmodifieddate', 'lastmodifieddate']);

export class EmulatorState {
  private readonly tables: Record<ObjectType, Table>;
  private readonly catalogues: Record<ObjectType, Catalogue>;
  /** "from->to" -> from id -> to ids (both directions are stored). */
  private readonly links = new Map<string, Map<string, string[]>>();
  private readonly hidden = new Map<string, Outcome>();
  private readonly clock: () => number;
  /** Kept here so a dump names the portal it came from and a restore answers as the same portal. */
  readonly portalId: number;
  private revisionCount = 0;
  /** Moves with every change of a record (created, changed, merged, deleted): what derived indexes check. */
  get revision(): number {
    return this.revisionCount;
  }
  /** Hears every change after seeding (the webhook sender); seeding and restoring happen before it is set. */
  observer: ((change: StateChange) => void) | undefined = undefined;

  constructor(clock: () => number = Date.now, portalId: number = DEFAULT_PORTAL_ID) {
    this.clock = clock;
    this.portalId = portalId;
    const tables = {} as Record<ObjectType, Table>;
    const catalogues = {} as Record<ObjectType, Catalogue>;
    for (const t of OBJECT_TYPES) {
      tables[t] = { byId: new Map(), order: [], nextId: ID_BASE[t] };
      catalogues[t] = buildCatalogue(t);
    }
    this.tables = tables;
    this.catalogues = catalogues;
  }

  /** The time stamped on writes (see writeTime). */
  now(): number {
    return writeTime(this.clock());
  }

  /** The raw clock, for token expiry and rate windows. */
  clockNow(): number {
    return this.clock();
  }

  // ---- records -------------------------------------------------------------------------------

  /** Records in id order. The objects are live: change them only through update(). */
  list(type: ObjectType): readonly StoredRecord[] {
    const table = this.tables[type];
    return table.order.map((id) => table.byId.get(id) as MutableRecord);
  }

  /** Ids in ascending order; paging walks this. */
  ids(type: ObjectType): readonly string[] {
    return this.tables[type].order;
  }

  get(type: ObjectType, id: string): StoredRecord | undefined {
    return this.tables[type].byId.get(id);
  }

  count(type: ObjectType): number {
    return this.tables[type].order.length;
  }

  /**
   * Stores a record exactly as given, with no validation, the way imports and old integrations
   * leave data in a real portal. System properties are filled in.
   */
  insert(type: ObjectType, properties: Record<string, string>, options: InsertOptions = {}): StoredRecord {
    const table = this.tables[type];
    const id = String(table.nextId++);
    const createdAt = options.createdAt ?? this.now();
    const updatedAt = options.updatedAt ?? createdAt;
    const record: MutableRecord = { id, properties: { ...properties }, createdAt, updatedAt };
    this.stampSystem(type, record);
    table.byId.set(id, record);
    table.order.push(id);
    this.observer?.({ kind: 'creation', type, objectId: id, by: options.by ?? 'CRM_UI' });
    return record;
  }

  /**
   * Changes properties as a CRM user would in the UI: no validation, '' clears, and the
   * modification timestamps move to now. Returns undefined for an unknown id.
   */
  update(type: ObjectType, id: string, properties: Record<string, string>, at: number = this.now(), by: Actor = 'CRM_UI'): StoredRecord | undefined {
    const record = this.tables[type].byId.get(id);
    if (!record) return undefined;
    const changed: [string, string][] = [];
    for (const [k, v] of Object.entries(properties)) {
      const before = record.properties[k] ?? '';
      if (v === '') delete record.properties[k];
      else record.properties[k] = v;
      if (before !== v && !SYSTEM_PROPERTIES.has(k)) changed.push([k, v]);
    }
    record.updatedAt = at;
    this.stampSystem(type, record);
    // HubSpot only tells subscribers about values that really changed.
    for (const [propertyName, propertyValue] of changed) {
      this.observer?.({ kind: 'propertyChange', type, objectId: id, propertyName, propertyValue, by });
    }
    return record;
  }

  /**
   * Deletes a record and its associations (the emulator keeps no recycle bin, so archiving is final).
   * False for an unknown id.
   */
  remove(type: ObjectType, id: string, by: Actor = 'CRM_UI'): boolean {
    if (!this.drop(type, id)) return false;
    this.observer?.({ kind: 'deletion', type, objectId: id, by });
    return true;
  }

  /** GDPR deletion: gone like remove(), announced as contact.privacyDeletion and then contact.deletion (reference §9.5). */
  privacyDelete(id: string, by: Actor = 'CRM_UI'): boolean {
    if (!this.drop('contacts', id)) return false;
    this.observer?.({ kind: 'privacyDeletion', type: 'contacts', objectId: id, by });
    this.observer?.({ kind: 'deletion', type: 'contacts', objectId: id, by });
    return true;
  }

  /**
   * Merges `mergedId` into `primaryId`: the primary keeps its id and its values, the merged record's
   * values fill the primary's blanks, its associations move over, and it is gone. Undefined when either
   * id is unknown or both are the same record.
   */
  merge(type: ObjectType, primaryId: string, mergedId: string, by: Actor = 'CRM_UI'): StoredRecord | undefined {
    const table = this.tables[type];
    const primary = table.byId.get(primaryId);
    const merged = table.byId.get(mergedId);
    if (!primary || !merged || primaryId === mergedId) return undefined;
    for (const [k, v] of Object.entries(merged.properties)) {
      if (!SYSTEM_PROPERTIES.has(k) && primary.properties[k] === undefined) primary.properties[k] = v;
    }
    for (const to of OBJECT_TYPES) for (const otherId of this.associations(type, mergedId, to)) this.associate(type, primaryId, to, otherId);
    if (this.hidden.has(mergedId) && !this.hidden.has(primaryId)) this.hidden.set(primaryId, this.hidden.get(mergedId) as Outcome);
    this.drop(type, mergedId);
    primary.updatedAt = this.now();
    this.stampSystem(type, primary);
    this.observer?.({ kind: 'merge', type, objectId: primaryId, primaryObjectId: primaryId, mergedObjectIds: [mergedId], by });
    return primary;
  }

  private drop(type: ObjectType, id: string): boolean {
    const table = this.tables[type];
    if (!table.byId.delete(id)) return false;
    this.revisionCount++;
    table.order.splice(table.order.indexOf(id), 1);
    for (const [key, byFrom] of this.links) {
      const [from] = key.split('->');
      if (from === type) {
        byFrom.delete(id);
        continue;
      }
      if (!key.endsWith(`->${type}`)) continue;
      for (const [fromId, list] of byFrom) {
        const at = list.indexOf(id);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0) byFrom.delete(fromId);
      }
    }
    this.hidden.delete(id);
    return true;
  }

  private stampSystem(type: ObjectType, record: MutableRecord): void {
    this.revisionCount++;
    record.properties['hs_object_id'] = record.id;
    record.properties['createdate'] = new Date(record.createdAt).toISOString();
    const modified = new Date(record.updatedAt).toISOString();
    record.properties['hs_lastmodifieddate'] = modified;
    if (type === 'contacts') record.properties['lastmodifieddate'] = modified;
  }

  // ---- hidden outcomes -----------------------------------------------------------------------

  /** The true outcome of an open contact, kept off the API so tests can score predictions. */
  hiddenOutcome(contactId: string): Outcome | undefined {
    return this.hidden.get(contactId);
  }

  setHiddenOutcome(contactId: string, outcome: Outcome): void {
    this.hidden.set(contactId, outcome);
  }

  /** Ids of the open contacts whose outcome is hidden, in id order. */
  openContactIds(): string[] {
    return [...this.hidden.keys()];
  }

  // ---- associations --------------------------------------------------------------------------

  associate(from: ObjectType, fromId: string, to: ObjectType, toId: string): void {
    this.addLink(from, fromId, to, toId);
    this.addLink(to, toId, from, fromId);
  }

  private addLink(from: ObjectType, fromId: string, to: ObjectType, toId: string): void {
    const key = `${from}->${to}`;
    let byFrom = this.links.get(key);
    if (!byFrom) this.links.set(key, (byFrom = new Map()));
    const list = byFrom.get(fromId);
    if (!list) byFrom.set(fromId, [toId]);
    else if (!list.includes(toId)) list.push(toId);
  }

  /** Associated ids in ascending id order. */
  associations(from: ObjectType, fromId: string, to: ObjectType): string[] {
    const list = this.links.get(`${from}->${to}`)?.get(fromId) ?? [];
    return list.slice().sort((a, b) => Number(a) - Number(b));
  }

  // ---- catalogue -----------------------------------------------------------------------------

  catalogue(type: ObjectType): Catalogue {
    return this.catalogues[type];
  }

  properties(type: ObjectType): PropertyDef[] {
    return [...this.catalogues[type].properties.values()];
  }

  property(type: ObjectType, name: string): PropertyDef | undefined {
    return this.catalogues[type].properties.get(name);
  }

  /** A plain, ordered copy of everything, for comparing two emulators. */
  snapshot(): unknown {
    const out: Record<string, unknown> = {};
    for (const t of OBJECT_TYPES) {
      out[t] = this.list(t).map((r) => ({ id: r.id, createdAt: r.createdAt, updatedAt: r.updatedAt, properties: sortKeys(r.properties) }));
    }
    out['associations'] = [...this.links.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, m]) => [k, [...m.entries()].sort(([a], [b]) => Number(a) - Number(b))]);
    out['hidden'] = [...this.hidden.entries()];
    return out;
  }

  // ---- persistence ---------------------------------------------------------------------------

  /** Plain JSON of everything the API answers from, in the orders the state keeps (see dump.ts). */
  toJSON(): HubSpotEmulatorDump {
    const tables = {} as HubSpotEmulatorDump['tables'];
    const catalogues = {} as HubSpotEmulatorDump['catalogues'];
    for (const t of OBJECT_TYPES) {
      tables[t] = {
        nextId: this.tables[t].nextId,
        records: this.list(t).map((r) => ({ id: r.id, properties: { ...r.properties }, createdAt: r.createdAt, updatedAt: r.updatedAt })),
      };
      const c = this.catalogues[t];
      catalogues[t] = {
        groups: [...c.groups.values()].map((g) => ({ ...g })),
        properties: [...c.properties.values()].map((p) => ({ ...p, options: p.options.map((o) => ({ ...o })) })),
      };
    }
    const associations: HubSpotEmulatorDump['associations'] = [];
    for (const [key, byFrom] of this.links) {
      const [from, to] = key.split('->') as [ObjectType, ObjectType];
      for (const [fromId, toIds] of byFrom) associations.push([from, fromId, to, [...toIds]]);
    }
    return {
      kind: HUBSPOT_DUMP_KIND,
      version: HUBSPOT_DUMP_VERSION,
      portalId: this.portalId,
      tables,
      catalogues,
      associations,
      hidden: [...this.hidden.entries()],
    };
  }

  /**
   * The state a dump describes, instead of a seeded one. Throws an error naming the problem when
   * the dump is not one, is another version, or contradicts itself (ids repeated or out of order,
   * a counter that would hand out an id again, links or outcomes for records that do not exist).
   */
  static fromDump(json: unknown, clock: () => number = Date.now): EmulatorState {
    const dump = parseHubSpotDump(json);
    const state = new EmulatorState(clock, dump.portalId);
    const fail = (where: string, problem: string) => dumpError(HUBSPOT_DUMP_NAME, where, problem);
    for (const t of OBJECT_TYPES) {
      const src = dump.tables[t];
      const table: Table = { byId: new Map(), order: [], nextId: src.nextId };
      let previous = -Infinity;
      src.records.forEach((r, i) => {
        const n = Number(r.id);
        if (n <= previous) throw fail(`tables.${t}.records.${i}`, `id ${r.id} is not above the previous id (records must be in ascending id order, without repeats)`);
        previous = n;
        table.byId.set(r.id, { id: r.id, properties: { ...r.properties }, createdAt: r.createdAt, updatedAt: r.updatedAt });
        table.order.push(r.id);
      });
      if (src.nextId <= previous) throw fail(`tables.${t}.nextId`, `${src.nextId} would hand out an id already used (highest is ${previous})`);
      state.tables[t] = table;

      const groups = new Map<string, GroupDef>();
      for (const [i, g] of dump.catalogues[t].groups.entries()) {
        if (groups.has(g.name)) throw fail(`catalogues.${t}.groups.${i}`, `group ${g.name} is listed twice`);
        groups.set(g.name, { ...g });
      }
      const properties = new Map<string, PropertyDef>();
      for (const [i, p] of dump.catalogues[t].properties.entries()) {
        if (properties.has(p.name)) throw fail(`catalogues.${t}.properties.${i}`, `property ${p.name} is listed twice`);
        if (!groups.has(p.groupName)) throw fail(`catalogues.${t}.properties.${i}`, `property ${p.name} is in group ${p.groupName}, which the dump does not have`);
        properties.set(p.name, { ...p, options: p.options.map((o) => ({ ...o })) });
      }
      state.catalogues[t] = { groups, properties };
    }
    dump.associations.forEach(([from, fromId, to, toIds], i) => {
      const missing = [fromId, ...toIds].find((x, k) => !state.tables[k === 0 ? from : to].byId.has(x));
      if (missing !== undefined) throw fail(`associations.${i}`, `links ${from} ${fromId} to ${to}, but record ${missing} does not exist`);
      for (const toId of toIds) state.addLink(from, fromId, to, toId);
    });
    dump.hidden.forEach(([contactId, outcome], i) => {
      if (!state.tables.contacts.byId.has(contactId)) throw fail(`hidden.${i}`, `contact ${contactId} does not exist`);
      state.hidden.set(contactId, outcome);
    });
    return state;
  }
}

function sortKeys(o: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}
