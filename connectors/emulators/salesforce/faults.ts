/**
 * Switches tests flip to make the org misbehave the ways Salesforce does: 5xx and slowness, a
 * smaller daily allocation, no Bulk API (Group/Professional editions), row locks on some records
 * during a collection update, and records that never passed validation.
 */
import { FaultSwitches } from '../shared/faults.ts';
import { normalizeId } from './ids.ts';
import { saveError, type SaveError } from './errors.ts';
import type { SalesforceState } from './state.ts';
import type { Value } from './values.ts';

export interface FaultSettings {
  /** Share (0..1) of counted API calls answered 503, drawn from a seeded stream. */
  serverErrorRate: number;
  /** Added before every API answer. */
  latencyMs: number;
  /** The daily API request allocation (DailyApiRequests.Max). */
  dailyApiLimit: number;
  /** false: Bulk API 2.0 is not available, as in Group and Professional Edition orgs. */
  bulkApiEnabled: boolean;
  /** How a disabled Bulk API answers (see README: which one real orgs give is not confirmed). */
  bulkDisabledAs: 'API_DISABLED_FOR_ORG' | 'NOT_FOUND';
  /** Wall-clock time a Bulk query job spends InProgress before JobComplete. */
  bulkJobDelayMs: number;
  /** Bulk query jobs end Failed instead of JobComplete. */
  bulkJobsFail: boolean;
  /** Caps every REST query batch below the requested size (Salesforce shrinks batches for wide rows). */
  queryBatchSizeCap: number | null;
  /** false: JWT bearer grants answer "user hasn't approved this consumer" (app not pre-authorized). */
  jwtPreAuthorized: boolean;
}

export type ServerErrorStatus = 500 | 502 | 503;

interface RecordFailure {
  statusCode: string;
  message: string | undefined;
  remaining: number;
}

export class Faults extends FaultSwitches<FaultSettings, ServerErrorStatus> {
  private recordFailures = new Map<string, RecordFailure>();

  constructor(
    private readonly state: SalesforceState,
    seed: number,
    defaults: FaultSettings,
  ) {
    super(defaults, { seed, stream: 'sf-faults', errorStatus: () => 503, defaultStatus: 503 });
  }

  /** Back to the emulator's options, including the seeded error stream; clears queued and per-record failures. */
  override reset(): void {
    super.reset();
    this.recordFailures.clear();
  }

  /**
   * Writes to these records fail inside an otherwise successful collection call (HTTP 200,
   * success:false for them), `times` times each; UNABLE_TO_LOCK_ROW is the retryable classic
   * (a trigger or another integration holds the row).
   */
  failRecordIds(ids: Iterable<string>, statusCode = 'UNABLE_TO_LOCK_ROW', options: { times?: number; message?: string } = {}): void {
    for (const id of ids) {
      this.recordFailures.set(normalizeId(id) ?? id, { statusCode, message: options.message, remaining: options.times ?? 1 });
    }
  }

  /** Consumes one injected failure for this record, if any. */
  takeRecordFailure(id: string): SaveError | undefined {
    const f = this.recordFailures.get(id);
    if (!f) return undefined;
    if (--f.remaining <= 0) this.recordFailures.delete(id);
    const message = f.message ?? (f.statusCode === 'UNABLE_TO_LOCK_ROW'
      ? `unable to obtain exclusive access to this record or 1 records: ${id}`
      : `injected failure for ${id}`);
    return saveError(f.statusCode, message);
  }

  /**
   * Inserts leads that never passed validation (imports, old integrations, a field whose type
   * was changed). Some of these (a string in a Number field) cannot exist in a real org, but they
   * are what a connector's edge validation must skip with a reason instead of crashing.
   * Returns the new ids in this order: wrong types, missing required fields, 100 kB last name,
   * odd unicode, unknown picklist values, odd numbers, invalid email.
   */
  insertMalformedLead(): string[] {
    const base: Record<string, Value> = { Status: 'Open - Not Contacted', Company: 'Malformed Imports' };
    const rows: Record<string, Value>[] = [
      { ...base, FirstName: 'Wrong', LastName: 'Types', Email: 'wrong.types@example.com', Age__c: 'forty', Call_Duration__c: 'n/a', Campaign_Contacts__c: 'two', Euribor_3m__c: 'NaN' },
      { FirstName: 'No', LastName: null, Company: null, Email: null, Status: null, Age__c: 33, Job__c: 'technician' },
      { ...base, FirstName: 'Huge', LastName: 'x'.repeat(100 * 1024), Email: 'huge.string@example.com', Age__c: 41 },
      {
        ...base,
        // Lone surrogate, RTL marks, emoji with ZWJ, combining accent, zero-width space; no NUL.
        FirstName: 'Lone\uD800Surrogate \u200Fמרים\u200F 👩‍💻',
        LastName: 'Cafe\u0301\u200B\uDC00',
        Email: 'odd.unicode@example.com',
        Age__c: 29,
      },
      { ...base, FirstName: 'Unknown', LastName: 'Options', Email: 'unknown.options@example.com', Job__c: 'astronaut', Marital__c: 'complicated', Status: 'Weird Status', Age__c: 50 },
      { ...base, FirstName: 'Odd', LastName: 'Numbers', Email: 'odd.numbers@example.com', Age__c: -3, Campaign_Contacts__c: 1e9, Cons_Conf_Idx__c: 0.00001, Nr_Employed__c: 1e21 },
      { ...base, FirstName: 'Bad', LastName: 'Email', Email: 'not-an-email', Age__c: 38 },
    ];
    return rows.map((r) => this.state.insert('Lead', r)['Id'] as string);
  }
}
