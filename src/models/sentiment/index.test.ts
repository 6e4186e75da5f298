import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  fitSentiment,
  lexiconModel,
  lexiconVocabularies,
  predictSentiment,
  SENTIMENT_LANGUAGES,
  sentimentFromJSON,
  sentimentToJSON,
} from './index.ts';
import type { SentimentFitOptions, SentimentModel } from './index.ts';
import { HELD_OUT, labels, NEGATIVE, POSITIVE, texts } from './tickets.fixture.ts';

// A small hand-made training set of support feedback.

/** The naive Bayes model (fitSentiment's default is nbsvm: nbsvm.test.ts). */
const fitNb = (t: readonly string[], l: readonly (0 | 1)[], options: Omit<SentimentFitOptions, 'model'> = {}) =>
  fitSentiment(t, l, { ...options, model: 'naive-bayes' });

const roundTrip = (model: SentimentModel) => sentimentFromJSON(JSON.parse(JSON.stringify(sentimentToJSON(model))) as unknown);

describe('fitSentiment (naive Bayes)', () => {
  for (const lexiconFeature of [false, true]) {
    it(`classifies held-out obvious sentences (lexicon feature ${lexiconFeature ? 'on' : 'off'})`, () => {
      const model = fitNb(texts, labels, { lexiconFeature });
      const predictions = predictSentiment(model, HELD_OUT.map(([t]) => t));
      expect(predictions.map((p) => p.label)).toEqual(HELD_OUT.map(([, label]) => label));
      for (const p of predictions) {
        expect(p.kind).toBe('naive-bayes');
        expect(p.score).toBeGreaterThanOrEqual(-1);
        expect(p.score).toBeLessThanOrEqual(1);
      }
    });
  }

  it('learns negation: "good" and "not good" score on opposite sides', () => {
    const model = fitNb(
      ['good', 'good product', 'really good', 'not good', 'not good at all', 'the fix was not good'],
      [1, 1, 1, 0, 0, 0],
      { lexiconFeature: false },
    );
    const [good, notGood] = predictSentiment(model, ['it is good', 'it is not good']);
    expect(good!.score).toBeGreaterThan(0);
    expect(notGood!.score).toBeLessThan(0);
  });

  it('round-trips through JSON text with identical predictions', () => {
    const model = fitNb(texts, labels, { tune: { folds: 3 } });
    const loaded = roundTrip(model);
    const probe = [...HELD_OUT.map(([t]) => t), '', 'not bad at all', 'meh', 'NEVER again!!!'];
    expect(predictSentiment(loaded, probe)).toEqual(predictSentiment(model, probe));
    expect(sentimentToJSON(loaded)).toEqual(sentimentToJSON(model));
  });

  it('is deterministic: the same data and options give the same model', () => {
    expect(fitNb(texts, labels)).toEqual(fitNb(texts, labels));
  });

  it('tunes alpha and n-grams by inner cross-validation and records the candidates', () => {
    const model = fitNb(texts, labels, { tune: { folds: 3, alphas: [1, 0.1], ngramRanges: [[1, 2], [1, 1]] } });
    expect(model.tuning?.folds).toBe(3);
    expect(model.tuning?.candidates).toHaveLength(4);
    expect([1, 0.1]).toContain(model.settings.alpha);
    expect(model.settings).toMatchObject({ alpha: model.tuning?.chosen.alpha, ngramRange: model.tuning?.chosen.ngramRange });
  });

  it('rejects an empty training set and a single class with a clear error', () => {
    expect(() => fitNb([], [])).toThrow(/empty/);
    expect(() => fitNb(POSITIVE, POSITIVE.map(() => 1 as const))).toThrow(/every label is 1 \(positive\).*both classes/);
    expect(() => fitNb(NEGATIVE, NEGATIVE.map(() => 0 as const))).toThrow(/every label is 0 \(negative\)/);
  });

  it('rejects bad labels, mismatched lengths and bad options', () => {
    expect(() => fitNb(['a', 'b'], [1, 2 as 1])).toThrow(/labels\[1\] is 2/);
    expect(() => fitNb(['a', 'b'], [1])).toThrow(/2 texts but 1 labels/);
    expect(() => fitNb(['a', null as unknown as string], [1, 0])).toThrow(/texts\[1\] is null/);
    expect(() => fitNb(texts, labels, { alpha: 0 })).toThrow(/alpha/);
    expect(() => fitNb(texts, labels, { ngramRange: [2, 1] })).toThrow(/ngramRange/);
  });

  it('fromJSON checks the tag, the version and the vocabulary against the counts', () => {
    const json = sentimentToJSON(fitNb(texts, labels)) as unknown as Record<string, unknown>;
    expect(() => sentimentFromJSON({ ...json, kind: 'leadScore' })).toThrow(/not a sentiment model/);
    expect(() => sentimentFromJSON({ ...json, version: 2 })).toThrow(/version 2/);
    expect(() => sentimentFromJSON(null)).toThrow(/not a sentiment model/);
    const features = json.features as string[];
    expect(() => sentimentFromJSON({ ...json, features: features.slice(1) })).toThrow(/features but/);
    const swapped = [...features];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    expect(() => sentimentFromJSON({ ...json, features: swapped })).toThrow(/sorted/);
    expect(() => sentimentFromJSON({ ...json, settings: { ...(json.settings as object), language: 'xx' } })).toThrow(/settings.language/);
  });
});

describe('lexiconModel (untrained fallback)', () => {
  for (const method of ['vader', 'afinn'] as const) {
    it(`${method}: negative for "terrible, waste of money", positive for "excellent value"`, () => {
      const model = lexiconModel('en', { method });
      const [bad, good] = predictSentiment(model, ['Terrible, waste of money.', 'Excellent value']);
      expect(bad).toMatchObject({ label: 'negative', kind: method });
      expect(good).toMatchObject({ label: 'positive', kind: method });
      expect(bad!.score).toBeGreaterThanOrEqual(-1);
      expect(good!.score).toBeLessThanOrEqual(1);
    });
  }

  it('vader: negation flips "good", intensifiers and "!" strengthen, "but" favours the second clause', () => {
    const model = lexiconModel('en');
    const [good, notGood, veryGood, bang, butBad, neutral] = predictSentiment(model, [
      'The fix is good',
      "The fix isn't good",
      'The fix is very good',
      'The fix is good!!',
      'The agent was nice but the product is awful',
      'I called on Tuesday',
    ]).map((p) => p.score);
    expect(good).toBeGreaterThan(0);
    expect(notGood).toBeLessThan(0);
    expect(veryGood).toBeGreaterThan(good!);
    expect(bang).toBeGreaterThan(good!);
    expect(butBad).toBeLessThan(0);
    expect(neutral).toBe(0);
  });

  it('labels within the neutral band as neutral (configurable)', () => {
    const text = ['It is fine I guess, but the setup was a bit slow'];
    const narrow = predictSentiment(lexiconModel('en', { neutralBand: 0 }), text)[0]!;
    const wide = predictSentiment(lexiconModel('en', { neutralBand: 0.99 }), text)[0]!;
    expect(narrow.label).not.toBe('neutral');
    expect(wide.label).toBe('neutral');
    expect(predictSentiment(lexiconModel('en', { neutralBand: 0 }), text, { neutralBand: 0.99 })[0]!.label).toBe('neutral');
  });

  it('round-trips through JSON with identical predictions', () => {
    const model = lexiconModel('es', { vocabulary: 'afinn' });
    const probe = ['Excelente servicio', 'No me gustó, muy malo', ''];
    expect(predictSentiment(roundTrip(model), probe)).toEqual(predictSentiment(model, probe));
  });

  it('supports every language natural has a sentiment vocabulary for', () => {
    expect(SENTIMENT_LANGUAGES).toEqual(['en', 'es', 'pt', 'fr', 'it', 'de', 'nl', 'ca', 'gl', 'eu']);
    for (const language of SENTIMENT_LANGUAGES) {
      for (const vocabulary of lexiconVocabularies(language)) {
        const [p] = predictSentiment(lexiconModel(language, { vocabulary }), ['ok']);
        expect(p!.score).toBeGreaterThanOrEqual(-1);
      }
    }
    const samples: [string, string, string][] = [
      ['es', 'Excelente servicio, muy bueno', 'Terrible, muy malo'],
      ['pt', 'Excelente, muito bom', 'Péssimo, muito ruim'],
      ['de', 'Sehr gut, wunderbar', 'Nicht gut, schlecht'],
      ['fr', 'Très bon, excellent', 'Mauvais, horrible'],
    ];
    for (const [language, positive, negative] of samples) {
      const [pos, neg] = predictSentiment(lexiconModel(language), [positive, negative]);
      expect(pos!.label, `${language}: ${positive}`).toBe('positive');
      expect(neg!.label, `${language}: ${negative}`).toBe('negative');
    }
  });

  it('accepts natural\'s language names and rejects unsupported languages clearly', () => {
    expect(lexiconModel('Spanish').settings.language).toBe('es');
    expect(() => lexiconModel('ja')).toThrow(/Unsupported sentiment language "ja". Supported: en \(English\), es \(Spanish\)/);
    expect(() => fitSentiment(texts, labels, { language: 'klingon' })).toThrow(/Unsupported sentiment language/);
    expect(() => lexiconModel('pt', { vocabulary: 'pattern' })).toThrow(/no "pattern" sentiment vocabulary for pt; available: afinn/);
    expect(() => lexiconModel('de', { fallback: 'inflection' })).toThrow(/English word endings only/);
  });
});

describe('natural is loaded file by file', () => {
  it('never loads its database clients', () => {
    lexiconModel('en');
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.some((path) => /node_modules[\\/]natural[\\/]/.test(path))).toBe(true);
    expect(loaded.filter((path) => /node_modules[\\/](mongoose|mongodb|redis|@redis|pg|memjs|dotenv)[\\/]/.test(path))).toEqual([]);
  });
});
