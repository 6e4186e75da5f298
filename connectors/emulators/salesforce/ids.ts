/**
 * Salesforce record ids: 15 case-sensitive characters (3-character key prefix naming the object,
 * 2 for the pod, 1 reserved, 9 for the record) plus a 3-character suffix that encodes the case of
 * the first 15, so the 18-character form survives case-insensitive tools. The API answers with the
 * 18-character form and accepts both; connectors that compare ids must normalise them the same way.
 */

/** In ASCII order, so fixed-width ids sort the same as the counters that made them. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
/** The pod part of every id this org hands out (real orgs show e.g. "5e", "Dn", "8c"). */
export const POD = '8c';

/** Key prefixes of the objects the emulator serves. Custom objects get a0x prefixes as they are added. */
export const KEY_PREFIX = {
  Organization: '00D',
  User: '005',
  Lead: '00Q',
  Contact: '003',
  Account: '001',
  Opportunity: '006',
  OpportunityLineItem: '00k',
  OpportunityContactRole: '00K',
  Product2: '01t',
  Pricebook2: '01s',
  PricebookEntry: '01u',
  Case: '500',
  QueryLocator: '01g',
  BulkJob: '750',
} as const;

export function checksumSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) flags |= 1 << i;
    }
    out += SUFFIX_ALPHABET[flags];
  }
  return out;
}

/** The 18-character id for key prefix + counter. Deterministic: same counter, same id. */
export function makeId(prefix: string, counter: number): string {
  let digits = '';
  let n = Math.floor(counter);
  for (let i = 0; i < 9; i++) {
    digits = BASE62[n % 62] + digits;
    n = Math.floor(n / 62);
  }
  const id15 = `${prefix}${POD}0${digits}`;
  return id15 + checksumSuffix(id15);
}

/**
 * The 18-character form of a 15- or 18-character id, or undefined when it is not an id at all
 * (wrong length, characters outside [A-Za-z0-9], or a suffix that does not fit). An 18-character
 * id is case-insensitive: its suffix says which letters are upper case, so "00q...eak" resolves
 * to the same record as "00Q...EAK", as in Salesforce.
 */
export function normalizeId(value: string): string | undefined {
  if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(value)) return undefined;
  if (value.length === 15) return value + checksumSuffix(value);
  let id15 = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const flags = SUFFIX_ALPHABET.indexOf((value[15 + chunk] as string).toUpperCase());
    if (flags < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const c = value[chunk * 5 + i] as string;
      const upper = ((flags >> i) & 1) === 1;
      if (upper && !/[a-zA-Z]/.test(c)) return undefined;
      id15 += upper ? c.toUpperCase() : c.toLowerCase();
    }
  }
  return id15 + checksumSuffix(id15);
}
