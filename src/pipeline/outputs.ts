/**
 * From the newest signals to the CRM property values each record should have: every signal written to
 * an object type is merged into one set of values per record (one outbox item, one batch input).
 */
import { crmFieldName, OUTPUT_FIELDS, type OutputField } from '../domain/outputFields.ts';
import type { Crm, ObjectType } from '../domain/records.ts';
import type { Store } from '../store/types.ts';
import type { DesiredValues } from './diff.ts';
import { readableSegmentOptions, SEGMENT, SIGNAL_STAGES } from './signals/index.ts';

export function outputObjectTypes(): ObjectType[] {
  return [...new Set(SIGNAL_STAGES.flatMap((s) => s.outputs.map((o) => o.objectType)))];
}

export async function desiredValues(store: Store, tenantId: string, crm: Crm, objectType: ObjectType, chosen?: Partial<Record<string, string>>): Promise<Map<string, DesiredValues>> {
  const desired = new Map<string, DesiredValues>();
  for (const output of SIGNAL_STAGES.flatMap((s) => s.outputs).filter((o) => o.objectType === objectType)) {
    for (const [externalId, row] of await store.latestSignals(tenantId, objectType, output.signal)) {
      const entry = desired.get(externalId) ?? { properties: {}, modelVersion: row.modelVersion };
      for (const [key, value] of Object.entries(output.values(row))) entry.properties[crmFieldName(crm, key, chosen)] = value;
      desired.set(externalId, entry);
    }
  }
  return desired;
}

/**
 * The output fields with the enumeration options the active models need (segment ids and names). An
 * unreadable segments model (its stage failed) leaves the field as it is, so the other signals still write.
 */
export async function fieldsWithCurrentOptions(store: Store, tenantId: string): Promise<OutputField[]> {
  const segments = await store.getActiveModel(tenantId, SEGMENT);
  const options = segments ? readableSegmentOptions(segments.model) : null;
  return OUTPUT_FIELDS.map((f) => (f.key === 'segment' && options ? { ...f, options } : f));
}
