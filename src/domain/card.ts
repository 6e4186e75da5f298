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

/** One reason behind a lead score, worded for the rep and in parts for the layout. */
export interface CardReason {
  /** "Previous campaign outcome: success — raises the score by 18 points". */
  text: string;
  /** The input's label (the mapping's override, else the CRM's field label). */
  label: string;
  /** The record's value bucket, worded: "success", "between 1.1 and 1.4", "5,228 or more". */
  value: string;
  direction: 'raises' | 'lowers';
  /** Whole points on the 1-99 score; 0 when under half a point. */
  points: number;
}

export interface CardLeadScore {
  /** 1-99, calibrated. */
  score: number;
  /** The reasons, raising ones first, each direction strongest first. */
  reasons: CardReason[];
  /**
   * The version of the reason codes these reasons come with (the `v` of the reason codes field); 0 for a
   * score from before reasons were versioned, which has no reasons here until it is scored again.
   */
  codesVersion: number;
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
