/**
 * Sentiment accuracy on the tenant's own labelled tickets, beside the lexicon on the same tickets: a
 * trained model is measured by stratified k-fold cross-validation (every ticket scored by a model that
 * did not see it); the lexicon learns nothing from them, so it is measured on all of them directly.
 * A score above 0 counts as positive: the labels agents give are positive or negative, never neutral.
 */
import { foldsFromAssignment, stratifiedKFoldAssignment } from '../evaluate/splits.ts';
import { outOfFoldSentiment, predictSentiment, type SentimentFitOptions, type SentimentModel } from './index.ts';

export interface SentimentAccuracy {
  labelled: number;
  /** Null when the tenant uses the lexicon (then `lexicon` is its accuracy). */
  trained: number | null;
  lexicon: number;
  evaluation: string;
}

function accuracyOf(model: SentimentModel, texts: readonly string[], labels: readonly (0 | 1)[]): number {
  const predictions = predictSentiment(model, texts);
  return predictions.filter((p, i) => (p.score > 0 ? 1 : 0) === labels[i]).length / Math.max(1, texts.length);
}

export function sentimentAccuracy(
  texts: readonly string[],
  labels: readonly (0 | 1)[],
  lexicon: SentimentModel,
  trained: { options: SentimentFitOptions; folds: number; seed: number } | null,
): SentimentAccuracy | null {
  if (texts.length === 0) return null;
  const lexiconAccuracy = accuracyOf(lexicon, texts, labels);
  if (!trained) return { labelled: texts.length, trained: null, lexicon: lexiconAccuracy, evaluation: `the lexicon on all ${texts.length} labelled tickets` };
  const folds = foldsFromAssignment(stratifiedKFoldAssignment(labels, trained.folds, trained.seed), trained.folds);
  const { scores, type } = outOfFoldSentiment(texts, labels, trained.options, folds);
  let correct = 0;
  scores.forEach((score, i) => (correct += (score > 0 ? 1 : 0) === labels[i] ? 1 : 0));
  return {
    labelled: texts.length,
    trained: correct / texts.length,
    lexicon: lexiconAccuracy,
    evaluation: `${type === 'naive-bayes' ? 'naive Bayes' : 'NB-SVM'} ${trained.folds}-fold cross-validated on ${texts.length} labelled tickets; the lexicon on the same tickets`,
  };
}
