/**
 * The trained sentiment model that fitSentiment builds by default: NB-SVM over words and character
 * n-grams with the lexicon as features, blended with naive Bayes on the words, calibrated on out-of-fold
 * margins (nbsvm.ts has the method). Plain JSON, like every sentiment model.
 *
 * Features of a text (text.ts): stemmed words with stop words removed and NOT_ marks in a negation scope
 * that ends at punctuation, a contrast word or after `negationWindow` words; word bigrams within a clause;
 * character 2- to 5-grams of every word; and the VADER-like lexicon score twice: as a token naming its band
 * (strongly / mildly negative, none, mildly / strongly positive), which both models weigh like a word,
 * and as a number the SVM weighs. Hashed into `buckets` ids (FNV-1a), so the model's size is bounded
 * however many tickets it learns from: 2^18 buckets, of which a few tens of thousands get a weight.
 */
import type { SentimentLanguage } from './languages.ts';
import { lexiconScorer, lexiconWords } from './lexicon.ts';
import type { LexiconFallback, LexiconMethod, TextScorer } from './lexicon.ts';
import type { NaturalVocabularyType } from './natural.ts';
import { calibrate, compileHashed, fitHashedNaiveBayes, fitNbSvm, hashFeature, hashFeatures, naiveBayesOutOfFold } from './nbsvm.ts';
import type { HashedLinear, HashedNaiveBayes, NbSvmGrid, NbSvmSelection, TwoInputCalibration } from './nbsvm.ts';
import { CHAR_PREFIX, featurizer } from './text.ts';

export interface NbSvmSettings {
  language: SentimentLanguage;
  ngramRange: [number, number];
  /** Character n-gram lengths of each word, or null for none. */
  charNgrams: [number, number] | null;
  stopWords: boolean;
  stem: boolean;
  negation: boolean;
  /** Words a negation scope covers at most; null: to the end of the clause. */
  negationWindow: number | null;
  /** The lexicon scorer whose score is a feature, with the band edges of its token; or null. */
  lexiconFeature: { method: LexiconMethod; vocabulary: NaturalVocabularyType; fallback: LexiconFallback; bands: number[] } | null;
  /** Hash space size (a power of two). */
  buckets: number;
  /** Smoothing of the log-count ratios and of naive Bayes. */
  alpha: number;
  neutralBand: number;
}

export interface NbSvmSentimentModel {
  kind: 'sentiment';
  version: 1;
  type: 'nbsvm';
  settings: NbSvmSettings;
  /** The interpolated SVM, folded onto the hashed ids (binary presence) and the dense lexicon score. */
  svm: HashedLinear;
  /** Multinomial naive Bayes on the hashed word features (ids counted with repeats). */
  nb: HashedNaiveBayes;
  /** P(positive) = sigmoid(svm * svm margin + nb * naive Bayes log-odds + bias), fitted out of fold. */
  calibration: TwoInputCalibration;
  /** C and beta chosen by inner cross-validation. */
  selection: NbSvmSelection;
  natural: string;
}

/** Band edges of the lexicon token: <= -0.5, <= -0.05, none, >= 0.05, >= 0.5. */
export const LEXICON_BANDS = [-0.5, -0.05, 0.05, 0.5];
/** The dense lexicon score is multiplied by this so the SVM's penalty does not drown it among word weights. */
const LEXICON_SCALE = 3;

export const DEFAULT_NBSVM_GRID: Required<NbSvmGrid> = { C: [0.01, 0.03, 0.1], beta: [0.25, 0.5, 0.75, 1], folds: 5 };

function lexiconBand(score: number, bands: readonly number[]): string {
  const [a, b, c, d] = bands as [number, number, number, number];
  const band = score <= a ? 'neg2' : score <= b ? 'neg1' : score < c ? 'none' : score < d ? 'pos1' : 'pos2';
  return `@lexicon:${band}`;
}

/** The text -> features function of a model's settings (the lexicon scorer is loaded once). */
export function nbSvmFeaturizer(settings: NbSvmSettings): (text: string) => { svm: { ids: Int32Array; dense: Float64Array }; nb: Int32Array } {
  const lexicon = settings.lexiconFeature;
  const keep = lexicon ? lexiconWords(settings.language, lexicon.vocabulary) : [];
  const f = featurizer(
    {
      language: settings.language,
      stopWords: settings.stopWords,
      stem: settings.stem,
      negation: settings.negation,
      negationWindow: settings.negationWindow,
      ngramRange: settings.ngramRange,
      charNgrams: settings.charNgrams,
    },
    keep,
  );
  const scorer: TextScorer | undefined = lexicon ? lexiconScorer(lexicon.method, settings.language, lexicon.vocabulary, lexicon.fallback) : undefined;
  const { buckets } = settings;
  return (text) => {
    const features = f(text);
    const dense: number[] = [];
    if (scorer && lexicon) {
      const score = scorer(text);
      const s = Number.isFinite(score) ? score : 0;
      features.push(lexiconBand(s, lexicon.bands));
      dense.push(LEXICON_SCALE * s);
    }
    const words = features.filter((w) => !w.startsWith(CHAR_PREFIX));
    return {
      svm: { ids: hashFeatures(features, buckets), dense: Float64Array.from(dense) },
      nb: Int32Array.from(words, (w) => hashFeature(w) % buckets),
    };
  };
}

export type NbSvmText = ReturnType<ReturnType<typeof nbSvmFeaturizer>>;

export function fitNbSvmSentiment(
  texts: readonly string[],
  labels: readonly (0 | 1)[],
  settings: NbSvmSettings,
  grid: NbSvmGrid,
  natural: string,
): NbSvmSentimentModel {
  return fitNbSvmSentimentOn(texts.map(nbSvmFeaturizer(settings)), labels, settings, grid, natural);
}

/** The fit on texts already featurized with `settings` (the featurizer learns nothing from the texts). */
export function fitNbSvmSentimentOn(
  docs: readonly NbSvmText[],
  labels: readonly (0 | 1)[],
  settings: NbSvmSettings,
  grid: NbSvmGrid,
  natural: string,
): NbSvmSentimentModel {
  const svmDocs = docs.map((d) => d.svm);
  const nbDocs = docs.map((d) => d.nb);
  const fit = fitNbSvm(svmDocs, labels, { buckets: settings.buckets, alpha: settings.alpha, grid: { ...DEFAULT_NBSVM_GRID, ...grid } });
  const all = labels.map((_, i) => i);
  const nb = fitHashedNaiveBayes(nbDocs, labels, all, settings.buckets, settings.alpha);
  const svm: HashedLinear = { indices: fit.indices, weights: fit.weights, dense: fit.dense, bias: fit.bias };
  // Out-of-fold margins when the inner folds ran; with too few texts for them, the training margins
  // stand in (over-confident, but still a monotone map).
  let svmMargins = fit.outOfFold;
  let nbMargins = naiveBayesOutOfFold(nbDocs, labels, fit.selection.folds, settings.buckets, settings.alpha);
  if (svmMargins === null || nbMargins === null) {
    const s = compileHashed(svm, settings.buckets);
    const n = compileHashed(nb, settings.buckets);
    svmMargins = svmDocs.map((d) => s(d.ids, d.dense));
    nbMargins = nbDocs.map((d) => n(d, new Float64Array(0)));
  }
  const calibration = calibrate(svmMargins, nbMargins, labels);
  return { kind: 'sentiment', version: 1, type: 'nbsvm', settings, svm, nb, calibration, selection: fit.selection, natural };
}

/** The compiled model: text -> calibrated log-odds of positive. */
export function compileNbSvmSentiment(model: NbSvmSentimentModel): (text: string) => number {
  const featurize = nbSvmFeaturizer(model.settings);
  const logOdds = compileNbSvmOn(model);
  return (text) => logOdds(featurize(text));
}

/** The compiled model on featurized texts. */
export function compileNbSvmOn(model: NbSvmSentimentModel): (doc: NbSvmText) => number {
  const svm = compileHashed(model.svm, model.settings.buckets);
  const nb = compileHashed(model.nb, model.settings.buckets);
  const none = new Float64Array(0);
  const c = model.calibration;
  return (d) => c.svm * svm(d.svm.ids, d.svm.dense) + c.nb * nb(d.nb, none) + c.bias;
}
