/**
 * The edge where HubSpot's objects become canonical records. Responses are validated here and a record
 * that cannot be trusted is rejected with a reason naming the problem; the rest of the page goes on.
 */
import { z } from 'zod';
import type { CanonicalRecord, ObjectType, PropertyValue, RejectedRecord } from '../../src/domain/records.ts';

/** HubSpot's own limit for a single-line or multi-line text property value. */
export const MAX_VALUE_LENGTH = 65_536;

const RawObject = z.object({
  id: z.string().regex(/^\d+$/, 'id is not a HubSpot object id'),
  properties: z.record(z.string(), z.union([z.string(), z.null()])),
  updatedAt: z.union([z.date(), z.string()]).optional(),
});
export type RawObject = z.infer<typeof RawObject>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function valueProblem(name: string, value: PropertyValue): string | null {
  if (value === null) return null;
  if (value.length > MAX_VALUE_LENGTH) return `property "${name}" is ${value.length} characters long (HubSpot allows ${MAX_VALUE_LENGTH})`;
  if (LONE_SURROGATE.test(value)) return `property "${name}" holds invalid unicode (a lone surrogate)`;
  return null;
}

function modifiedAt(raw: RawObject, modifiedProperty: string): string | null {
  const fromProperty = raw.properties[modifiedProperty];
  const candidate = fromProperty ?? (raw.updatedAt instanceof Date ? raw.updatedAt.toISOString() : raw.updatedAt);
  if (!candidate) return null;
  const ms = /^\d+$/.test(candidate) ? Number(candidate) : Date.parse(candidate);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

export type Mapped = { ok: true; record: CanonicalRecord } | { ok: false; rejected: RejectedRecord };

/** One mapper for every phase (list, search, batch read), so initial and incremental syncs agree exactly. */
export function mapObject(objectType: ObjectType, input: unknown, modifiedProperty = 'hs_lastmodifieddate'): Mapped {
  const idGuess = input && typeof input === 'object' && 'id' in input ? String((input as { id: unknown }).id) : null;
  const parsed = RawObject.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'record';
    return { ok: false, rejected: { objectType, externalId: idGuess, reason: `${where}: ${issue?.message ?? 'malformed'}` } };
  }
  const raw = parsed.data;
  for (const [name, value] of Object.entries(raw.properties)) {
    const problem = valueProblem(name, value);
    if (problem) return { ok: false, rejected: { objectType, externalId: raw.id, reason: problem } };
  }
  const modified = modifiedAt(raw, modifiedProperty);
  if (!modified) return { ok: false, rejected: { objectType, externalId: raw.id, reason: `${modifiedProperty} is missing or not a date` } };
  return { ok: true, record: { objectType, externalId: raw.id, modifiedAt: modified, properties: raw.properties, associations: {} } };
}

export function mapPage(objectType: ObjectType, results: unknown[], modifiedProperty?: string): { records: CanonicalRecord[]; rejected: RejectedRecord[] } {
  const records: CanonicalRecord[] = [];
  const rejected: RejectedRecord[] = [];
  for (const item of results) {
    const mapped = mapObject(objectType, item, modifiedProperty);
    if (mapped.ok) records.push(mapped.record);
    else rejected.push(mapped.rejected);
  }
  return { records, rejected };
}
