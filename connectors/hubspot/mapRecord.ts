/**
 * The edge where HubSpot's objects become canonical records. Responses are validated here (the shape with
 * zod, values and stamps by the shared edge checks) and a record that cannot be trusted is rejected with a
 * reason naming the problem; the rest of the page goes on.
 */
import { z } from 'zod';
import type { CanonicalRecord, ObjectType, RejectedRecord } from '../../src/domain/records.ts';
import { isoInstant, mapPageWith, propertiesProblem, rejected, stampProblem, type Mapped } from '../shared/edge.ts';

const RawObject = z.object({
  id: z.string().regex(/^\d+$/, 'id is not a HubSpot object id'),
  properties: z.record(z.string(), z.union([z.string(), z.null()])),
  updatedAt: z.union([z.date(), z.string()]).optional(),
});
export type RawObject = z.infer<typeof RawObject>;

/** The modified property when present, else the object's updatedAt (batch reads of line items). */
export function modifiedAt(raw: { properties?: Record<string, unknown>; updatedAt?: unknown }, modifiedProperty: string): string | null {
  return isoInstant(raw.properties?.[modifiedProperty] ?? raw.updatedAt);
}

type Checked = { ok: true; raw: RawObject; modified: string } | { ok: false; id: string | null; reason: string };

/** The checks a raw object must pass to be trusted: its shape (numeric id), its values, its modification stamp. */
function check(input: unknown, modifiedProperty: string): Checked {
  const id = input && typeof input === 'object' ? (input as { id?: unknown }).id : undefined;
  // Only a string or number id is echoed: any other value (an object, even one without a prototype) is no id.
  const idGuess = typeof id === 'string' || typeof id === 'number' ? String(id) : null;
  const parsed = RawObject.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'record';
    return { ok: false, id: idGuess, reason: `${where}: ${issue?.message ?? 'malformed'}` };
  }
  const raw = parsed.data;
  const problem = propertiesProblem(raw.properties, 'HubSpot');
  if (problem) return { ok: false, id: raw.id, reason: problem };
  const modified = modifiedAt(raw, modifiedProperty);
  if (!modified) return { ok: false, id: raw.id, reason: stampProblem(modifiedProperty) };
  return { ok: true, raw, modified };
}

/** One mapper for every phase (list, search, batch read), so initial and incremental syncs agree exactly. */
export function mapObject(objectType: ObjectType, input: unknown, modifiedProperty = 'hs_lastmodifieddate'): Mapped {
  const checked = check(input, modifiedProperty);
  if (!checked.ok) return rejected(objectType, checked.id, checked.reason);
  const { raw, modified } = checked;
  return { ok: true, record: { objectType, externalId: raw.id, modifiedAt: modified, properties: raw.properties, associations: {} } };
}

/**
 * The id and stamp a search checkpoint may be made of: only an object the mapper would accept, so a
 * result it rejects (a non-numeric id, an unreadable stamp) can never become the point a sync resumes from.
 */
export function trustedStamp(input: unknown, modifiedProperty: string): { id: string; modified: string } | null {
  const checked = check(input, modifiedProperty);
  return checked.ok ? { id: checked.raw.id, modified: checked.modified } : null;
}

export function mapPage(objectType: ObjectType, results: readonly unknown[], modifiedProperty?: string): { records: CanonicalRecord[]; rejected: RejectedRecord[] } {
  return mapPageWith(results, (item) => mapObject(objectType, item, modifiedProperty));
}
