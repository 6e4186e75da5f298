/**
 * Turns each record's newest signal into the CRM property values it should have, and keeps only the
 * values that differ from what we last wrote. Presence, not truthiness: an empty string is a value
 * (HubSpot clears a property with ''), and a property never written differs from any value.
 */
import { outputField } from '../domain/outputFields.ts';
import type { PropertyValue } from '../domain/records.ts';
import type { OutboxInput, SignalRow } from '../store/types.ts';
import type { LeadScoreValue } from './score.ts';

export type CrmFieldName = (key: string) => string;

export function leadScoreProperties(row: SignalRow, fieldName: CrmFieldName): Record<string, string> {
  const value = row.value as LeadScoreValue;
  return {
    [fieldName('leadScore')]: String(value.score),
    [fieldName('leadScoreReasons')]: value.reasons,
    [fieldName('leadScoreModel')]: `leadScore v${row.modelVersion}`,
  };
}

export function diffSignals(
  signals: Map<string, SignalRow>,
  written: Map<string, Record<string, PropertyValue>>,
  toProperties: (row: SignalRow) => Record<string, string>,
): OutboxInput[] {
  const out: OutboxInput[] = [];
  for (const [externalId, row] of [...signals].sort(([a], [b]) => a.localeCompare(b))) {
    const desired = toProperties(row);
    const last = written.get(externalId) ?? {};
    const properties: Record<string, string> = {};
    const previous: Record<string, string | null> = {};
    for (const [name, value] of Object.entries(desired)) {
      const before = Object.hasOwn(last, name) ? (last[name] ?? null) : null;
      if (Object.hasOwn(last, name) && before === value) continue;
      properties[name] = value;
      previous[name] = before;
    }
    if (Object.keys(properties).length > 0) {
      out.push({ objectType: row.objectType, externalId, properties, previous, modelVersion: row.modelVersion });
    }
  }
  return out;
}

export function hubspotFieldName(key: string): string {
  return outputField(key).hubspotName;
}
