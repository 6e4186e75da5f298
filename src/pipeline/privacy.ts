/**
 * Privacy deletion of one person. The HubSpot webhook handler calls erasePerson for contact.privacyDeletion
 * (objectId = the contact id; no email), the Salesforce admin route for a Lead or Contact id or an email.
 * The person is found in the store, erased there in one transaction (Store.erasePerson), and whatever
 * caches data outside the store (the card cache) is told through onErased. Running it twice is harmless:
 * HubSpot sends privacyDeletion and deletion for the same contact.
 */
import type { ObjectType } from '../domain/records.ts';
import type { Mapping } from '../mapping/index.ts';
import type { ErasureResult, Store, Tenant } from '../store/types.ts';

/** The person's canonical type in every CRM (a HubSpot contact, a Salesforce lead). */
export const PERSON_TYPE: ObjectType = 'contact';
const MAX_TERMS = 100;

export interface PrivacyRequest {
  /** The person's record ids (HubSpot contact id, Salesforce Lead id). */
  ids?: string[];
  /** The person's email addresses; their records are found by the mapping's email field. */
  emails?: string[];
  /**
   * Ids the CRM gives the person on another object (a Salesforce Contact id): the leads converted into
   * it are the person, and records whose properties hold it (a case's ContactId) are theirs.
   */
  linkedIds?: string[];
}

export class PrivacyRequestError extends Error {
  override readonly name = 'PrivacyRequestError';
}

export interface ErasedEvent {
  tenantId: string;
  erasedAt: string;
  /** Every record erased, by type and id: what a cache keyed by record must drop. */
  records: Array<{ objectType: ObjectType; externalId: string }>;
}

export type ErasedListener = (event: ErasedEvent) => void | Promise<void>;

/** Listeners told after each erasure; a cache subscribes once at start-up. */
export class ErasureHooks {
  readonly #listeners = new Set<ErasedListener>();

  /** Returns the unsubscribe function. */
  onErased(listener: ErasedListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Tells every listener; one that fails does not keep the others from hearing. Returns the failures. */
  async notify(event: ErasedEvent): Promise<string[]> {
    const failures: string[] = [];
    for (const listener of [...this.#listeners]) {
      try {
        await listener(event);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    return failures;
  }
}

/** The process's hooks: the card cache subscribes here, erasePerson notifies here unless given others. */
export const erasureHooks = new ErasureHooks();

export interface PersonErasure {
  /** False when the store held no record of the person (nothing to erase; ids given are still tombstoned). */
  found: boolean;
  /** The person's ids the erasure used (given and found by email or linked id). */
  ids: string[];
  /** Null when there was no id at all to erase (an email that matches no record). */
  result: ErasureResult | null;
  /** Listeners that failed: their caches may still hold the person, so the caller should retry (it is idempotent). */
  listenerFailures: string[];
}

function strings(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new PrivacyRequestError(`${what} must be a list of strings`);
  if (value.length > MAX_TERMS) throw new PrivacyRequestError(`${what} lists ${value.length} values; at most ${MAX_TERMS} per request`);
  return value.map((v, i) => {
    if (typeof v !== 'string') throw new PrivacyRequestError(`${what}[${i}] is not a string`);
    const trimmed = v.trim();
    if (trimmed === '') throw new PrivacyRequestError(`${what}[${i}] is empty`);
    if (trimmed.length > 1000) throw new PrivacyRequestError(`${what}[${i}] is longer than 1000 characters`);
    return trimmed;
  });
}

/** The request checked: an error names the field at fault. */
export function parsePrivacyRequest(request: unknown): Required<PrivacyRequest> {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) throw new PrivacyRequestError('the body must be an object: a privacy deletion request with ids, emails or linkedIds');
  const r = request as Record<string, unknown>;
  const parsed = { ids: strings(r.ids, 'ids'), emails: strings(r.emails, 'emails'), linkedIds: strings(r.linkedIds, 'linkedIds') };
  for (const [i, email] of parsed.emails.entries()) if (!email.includes('@')) throw new PrivacyRequestError(`emails[${i}] is not an email address`);
  if (parsed.ids.length + parsed.emails.length + parsed.linkedIds.length === 0) throw new PrivacyRequestError('a privacy deletion request needs ids, emails or linkedIds of the person');
  return parsed;
}

/** The person's record ids within the tenant: by email (the mapping's email field) and by linked id. */
export async function findPersonIds(store: Store, tenant: Tenant, mapping: Mapping, request: Pick<PrivacyRequest, 'emails' | 'linkedIds'>): Promise<string[]> {
  const byEmail = await store.findRecordIds(tenant.id, PERSON_TYPE, { property: mapping.leadScore.emailField, values: request.emails ?? [] });
  const byLink = await store.findRecordIds(tenant.id, PERSON_TYPE, { values: request.linkedIds ?? [] });
  return [...new Set([...byEmail, ...byLink])].sort();
}

/** Properties that hold a person's name in every CRM we read (firstname, LastName, Name). */
const NAME_PROPERTY = /name$/i;

export async function erasePerson(
  store: Store,
  tenant: Tenant,
  mapping: Mapping,
  request: PrivacyRequest,
  options: { now?: Date; hooks?: ErasureHooks; log?: (message: string) => void } = {},
): Promise<PersonErasure> {
  const parsed = parsePrivacyRequest(request);
  const ids = [...new Set([...parsed.ids, ...(await findPersonIds(store, tenant, mapping, parsed))])].sort();
  if (ids.length === 0) return { found: false, ids, result: null, listenerFailures: [] };

  // Search terms only: Store.erasePerson matches and scrubs with them and stores none.
  const records = await store.getRecords(tenant.id, PERSON_TYPE, ids);
  const emails = new Set(parsed.emails.map((e) => e.toLowerCase()));
  const names = new Set<string>();
  for (const record of records) {
    const email = record.properties[mapping.leadScore.emailField];
    if (email && email.trim()) emails.add(email.trim().toLowerCase());
    const parts: string[] = [];
    for (const [property, value] of Object.entries(record.properties)) {
      if (!NAME_PROPERTY.test(property) || !value || !value.trim()) continue;
      names.add(value.trim());
      parts.push(value.trim());
    }
    if (parts.length > 1) names.add(parts.join(' '));
  }

  const result = await store.erasePerson(
    tenant.id,
    { objectType: PERSON_TYPE, externalIds: ids, otherIds: parsed.linkedIds, emails: [...emails], names: [...names] },
    options.now ?? new Date(),
  );
  const listenerFailures = await (options.hooks ?? erasureHooks).notify({ tenantId: tenant.id, erasedAt: result.erasedAt, records: result.tombstones });
  for (const failure of listenerFailures) options.log?.(`privacy deletion: a cache listener failed: ${failure}`);
  const removed = Object.values(result.records).reduce((a, b) => a + (b ?? 0), 0);
  options.log?.(`privacy deletion: ${ids.length} person record id(s) erased (${removed} records, ${result.unlinked} unlinked, ${result.modelBodies} model bodies dropped; retrain ${result.retrain.join(', ') || 'none'})`);
  return { found: records.length > 0, ids, result, listenerFailures };
}
