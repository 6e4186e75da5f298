/**
 * Checks a mapping against the tenant's own field list (from the connector's discover) and checks each
 * record's mapped values, so bad input is refused with a reason instead of reaching a model.
 */
import { createHash } from 'node:crypto';
import { own, recordFromEntries } from '../domain/own.ts';
import type { CanonicalRecord, ObjectType, Outcome } from '../domain/records.ts';
import { OUTPUT_FIELDS } from '../domain/outputFields.ts';
import type { FieldInfo } from '../../connectors/connector.ts';
import { crmField, MappingError, modelInputs, type LeadScoreMapping, type Mapping, type MappingProblem } from './schema.ts';

/** The tenant's fields per object type, as the connector's discover() lists them. */
export type DiscoveredFields = Partial<Record<ObjectType, readonly FieldInfo[]>>;

/**
 * Everything in the mapping that does not fit this CRM: fields it lacks, numeric inputs on non-numeric
 * fields, outcome, stage and label values that are not among a picklist's options, our own output fields
 * fed back as inputs (the model would learn its own score), output fields the CRM will not let us write,
 * and leaks: the outcome field or a field excluded as leaky reaching the model through another column.
 * Object types absent from `fields` are not checked (their discover was not asked). `numericTypes`: the
 * field types of this CRM that hold numbers (its profile's numericTypes).
 */
export function mappingProblems(mapping: Mapping, fields: DiscoveredFields, numericTypes: ReadonlySet<string>): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const index = (objectType: ObjectType) => (fields[objectType] ? new Map(fields[objectType].map((f) => [f.name, f])) : null);
  const contact = index('contact');
  const deal = index('deal');
  const ticket = index('ticket');
  const lead = mapping.leadScore;
  const inputs = modelInputs(lead);
  const columnPath = (column: string) => {
    const numeric = lead.numeric.indexOf(column);
    return own(lead.fields, column) ? `leadScore.fields.${column}` : numeric >= 0 ? `leadScore.numeric.${numeric}` : `leadScore.categorical.${lead.categorical.indexOf(column)}`;
  };

  const exists = (known: Map<string, FieldInfo> | null, objectType: ObjectType, path: string, name: string) => {
    if (!known || known.has(name)) return true;
    problems.push({ path, field: name, message: `field "${name}" does not exist on the CRM's ${objectType} object` });
    return false;
  };
  const amongOptions = (known: Map<string, FieldInfo> | null, path: string, name: string, values: readonly string[], what: string) => {
    const options = known?.get(name)?.options;
    if (!options) return;
    for (const [i, value] of values.entries()) {
      if (!options.includes(value)) problems.push({ path: `${path}.${i}`, field: name, message: `${what} "${value}" is not an option of field "${name}" (options: ${options.join(', ')})` });
    }
  };

  // contacts: the lead score's inputs, outcome, required fields and the email that matches people
  for (const column of [...inputs.numeric, ...inputs.categorical]) exists(contact, 'contact', columnPath(column), crmField(lead, column));
  for (const column of inputs.numeric) {
    const name = crmField(lead, column);
    const type = contact?.get(name)?.type;
    if (type && !numericTypes.has(type)) problems.push({ path: columnPath(column), field: name, message: `field "${name}" is mapped as numeric but the CRM says it is ${type}` });
  }
  if (exists(contact, 'contact', 'leadScore.outcome.field', lead.outcome.field)) {
    amongOptions(contact, 'leadScore.outcome.converted', lead.outcome.field, lead.outcome.converted, 'outcome value');
    amongOptions(contact, 'leadScore.outcome.lost', lead.outcome.field, lead.outcome.lost, 'outcome value');
  }
  lead.required.forEach((name, i) => exists(contact, 'contact', `leadScore.required.${i}`, name));
  exists(contact, 'contact', 'leadScore.emailField', lead.emailField);
  if (lead.championField && exists(contact, 'contact', 'leadScore.championField', lead.championField)) {
    const type = contact?.get(lead.championField)?.type;
    if (type && !numericTypes.has(type)) problems.push({ path: 'leadScore.championField', field: lead.championField, message: `field "${lead.championField}" is the existing score to compare with, but the CRM says it is ${type}, not a number` });
  }

  // leaks: what the schema cannot see because it compares column names, not the CRM fields behind them
  const excludedFields = new Set(lead.exclude.flatMap((name) => [name, crmField(lead, name)]));
  const ownOutputs = new Map(OUTPUT_FIELDS.map((f) => [f.names[mapping.crm], f]));
  for (const column of [...inputs.numeric, ...inputs.categorical]) {
    const name = crmField(lead, column);
    if (name === lead.outcome.field) problems.push({ path: columnPath(column), field: name, message: `field "${name}" is the outcome field: as an input (column "${column}") it leaks the outcome` });
    if (excludedFields.has(name)) problems.push({ path: columnPath(column), field: name, message: `field "${name}" is excluded as leaky but still feeds input column "${column}"` });
    if (name === lead.championField) problems.push({ path: columnPath(column), field: name, message: `field "${name}" is the existing score compared with ours: as an input (column "${column}") the model would copy it` });
    if (ownOutputs.has(name)) problems.push({ path: columnPath(column), field: name, message: `field "${name}" is one of crm-signals' own outputs: as an input (column "${column}") the model would learn from its own signal` });
  }

  // deals: the stage and the stages that mean "bought"
  if (exists(deal, 'deal', 'deals.stageField', mapping.deals.stageField)) amongOptions(deal, 'deals.wonStages', mapping.deals.stageField, mapping.deals.wonStages, 'won stage');

  // tickets: the customer's words, the agents' label and the ticket time
  const sentiment = mapping.sentiment;
  sentiment.text.forEach((name, i) => exists(ticket, 'ticket', `sentiment.text.${i}`, name));
  exists(ticket, 'ticket', 'sentiment.time', sentiment.time);
  if (sentiment.label && exists(ticket, 'ticket', 'sentiment.label.field', sentiment.label.field)) {
    amongOptions(ticket, 'sentiment.label.positive', sentiment.label.field, sentiment.label.positive, 'label value');
    amongOptions(ticket, 'sentiment.label.negative', sentiment.label.field, sentiment.label.negative, 'label value');
  }

  // outputs: where a CRM already lists one of our fields, we must be able to write it
  for (const output of OUTPUT_FIELDS) {
    if (mapping.outputs?.[output.key]) continue;
    const found = index(output.objectType)?.get(output.names[mapping.crm]);
    if (found?.readOnly) problems.push({ path: 'outputs', field: found.name, message: `output field "${found.name}" is read-only in the CRM: the ${output.label} cannot be written` });
  }
  problems.push(...chosenOutputProblems(mapping, index, numericTypes));
  return problems;
}

/** Both CRMs' free-text field types as discover() reports them (HubSpot `string`; Salesforce `string`, `textarea`). */
export const TEXT_TYPES: ReadonlySet<string> = new Set(['string', 'textarea']);

/**
 * The fields the admin chose to receive signals (`outputs`): each must exist on the output's object, be
 * writable and hold what we write (a number for a number, free text otherwise; long text on Salesforce for
 * the long outputs), and must not be read by the model, be the outcome, or receive two signals.
 */
function chosenOutputProblems(mapping: Mapping, index: (objectType: ObjectType) => Map<string, FieldInfo> | null, numericTypes: ReadonlySet<string>): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const lead = mapping.leadScore;
  const inputs = modelInputs(lead);
  const read = new Set([...inputs.numeric, ...inputs.categorical].map((column) => crmField(lead, column)));
  const taken = new Map<string, string>();
  for (const output of OUTPUT_FIELDS) {
    const name = mapping.outputs?.[output.key];
    if (!name) continue;
    const path = `outputs.${output.key}`;
    const target = `${output.objectType}/${name}`;
    const other = taken.get(target);
    if (other) problems.push({ path, field: name, message: `field "${name}" already receives the ${other}: one field holds one signal` });
    taken.set(target, output.label);
    if (output.objectType === 'contact' && read.has(name)) problems.push({ path, field: name, message: `field "${name}" feeds the lead score: receiving the ${output.label} too, the model would learn from its own signal` });
    if (output.objectType === 'contact' && name === lead.outcome.field) problems.push({ path, field: name, message: `field "${name}" is the outcome field: writing the ${output.label} there would overwrite what the model learns from` });
    const known = index(output.objectType);
    if (!known) continue;
    const found = known.get(name);
    if (!found) {
      problems.push({ path, field: name, message: `field "${name}" does not exist on the CRM's ${output.objectType} object` });
      continue;
    }
    if (found.readOnly) problems.push({ path, field: name, message: `field "${name}" is read-only in the CRM: the ${output.label} cannot be written there` });
    if (output.type === 'number' && !numericTypes.has(found.type)) problems.push({ path, field: name, message: `field "${name}" is ${found.type}: the ${output.label} is a number and needs a number field` });
    if (output.type !== 'number' && !TEXT_TYPES.has(found.type)) problems.push({ path, field: name, message: `field "${name}" is ${found.type}: the ${output.label} is text and needs a text field` });
    if (output.type === 'text' && mapping.crm === 'salesforce' && found.type !== 'textarea') problems.push({ path, field: name, message: `field "${name}" is a short text field: the ${output.label} needs a long text area in Salesforce` });
  }
  return problems;
}

/** Throws a MappingError listing every problem (each naming its field) when the mapping does not fit the CRM. */
export function checkMappingAgainstFields(mapping: Mapping, fields: DiscoveredFields, numericTypes: ReadonlySet<string>): void {
  const problems = mappingProblems(mapping, fields, numericTypes);
  if (problems.length) throw mappingFitError(problems);
}

export function mappingFitError(problems: readonly MappingProblem[]): MappingError {
  return new MappingError(`field mapping does not fit this CRM: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
}

/** A reason the record cannot be scored, or null when its mapped values are usable. */
export function recordProblem(record: CanonicalRecord, m: LeadScoreMapping): string | null {
  const { numeric } = modelInputs(m);
  const placeholders = new Set(m.placeholders);
  for (const name of m.required) {
    const value = own(record.properties, name);
    if (value === null || value === undefined || value.trim() === '') return `required property "${name}" is missing`;
  }
  for (const name of numeric.map((c) => crmField(m, c))) {
    const value = own(record.properties, name);
    if (value === null || value === undefined || placeholders.has(value.trim())) continue;
    if (!Number.isFinite(Number(value)) || value.trim() === '') return `property "${name}" should be a number but is ${JSON.stringify(value.slice(0, 40))}`;
  }
  return null;
}

export function outcomeOf(record: CanonicalRecord, m: LeadScoreMapping): Outcome {
  const value = own(record.properties, m.outcome.field);
  if (value && m.outcome.converted.includes(value)) return 'converted';
  if (value && m.outcome.lost.includes(value)) return 'lost';
  return 'open';
}

/** Hash of what the model sees (inputs and outcome): a record whose hash is unchanged needs no re-scoring. */
export function inputHash(record: CanonicalRecord, m: LeadScoreMapping): string {
  const { numeric, categorical } = modelInputs(m);
  const names = [...numeric, ...categorical].sort();
  const values = [...names.map((n) => [n, own(record.properties, crmField(m, n)) ?? null]), ['outcome', outcomeOf(record, m)]];
  return createHash('sha256').update(JSON.stringify(values)).digest('base64url').slice(0, 22);
}

/**
 * The mapped model inputs of a record, every one present: a CRM may leave out a property that has no
 * value, and the model must see that as missing, not as a schema error.
 */
export function modelRow(properties: CanonicalRecord['properties'], m: LeadScoreMapping): Record<string, string | null> {
  const { numeric, categorical } = modelInputs(m);
  return recordFromEntries([...numeric, ...categorical].map((column) => [column, own(properties, crmField(m, column)) ?? null]));
}
