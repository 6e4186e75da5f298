/**
 * From the newest signals to the CRM property values each record should have: every signal written to
 * an object type is merged into one set of values per record (one outbox item, one batch input).
 */
import { crmFieldName, OUTPUT_FIELDS, type OutputField } from '../domain/outputFields.ts';
import type { Crm, ObjectType } from '../domain/records.ts';
import type { OutboxInput, Store } from '../store/types.ts';
import { diffValues, type DesiredValues } from './diff.ts';
import { readableSegmentOptions, SEGMENT, SIGNAL_STAGES } from './signals/index.ts';

export function outputObjectTypes(): ObjectType[] {
  return [...new Set(SIGNAL_STAGES.flatMap((s) => s.outputs.map((o) => o.objectType)))];
}

/** Records per signal in one page of the write-back diff: a page's values are all it holds in memory. */
export const DIFF_PAGE = 2000;

/**
 * The write-back diff of one object type, a key range of records at a time: the values the newest
 * signals ask for against what we last wrote, read for that range only, so memory stays one page
 * whatever the portal's size. Pages follow the database's id order; a page's items are in id order.
 */
export async function* diffPages(store: Store, tenantId: string, crm: Crm, objectType: ObjectType, chosen?: Partial<Record<string, string>>, pageSize = DIFF_PAGE): AsyncGenerator<OutboxInput[]> {
  const outputs = SIGNAL_STAGES.flatMap((s) => s.outputs).filter((o) => o.objectType === objectType);
  const signals = [...new Set(outputs.map((o) => o.signal))];
  let after: string | null = null;
  for (;;) {
    const range = await store.nextSignalRange(tenantId, objectType, signals, after, pageSize);
    if (!range) return;
    const desired = new Map<string, DesiredValues>();
    for (const output of outputs) {
      for (const [externalId, row] of await store.latestSignals(tenantId, objectType, output.signal, range)) {
        const entry = desired.get(externalId) ?? { properties: {}, modelVersion: row.modelVersion };
        for (const [key, value] of Object.entries(output.values(row))) entry.properties[crmFieldName(crm, key, chosen)] = value;
        desired.set(externalId, entry);
      }
    }
    yield diffValues(objectType, desired, await store.writtenValues(tenantId, objectType, range));
    if (range.through === null) return;
    after = range.through;
  }
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
