/**
 * What the contact card shows, from the store: the newest value of each of the four signals of one
 * contact of one tenant (src/domain/card.ts is the payload type the HubSpot card renders). The route in
 * front of it signs, caches and answers; this only reads.
 *
 * A stored value that does not have the shape its stage writes (a value from an older build, a damaged
 * row) leaves that one signal empty on the card: the other signals still show.
 */
import type { CardFeedbackSentiment, CardLeadScore, CardReason, CardRecommendation, CardSegment, ContactCardPayload } from '../domain/card.ts';
import type { ComputedSignal, Store } from '../store/types.ts';
import { reasonCodesOf } from './signals/leadScore.ts';
import { FEEDBACK_SENTIMENT, LEAD_SCORE, RECOMMENDATIONS, SEGMENT, type LeadScoreValue } from './signals/index.ts';

export const CONTACT_NOT_FOUND = 'contact not found in this portal';
export const NOTHING_COMPUTED = 'crm-signals has not computed signals for this contact yet: they appear after the next cycle.';
const CARD_SIGNALS = [LEAD_SCORE, SEGMENT, RECOMMENDATIONS, FEEDBACK_SENTIMENT] as const;
const MAX_CONTACT_ID_LENGTH = 255;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function cardReason(r: unknown): CardReason | null {
  if (!isObject(r) || !isString(r.text) || !isString(r.label) || !isString(r.value) || !isFinite(r.points)) return null;
  if (r.direction !== 'raises' && r.direction !== 'lowers') return null;
  return { text: r.text, label: r.label, value: r.value, direction: r.direction, points: r.points };
}

function leadScore(row: ComputedSignal): CardLeadScore | null {
  const v = row.value as LeadScoreValue | null;
  if (!isObject(v) || !isFinite(v.score)) return null;
  // a score from before reasons were worded has no parts to show: it gets them when scored again
  const readable = Array.isArray(v.readable) ? v.readable.map(cardReason) : [];
  const reasons = readable.filter((r): r is CardReason => r !== null);
  const codesVersion = Array.isArray(v.readable) ? reasonCodesOf(v, row.modelVersion).v : 0;
  return { score: v.score, reasons, codesVersion, modelVersion: `leadScore v${row.modelVersion}`, scoredAt: isString(v.scoredAt) ? v.scoredAt : row.computedAt };
}

function segment(row: ComputedSignal): CardSegment | null {
  const v = row.value;
  return isObject(v) && isString(v.id) && isString(v.name) ? { id: v.id, name: v.name } : null;
}

function recommendations(row: ComputedSignal): CardRecommendation[] {
  const v = row.value;
  if (!isObject(v) || !Array.isArray(v.items)) return [];
  return v.items.flatMap((i: unknown) => (isObject(i) && isString(i.item) && isString(i.reason) ? [{ item: i.item, reason: i.reason }] : []));
}

function feedbackSentiment(row: ComputedSignal): CardFeedbackSentiment | null {
  const v = row.value;
  if (!isObject(v) || !isFinite(v.score) || !isFinite(v.count)) return null;
  if (v.label !== 'positive' && v.label !== 'neutral' && v.label !== 'negative') return null;
  return { score: v.score, label: v.label, tickets: v.count };
}

/** Why a contact id cannot be one, or null. */
function contactIdProblem(contactId: unknown): string | null {
  if (typeof contactId !== 'string' || contactId.trim() === '') return 'contact id must be a non-empty string';
  if (contactId.length > MAX_CONTACT_ID_LENGTH) return `contact id must be at most ${MAX_CONTACT_ID_LENGTH} characters`;
  if (/[\u0000-\u001f\u007f]/.test(contactId)) return 'contact id must not contain control characters';
  return null;
}

function readyPayload(rows: Map<string, ComputedSignal>): ContactCardPayload {
  const of = <T>(signal: string, read: (row: ComputedSignal) => T, none: T): T => {
    const row = rows.get(signal);
    return row ? read(row) : none;
  };
  return {
    status: 'ready',
    signals: {
      leadScore: of(LEAD_SCORE, leadScore, null),
      segment: of(SEGMENT, segment, null),
      recommendations: of(RECOMMENDATIONS, recommendations, []),
      feedbackSentiment: of(FEEDBACK_SENTIMENT, feedbackSentiment, null),
    },
  };
}

/**
 * The card payloads of many contacts of one tenant (the record cards asked at the same moment), by
 * contact id: ready, empty (known, nothing computed) or error. Signals first, for all of them in one
 * query: a record's signals go whenever the record goes (deleted, merged away, erased), so a contact with
 * signals exists; only the ones without need the second look, also one query.
 */
export async function contactCardPayloads(store: Pick<Store, 'signalsOfRecords' | 'getRecords'>, tenantId: string, contactIds: readonly string[]): Promise<Map<string, ContactCardPayload>> {
  const out = new Map<string, ContactCardPayload>();
  const valid: string[] = [];
  for (const id of new Set(contactIds)) {
    const problem = contactIdProblem(id);
    if (problem) out.set(id, { status: 'error', message: problem });
    else valid.push(id);
  }
  if (valid.length === 0) return out;
  const signals = await store.signalsOfRecords(tenantId, 'contact', valid, CARD_SIGNALS);
  const unscored = valid.filter((id) => !signals.has(id));
  const known = unscored.length === 0 ? new Set<string>() : new Set((await store.getRecords(tenantId, 'contact', unscored)).map((r) => r.externalId));
  for (const id of valid) {
    const rows = signals.get(id);
    out.set(id, rows ? readyPayload(rows) : known.has(id) ? { status: 'empty', message: NOTHING_COMPUTED } : { status: 'error', message: CONTACT_NOT_FOUND });
  }
  return out;
}

/** One contact's card payload (the card loader asks for many at once with contactCardPayloads). */
export async function contactCardPayload(store: Store, tenantId: string, contactId: string): Promise<ContactCardPayload> {
  return (await contactCardPayloads(store, tenantId, [contactId])).get(contactId) as ContactCardPayload;
}
