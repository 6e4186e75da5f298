export const SENTIMENT_LABELS = ['negative', 'neutral', 'positive'] as const;
export type SentimentLabel = (typeof SENTIMENT_LABELS)[number];

/** Scores with |score| below the band are 'neutral' (VADER's convention: 0.05). */
export const DEFAULT_NEUTRAL_BAND = 0.05;

export function checkNeutralBand(band: number): number {
  if (typeof band !== 'number' || !(band >= 0 && band < 1)) {
    throw new RangeError(`neutralBand must be a number in [0, 1), got ${String(band)}`);
  }
  return band;
}

export function labelFor(score: number, neutralBand = DEFAULT_NEUTRAL_BAND): SentimentLabel {
  checkNeutralBand(neutralBand);
  if (score >= neutralBand && score > 0) return 'positive';
  if (score <= -neutralBand && score < 0) return 'negative';
  return 'neutral';
}
