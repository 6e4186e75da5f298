/**
 * SOQL built only from field names that passed two checks: the API-name pattern and the org's own
 * describe. A mapped name like `Name; DELETE` or a field the org lacks never reaches a query.
 */
import { ConnectorError } from '../shared/errors.ts';

/** API names: letters, digits and single underscores, optionally one relationship hop (Product2.Name). */
const API_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$/;

export interface DescribedObject {
  name: string;
  fields: Array<{ name: string; type: string; updateable: boolean; relationshipName?: string | null; referenceTo?: string[] }>;
}

/** Describe field types that hold numbers (Salesforce wants JSON numbers for them on writes). */
export const SALESFORCE_NUMERIC_TYPES: ReadonlySet<string> = new Set(['double', 'int', 'currency', 'percent', 'long']);

/** Refuses any field that is not a plain API name present on the object (case-insensitive, as Salesforce is). */
export function checkFields(object: DescribedObject, fields: readonly string[]): string[] {
  const byLower = new Map(object.fields.map((f) => [f.name.toLowerCase(), f]));
  const relationships = new Set(object.fields.flatMap((f) => (f.relationshipName ? [f.relationshipName.toLowerCase()] : [])));
  const problems: string[] = [];
  const out: string[] = [];
  for (const field of fields) {
    if (!API_NAME.test(field)) {
      problems.push(`"${field}" is not a Salesforce field name`);
      continue;
    }
    const [head, tail] = field.split('.');
    if (tail !== undefined ? !relationships.has(head!.toLowerCase()) : !byLower.has(field.toLowerCase())) {
      problems.push(`${object.name} has no field "${field}"`);
      continue;
    }
    out.push(tail !== undefined ? field : byLower.get(field.toLowerCase())!.name);
  }
  if (problems.length) throw new ConnectorError('bad_request', `refused to query ${object.name}: ${problems.join('; ')}`);
  return [...new Set(out)];
}

/** A datetime literal as SOQL writes it (no quotes, UTC). */
export function datetimeLiteral(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new ConnectorError('bad_request', `not a date: ${iso}`);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Salesforce Ids are 15 (case-sensitive) or 18 (case-safe) alphanumerics. */
export function isSalesforceId(id: string): boolean {
  return /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id);
}

/** An Id literal; anything but an Id is refused rather than escaped. */
export function idLiteral(id: string): string {
  if (!isSalesforceId(id)) throw new ConnectorError('bad_request', `not a Salesforce id: ${id}`);
  return `'${id}'`;
}

export function selectFrom(object: string, fields: readonly string[], where?: string, orderBy?: string, limit?: number): string {
  return `SELECT ${fields.join(', ')} FROM ${object}${where ? ` WHERE ${where}` : ''}${orderBy ? ` ORDER BY ${orderBy}` : ''}${limit ? ` LIMIT ${limit}` : ''}`;
}

/**
 * Records changed at or after the checkpoint, in (SystemModstamp, Id) order. With an id the window is
 * exclusive of what was read: SystemModstamp is not unique, so the Id breaks ties.
 */
export function changedSince(since: string, afterId?: string): string {
  const t = datetimeLiteral(since);
  return afterId ? `(SystemModstamp > ${t} OR (SystemModstamp = ${t} AND Id > ${idLiteral(afterId)}))` : `SystemModstamp >= ${t}`;
}
