/**
 * Compares the CRM property values each record should have with the values we last wrote, and keeps
 * only what differs. Presence, not truthiness: an empty string is a value (HubSpot clears a property
 * with ''), and a property never written differs from any value.
 */
import type { PropertyValue } from '../domain/records.ts';
import type { ObjectType } from '../domain/records.ts';
import type { OutboxInput } from '../store/types.ts';

export interface DesiredValues {
  properties: Record<string, string>;
  modelVersion: number | null;
}

export function diffValues(
  objectType: ObjectType,
  desired: Map<string, DesiredValues>,
  written: Map<string, Record<string, PropertyValue>>,
): OutboxInput[] {
  const out: OutboxInput[] = [];
  for (const [externalId, want] of [...desired].sort(([a], [b]) => a.localeCompare(b))) {
    const last = written.get(externalId) ?? {};
    const properties: Record<string, string> = {};
    const previous: Record<string, string | null> = {};
    for (const [name, value] of Object.entries(want.properties)) {
      const before = Object.hasOwn(last, name) ? (last[name] ?? null) : null;
      if (Object.hasOwn(last, name) && before === value) continue;
      properties[name] = value;
      previous[name] = before;
    }
    if (Object.keys(properties).length > 0) out.push({ objectType, externalId, properties, previous, modelVersion: want.modelVersion });
  }
  return out;
}
