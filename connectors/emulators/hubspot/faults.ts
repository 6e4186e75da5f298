/**
 * Switches tests flip to make the emulator misbehave the ways HubSpot does: throttling storms,
 * 5xx, slowness, search index lag, paging that does not advance, and records that never passed validation.
 */
import { FaultSwitches } from '../shared/faults.ts';
import type { WindowConfig } from './rateLimit.ts';
import type { EmulatorState } from './state.ts';

export interface FaultSettings {
  /** Replaces the 10-second policy, e.g. { max: 3, intervalMs: 10_000 } for a 429 storm. */
  rateLimit: WindowConfig | null;
  /** Replaces the search per-second limit. */
  searchPerSecond: number | null;
  /** Share (0..1) of API calls answered 502/503, drawn from a seeded stream. */
  serverErrorRate: number;
  /** Added before every API answer. */
  latencyMs: number;
  /** Records modified less than this long ago are not yet visible to search (index lag). */
  searchLagMs: number;
  /**
   * List, search and the per-record association GET answer a page that was asked for with a cursor by
   * pointing at that same cursor as the next page (list and associations: `after`, search: the offset),
   * so a client that trusts paging asks forever.
   */
  repeatCursor: boolean;
  /** Records (by id, or 'all') served by list and search with an id that is not a HubSpot object id. */
  malformedIds: readonly string[] | 'all';
}

const DEFAULTS: FaultSettings = { rateLimit: null, searchPerSecond: null, serverErrorRate: 0, latencyMs: 0, searchLagMs: 0, repeatCursor: false, malformedIds: [] };

/** The id a record is served with: its own, or under `malformedIds` one no HubSpot object has. */
export function servedId(settings: Readonly<FaultSettings>, id: string): string {
  const malformed = settings.malformedIds === 'all' || settings.malformedIds.includes(id);
  return malformed ? `obj-${id}` : id;
}

export class Faults extends FaultSwitches<FaultSettings, 502 | 503> {
  constructor(
    private readonly state: EmulatorState,
    seed: number,
  ) {
    // A random failure is a 502 or a 503, half and half, as HubSpot's gateways give them.
    super(DEFAULTS, { seed, stream: 'faults', errorStatus: (random) => (random() < 0.5 ? 502 : 503), defaultStatus: 503 });
  }

  /**
   * Inserts contacts that never passed validation (imports and old integrations leave such data).
   * The API serves them as stored strings; a connector must skip them with a reason, not crash.
   * Returns the new ids, in this order: wrong types, missing email, 100 kB string, odd unicode,
   * unknown options, odd number formats.
   */
  insertMalformedContacts(): string[] {
    const base = { lifecyclestage: 'lead', hs_lead_status: 'OPEN' };
    const rows: Record<string, string>[] = [
      { ...base, email: 'wrong.types@example.com', firstname: 'Wrong', lastname: 'Types', age: 'forty', call_duration: 'n/a', campaign_contacts: 'two', euribor_3m: 'NaN' },
      { ...base, firstname: 'No', lastname: 'Email', age: '33', job: 'technician' },
      { ...base, email: 'huge.string@example.com', firstname: 'Huge', lastname: 'x'.repeat(100 * 1024), age: '41' },
      {
        ...base,
        email: 'odd.unicode@example.com',
        // Lone surrogate, RTL mark, emoji with ZWJ, combining accent, zero-width space; no NUL.
        firstname: 'Lone\uD800Surrogate \u200Fמרים\u200F 👩‍💻',
        lastname: 'Cafe\u0301\u200B\uDC00',
        age: '29',
      },
      { ...base, email: 'unknown.options@example.com', firstname: 'Unknown', lastname: 'Options', job: 'astronaut', marital: 'complicated', lifecyclestage: 'weird', age: '50' },
      { ...base, email: 'odd.numbers@example.com', firstname: 'Odd', lastname: 'Numbers', age: '4.2e1', emp_var_rate: '1,1', nr_employed: ' 5191 ', cons_price_idx: '' },
    ];
    return rows.map((p) => this.state.insert('contacts', Object.fromEntries(Object.entries(p).filter(([, v]) => v !== ''))).id);
  }
}
