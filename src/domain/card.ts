/**
 * What the backend's contact card route answers and the HubSpot app card renders
 * (manifests/hubspot/src/app/cards/): one type for both sides, so they cannot drift. Pure types; the
 * card imports them with `import type`, which HubSpot's bundler erases, so nothing outside the HubSpot
 * project is bundled into the card.
 *
 * Every answer is JSON with a `status`, including "not scored yet" (200) and refusals (4xx/5xx with
 * `status: 'error'`): a bare 404 therefore always means the route is missing, never an empty contact.
 */

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export interface CardLeadScore {
  /** 1-99, calibrated. */
  score: number;
  /** Human-readable reasons, strongest first (raising and lowering). */
  reasons: string[];
  /** The model version that produced the score, e.g. "leadScore v7". */
  modelVersion: string;
  /** ISO 8601. */
  scoredAt: string;
}

export interface CardSegment {
  id: string;
  name: string;
}

export interface CardRecommendation {
  item: string;
  reason: string;
}

export interface CardFeedbackSentiment {
  /** -1 (negative) to 1 (positive), rolled up over the contact's tickets. */
  score: number;
  label: SentimentLabel;
  tickets: number;
}

/** The signals of one contact; each is null (or empty) until its stage has produced a value. */
export interface ContactSignals {
  leadScore: CardLeadScore | null;
  segment: CardSegment | null;
  recommendations: CardRecommendation[];
  feedbackSentiment: CardFeedbackSentiment | null;
}

export type ContactCardPayload =
  | { status: 'ready'; signals: ContactSignals }
  /** Known contact, nothing computed yet (first sync still running, or no model yet). */
  | { status: 'empty'; message: string }
  /** The backend refused: portal not connected, contact not in this portal, bad signature... */
  | { status: 'error'; message: string };
