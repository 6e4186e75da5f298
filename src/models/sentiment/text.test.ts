import { describe, expect, it } from 'vitest';
import { sentimentFeatures as textFeatures } from './index.ts';
import { textFeatures as rawFeatures } from './text.ts';
import type { SentimentFitOptions } from './index.ts';

const unigrams = (text: string, options: SentimentFitOptions = {}) => textFeatures(text, { ngramRange: [1, 1], ...options });

describe('sentiment text processing', () => {
  it('marks the words after a negator: "not good" -> NOT_good, unlike "good"', () => {
    expect(unigrams('good')).toEqual(['good']);
    expect(unigrams('not good')).toEqual(['not', 'NOT_good']);
  });

  it("expands n't contractions, with or without the apostrophe", () => {
    expect(unigrams("I didn't like it")).toEqual(['not', 'NOT_like']);
    expect(unigrams('it doesnt work')).toEqual(['not', 'NOT_work']);
    expect(unigrams('I can’t recommend it')).toEqual(['not', 'NOT_recommend']);
  });

  it('ends the negation scope at punctuation and after 3 tokens', () => {
    expect(unigrams('not good, great')).toEqual(['not', 'NOT_good', 'great']);
    expect(unigrams('never buying cheap plastic phones again')).toEqual([
      'never',
      'NOT_bui',
      'NOT_cheap',
      'NOT_plastic',
      'phone',
    ]);
  });

  it('ends the negation scope at a contrast word', () => {
    expect(unigrams('not cheap but good')).toEqual(['not', 'NOT_cheap', 'but', 'good']);
  });

  it('stems with Porter: "loved" and "loving" give the same feature', () => {
    expect(unigrams('loved')).toEqual(unigrams('loving'));
    expect(unigrams('loved')).toEqual(['love']);
  });

  it('drops stop words but keeps negators and intensifiers', () => {
    expect(unigrams('the screen is very bright')).toEqual(['screen', 'very', 'bright']);
    expect(unigrams('it was too slow')).toEqual(['too', 'slow']);
    expect(unigrams('the screen is very bright', { stopWords: false })).toEqual(['the', 'screen', 'is', 'very', 'bright']);
  });

  it('adds bigrams within a clause, never across punctuation', () => {
    expect(textFeatures('very bright screen. not good')).toEqual([
      'very',
      'bright',
      'screen',
      'very bright',
      'bright screen',
      'not',
      'NOT_good',
      'not NOT_good',
    ]);
  });

  it('treats U+0085 (in the imdb file) and line breaks as clause breaks', () => {
    expect(unigrams('not good\u0085great')).toEqual(['not', 'NOT_good', 'great']);
  });

  it('handles other languages with their own stemmer and negators', () => {
    expect(unigrams('no me gustó', { language: 'es' })).toContain('NOT_gust');
    expect(unigrams('nicht gut', { language: 'de' })).toEqual(['nicht', 'NOT_gut']);
  });

  it('with negationWindow null, the scope runs to the punctuation that ends the clause, and no further', () => {
    // ("again" is a stop word)
    expect(unigrams('never buying cheap plastic phones again, great', { negationWindow: null })).toEqual([
      'never',
      'NOT_bui',
      'NOT_cheap',
      'NOT_plastic',
      'NOT_phone',
      'great',
    ]);
    expect(unigrams('not good. great', { negationWindow: null })).toEqual(['not', 'NOT_good', 'great']);
    expect(unigrams('not good; great! fine? yes', { negationWindow: null })).toEqual(['not', 'NOT_good', 'great', 'fine', 'ye']);
  });

  it('adds character n-grams within word boundaries, negation-marked inside the scope only', () => {
    const grams = rawFeatures('not bad, bad', { ngramRange: [1, 1], charNgrams: [2, 3] }).filter((f) => f.startsWith('#'));
    // "not" itself and the first "bad" (in the scope), then the second "bad" after the comma (outside it)
    expect(grams).toEqual([
      '# n', '#no', '#ot', '#t ', '# no', '#not', '#ot ',
      '#NOT_ b', '#NOT_ba', '#NOT_ad', '#NOT_d ', '#NOT_ ba', '#NOT_bad', '#NOT_ad ',
      '# b', '#ba', '#ad', '#d ', '# ba', '#bad', '#ad ',
    ]);
    // grams never span two words
    for (const g of rawFeatures('good movie', { charNgrams: [2, 5] }).filter((f) => f.startsWith('#'))) expect(g.slice(1).trim()).not.toContain(' ');
  });
});
