/**
 * The four signals, in the order a cycle computes them.
 */
import { leadScoreStage } from './leadScore.ts';
import { recommendationsStage } from './recommendations.ts';
import { segmentStage } from './segments.ts';
import { sentimentStage } from './sentiment.ts';
import type { SignalStage } from './stage.ts';

export const SIGNAL_STAGES: readonly SignalStage[] = [leadScoreStage, segmentStage, recommendationsStage, sentimentStage];

export { LEAD_SCORE, type LeadScoreValue } from './leadScore.ts';
export { readableSegmentOptions, SEGMENT, segmentOptions, type SegmentValue } from './segments.ts';
export { RECOMMENDATIONS, type RecommendationsValue } from './recommendations.ts';
export { FEEDBACK_SENTIMENT, TICKET_SENTIMENT, type SentimentValue } from './sentiment.ts';
export type { SignalOutput, SignalStage, StageReport } from './stage.ts';
