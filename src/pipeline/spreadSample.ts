/**
 * A bounded sample of a tenant's stored records for a fit or a check: all of them up to a cap, beyond it
 * every k-th, read page by page in id order, so it is spread over the whole portal, the same records on
 * every run, and memory holds the sample and one page, never the table.
 */
import type { ObjectType } from '../domain/records.ts';
import type { Store, StoredRecord } from '../store/types.ts';

/** What `pick` keeps (null: skip the record) of the `count` records of a type it would keep, at most about `cap`. */
export async function spreadSample<T>(
  store: Pick<Store, 'recordPages'>,
  tenantId: string,
  objectType: ObjectType,
  count: number,
  cap: number,
  pick: (record: StoredRecord) => T | null,
): Promise<T[]> {
  const step = Math.max(1, Math.ceil(count / cap));
  const out: T[] = [];
  let at = 0;
  for await (const page of store.recordPages(tenantId, objectType)) {
    for (const record of page) {
      const kept = pick(record);
      if (kept !== null && at++ % step === 0) out.push(kept);
    }
  }
  return out;
}
