/**
 * The card's data handling, kept apart from React so it is tested directly (test/manifests/hubspotCard.test.tsx):
 * the request URL, turning the backend's answer into a card state, and shaping signals for display.
 * The payload type is the backend's own (src/domain/card.ts); `import type` is erased when HubSpot
 * bundles the card, so nothing outside this project is uploaded.
 */
import type { CardFeedbackSentiment, CardLeadScore, CardReason, CardRecommendation, CardSegment, ContactCardPayload, ContactSignals, SentimentLabel } from '../../../../../src/domain/card.ts';

/** hubspot.fetch allows up to 15 s; leave room for its one retry on a 5xx. */
export const FETCH_TIMEOUT_MS = 7000;

export type CardState =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'empty'; message: string }
  | { status: 'ready'; signals: ContactSignals };

/** What the card needs of hubspot.fetch's Response. */
export interface CardResponse {
  status: number;
  ok: boolean;
  json(): Promise<unknown>;
}

export const NOT_SCORED_MESSAGE = 'crm-signals has not scored this contact yet. Scores appear after the next sync.';

/** The card's request: the generated endpoint and the record's id (HubSpot appends portalId and userId and signs it). */
export function contactCardUrl(endpoint: string | null, objectId: string | number): string {
  if (endpoint === null) throw new Error('the crm-signals backend does not serve the contact card yet');
  const id = String(objectId);
  if (!/^\d+$/.test(id)) throw new Error(`contact id must be a HubSpot object id (digits), got ${JSON.stringify(id)}`);
  return `${endpoint}?objectId=${id}`;
}

// ---- validating the payload at the edge ----------------------------------------------------------

class PayloadError extends Error {}

type Json = Record<string, unknown>;

function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PayloadError(`${where} must be an object`);
  return value as Json;
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new PayloadError(`${where} must be a string`);
  return value;
}

function finite(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new PayloadError(`${where} must be a number`);
  return value;
}

function list<T>(value: unknown, where: string, item: (v: unknown, where: string) => T): T[] {
  if (!Array.isArray(value)) throw new PayloadError(`${where} must be a list`);
  return value.map((v, i) => item(v, `${where}[${i}]`));
}

function nullable<T>(value: unknown, where: string, parse: (v: unknown, where: string) => T): T | null {
  return value === null || value === undefined ? null : parse(value, where);
}

const SENTIMENT_LABELS: readonly SentimentLabel[] = ['positive', 'neutral', 'negative'];

const DIRECTIONS: readonly CardReason['direction'][] = ['raises', 'lowers'];

function reason(value: unknown, where: string): CardReason {
  const o = object(value, where);
  const direction = string(o.direction, `${where}.direction`);
  if (!(DIRECTIONS as readonly string[]).includes(direction)) throw new PayloadError(`${where}.direction must be one of ${DIRECTIONS.join(', ')}, got ${JSON.stringify(direction)}`);
  const points = finite(o.points, `${where}.points`);
  if (points < 0) throw new PayloadError(`${where}.points must not be negative`);
  return { text: string(o.text, `${where}.text`), label: string(o.label, `${where}.label`), value: string(o.value, `${where}.value`), direction: direction as CardReason['direction'], points };
}

function leadScore(value: unknown, where: string): CardLeadScore {
  const o = object(value, where);
  return {
    score: finite(o.score, `${where}.score`),
    reasons: list(o.reasons, `${where}.reasons`, reason),
    codesVersion: finite(o.codesVersion, `${where}.codesVersion`),
    modelVersion: string(o.modelVersion, `${where}.modelVersion`),
    scoredAt: string(o.scoredAt, `${where}.scoredAt`),
  };
}

function segment(value: unknown, where: string): CardSegment {
  const o = object(value, where);
  return { id: string(o.id, `${where}.id`), name: string(o.name, `${where}.name`) };
}

function recommendation(value: unknown, where: string): CardRecommendation {
  const o = object(value, where);
  return { item: string(o.item, `${where}.item`), reason: string(o.reason, `${where}.reason`) };
}

function feedbackSentiment(value: unknown, where: string): CardFeedbackSentiment {
  const o = object(value, where);
  const label = string(o.label, `${where}.label`);
  if (!(SENTIMENT_LABELS as readonly string[]).includes(label)) throw new PayloadError(`${where}.label must be one of ${SENTIMENT_LABELS.join(', ')}, got ${JSON.stringify(label)}`);
  return { score: finite(o.score, `${where}.score`), label: label as SentimentLabel, tickets: finite(o.tickets, `${where}.tickets`) };
}

/** The backend's answer, checked field by field; throws naming the first field that is wrong. */
export function parseCardPayload(body: unknown): ContactCardPayload {
  const o = object(body, 'the answer');
  switch (o.status) {
    case 'ready': {
      const s = object(o.signals, 'signals');
      return {
        status: 'ready',
        signals: {
          leadScore: nullable(s.leadScore, 'signals.leadScore', leadScore),
          segment: nullable(s.segment, 'signals.segment', segment),
          recommendations: list(s.recommendations ?? [], 'signals.recommendations', recommendation),
          feedbackSentiment: nullable(s.feedbackSentiment, 'signals.feedbackSentiment', feedbackSentiment),
        },
      };
    }
    case 'empty':
    case 'error':
      return { status: o.status, message: string(o.message, 'message') };
    default:
      throw new PayloadError(`status must be ready, empty or error, got ${JSON.stringify(o.status)}`);
  }
}

export function hasSignals(signals: ContactSignals): boolean {
  return signals.leadScore !== null || signals.segment !== null || signals.recommendations.length > 0 || signals.feedbackSentiment !== null;
}

/** The card state for the backend's answer to the card request. */
export async function cardStateFromResponse(response: CardResponse): Promise<CardState> {
  // The backend answers every known contact with a JSON status, so a bare 404 is a missing route.
  if (response.status === 404) return { status: 'error', message: 'crm-signals does not answer the card request (HTTP 404)' };
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return { status: 'error', message: `crm-signals answered HTTP ${response.status} with a body that is not JSON` };
  }
  let payload: ContactCardPayload;
  try {
    payload = parseCardPayload(body);
  } catch (error) {
    if (!response.ok) return { status: 'error', message: `crm-signals answered HTTP ${response.status}` };
    return { status: 'error', message: `crm-signals answered with an unexpected payload: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (payload.status === 'ready') return hasSignals(payload.signals) ? payload : { status: 'empty', message: NOT_SCORED_MESSAGE };
  if (payload.status === 'empty') return payload;
  return { status: 'error', message: payload.message };
}

// ---- shaping for display ---------------------------------------------------------------------------

export type SentimentTag = 'success' | 'default' | 'danger';

const SENTIMENT_TAG: Record<SentimentLabel, SentimentTag> = { positive: 'success', neutral: 'default', negative: 'danger' };

export interface CardView {
  score: string;
  sentiment: string;
  /** The reasons' sentences, raising ones first. */
  reasons: string[];
  segment: string;
  recommendations: string[];
  feedback: { tag: SentimentTag; label: SentimentLabel; summary: string } | null;
  /** The model and time behind the score, or null before the first score. */
  footer: string | null;
}

/** "2026-11-20 09:30 UTC": the same on every portal and in tests, unlike toLocaleString. */
export function formatTime(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function cardView(signals: ContactSignals): CardView {
  const { leadScore, segment, recommendations, feedbackSentiment } = signals;
  return {
    score: leadScore ? String(Math.round(leadScore.score)) : '-',
    sentiment: feedbackSentiment ? feedbackSentiment.score.toFixed(2) : '-',
    reasons: leadScore ? leadScore.reasons.map((r) => r.text) : [],
    segment: segment ? segment.name : 'Not segmented yet',
    recommendations: recommendations.map((r) => `${r.item}: ${r.reason}`),
    feedback: feedbackSentiment
      ? {
          tag: SENTIMENT_TAG[feedbackSentiment.label],
          label: feedbackSentiment.label,
          summary: `over ${feedbackSentiment.tickets} ticket${feedbackSentiment.tickets === 1 ? '' : 's'}`,
        }
      : null,
    footer: leadScore ? `Model ${leadScore.modelVersion}, scored ${formatTime(leadScore.scoredAt)}` : null,
  };
}
