/**
 * A tenant's field mapping as versioned data: the running version (the CRM's default mapping becomes
 * version 1 the first time it is asked for), and saving a new one, which is refused, with every problem
 * naming its field, unless it fits the tenant's CRM as discover() describes it and leaks no outcome.
 */
import type { Connector } from '../../connectors/connector.ts';
import { profileOf } from '../../connectors/registry.ts';
import type { ObjectType } from '../domain/records.ts';
import { own } from '../domain/own.ts';
import { LEAKAGE_AUC_THRESHOLD, singleFeatureAucs } from '../features/leakage.ts';
import {
  crmField,
  defaultMapping,
  mappingFitError,
  MappingError,
  mappingProblems,
  modelInputs,
  modelRow,
  outcomeOf,
  parseMapping,
  readFields,
  type DiscoveredFields,
  type Mapping,
  type MappingProblem,
  type ReadFields,
} from '../mapping/index.ts';
import { stratifiedKFold } from '../models/evaluate/splits.ts';
import type { Store, StoredRecord, Tenant } from '../store/types.ts';
import { byId } from './signals/stage.ts';
import { spreadSample } from './spreadSample.ts';

export interface TenantMapping {
  version: number;
  mapping: Mapping;
}

export interface SaveMappingInput {
  note?: string;
  author?: string;
}

/** The active mapping; a tenant without one starts from its CRM's default, saved as version 1. */
export async function tenantMapping(store: Store, tenant: Tenant): Promise<TenantMapping> {
  const stored = await store.activeMapping(tenant.id);
  if (stored) {
    try {
      return { version: stored.version, mapping: parseMapping(stored.mapping) };
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      throw new MappingError(`tenant ${tenant.id}: stored mapping version ${stored.version} is no longer valid: ${error.message}`, error.problems);
    }
  }
  const mapping = defaultMapping(tenant.crm);
  await store.saveMapping(tenant.id, mapping, { note: `default ${tenant.crm} mapping`, author: 'crm-signals' });
  // Two workers may both have saved the default: whichever is newest, both hold the same mapping.
  const saved = await store.activeMapping(tenant.id);
  return { version: saved!.version, mapping };
}

/**
 * Validates and saves a new mapping version. Refused (MappingError, the active mapping unchanged) when
 * the input is malformed, is for another CRM, names fields the CRM lacks or mistypes, or makes a leaky
 * field a model input. Object types whose read fields grew are read again from the start on the next
 * cycle, so the new fields arrive on records the incremental sync would not return.
 */
export async function saveTenantMapping(store: Store, tenant: Tenant, connector: Connector, input: unknown, options: SaveMappingInput = {}): Promise<TenantMapping> {
  const mapping = parseMapping(input);
  if (mapping.crm !== tenant.crm) {
    throw mappingFitError([{ path: 'crm', message: `the mapping is for ${mapping.crm} but tenant ${tenant.id} runs on ${tenant.crm}` }]);
  }
  if (connector.crm !== tenant.crm) throw new Error(`tenant ${tenant.id} runs on ${tenant.crm}, the connector given is for ${connector.crm}`);

  const read = readFields(mapping);
  const fields: DiscoveredFields = {};
  for (const objectType of Object.keys(read) as Array<keyof ReadFields>) fields[objectType] = await connector.discover(objectType);
  const problems = mappingProblems(mapping, fields, profileOf(tenant.crm).numericTypes);
  const current = await tenantMapping(store, tenant);
  // Leaks are judged on well-formed mappings only: a column that does not exist predicts nothing.
  if (problems.length === 0) problems.push(...(await newLeaks(store, tenant, connector, mapping, current.mapping)));
  if (problems.length) throw mappingFitError(problems);

  const version = await store.saveMapping(tenant.id, mapping, { ...options, resync: grownObjects(current.mapping, mapping) });
  return { version, mapping };
}

/** Object types the new mapping reads fields of that the old one did not. */
function grownObjects(before: Mapping, after: Mapping): ObjectType[] {
  const old = readFields(before);
  const now = readFields(after);
  return (Object.keys(now) as Array<keyof ReadFields>).filter((objectType) => now[objectType].some((f) => !old[objectType].includes(f)));
}

/** Labelled contacts per class whose values of fields not synced yet are read from the CRM for the leak check. */
const CRM_SAMPLE_PER_CLASS = 200;

/**
 * Records with the fields `wanted` filled in from the CRM where the store has none of them (the running
 * mapping did not read them). A record the CRM no longer has keeps nulls.
 */
export async function withCrmValues(connector: Connector, records: readonly StoredRecord[], wanted: readonly string[]): Promise<StoredRecord[]> {
  if (wanted.length === 0 || records.length === 0) return [...records];
  const values = await connector.readValues('contact', records.map((r) => r.externalId), wanted);
  return records.map((r) => ({ ...r, properties: { ...r.properties, ...Object.fromEntries(wanted.map((f) => [f, values.get(r.externalId)?.[f] ?? null])) } }));
}

/** The fields a mapping reads that the store's contacts do not hold (no stored contact has the key). */
export function unsynced(fields: readonly string[], records: readonly StoredRecord[]): string[] {
  return fields.filter((f) => !records.some((r) => Object.hasOwn(r.properties, f)));
}

/**
 * The stored labelled contacts, with the values of `fields` the store does not hold yet (a field the
 * running mapping never read) read from the CRM for a sample of each class: a leaky field must be
 * refused at save, not only warned about at the first training after its sync.
 */
async function labelledWithValues(store: Store, tenant: Tenant, connector: Connector, lead: Mapping['leadScore'], fields: readonly string[]) {
  const count = await store.countWithValue(tenant.id, 'contact', lead.outcome.field, [...lead.outcome.converted, ...lead.outcome.lost]);
  const labelled = byId(await spreadSample(store, tenant.id, 'contact', count, LEAK_CHECK_ROWS, (c) => (outcomeOf(c, lead) === 'open' ? null : c)));
  const missing = unsynced(fields, labelled);
  if (missing.length === 0) return labelled;
  const sample = [...labelled.filter((c) => outcomeOf(c, lead) === 'converted').slice(0, CRM_SAMPLE_PER_CLASS), ...labelled.filter((c) => outcomeOf(c, lead) === 'lost').slice(0, CRM_SAMPLE_PER_CLASS)];
  return withCrmValues(connector, sample, missing);
}

/** Labelled contacts the save's leak check reads at most (a spread sample beyond): one column's AUC is as clear on 20,000 as on a million. */
const LEAK_CHECK_ROWS = 20_000;

/** Labelled contacts of each class needed before one column's AUC says anything. */
const MIN_PER_CLASS = 20;
const FOLDS = 5;
const SEED = 1;

/**
 * Input columns the new mapping adds that alone predict the stored labelled contacts' outcome (AUC above
 * the leakage threshold): refused, not warned, because a save is when a person is looking and the fix is
 * one line (exclude it), while a leaky model looks excellent and fails on every open lead. Columns the
 * running mapping already has are left to the training's leakage warning: a save must not add a leak,
 * and it must not be blocked by one nobody is changing. Fields not yet synced are read from the CRM for a
 * sample of each class (labelledWithValues).
 */
async function newLeaks(store: Store, tenant: Tenant, connector: Connector, mapping: Mapping, running: Mapping): Promise<MappingProblem[]> {
  const lead = mapping.leadScore;
  const { numeric, categorical } = modelInputs(lead);
  const runningFields = new Set(Object.values(modelInputs(running.leadScore)).flat().map((c) => crmField(running.leadScore, c)));
  const added = { numeric: numeric.filter((c) => !runningFields.has(crmField(lead, c))), categorical: categorical.filter((c) => !runningFields.has(crmField(lead, c))) };
  if (added.numeric.length + added.categorical.length === 0) return [];

  const rows: Array<Record<string, string | null>> = [];
  const labels: Array<0 | 1> = [];
  for (const contact of await labelledWithValues(store, tenant, connector, lead, [...added.numeric, ...added.categorical].map((c) => crmField(lead, c)))) {
    rows.push(modelRow(contact.properties, lead));
    labels.push(outcomeOf(contact, lead) === 'converted' ? 1 : 0);
  }
  const positives = labels.filter((l) => l === 1).length;
  if (positives < MIN_PER_CLASS || labels.length - positives < MIN_PER_CLASS) return [];

  const aucs = singleFeatureAucs(rows, labels, { ...added, placeholders: lead.placeholders }, stratifiedKFold(labels, FOLDS, SEED));
  return aucs
    .filter((a) => a.auc > LEAKAGE_AUC_THRESHOLD)
    .map((a) => {
      const list = a.kind === 'numeric' ? 'numeric' : 'categorical';
      const field = crmField(lead, a.column);
      return {
        path: own(lead.fields, a.column) ? `leadScore.fields.${a.column}` : `leadScore.${list}.${lead[list].indexOf(a.column)}`,
        field,
        message: `field "${field}" alone predicts the outcome of ${labels.length} stored labelled contacts (cross-validated AUC ${a.auc.toFixed(3)} > ${LEAKAGE_AUC_THRESHOLD}): it is probably filled in after the outcome is known; add "${a.column}" to leadScore.exclude if it is, or leave it out`,
      };
    });
}
