/**
 * Feedback sentiment for tickets / cases, rolled up to the contact.
 *
 *   fitSentiment(texts, labels, options)   trained (default 'nbsvm'): NB-SVM over hashed words, bigrams and
 *                                           character n-grams with the lexicon score as features, blended
 *                                           with naive Bayes and calibrated out of fold (nbsvmModel.ts);
 *                                           or { model: 'naive-bayes' }: multinomial naive Bayes (our own)
 *                                           on natural's tokens, stems, negation marks and n-grams, plus
 *                                           one lexicon feature
 *   lexiconModel(language, options)         untrained fallback: a VADER-like scorer (default) or natural's
 *                                           AFINN SentimentAnalyzer over the lexicons natural ships
 *   predictSentiment(model, texts)          -> { score -1..1, label, kind } per text
 *   sentimentToJSON / sentimentFromJSON     plain JSON tagged { kind: 'sentiment', version: 1, type }
 *   rollUp(items, now, halfLifeDays)        recency-weighted mean per contact
 *
 * Pure: no I/O at fit or predict time (natural's lexicon files are loaded once, on first use).
 * Deterministic and seedless: the same texts, labels and options give the same model.
 */
import { z } from 'zod';
import { parseSavedJson } from '../../features/savedJson.ts';
import { checkNeutralBand, DEFAULT_NEUTRAL_BAND, labelFor } from './labels.ts';
import type { SentimentLabel } from './labels.ts';
import { lexiconVocabularies, resolveLanguage, SENTIMENT_LANGUAGES } from './languages.ts';
import type { SentimentLanguage } from './languages.ts';
import { defaultFallback, LEXICON_FALLBACKS, LEXICON_METHODS, lexiconScorer, lexiconWords } from './lexicon.ts';
import type { LexiconFallback, LexiconMethod, TextScorer } from './lexicon.ts';
import { naturalVersion } from './natural.ts';
import type { NaturalVocabularyType } from './natural.ts';
import { compileNaiveBayes, fitNaiveBayesCounts, logOdds } from './naiveBayes.ts';
import type { LinearTextScorer, NaiveBayesCounts } from './naiveBayes.ts';
import { featurizer } from './text.ts';
import type { Featurizer, TextOptions } from './text.ts';
import { compileNbSvmOn, compileNbSvmSentiment, DEFAULT_NBSVM_GRID, fitNbSvmSentiment, fitNbSvmSentimentOn, LEXICON_BANDS, nbSvmFeaturizer } from './nbsvmModel.ts';
import type { NbSvmSentimentModel, NbSvmSettings } from './nbsvmModel.ts';
import type { NbSvmGrid } from './nbsvm.ts';
export type { NbSvmSentimentModel, NbSvmSettings } from './nbsvmModel.ts';
export type { NbSvmGrid, NbSvmSelection } from './nbsvm.ts';

export { rollUp } from './rollup.ts';
export type { RollUp, RollUpItem, RollUpOptions } from './rollup.ts';
export { DEFAULT_NEUTRAL_BAND, labelFor, SENTIMENT_LABELS } from './labels.ts';
export type { SentimentLabel } from './labels.ts';
export { lexiconVocabularies, resolveLanguage, SENTIMENT_LANGUAGES } from './languages.ts';
export type { SentimentLanguage } from './languages.ts';
export { LEXICON_FALLBACKS, LEXICON_METHODS } from './lexicon.ts';
export type { LexiconFallback, LexiconMethod } from './lexicon.ts';
export type { NaturalVocabularyType } from './natural.ts';

/** Which scorer produced a prediction. */
export type SentimentKind = 'naive-bayes' | 'nbsvm' | LexiconMethod;

export interface SentimentPrediction {
  /** -1..1. Trained: 2 * P(positive) - 1 (calibrated out of fold for nbsvm). Lexicon: the scorer's normalised score. */
  score: number;
  label: SentimentLabel;
  kind: SentimentKind;
}

const VOCABULARIES = ['afinn', 'senticon', 'pattern'] as const;

// ---------------------------------------------------------------------------------------------------------
// Models (plain JSON)

export interface LexiconSettings {
  language: SentimentLanguage;
  method: LexiconMethod;
  vocabulary: NaturalVocabularyType;
  fallback: LexiconFallback;
  neutralBand: number;
}

export interface LexiconSentimentModel {
  kind: 'sentiment';
  version: 1;
  type: 'lexicon';
  settings: LexiconSettings;
  /** natural's version: the lexicon comes from it, so a different version may score differently. */
  natural: string;
}

export interface NaiveBayesSettings {
  language: SentimentLanguage;
  alpha: number;
  minCount: number;
  ngramRange: [number, number];
  binary: boolean;
  stopWords: boolean;
  stem: boolean;
  negation: boolean;
  negationWindow: number | null;
  /** The lexicon scorer whose label (positive / neutral / negative) is added as one feature, or null. */
  lexiconFeature: { method: LexiconMethod; vocabulary: NaturalVocabularyType; fallback: LexiconFallback; band: number } | null;
  neutralBand: number;
}

export interface TuningReport {
  /** Inner folds (stratified, assigned in input order: no seed). */
  folds: number;
  /** Every candidate tried, in grid order, with its inner cross-validated accuracy. */
  candidates: { alpha: number; ngramRange: [number, number]; accuracy: number }[];
  chosen: { alpha: number; ngramRange: [number, number] };
}

export interface NaiveBayesSentimentModel {
  kind: 'sentiment';
  version: 1;
  type: 'naive-bayes';
  settings: NaiveBayesSettings;
  /** The vocabulary (the model's feature names), sorted; counts are aligned with it. */
  features: string[];
  counts: [number[], number[]];
  docCounts: [number, number];
  tuning: TuningReport | null;
  natural: string;
}

export type TrainedSentimentModel = NbSvmSentimentModel | NaiveBayesSentimentModel;
export type SentimentModel = TrainedSentimentModel | LexiconSentimentModel;

// ---------------------------------------------------------------------------------------------------------
// Lexicon fallback

export interface LexiconModelOptions {
  /** 'vader' (default: the better one measured on amazon + imdb) or 'afinn' (natural's SentimentAnalyzer). */
  method?: LexiconMethod;
  /** One of natural's vocabularies for the language; see lexiconVocabularies(language). */
  vocabulary?: NaturalVocabularyType;
  /** How a word missing from the lexicon is looked up again (VADER method only). */
  fallback?: LexiconFallback;
  neutralBand?: number;
}

/** An untrained model for tenants without labels. `language` is an ISO code ('es') or a name ('Spanish'). */
export function lexiconModel(language: string = 'en', options: LexiconModelOptions = {}): LexiconSentimentModel {
  const lang = resolveLanguage(language);
  const settings = resolveLexiconSettings(lang, options);
  return warm({ kind: 'sentiment', version: 1, type: 'lexicon', settings, natural: naturalVersion() });
}

function resolveLexiconSettings(language: SentimentLanguage, options: LexiconModelOptions): LexiconSettings {
  const method = options.method ?? 'vader';
  if (!(LEXICON_METHODS as readonly string[]).includes(method)) {
    throw new RangeError(`Unknown lexicon method "${String(method)}". Use one of: ${LEXICON_METHODS.join(', ')}.`);
  }
  const vocabulary = checkVocabulary(language, options.vocabulary);
  const fallback = options.fallback ?? defaultFallback(language);
  if (!(LEXICON_FALLBACKS as readonly string[]).includes(fallback)) {
    throw new RangeError(`Unknown lexicon fallback "${String(fallback)}". Use one of: ${LEXICON_FALLBACKS.join(', ')}.`);
  }
  if (fallback === 'inflection' && language !== 'en') {
    throw new RangeError(`The 'inflection' fallback knows English word endings only; use 'stem' or 'none' for ${language}.`);
  }
  return { language, method, vocabulary, fallback, neutralBand: checkNeutralBand(options.neutralBand ?? DEFAULT_NEUTRAL_BAND) };
}

function checkVocabulary(language: SentimentLanguage, vocabulary: NaturalVocabularyType | undefined): NaturalVocabularyType {
  const available = lexiconVocabularies(language);
  const chosen = vocabulary ?? available[0];
  if (chosen === undefined || !available.includes(chosen)) {
    throw new RangeError(
      `natural has no "${String(vocabulary)}" sentiment vocabulary for ${language}; available: ${available.join(', ')}.`,
    );
  }
  return chosen;
}

// ---------------------------------------------------------------------------------------------------------
// Trained model

export interface SentimentTuneOptions {
  /** Inner cross-validation folds (5). */
  folds?: number;
  /** Smoothing values to try ([1, 0.5, 0.25, 0.1]). Ties keep the earlier one. */
  alphas?: number[];
  /** N-gram ranges to try ([[1, 2], [1, 1]]). */
  ngramRanges?: [number, number][];
}

export interface SentimentFitOptions {
  /**
   * 'nbsvm' (default: 0.888 -> see bench/results/sentiment.md) or 'naive-bayes'. Options marked NB apply
   * to naive Bayes only; the others to both.
   */
  model?: 'nbsvm' | 'naive-bayes';
  /** ISO code or natural's name; picks the tokenizer, stemmer, stop words and negators ('en'). */
  language?: string;
  /** nbsvm: character n-gram lengths per word ([2, 5]); null for none. */
  charNgrams?: readonly [number, number] | null;
  /** nbsvm: hash space, a power of two from 2^10 to 2^22 (2^18). */
  buckets?: number;
  /** nbsvm: the C x beta grid and the inner folds its choice and calibration use (C 0.01 / 0.03 / 0.1, beta 0.25-1, 5 folds). */
  grid?: NbSvmGrid;
  /** Lidstone smoothing (1 = Laplace); for nbsvm, of the log-count ratios and the naive Bayes beside it. */
  alpha?: number;
  /** Drop features seen fewer times in training (1). */
  minCount?: number;
  /** N-gram lengths ([1, 2]: unigrams and bigrams). */
  ngramRange?: readonly [number, number];
  /** Count each feature once per text (false). */
  binary?: boolean;
  /** Remove stop words, keeping negators, intensifiers and contrast words (true). */
  stopWords?: boolean;
  /** Stem with natural's stemmer for the language (true). */
  stem?: boolean;
  /**
   * NOT_ marks on up to `negationWindow` (3) tokens after a negator, within the clause: the scope ends at
   * punctuation or a contrast word (true). negationWindow null: to the end of the clause.
   */
  negation?: boolean;
  negationWindow?: number | null;
  /**
   * Add the untrained VADER-like scorer's label as one extra feature (true): naive Bayes learns how much to
   * trust it, and it covers words the training texts never showed. Measured: +3 points of accuracy on
   * amazon + imdb (0.855 -> 0.888, bench/results/sentiment.md).
   */
  lexiconFeature?: boolean;
  neutralBand?: number;
  /** NB: choose alpha and the n-gram range by inner cross-validation on the training texts (false). */
  tune?: boolean | SentimentTuneOptions;
}

const LEXICON_FEATURE = { positive: '@lexicon:positive', neutral: '@lexicon:neutral', negative: '@lexicon:negative' } as const;
const LEXICON_FEATURE_BAND = 0.05;

function resolveSettings(options: SentimentFitOptions): NaiveBayesSettings {
  const language = resolveLanguage(options.language ?? 'en');
  const alpha = options.alpha ?? 1;
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new RangeError(`alpha must be a positive number, got ${String(alpha)}`);
  const minCount = options.minCount ?? 1;
  if (!Number.isInteger(minCount) || minCount < 1) throw new RangeError(`minCount must be an integer >= 1, got ${String(minCount)}`);
  const ngramRange = checkNgramRange(options.ngramRange ?? [1, 2]);
  const negationWindow = checkNegationWindow(options.negationWindow);
  const useLexicon = options.lexiconFeature ?? true;
  return {
    language,
    alpha,
    minCount,
    ngramRange,
    binary: options.binary ?? false,
    stopWords: options.stopWords ?? true,
    stem: options.stem ?? true,
    negation: options.negation ?? true,
    negationWindow,
    lexiconFeature: useLexicon
      ? { method: 'vader', vocabulary: checkVocabulary(language, undefined), fallback: defaultFallback(language), band: LEXICON_FEATURE_BAND }
      : null,
    neutralBand: checkNeutralBand(options.neutralBand ?? DEFAULT_NEUTRAL_BAND),
  };
}

function checkNegationWindow(window: number | null | undefined): number | null {
  const w = window === undefined ? 3 : window;
  if (w !== null && (!Number.isInteger(w) || w < 1)) throw new RangeError(`negationWindow must be an integer >= 1 or null, got ${String(w)}`);
  return w;
}

const MIN_BUCKETS = 2 ** 10;
const MAX_BUCKETS = 2 ** 22;

function checkBuckets(buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < MIN_BUCKETS || buckets > MAX_BUCKETS || (buckets & (buckets - 1)) !== 0) {
    throw new RangeError(`buckets must be a power of two from ${MIN_BUCKETS} to ${MAX_BUCKETS}, got ${String(buckets)}`);
  }
  return buckets;
}

function checkCharNgrams(range: readonly [number, number] | null): [number, number] | null {
  if (range === null) return null;
  const [min, max] = range;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min || max > 8) {
    throw new RangeError(`charNgrams must be [min, max] with 1 <= min <= max <= 8, or null; got ${JSON.stringify(range)}`);
  }
  return [min, max];
}

function resolveNbSvmSettings(options: SentimentFitOptions): NbSvmSettings {
  if (options.tune) throw new RangeError("tune is for model 'naive-bayes'; the nbsvm model chooses C and beta by inner cross-validation itself (see grid)");
  if (options.minCount !== undefined || options.binary !== undefined) {
    throw new RangeError("minCount and binary are naive Bayes options; nbsvm counts every feature once per text and keeps every feature");
  }
  const nb = resolveSettings(options);
  return {
    language: nb.language,
    ngramRange: nb.ngramRange,
    charNgrams: checkCharNgrams(options.charNgrams === undefined ? [2, 5] : options.charNgrams),
    stopWords: nb.stopWords,
    stem: nb.stem,
    negation: nb.negation,
    negationWindow: nb.negationWindow,
    lexiconFeature: nb.lexiconFeature
      ? { method: nb.lexiconFeature.method, vocabulary: nb.lexiconFeature.vocabulary, fallback: nb.lexiconFeature.fallback, bands: [...LEXICON_BANDS] }
      : null,
    buckets: checkBuckets(options.buckets ?? 2 ** 18),
    alpha: nb.alpha,
    neutralBand: nb.neutralBand,
  };
}

function checkGridOption(grid: NbSvmGrid | undefined): NbSvmGrid {
  if (grid === undefined) return {};
  const folds = grid.folds ?? DEFAULT_NBSVM_GRID.folds;
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError(`grid.folds must be an integer >= 2, got ${String(folds)}`);
  return grid;
}

function checkNgramRange(range: readonly [number, number]): [number, number] {
  const [min, max] = range;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min || max > 3) {
    throw new RangeError(`ngramRange must be [min, max] with 1 <= min <= max <= 3, got ${JSON.stringify(range)}`);
  }
  return [min, max];
}

function checkTrainingSet(texts: readonly string[], labels: readonly number[]): asserts labels is readonly (0 | 1)[] {
  if (!Array.isArray(texts) || !Array.isArray(labels)) throw new TypeError('fitSentiment: texts and labels must be arrays');
  if (texts.length !== labels.length) {
    throw new RangeError(`fitSentiment: ${texts.length} texts but ${labels.length} labels`);
  }
  if (texts.length === 0) throw new RangeError('fitSentiment: the training set is empty; use lexiconModel() for tenants without labels');
  texts.forEach((t, i) => {
    if (typeof t !== 'string') throw new TypeError(`fitSentiment: texts[${i}] is ${t === null ? 'null' : typeof t}, not a string`);
  });
  let positives = 0;
  labels.forEach((l, i) => {
    if (l !== 0 && l !== 1) throw new RangeError(`fitSentiment: labels[${i}] is ${String(l)}; labels must be 0 (negative) or 1 (positive)`);
    positives += l;
  });
  if (positives === 0 || positives === labels.length) {
    const only = positives === 0 ? '0 (negative)' : '1 (positive)';
    throw new RangeError(
      `fitSentiment: every label is ${only}; a trained model needs examples of both classes (use lexiconModel() until it has them)`,
    );
  }
}

/**
 * Trains a sentiment model on texts labelled 0 (negative) / 1 (positive): NB-SVM by default, naive Bayes
 * with { model: 'naive-bayes' }.
 */
export function fitSentiment(
  texts: readonly string[],
  labels: readonly (0 | 1)[],
  options: SentimentFitOptions & { model: 'naive-bayes' },
): NaiveBayesSentimentModel;
export function fitSentiment(
  texts: readonly string[],
  labels: readonly (0 | 1)[],
  options?: SentimentFitOptions & { model?: 'nbsvm' },
): NbSvmSentimentModel;
export function fitSentiment(texts: readonly string[], labels: readonly (0 | 1)[], options?: SentimentFitOptions): TrainedSentimentModel;
export function fitSentiment(texts: readonly string[], labels: readonly (0 | 1)[], options: SentimentFitOptions = {}): TrainedSentimentModel {
  const model = options.model ?? 'nbsvm';
  if (model !== 'nbsvm' && model !== 'naive-bayes') throw new RangeError(`model must be 'nbsvm' or 'naive-bayes', got ${String(model)}`);
  checkTrainingSet(texts, labels);
  if (model === 'nbsvm') {
    const settings = resolveNbSvmSettings(options);
    return warm(fitNbSvmSentiment(texts, labels, settings, checkGridOption(options.grid), naturalVersion()));
  }
  return fitNaiveBayesSentiment(texts, labels, options);
}

/**
 * Cross-validated scores: each text scored (-1..1, as predictSentiment) by the model `options` fits on the
 * folds it is not in. NB-SVM featurizes every text once for all folds (its featurizer learns nothing from
 * the texts), which on short tickets is a third of a fit's time.
 */
export function outOfFoldSentiment(
  texts: readonly string[],
  labels: readonly (0 | 1)[],
  options: SentimentFitOptions,
  folds: readonly { train: readonly number[]; test: readonly number[] }[],
): { scores: Float64Array; type: TrainedSentimentModel['type'] } {
  checkTrainingSet(texts, labels);
  const scores = new Float64Array(texts.length);
  if ((options.model ?? 'nbsvm') === 'nbsvm') {
    const settings = resolveNbSvmSettings(options);
    const grid = checkGridOption(options.grid);
    const docs = texts.map(nbSvmFeaturizer(settings));
    for (const { train, test } of folds) {
      const trainLabels = train.map((i) => labels[i]!);
      checkTrainingSet(train.map((i) => texts[i]!), trainLabels);
      const logOdds = compileNbSvmOn(fitNbSvmSentimentOn(train.map((i) => docs[i]!), trainLabels, settings, grid, naturalVersion()));
      for (const i of test) scores[i] = Math.tanh(logOdds(docs[i]!) / 2);
    }
    return { scores, type: 'nbsvm' };
  }
  for (const { train, test } of folds) {
    const model = fitSentiment(train.map((i) => texts[i]!), train.map((i) => labels[i]!), options);
    predictSentiment(model, test.map((i) => texts[i]!)).forEach((p, q) => (scores[test[q]!] = p.score));
  }
  return { scores, type: 'naive-bayes' };
}

function fitNaiveBayesSentiment(texts: readonly string[], labels: readonly (0 | 1)[], options: SentimentFitOptions): NaiveBayesSentimentModel {
  let settings = resolveSettings(options);
  const lexicon = settings.lexiconFeature ? lexiconScorerFor(settings.lexiconFeature, settings.language) : undefined;
  const lexiconScores = lexicon ? texts.map(lexicon) : undefined;
  let tuning: TuningReport | null = null;
  if (options.tune) {
    tuning = tune(texts, labels, settings, lexiconScores, options.tune === true ? {} : options.tune);
    settings = { ...settings, alpha: tuning.chosen.alpha, ngramRange: tuning.chosen.ngramRange };
  }
  const docs = featurize(texts, settings, lexiconScores);
  const counts = fitNaiveBayesCounts(docs, labels, settings);
  return warm({ kind: 'sentiment', version: 1, type: 'naive-bayes', settings, ...counts, tuning, natural: naturalVersion() });
}

function textOptions(settings: NaiveBayesSettings): TextOptions {
  return {
    language: settings.language,
    stopWords: settings.stopWords,
    stem: settings.stem,
    negation: settings.negation,
    negationWindow: settings.negationWindow,
    ngramRange: settings.ngramRange,
  };
}

function lexiconScorerFor(feature: NonNullable<NaiveBayesSettings['lexiconFeature']>, language: SentimentLanguage): TextScorer {
  return lexiconScorer(feature.method, language, feature.vocabulary, feature.fallback);
}

function lexiconToken(score: number, band: number): string {
  const label = labelFor(score, band);
  return LEXICON_FEATURE[label];
}

function makeFeaturizer(settings: NaiveBayesSettings): Featurizer {
  const keep = settings.lexiconFeature ? lexiconWords(settings.language, settings.lexiconFeature.vocabulary) : [];
  return featurizer(textOptions(settings), keep);
}

/**
 * The features the trained model sees for a text (without the lexicon feature), for inspection and tests.
 * Options as for fitSentiment; the defaults give unigrams + bigrams of English.
 */
export function sentimentFeatures(text: string, options: SentimentFitOptions = {}): string[] {
  return makeFeaturizer(resolveSettings(options))(text);
}

function featurize(texts: readonly string[], settings: NaiveBayesSettings, lexiconScores: readonly number[] | undefined): string[][] {
  const f = makeFeaturizer(settings);
  const band = settings.lexiconFeature?.band ?? LEXICON_FEATURE_BAND;
  return texts.map((t, i) => {
    const features = f(t);
    if (lexiconScores) features.push(lexiconToken(lexiconScores[i] as number, band));
    return features;
  });
}

/** Stratified inner folds without a seed: the j-th text of each class goes to fold j mod k. */
function innerFolds(labels: readonly (0 | 1)[], k: number): number[] {
  const seen = [0, 0];
  return labels.map((l) => (seen[l]!++) % k);
}

function tune(
  texts: readonly string[],
  labels: readonly (0 | 1)[],
  settings: NaiveBayesSettings,
  lexiconScores: readonly number[] | undefined,
  options: SentimentTuneOptions,
): TuningReport {
  const alphas = options.alphas ?? [1, 0.5, 0.25, 0.1];
  const ranges = (options.ngramRanges ?? [[1, 2], [1, 1]]).map(checkNgramRange);
  alphas.forEach((a) => {
    if (!(a > 0)) throw new RangeError(`tune.alphas must be positive, got ${a}`);
  });
  const smallest = Math.min(labels.filter((l) => l === 1).length, labels.filter((l) => l === 0).length);
  const folds = Math.min(options.folds ?? 5, smallest);
  const candidates: TuningReport['candidates'] = [];
  if (folds < 2) {
    // Too few texts of one class to cross-validate: keep the given settings.
    return { folds, candidates, chosen: { alpha: settings.alpha, ngramRange: settings.ngramRange } };
  }
  const fold = innerFolds(labels, folds);
  for (const ngramRange of ranges) {
    const docs = featurize(texts, { ...settings, ngramRange }, lexiconScores);
    const correct = new Map<number, number>(alphas.map((a) => [a, 0]));
    for (let k = 0; k < folds; k++) {
      const train = docs.flatMap((_, i) => (fold[i] === k ? [] : [i]));
      const counts = fitNaiveBayesCounts(train.map((i) => docs[i]!), train.map((i) => labels[i]!), settings);
      for (const alpha of alphas) {
        const scorer = compileNaiveBayes(counts, alpha, settings.binary);
        docs.forEach((d, i) => {
          if (fold[i] === k && (logOdds(scorer, d) > 0 ? 1 : 0) === labels[i]) correct.set(alpha, correct.get(alpha)! + 1);
        });
      }
    }
    for (const alpha of alphas) candidates.push({ alpha, ngramRange, accuracy: correct.get(alpha)! / texts.length });
  }
  let best = candidates[0]!;
  for (const c of candidates) if (c.accuracy > best.accuracy) best = c;
  return { folds, candidates, chosen: { alpha: best.alpha, ngramRange: best.ngramRange } };
}

// ---------------------------------------------------------------------------------------------------------
// Prediction

interface Compiled {
  predict(text: string): number;
  kind: SentimentKind;
}

/** Compiled scorers, per model object (models are plain data; compiling a vocabulary is the costly part). */
const compiledCache = new WeakMap<SentimentModel, Compiled>();

function compile(model: SentimentModel): Compiled {
  const cached = compiledCache.get(model);
  if (cached) return cached;
  let compiled: Compiled;
  if (model.type === 'lexicon') {
    const s = model.settings;
    const scorer = lexiconScorer(s.method, s.language, s.vocabulary, s.fallback);
    compiled = { kind: s.method, predict: (text) => clampScore(scorer(text)) };
  } else if (model.type === 'nbsvm') {
    const logOddsOf = compileNbSvmSentiment(model);
    compiled = { kind: 'nbsvm', predict: (text) => Math.tanh(logOddsOf(text) / 2) };
  } else {
    const s = model.settings;
    const nb: LinearTextScorer = compileNaiveBayes(model as NaiveBayesCounts, s.alpha, s.binary);
    const f = makeFeaturizer(s);
    const lexicon = s.lexiconFeature ? lexiconScorerFor(s.lexiconFeature, s.language) : undefined;
    const band = s.lexiconFeature?.band ?? LEXICON_FEATURE_BAND;
    compiled = {
      kind: 'naive-bayes',
      predict: (text) => {
        const features = f(text);
        if (lexicon) features.push(lexiconToken(lexicon(text), band));
        // 2 * sigmoid(z) - 1 = tanh(z / 2)
        return Math.tanh(logOdds(nb, features) / 2);
      },
    };
  }
  compiledCache.set(model, compiled);
  return compiled;
}

/**
 * Compiles a new model at once, so natural's lexicon files are read when a model is made or loaded, never
 * during predictSentiment (later copies of a model reuse the module-level lexicon caches).
 */
function warm<M extends SentimentModel>(model: M): M {
  compile(model);
  return model;
}

function clampScore(score: number): number {
  return Number.isFinite(score) ? Math.max(-1, Math.min(1, score)) : 0;
}

export interface PredictOptions {
  /** Overrides the model's neutral band for the labels. */
  neutralBand?: number;
}

/** Scores texts: one prediction per text, in order. A non-string text is a TypeError naming its index. */
export function predictSentiment(
  model: SentimentModel,
  texts: readonly string[],
  options: PredictOptions = {},
): SentimentPrediction[] {
  assertModel(model);
  const band = checkNeutralBand(options.neutralBand ?? model.settings.neutralBand);
  const compiled = compile(model);
  return texts.map((text, i) => {
    if (typeof text !== 'string') throw new TypeError(`predictSentiment: texts[${i}] is ${text === null ? 'null' : typeof text}, not a string`);
    const score = compiled.predict(text);
    return { score, label: labelFor(score, band), kind: compiled.kind };
  });
}

function assertModel(model: SentimentModel): void {
  if (
    typeof model !== 'object' ||
    model === null ||
    model.kind !== 'sentiment' ||
    (model.type !== 'naive-bayes' && model.type !== 'nbsvm' && model.type !== 'lexicon')
  ) {
    throw new TypeError('predictSentiment: not a sentiment model (expected the result of fitSentiment, lexiconModel or sentimentFromJSON)');
  }
}

// ---------------------------------------------------------------------------------------------------------
// JSON

const Language = z.enum(SENTIMENT_LANGUAGES);
const Vocabulary = z.enum(VOCABULARIES);
const Method = z.enum(LEXICON_METHODS);
const Fallback = z.enum(LEXICON_FALLBACKS);
const NgramRange = z.tuple([z.number().int().min(1), z.number().int().min(1)]);
const Band = z.number().min(0).lt(1);
const Count = z.number().int().min(0);

const LexiconJson = z.object({
  kind: z.literal('sentiment'),
  version: z.literal(1),
  type: z.literal('lexicon'),
  settings: z.object({ language: Language, method: Method, vocabulary: Vocabulary, fallback: Fallback, neutralBand: Band }),
  natural: z.string(),
});

const NaiveBayesJson = z.object({
  kind: z.literal('sentiment'),
  version: z.literal(1),
  type: z.literal('naive-bayes'),
  settings: z.object({
    language: Language,
    alpha: z.number().positive(),
    minCount: z.number().int().min(1),
    ngramRange: NgramRange,
    binary: z.boolean(),
    stopWords: z.boolean(),
    stem: z.boolean(),
    negation: z.boolean(),
    negationWindow: z.number().int().min(1).nullable(),
    lexiconFeature: z.object({ method: Method, vocabulary: Vocabulary, fallback: Fallback, band: Band }).nullable(),
    neutralBand: Band,
  }),
  features: z.array(z.string()),
  counts: z.tuple([z.array(Count), z.array(Count)]),
  docCounts: z.tuple([z.number().int().min(1), z.number().int().min(1)]),
  tuning: z
    .object({
      folds: z.number().int(),
      candidates: z.array(z.object({ alpha: z.number(), ngramRange: NgramRange, accuracy: z.number() })),
      chosen: z.object({ alpha: z.number(), ngramRange: NgramRange }),
    })
    .nullable(),
  natural: z.string(),
});

const Finite = z.number().finite();
const BucketIds = z.array(z.number().int().min(0));

const NbSvmJson = z.object({
  kind: z.literal('sentiment'),
  version: z.literal(1),
  type: z.literal('nbsvm'),
  settings: z.object({
    language: Language,
    ngramRange: NgramRange,
    charNgrams: z.tuple([z.number().int(), z.number().int()]).nullable(),
    stopWords: z.boolean(),
    stem: z.boolean(),
    negation: z.boolean(),
    negationWindow: z.number().int().min(1).nullable(),
    lexiconFeature: z.object({ method: Method, vocabulary: Vocabulary, fallback: Fallback, bands: z.array(Finite).length(4) }).nullable(),
    buckets: z.number().int(),
    alpha: z.number().positive(),
    neutralBand: Band,
  }),
  svm: z.object({ indices: BucketIds, weights: z.array(Finite), dense: z.array(Finite), bias: Finite }),
  nb: z.object({ indices: BucketIds, weights: z.array(Finite), bias: Finite }),
  calibration: z.object({ svm: z.number().min(0), nb: z.number().min(0), bias: Finite }),
  selection: z.object({
    folds: z.number().int(),
    candidates: z.array(z.object({ C: z.number(), beta: z.number(), accuracy: z.number() })),
    chosen: z.object({ C: z.number(), beta: z.number() }),
  }),
  natural: z.string(),
});

const SentimentJson = z.discriminatedUnion('type', [NaiveBayesJson, NbSvmJson, LexiconJson]);

function checkHashedTable(name: string, indices: readonly number[], weights: readonly number[], buckets: number): void {
  if (indices.length !== weights.length) {
    throw new Error(`invalid sentiment model JSON: ${name} has ${indices.length} indices but ${weights.length} weights`);
  }
  for (let i = 0; i < indices.length; i++) {
    const id = indices[i]!;
    if (id >= buckets) throw new Error(`invalid sentiment model JSON: ${name}.indices[${i}] = ${id} is outside the ${buckets} buckets`);
    if (i > 0 && !(indices[i - 1]! < id)) throw new Error(`invalid sentiment model JSON: ${name}.indices must be sorted and unique (at ${i})`);
  }
}

function nbSvmFromJSON(data: z.infer<typeof NbSvmJson>): NbSvmSentimentModel {
  const s = data.settings;
  checkNgramRange(s.ngramRange);
  const buckets = checkBuckets(s.buckets);
  const charNgrams = checkCharNgrams(s.charNgrams === null ? null : [s.charNgrams[0], s.charNgrams[1]]);
  if (s.lexiconFeature) checkVocabulary(s.language, s.lexiconFeature.vocabulary);
  checkHashedTable('svm', data.svm.indices, data.svm.weights, buckets);
  checkHashedTable('nb', data.nb.indices, data.nb.weights, buckets);
  const dense = s.lexiconFeature ? 1 : 0;
  if (data.svm.dense.length !== dense) {
    throw new Error(`invalid sentiment model JSON: svm.dense has ${data.svm.dense.length} weights, the settings give ${dense} dense features`);
  }
  return warm({
    kind: 'sentiment',
    version: 1,
    type: 'nbsvm',
    settings: {
      ...s,
      ngramRange: [s.ngramRange[0], s.ngramRange[1]],
      charNgrams,
      lexiconFeature: s.lexiconFeature ? { ...s.lexiconFeature, bands: [...s.lexiconFeature.bands] } : null,
      buckets,
    },
    svm: data.svm,
    nb: data.nb,
    calibration: data.calibration,
    selection: data.selection,
    natural: data.natural,
  });
}

/** Plain JSON (a deep copy; JSON.stringify-safe, numbers survive a text round trip exactly). */
export function sentimentToJSON(model: SentimentModel): SentimentModel {
  assertModel(model);
  return structuredClone(model);
}

/** Loads a model saved by sentimentToJSON. Rejects other kinds, versions and inconsistent vocabularies. */
export function sentimentFromJSON(json: unknown): SentimentModel {
  const data = parseSavedJson(json, { kind: 'sentiment', version: 1, name: 'sentiment model', root: 'model', schema: SentimentJson });
  if (data.type === 'lexicon') {
    // Re-validate the combination (e.g. a vocabulary natural lacks for the language).
    const settings = resolveLexiconSettings(data.settings.language, data.settings);
    return warm({ kind: 'sentiment', version: 1, type: 'lexicon', settings, natural: data.natural });
  }
  if (data.type === 'nbsvm') return nbSvmFromJSON(data);
  const { features, counts } = data;
  if (counts[0].length !== features.length || counts[1].length !== features.length) {
    throw new Error(
      `invalid sentiment model JSON: ${features.length} features but ${counts[0].length} / ${counts[1].length} counts per class`,
    );
  }
  for (let i = 1; i < features.length; i++) {
    if (!((features[i - 1] as string) < (features[i] as string))) {
      throw new Error(`invalid sentiment model JSON: features must be sorted and unique (at ${i}: ${JSON.stringify(features[i])})`);
    }
  }
  checkNgramRange(data.settings.ngramRange);
  if (data.settings.lexiconFeature) checkVocabulary(data.settings.language, data.settings.lexiconFeature.vocabulary);
  return warm({
    kind: 'sentiment',
    version: 1,
    type: 'naive-bayes',
    settings: { ...data.settings, ngramRange: [data.settings.ngramRange[0], data.settings.ngramRange[1]] },
    features,
    counts: [counts[0], counts[1]],
    docCounts: [data.docCounts[0], data.docCounts[1]],
    tuning: data.tuning,
    natural: data.natural,
  });
}
