/**
 * Salesforce records to canonical records. Values become strings as the CRM APIs carry them elsewhere
 * (numbers and booleans printed, relationship fields flattened to "Product2.Name"), so one model and one
 * validation serve both CRMs.
 */
import type { CanonicalRecord, ObjectType, PropertyValue, RejectedRecord } from '../../src/domain/records.ts';
import { isoInstant, mapPageWith, propertiesProblem, rejected, stampProblem, type Mapped } from '../shared/edge.ts';
import { isSalesforceId } from './soql.ts';

export function flatten(record: Record<string, unknown>, prefix = '', out: Record<string, PropertyValue> = {}): Record<string, PropertyValue> {
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue;
    const name = prefix ? `${prefix}.${key}` : key;
    if (value === null || value === undefined) out[name] = null;
    else if (typeof value === 'object' && !Array.isArray(value)) flatten(value as Record<string, unknown>, name, out);
    else out[name] = typeof value === 'string' ? value : String(value);
  }
  return out;
}

/** A Salesforce datetime: REST spells it 2026-07-07T10:14:30.000+0000, Bulk API 2.0's CSV 2026-07-07T10:14:30.000Z. */
const SALESFORCE_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Datetimes in one spelling (ISO 8601 in UTC, as toISOString writes it), so a record reads the same
 * through REST and through Bulk API 2.0: otherwise a Lead first synced in bulk would look changed to
 * every later REST read of it, and its stored values would differ by path.
 */
function canonicalDatetimes(properties: Record<string, PropertyValue>): Record<string, PropertyValue> {
  for (const [name, value] of Object.entries(properties)) {
    if (typeof value !== 'string' || !SALESFORCE_DATETIME.test(value)) continue;
    const instant = isoInstant(value);
    if (instant) properties[name] = instant;
  }
  return properties;
}

export function mapSalesforceRecord(objectType: ObjectType, raw: unknown, integrationUserId: string | null): Mapped {
  if (!raw || typeof raw !== 'object') return rejected(objectType, null, 'record is not an object');
  const properties = canonicalDatetimes(flatten(raw as Record<string, unknown>));
  const id = properties.Id;
  if (!id || !isSalesforceId(id)) return rejected(objectType, id ?? null, 'Id is missing or not a Salesforce id');
  const problem = propertiesProblem(properties, 'Salesforce');
  if (problem) return rejected(objectType, id, problem);
  const modifiedAt = isoInstant(properties.SystemModstamp);
  if (!modifiedAt) return rejected(objectType, id, stampProblem('SystemModstamp'));
  const record: CanonicalRecord = { objectType, externalId: id, modifiedAt, properties, associations: {} };
  if (integrationUserId && properties.LastModifiedById === integrationUserId) record.modifiedByApp = true;
  return { ok: true, record };
}

export function mapSalesforcePage(objectType: ObjectType, raws: readonly unknown[], integrationUserId: string | null): { records: CanonicalRecord[]; rejected: RejectedRecord[] } {
  return mapPageWith(raws, (raw) => mapSalesforceRecord(objectType, raw, integrationUserId));
}
