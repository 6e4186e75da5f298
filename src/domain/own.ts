/**
 * Lookups in records keyed by names from outside (CSV headers, mapping keys, CRM property names): such a
 * name may be `constructor`, `toString` or `__proto__`, which a plain object answers from Object.prototype.
 */

/** The record's own value under `key`; never one inherited from Object.prototype. */
export function own<V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Whether the record itself holds `key` with a defined value (an inherited member is not a column). */
export function hasOwnValue(record: Readonly<Record<string, unknown>>, key: string): boolean {
  return Object.hasOwn(record, key) && record[key] !== undefined;
}

/** An empty record without a prototype: every key, `__proto__` included, is an ordinary own property. */
export function nullRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/** Object.fromEntries into a record without a prototype. */
export function recordFromEntries<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const out = nullRecord<V>();
  for (const [key, value] of entries) out[key] = value;
  return out;
}
