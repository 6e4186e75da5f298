import { describe, expect, it } from 'vitest';
import { sentimentAccuracy } from './accuracy.ts';
import { lexiconModel } from './index.ts';

const GOOD = ['great and helpful', 'excellent fast fix', 'love it, works well', 'friendly and quick', 'perfect answer, thanks', 'really happy with it'];
const BAD = ['terrible and slow', 'broken again, awful', 'rude agent, useless', 'still not fixed', 'worst service ever', 'angry, it keeps crashing'];
const texts = [...GOOD, ...GOOD.map((t) => `${t}!`), ...BAD, ...BAD.map((t) => `${t}!`)];
const labels = texts.map((_, i) => (i < 2 * GOOD.length ? 1 : 0) as 0 | 1);

describe('sentimentAccuracy', () => {
  it('cross-validates the trained model (NB-SVM by default) beside the lexicon on the same tickets', () => {
    const a = sentimentAccuracy(texts, labels, lexiconModel('en'), { options: {}, folds: 3, seed: 1 })!;
    expect(a.labelled).toBe(texts.length);
    expect(a.trained).toBeGreaterThan(0.7);
    expect(a.lexicon).toBeGreaterThan(0.7);
    expect(a.evaluation).toMatch(/^NB-SVM 3-fold cross-validated on 24 labelled tickets/);
    const nb = sentimentAccuracy(texts, labels, lexiconModel('en'), { options: { model: 'naive-bayes' }, folds: 3, seed: 1 })!;
    expect(nb.evaluation).toMatch(/^naive Bayes 3-fold/);
  });

  it('measures only the lexicon when there is no trained model, and nothing without tickets', () => {
    const a = sentimentAccuracy(texts, labels, lexiconModel('en'), null)!;
    expect(a.trained).toBeNull();
    expect(a.evaluation).toMatch(/the lexicon on all 24/);
    expect(sentimentAccuracy([], [], lexiconModel('en'), null)).toBeNull();
  });
});
