/**
 * Salesforce records to canonical records. Values become strings as the CRM APIs carry them elsewhere
 * (numbers and booleans printed, relationship fields flattened to "Product2.Name"), so one model and one
 * validation serve both CRMs.
 */
import type { CanonicalRecord, ObjectType, PropertyValue, RejectedRecord } from '../../src/domain/records.ts';
import { MAX_VALUE_LENGTH } from '../hubspot/mapRecord.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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

export type Mapped = { ok: true; record: CanonicalRecord } | { ok: false; rejected: RejectedRecord };

export function mapSalesforceRecord(objectType: ObjectType, raw: unknown, integrationUserId: string | null): Mapped {
  if (!raw || typeof raw !== 'object') return { ok: false, rejected: { objectType, externalId: null, reason: 'record is not an object' } };
  const properties = flatten(raw as Record<string, unknown>);
  const id = properties.Id;
  if (!id || !/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id)) return { ok: false, rejected: { objectType, externalId: id ?? null, reason: 'Id is missing or not a Salesforce id' } };
  for (const [name, value] of Object.entries(properties)) {
    if (value === null) continue;
    if (value.length > MAX_VALUE_LENGTH) return { ok: false, rejected: { objectType, externalId: id, reason: `field "${name}" is ${value.length} characters long (limit ${MAX_VALUE_LENGTH})` } };
    if (LONE_SURROGATE.test(value)) return { ok: false, rejected: { objectType, externalId: id, reason: `field "${name}" holds invalid unicode (a lone surrogate)` } };
  }
  const stamp = Date.parse(properties.SystemModstamp ?? '');
  if (!Number.isFinite(stamp)) return { ok: false, rejected: { objectType, externalId: id, reason: 'SystemModstamp is missing or not a date' } };
  const record: CanonicalRecord = { objectType, externalId: id, modifiedAt: new Date(stamp).toISOString(), properties, associations: {} };
  if (integrationUserId && properties.LastModifiedById === integrationUserId) record.modifiedByApp = true;
  return { ok: true, record };
}

export function mapSalesforcePage(objectType: ObjectType, raws: readonly unknown[], integrationUserId: string | null): { records: CanonicalRecord[]; rejected: RejectedRecord[] } {
  const records: CanonicalRecord[] = [];
  const rejected: RejectedRecord[] = [];
  for (const raw of raws) {
    const mapped = mapSalesforceRecord(objectType, raw, integrationUserId);
    if (mapped.ok) records.push(mapped.record);
    else rejected.push(mapped.rejected);
  }
  return { records, rejected };
}
