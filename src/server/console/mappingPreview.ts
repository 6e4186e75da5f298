/**
 * What a mapping would do, before it is saved: the first 20 of the tenant's stored contacts (in the store's
 * id order, the same 20 on every view) with the model inputs
 * the mapping reads from each (as the lead score's feature pipeline sees them: placeholders and impossible
 * values read as missing) and the signals they would get. The score comes from the active model when it
 * was trained on this mapping's spec, otherwise from a quick fit on the stored labelled contacts, or the
 * preview says there is no model yet. Fields the mapping reads that the store does not hold yet (not
 * synced under the running mapping) are read from the CRM for these records, so a new field shows its
 * real values.
 *
 * Also the leak screen of the picker: every contact field's cross-validated AUC alone on labelled
 * contacts (the same measure the save's leak check and the training's warning use), flagged beside its
 * checkbox before any training.
 *
 * Both read the first stored contacts a page at a time and stop when they have what they need (20 to show,
 * up to 4,000 labelled for a quick fit, 100 per class to screen): at a million contacts a preview costs a
 * few pages, not the table.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { Connector, FieldInfo } from '../../../connectors/connector.ts';
import { profileOf } from '../../../connectors/registry.ts';
import { own } from '../../domain/own.ts';
import type { Outcome } from '../../domain/records.ts';
import { maxValueLength, outputField, OUTPUT_FIELDS } from '../../domain/outputFields.ts';
import { FeaturePipeline, type FeaturePipelineJson } from '../../features/index.ts';
import { fitRowCleaner } from '../../features/cleaning.ts';
import { LEAKAGE_AUC_THRESHOLD, singleFeatureAucs } from '../../features/leakage.ts';
import {
  crmField,
  defaultMapping,
  inputLabels,
  leadScoreSpecHash,
  mappingFitError,
  mappingProblems,
  leadScoreFitSpec,
  modelInputs,
  modelRow,
  outcomeOf,
  parseMapping,
  readFields,
  recordProblem,
  segmentSpecHash,
  type DiscoveredFields,
  type Mapping,
} from '../../mapping/index.ts';
import { stratifiedKFold } from '../../models/evaluate/splits.ts';
import { fitLeadScore, LEAD_SCORE_VERSION, leadScoreFromJSON, predictLeadScore, readableReasons, reasonSentence, type LeadScoreModel, type ReadableReason } from '../../models/leadScore/index.ts';
import { assign, segmentsFromJSON, type SegmentModel } from '../../models/segments/index.ts';
import { segmentOptions } from '../../pipeline/signals/segments.ts';
import { unsynced, withCrmValues } from '../../pipeline/mappings.ts';
import type { Store, StoredRecord, Tenant } from '../../store/types.ts';

export const PREVIEW_RECORDS = 20;
/** The quick fit's labelled contacts at most: enough to say what a mapping does, quick on a request. */
const QUICK_FIT_ROWS = 2_000;
const QUICK_FIT = { trees: 30, boosting: false, folds: 3, seed: 0, workers: 1 } as const;
/** The leak screen: labelled contacts per class it reads, and the fewest per class that say anything. */
const SCREEN_PER_CLASS = 100;
const SCREEN_MIN_PER_CLASS = 20;
const REASONS_MAX_LENGTH = maxValueLength(outputField('leadScoreReasons'));
/**
 * A page is rendered again after every save, refusal and preview, and an admin previews the same picks
 * more than once: the leak screen and the quick fit are kept a minute per tenant, keyed by everything they
 * read (the mapping's part, the fields, and the stored contacts' count and newest sync), so new data or a
 * changed pick computes afresh.
 */
const computed = new LRUCache<string, object>({ max: 200, ttl: 60_000 });
const keyOf = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
/** The stored contacts' count and change number: equal when no contact was added, changed or deleted. */
const dataKey = async (store: Store, tenantId: string) => (await store.recordGenerations(tenantId)).contact ?? null;

/**
 * The first stored contacts by id that `keep` selects, until it has `limit` of them: a page at a time, so
 * a portal of a million contacts costs the pages up to the last one kept, never the whole table.
 */
async function firstContacts(store: Store, tenantId: string, limit: number, keep: (c: StoredRecord) => boolean = () => true): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  if (limit <= 0) return out;
  for await (const page of store.recordPages(tenantId, 'contact', Math.min(1000, Math.max(limit, 100)))) {
    for (const c of page) {
      if (!keep(c)) continue;
      out.push(c);
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** Contacts whose stored fields stand for the table's when asking which fields the store lacks. */
const FIELD_SAMPLE = 1_000;

async function remembered<T extends object>(key: string, work: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
  const hit = computed.get(key) as T | undefined;
  if (hit) return hit;
  const value = await work();
  if (keep(value)) computed.set(key, value);
  return value;
}

/** POST .../mapping/preview: a mapping document to try, as GET .../mapping gives it; nothing is saved. */
export const PreviewBody = z
  .object({ mapping: z.unknown().refine((v) => v !== undefined, 'is required: the whole mapping to try, as GET .../mapping gives it') })
  .strict();

export interface PreviewRecord {
  externalId: string;
  outcome: Outcome;
  /** Why the cycle would not score it (a required field missing, a number that is not one), else null. */
  problem: string | null;
  /** Model column -> the value the model reads; null: missing (empty, a placeholder, outside its range). */
  features: Record<string, string | null>;
  leadScore: { score: number; probability: number; reasons: string; readable: ReadableReason[] } | null;
  segment: { id: string; name: string } | null;
}

export interface MappingPreview {
  /** `version`: the active version previewed, null for a submitted document. */
  mapping: { source: 'active' | 'submitted'; version: number | null };
  columns: Array<{ column: string; field: string; kind: 'numeric' | 'categorical'; label: string }>;
  /** What the mapping reads per object (readFields). */
  readFields: ReturnType<typeof readFields>;
  /** Fields read from the CRM for this preview because the store does not hold them yet. */
  readFromCrm: string[];
  records: PreviewRecord[];
  /** Inputs of the mapping the leak screen flags (each alone predicts the stored outcome). */
  leaks: Array<{ field: string; message: string }>;
  leadScore: { source: 'active model' | 'quick fit' | 'none'; modelVersion: number | null; note: string };
  segments: { source: 'active model' | 'none'; modelVersion: number | null; note: string };
}

export class PreviewUnavailable extends Error {
  override readonly name = 'PreviewUnavailable';
}

/** Every object's fields, once per request: the checks, the picker and the labels all read them. */
export type AllFields = Record<'contact' | 'deal' | 'ticket', readonly FieldInfo[]>;

/**
 * The CRM's field lists per tenant for half a minute: every render of the mapping page (each save, refusal
 * and preview) lists them, and three API calls a view would spend the tenant's rate limit and daily budget
 * on lists that change when an admin adds a property, not between two clicks. A save still checks against
 * the CRM's fields as they are (crmActions asks afresh).
 */
const fieldLists = new LRUCache<string, AllFields>({ max: 1000, ttl: 30_000 });

export async function discoverAll(connector: Connector, tenantId: string): Promise<AllFields> {
  const key = `${connector.crm}\u0001${tenantId}`;
  const hit = fieldLists.get(key);
  if (hit) return hit;
  const [contact, deal, ticket] = await Promise.all((['contact', 'deal', 'ticket'] as const).map((o) => connector.discover(o)));
  const all = { contact: contact!, deal: deal!, ticket: ticket! };
  fieldLists.set(key, all);
  return all;
}

/** The schema and the tenant's CRM: what a mapping is checked for before the CRM is asked anything. */
export function parsedMapping(tenant: Tenant, input: unknown): Mapping {
  const mapping = parseMapping(input);
  if (mapping.crm !== tenant.crm) throw mappingFitError([{ path: 'crm', message: `the mapping is for ${mapping.crm} but tenant ${tenant.id} runs on ${tenant.crm}` }]);
  return mapping;
}

/**
 * The checks a save makes that need no stored data: the schema, the tenant's CRM, the CRM's fields and
 * the leaks a mapping shows by itself. Throws MappingError with every problem by its path.
 */
export function checkedMapping(tenant: Tenant, input: unknown, discovered: DiscoveredFields): Mapping {
  const mapping = parsedMapping(tenant, input);
  const problems = mappingProblems(mapping, discovered, profileOf(tenant.crm).numericTypes);
  if (problems.length) throw mappingFitError(problems);
  return mapping;
}

/** The model's view of each row: placeholders and values outside the mapping's ranges read as missing. */
function featureRows(records: readonly StoredRecord[], m: Mapping): Array<Record<string, string | null>> {
  const lead = m.leadScore;
  const placeholders = new Set(lead.placeholders.map((p) => p.trim().toLowerCase()));
  const { ranges } = leadScoreFitSpec(lead);
  const raw = records.map((r) => modelRow(r.properties, lead));
  const cleaned = Object.keys(ranges).length ? fitRowCleaner({ ranges, placeholders: lead.placeholders }).clean(raw).rows : raw;
  return cleaned.map((row) => Object.fromEntries(Object.entries(row).map(([c, v]) => [c, v === null || v === undefined || v.trim() === '' || placeholders.has(v.trim().toLowerCase()) ? null : v])));
}

function compatibleLeadScore(stored: { model: unknown; trainedOn: Record<string, unknown> } | null, m: Mapping): LeadScoreModel | null {
  if (!stored) return null;
  const spec = typeof stored.trainedOn.specHash === 'string' ? stored.trainedOn.specHash : leadScoreSpecHash(defaultMapping(m.crm));
  if (spec !== leadScoreSpecHash(m) || (stored.model as { version?: unknown } | null)?.version !== LEAD_SCORE_VERSION) return null;
  try {
    return leadScoreFromJSON(stored.model);
  } catch {
    return null;
  }
}

/** Fits the lead score on the stored labelled contacts, the mapping's way; the reason when it cannot. */
async function quickFit(store: Store, tenant: Tenant, connector: Connector, m: Mapping, wanted: readonly string[]): Promise<{ model: LeadScoreModel; rows: number } | { error: string }> {
  const lead = m.leadScore;
  const outcomeUnsynced = wanted.includes(lead.outcome.field);
  const labelled = await firstContacts(store, tenant.id, QUICK_FIT_ROWS * 2, (c) => outcomeUnsynced || outcomeOf(c, lead) !== 'open');
  // the outcome itself may be a field the store lacks: read it with the rest, then keep the labelled
  const read = (await withCrmValues(connector, labelled.slice(0, QUICK_FIT_ROWS * 2), wanted)).filter((c) => outcomeOf(c, lead) !== 'open').slice(0, QUICK_FIT_ROWS);
  const labels = read.map((c) => (outcomeOf(c, lead) === 'converted' ? 1 : 0) as 0 | 1);
  try {
    const { model } = await fitLeadScore(read.map((c) => modelRow(c.properties, lead)), labels, { ...leadScoreFitSpec(lead), ...QUICK_FIT });
    return { model, rows: read.length };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function segmentsOf(stored: { model: unknown; trainedOn: Record<string, unknown>; version: number } | null, m: Mapping, records: readonly StoredRecord[]): { ids: string[]; names: Map<string, string> } | { note: string } {
  if (!stored) return { note: 'no segments model yet' };
  if (stored.trainedOn.specHash !== segmentSpecHash(m)) return { note: `segments v${stored.version} clustered other inputs: the next cycle re-clusters with this mapping` };
  try {
    const { pipeline: json, segments } = stored.model as { pipeline: FeaturePipelineJson; segments: SegmentModel };
    const pipeline = FeaturePipeline.fromJSON(json);
    const model = segmentsFromJSON(segments);
    const ids = assign(model, pipeline.transform(records.map((r) => modelRow(r.properties, m.leadScore))), pipeline.featureNames);
    return { ids, names: new Map(segmentOptions(stored.model).map((o) => [o.value, o.label])) };
  } catch (error) {
    return { note: `segments v${stored.version} cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
}

export interface PreviewInput {
  store: Store;
  tenant: Tenant;
  connector: Connector;
  /** The running mapping (what the store's contacts were synced with). */
  running: { version: number; mapping: Mapping };
  /** The mapping to preview, already checked (checkedMapping); the running one when absent. */
  mapping?: Mapping;
  discovered: DiscoveredFields;
}

export async function mappingPreview({ store, tenant, connector, running, mapping, discovered }: PreviewInput): Promise<MappingPreview> {
  const m = mapping ?? running.mapping;
  const lead = m.leadScore;
  const contacts = await firstContacts(store, tenant.id, FIELD_SAMPLE);
  if (contacts.length === 0) throw new PreviewUnavailable(`tenant ${tenant.id} has no stored contacts yet: the first cycle syncs them, then the preview shows ${PREVIEW_RECORDS}`);
  const read = readFields(m);
  const wanted = unsynced(read.contact, contacts);
  const records = await withCrmValues(connector, contacts.slice(0, PREVIEW_RECORDS), wanted);
  const features = featureRows(records, m);
  const { numeric, categorical } = modelInputs(lead);
  const labels = inputLabels(lead, discovered.contact ?? null);
  const labelOf = (column: string) => own(labels, column);

  const active = await store.getActiveModel(tenant.id, 'leadScore');
  let model = compatibleLeadScore(active, m);
  let leadScore: MappingPreview['leadScore'];
  if (model) leadScore = { source: 'active model', modelVersion: active!.version, note: `scored by the active model, version ${active!.version}, trained on this mapping's inputs and outcome` };
  else {
    const fitted = await remembered(keyOf('fit', tenant.id, leadScoreSpecHash(m), await dataKey(store, tenant.id)), () => quickFit(store, tenant, connector, m, wanted));
    if ('model' in fitted) {
      model = fitted.model;
      leadScore = { source: 'quick fit', modelVersion: null, note: `${active ? `the active model (version ${active.version}) was trained on other inputs or another outcome, so these` : 'no model yet: these'} scores come from a quick fit on ${fitted.rows} stored labelled contacts (${QUICK_FIT.trees} trees, no boosting); the next cycle trains the real one` };
    } else {
      leadScore = { source: 'none', modelVersion: null, note: `no model yet: ${fitted.error}` };
    }
  }
  const predictions = model ? predictLeadScore(model, records.map((r) => modelRow(r.properties, lead))) : [];

  const segmentModel = await store.getActiveModel(tenant.id, 'segment');
  const segmented = segmentsOf(segmentModel, m, records);
  const segments: MappingPreview['segments'] = 'ids' in segmented ? { source: 'active model', modelVersion: segmentModel!.version, note: `segments v${segmentModel!.version}` } : { source: 'none', modelVersion: null, note: segmented.note };

  const inputFields = new Set([...numeric, ...categorical].map((c) => crmField(lead, c)));
  const screen = await leakScreen(store, tenant, connector, m, (discovered.contact ?? []).filter((f) => inputFields.has(f.name)));

  return {
    mapping: mapping ? { source: 'submitted', version: null } : { source: 'active', version: running.version },
    columns: [...numeric.map((c) => ({ column: c, kind: 'numeric' as const })), ...categorical.map((c) => ({ column: c, kind: 'categorical' as const }))].map((c) => ({ ...c, field: crmField(lead, c.column), label: labelOf(c.column) ?? c.column })),
    readFields: read,
    readFromCrm: wanted,
    leaks: [...screen.flags].map(([field, messages]) => ({ field, message: messages.join('; ') })),
    leadScore,
    segments,
    records: records.map((r, i) => {
      const p = predictions[i];
      const readable = p ? readableReasons(p.reasons, labelOf, REASONS_MAX_LENGTH) : [];
      const id = 'ids' in segmented ? segmented.ids[i] : undefined;
      return {
        externalId: r.externalId,
        outcome: outcomeOf(r, lead),
        problem: recordProblem(r, lead),
        features: features[i]!,
        leadScore: p ? { score: p.score, probability: p.probability, reasons: reasonSentence(readable), readable } : null,
        segment: id !== undefined && 'names' in segmented ? { id, name: segmented.names.get(id) ?? id } : null,
      };
    }),
  };
}

/** Fields no mapping should feed the model whatever the data says: the outcome, the email, our outputs. */
function screenable(m: Mapping, field: FieldInfo): boolean {
  const own = new Set(OUTPUT_FIELDS.filter((o) => o.objectType === 'contact').map((o) => o.names[m.crm]));
  return field.name !== m.leadScore.outcome.field && field.name !== m.leadScore.emailField && !own.has(field.name);
}

export interface LeakScreen {
  /** CRM field -> why it would leak the outcome. */
  flags: Map<string, string[]>;
  /** What the screen could not do, for the page to say (too few labelled contacts, the CRM did not answer). */
  note: string | null;
}

/**
 * Each contact field's AUC alone on up to 100 labelled contacts per class (by id; the fields the store
 * lacks read from the CRM for them): above the leakage threshold it is flagged, as the save would refuse
 * it and the training would warn. Cross-validated the way the save's check is (5 stratified folds).
 */
export async function leakScreen(store: Store, tenant: Tenant, connector: Connector, m: Mapping, contactFields: readonly FieldInfo[]): Promise<LeakScreen> {
  const lead = m.leadScore;
  const key = keyOf('screen', tenant.id, lead.outcome, lead.emailField, lead.placeholders, contactFields.map((f) => [f.name, f.type]), await dataKey(store, tenant.id));
  // a CRM that did not answer is asked again next time
  return remembered(key, () => screen(store, tenant, connector, m, contactFields), (s) => s.note === null || !s.note.startsWith('the CRM'));
}

/** The first SCREEN_PER_CLASS converted and lost stored contacts by id, read until both are full. */
async function screenSample(store: Store, tenantId: string, lead: Mapping['leadScore']): Promise<{ converted: StoredRecord[]; lost: StoredRecord[] }> {
  const counts = { converted: 0, lost: 0 };
  const kept = await firstContacts(store, tenantId, 2 * SCREEN_PER_CLASS, (c) => {
    const outcome = outcomeOf(c, lead);
    if (outcome === 'open' || counts[outcome] >= SCREEN_PER_CLASS) return false;
    counts[outcome]++;
    return true;
  });
  return { converted: kept.filter((c) => outcomeOf(c, lead) === 'converted'), lost: kept.filter((c) => outcomeOf(c, lead) === 'lost') };
}

async function screen(store: Store, tenant: Tenant, connector: Connector, m: Mapping, contactFields: readonly FieldInfo[]): Promise<LeakScreen> {
  const lead = m.leadScore;
  const { converted, lost } = await screenSample(store, tenant.id, lead);
  if (converted.length < SCREEN_MIN_PER_CLASS || lost.length < SCREEN_MIN_PER_CLASS) {
    return { flags: new Map(), note: `the leak screen needs ${SCREEN_MIN_PER_CLASS} stored converted and lost contacts each (has ${converted.length} and ${lost.length}): only the mapping's own flags are shown` };
  }
  const candidates = contactFields.filter((f) => screenable(m, f));
  const sample = [...converted, ...lost];
  let records: StoredRecord[];
  try {
    records = await withCrmValues(connector, sample, unsynced(candidates.map((f) => f.name), sample));
  } catch (error) {
    return { flags: new Map(), note: `the CRM did not give the fields' values for the leak screen (${error instanceof Error ? error.message : String(error)})` };
  }
  const labels = sample.map((c) => (outcomeOf(c, lead) === 'converted' ? 1 : 0) as 0 | 1);
  const numericTypes = profileOf(tenant.crm).numericTypes;
  const spec = {
    numeric: candidates.filter((f) => numericTypes.has(f.type)).map((f) => f.name),
    categorical: candidates.filter((f) => !numericTypes.has(f.type)).map((f) => f.name),
    placeholders: lead.placeholders,
  };
  const rows = records.map((r) => Object.fromEntries(candidates.map((f) => [f.name, own(r.properties, f.name) ?? null])));
  const flags = new Map<string, string[]>();
  for (const a of singleFeatureAucs(rows, labels, spec, stratifiedKFold(labels, 5, 1))) {
    if (a.auc > LEAKAGE_AUC_THRESHOLD) flags.set(a.column, [`alone predicts the outcome of ${labels.length} labelled contacts (AUC ${a.auc.toFixed(3)}): probably filled in after the outcome`]);
  }
  return { flags, note: null };
}
