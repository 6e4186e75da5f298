/**
 * Checks a mapping against the tenant's own field list (from the connector's discover) and checks each
 * record's mapped values, so bad input is refused with a reason instead of reaching a model.
 */
import { createHash } from 'node:crypto';
import type { CanonicalRecord, Outcome } from '../domain/records.ts';
import type { FieldInfo } from '../../connectors/connector.ts';
import { crmField, MappingError, modelInputs, type LeadScoreMapping } from './schema.ts';

/** `numericTypes`: the field types of this CRM that hold numbers (its profile's numericTypes). */
export function checkMappingAgainstFields(m: LeadScoreMapping, fields: FieldInfo[], numericTypes: ReadonlySet<string>): void {
  const known = new Map(fields.map((f) => [f.name, f]));
  const problems: string[] = [];
  for (const name of [...m.numeric.map((c) => crmField(m, c)), ...m.categorical.map((c) => crmField(m, c)), m.outcome.field, ...m.required]) {
    if (!known.has(name)) problems.push(`field "${name}" does not exist in the CRM`);
  }
  for (const name of m.numeric.map((c) => crmField(m, c))) {
    const type = known.get(name)?.type;
    if (type && !numericTypes.has(type)) problems.push(`field "${name}" is mapped as numeric but the CRM says it is ${type}`);
  }
  if (problems.length) throw new MappingError(`field mapping does not fit this CRM: ${problems.join('; ')}`);
}

/** A reason the record cannot be scored, or null when its mapped values are usable. */
export function recordProblem(record: CanonicalRecord, m: LeadScoreMapping): string | null {
  const { numeric } = modelInputs(m);
  const placeholders = new Set(m.placeholders);
  for (const name of m.required) {
    const value = record.properties[name];
    if (value === null || value === undefined || value.trim() === '') return `required property "${name}" is missing`;
  }
  for (const name of numeric.map((c) => crmField(m, c))) {
    const value = record.properties[name];
    if (value === null || value === undefined || placeholders.has(value.trim())) continue;
    if (!Number.isFinite(Number(value)) || value.trim() === '') return `property "${name}" should be a number but is ${JSON.stringify(value.slice(0, 40))}`;
  }
  return null;
}

export function outcomeOf(record: CanonicalRecord, m: LeadScoreMapping): Outcome {
  const value = record.properties[m.outcome.field];
  if (value && m.outcome.converted.includes(value)) return 'converted';
  if (value && m.outcome.lost.includes(value)) return 'lost';
  return 'open';
}

/** Hash of what the model sees (inputs and outcome): a record whose hash is unchanged needs no re-scoring. */
export function inputHash(record: CanonicalRecord, m: LeadScoreMapping): string {
  const { numeric, categorical } = modelInputs(m);
  const names = [...numeric, ...categorical].sort();
  const values = [...names.map((n) => [n, record.properties[crmField(m, n)] ?? null]), ['outcome', outcomeOf(record, m)]];
  return createHash('sha256').update(JSON.stringify(values)).digest('base64url').slice(0, 22);
}

/**
 * The mapped model inputs of a record, every one present: a CRM may leave out a property that has no
 * value, and the model must see that as missing, not as a schema error.
 */
export function modelRow(properties: CanonicalRecord['properties'], m: LeadScoreMapping): Record<string, string | null> {
  const { numeric, categorical } = modelInputs(m);
  return Object.fromEntries([...numeric, ...categorical].map((column) => [column, properties[crmField(m, column)] ?? null]));
}
