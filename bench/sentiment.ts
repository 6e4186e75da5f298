/**
 * Sentiment benchmark: amazon_cells_labelled.txt + imdb_labelled.txt (UCI, Kotzias et al. 2015; CC BY 4.0),
 * 2,000 sentences, 1,000 positive.
 *
 * - Trained variants: 10-fold stratified cross-validation with a fixed seed (the same folds for every
 *   variant). Options are either the fixed defaults (set before measuring) or chosen by inner CV inside each
 *   training fold (`tune: true`), so no test fold ever picks a setting.
 * - Untrained lexicon scorers: scored once on all 2,000 sentences (no training involved).
 * - Binary accuracy: a score > 0 is positive, anything else (including 0: no sentiment word found) negative.
 *   F1 is for the positive class.
 * - Held out by source: trained on all of amazon + imdb, tested on a review source that is not in shared/,
 *   beside the untrained lexicons on the same file. The file is named by SENTIMENT_HELDOUT_FILE
 *   (`sentence<TAB>label` lines, 0/1, the format of the sentence collection), because no such source is in
 *   the repository or ../shared (SENTIMENT_HELDOUT_SOURCE, free text, says where it came from in the
 *   report); without it that section says so and is skipped. Always run as well: the
 *   cross-source check inside shared/ (trained on amazon, tested on imdb, and the reverse), clearly named.
 *
 * Run: npx tsx bench/sentiment.ts  -> bench/results/sentiment.md and sentiment.json
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stratifiedKFoldAssignment } from '../src/models/evaluate/index.ts';
import { fitSentiment, lexiconModel, predictSentiment, sentimentToJSON } from '../src/models/sentiment/index.ts';
import type { LexiconModelOptions, SentimentFitOptions } from '../src/models/sentiment/index.ts';
import * as natural from '../src/models/sentiment/natural.ts';
import { featurizer, DEFAULT_TEXT_OPTIONS } from '../src/models/sentiment/text.ts';
import { writeBenchResults } from './writeResults.ts';

const SEED = 20240611;
const FOLDS = 10;
const FILES = ['amazon_cells_labelled.txt', 'imdb_labelled.txt'] as const;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const datasetDir = resolve(root, '../shared/datasets/sentiment-sentences');

interface Sentence {
  text: string;
  label: 0 | 1;
  source: string;
}

export interface Metrics {
  accuracy: number;
  f1: number;
  /** Accuracy per source file. */
  bySource: Record<string, number>;
}

export interface TrainedRow extends Metrics {
  name: string;
  description: string;
  /** Mean fit time per fold (1,800 sentences), ms. */
  fitMsPerFold: number;
  /** Mean predict time per 1,000 sentences, ms. */
  predictMsPer1000: number;
  /** For tuned variants: how often each setting was chosen across the outer folds. */
  chosen?: Record<string, number>;
}

export interface LexiconRow extends Metrics {
  name: string;
  description: string;
  /** Share of sentences with a non-zero score (the lexicon found something). */
  coverage: number;
  /** Accuracy on the covered sentences only. */
  accuracyCovered: number;
  predictMsPer1000: number;
}

export interface HeldOutRow {
  name: string;
  accuracy: number;
  f1: number;
}

export interface HeldOutResult {
  /** What was trained on and what was tested on. */
  train: string;
  test: string;
  sentences: number;
  positives: number;
  trained: HeldOutRow[];
  lexicon: HeldOutRow[];
  /** Shipped trained model minus the default VADER-like lexicon, accuracy points. */
  marginOverVader: number;
}

export interface SentimentBenchResult {
  skipped: false;
  /** The third review source (not in shared/), or why it was not measured. */
  heldOut: { file: string; source: string | null; result: HeldOutResult } | { file: string | null; skipped: string };
  /** Cross-source inside shared/: amazon -> imdb and imdb -> amazon. */
  crossSource: HeldOutResult[];
  /** Size of the shipped model's JSON trained on all 2,000 sentences. */
  modelJsonBytes: number;
  dataset: { sentences: number; positives: number; bySource: Record<string, number>; malformedLines: number };
  protocol: string;
  trained: TrainedRow[];
  lexicon: LexiconRow[];
  reference: Record<string, number>;
  natural: string;
  node: string;
}

export type SentimentBenchOutcome = SentimentBenchResult | { skipped: true; reason: string };

function loadSentences(files: readonly string[] = FILES.map((f) => join(datasetDir, f))): { sentences: Sentence[]; malformed: number } {
  const sentences: Sentence[] = [];
  let malformed = 0;
  for (const file of files) {
    const source = file.split(/[\\/]/).pop()!;
    // Split on '\n' only: imdb holds two U+0085 characters inside sentences. No quote handling: '"' is text.
    for (const rawLine of readFileSync(file, 'utf8').split('\n')) {
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      if (line.trim() === '') continue;
      const tab = line.lastIndexOf('\t');
      const label = tab < 0 ? '' : line.slice(tab + 1).trim();
      if (label !== '0' && label !== '1') {
        malformed++;
        continue;
      }
      sentences.push({ text: line.slice(0, tab), label: label === '1' ? 1 : 0, source });
    }
  }
  return { sentences, malformed };
}

function metrics(sentences: readonly Sentence[], predicted: readonly (0 | 1)[]): Metrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  const perSource = new Map<string, [number, number]>();
  sentences.forEach((s, i) => {
    const p = predicted[i];
    const ok = p === s.label;
    if (ok) correct++;
    if (p === 1 && s.label === 1) tp++;
    if (p === 1 && s.label === 0) fp++;
    if (p === 0 && s.label === 1) fn++;
    const acc = perSource.get(s.source) ?? [0, 0];
    acc[0] += ok ? 1 : 0;
    acc[1] += 1;
    perSource.set(s.source, acc);
  });
  const bySource: Record<string, number> = {};
  for (const [source, [ok, n]] of perSource) bySource[source.replace(/_labelled\.txt$/, '')] = ok / n;
  return { accuracy: correct / sentences.length, f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn), bySource };
}

function crossValidate(
  sentences: readonly Sentence[],
  fold: readonly number[],
  name: string,
  description: string,
  fitPredict: (train: Sentence[], test: Sentence[]) => { scores: number[]; fitMs: number; predictMs: number; chosen?: string },
): TrainedRow {
  const predicted = new Array<0 | 1>(sentences.length).fill(0);
  let fitMs = 0;
  let predictMs = 0;
  const chosen: Record<string, number> = {};
  for (let k = 0; k < FOLDS; k++) {
    const trainIdx = sentences.flatMap((_, i) => (fold[i] === k ? [] : [i]));
    const testIdx = sentences.flatMap((_, i) => (fold[i] === k ? [i] : []));
    const out = fitPredict(trainIdx.map((i) => sentences[i]!), testIdx.map((i) => sentences[i]!));
    testIdx.forEach((i, j) => (predicted[i] = (out.scores[j] as number) > 0 ? 1 : 0));
    fitMs += out.fitMs;
    predictMs += out.predictMs;
    if (out.chosen !== undefined) chosen[out.chosen] = (chosen[out.chosen] ?? 0) + 1;
  }
  const row: TrainedRow = {
    name,
    description,
    ...metrics(sentences, predicted),
    fitMsPerFold: fitMs / FOLDS,
    predictMsPer1000: (predictMs / sentences.length) * 1000,
  };
  if (Object.keys(chosen).length > 0) row.chosen = chosen;
  return row;
}

function trainedVariant(options: SentimentFitOptions) {
  return (train: Sentence[], test: Sentence[]) => {
    const t0 = performance.now();
    const model = fitSentiment(train.map((s) => s.text), train.map((s) => s.label), options);
    const t1 = performance.now();
    const scores = predictSentiment(model, test.map((s) => s.text)).map((p) => p.score);
    const t2 = performance.now();
    const chosen =
      model.type === 'nbsvm'
        ? `C=${model.selection.chosen.C} beta=${model.selection.chosen.beta}`
        : model.tuning
          ? `alpha=${model.tuning.chosen.alpha} ngrams=${model.tuning.chosen.ngramRange.join('-')}`
          : undefined;
    return { scores, fitMs: t1 - t0, predictMs: t2 - t1, ...(chosen === undefined ? {} : { chosen }) };
  };
}

/** Naive Bayes variants: the options as given, on the naive Bayes model. */
function naiveBayesVariant(options: SentimentFitOptions) {
  return trainedVariant({ ...options, model: 'naive-bayes' });
}

function heldOutRow(name: string, sentences: readonly Sentence[], scores: readonly number[]): HeldOutRow {
  const m = metrics(sentences, scores.map((s) => (s > 0 ? 1 : 0)));
  return { name, accuracy: m.accuracy, f1: m.f1 };
}

/** Trains the shipped model and naive Bayes on `train`, tests them and the lexicons on `test`. */
function heldOut(trainName: string, train: readonly Sentence[], testName: string, test: readonly Sentence[]): HeldOutResult {
  const texts = test.map((s) => s.text);
  const fit = (options: SentimentFitOptions) => fitSentiment(train.map((s) => s.text), train.map((s) => s.label), options);
  const trained = [
    heldOutRow('nbsvm (shipped default)', test, predictSentiment(fit({}), texts).map((p) => p.score)),
    heldOutRow('nb default (the previous default)', test, predictSentiment(fit({ model: 'naive-bayes' }), texts).map((p) => p.score)),
  ];
  const tokenizer = natural.wordTokenizer();
  const plain = natural.sentimentAnalyzer('English', 'afinn');
  const lexicon = [
    heldOutRow('vader afinn (default)', test, lexiconVariant({})(texts)),
    heldOutRow('afinn (natural analyzer)', test, lexiconVariant({ method: 'afinn' })(texts)),
    heldOutRow('natural plain afinn', test, texts.map((t) => plain.getSentiment(tokenizer.tokenize(t)))),
  ];
  return {
    train: trainName,
    test: testName,
    sentences: test.length,
    positives: test.filter((s) => s.label === 1).length,
    trained,
    lexicon,
    marginOverVader: trained[0]!.accuracy - lexicon[0]!.accuracy,
  };
}

/**
 * Bench-only baseline (not shipped: it did not beat naive Bayes): L2 logistic regression on TF-IDF
 * (sublinear tf, smooth idf, unit rows) over the same features, full-batch Adam, 300 steps, lambda 1e-4
 * (lambda was one of 1e-4, 3e-4, 1e-3 tried on these folds: slightly optimistic).
 */
function tfidfLogisticVariant(train: Sentence[], test: Sentence[]) {
  const t0 = performance.now();
  const f = featurizer(DEFAULT_TEXT_OPTIONS, ['like']);
  const trainDocs = train.map((s) => f(s.text));
  const df = new Map<string, number>();
  for (const d of trainDocs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  const vocab = new Map<string, number>();
  [...df.keys()].sort().forEach((t, j) => vocab.set(t, j));
  const idf = new Float64Array(vocab.size);
  for (const [t, j] of vocab) idf[j] = Math.log((1 + trainDocs.length) / (1 + (df.get(t) ?? 0))) + 1;
  const vectorize = (doc: string[]) => {
    const tf = new Map<number, number>();
    for (const t of doc) {
      const j = vocab.get(t);
      if (j !== undefined) tf.set(j, (tf.get(j) ?? 0) + 1);
    }
    const idx = [...tf.keys()];
    const val = idx.map((j) => (1 + Math.log(tf.get(j) as number)) * (idf[j] as number));
    const norm = Math.hypot(...val) || 1;
    return { idx, val: val.map((v) => v / norm) };
  };
  const X = trainDocs.map(vectorize);
  const y = train.map((s) => s.label);
  const n = X.length;
  const lambda = 1e-4;
  const lr = 0.05;
  const w = new Float64Array(vocab.size);
  const m = new Float64Array(vocab.size);
  const v = new Float64Array(vocab.size);
  const g = new Float64Array(vocab.size);
  let b = 0;
  let mb = 0;
  let vb = 0;
  const dot = (x: { idx: number[]; val: number[] }) => x.idx.reduce((z, j, q) => z + (w[j] as number) * (x.val[q] as number), b);
  for (let step = 1; step <= 300; step++) {
    g.fill(0);
    let gb = 0;
    X.forEach((x, r) => {
      const e = (1 / (1 + Math.exp(-dot(x))) - (y[r] as number)) / n;
      gb += e;
      x.idx.forEach((j, q) => (g[j] = (g[j] as number) + e * (x.val[q] as number)));
    });
    const c1 = 1 - 0.9 ** step;
    const c2 = 1 - 0.999 ** step;
    for (let j = 0; j < w.length; j++) {
      const gj = (g[j] as number) + lambda * (w[j] as number);
      m[j] = 0.9 * (m[j] as number) + 0.1 * gj;
      v[j] = 0.999 * (v[j] as number) + 0.001 * gj * gj;
      w[j] = (w[j] as number) - (lr * ((m[j] as number) / c1)) / (Math.sqrt((v[j] as number) / c2) + 1e-8);
    }
    mb = 0.9 * mb + 0.1 * gb;
    vb = 0.999 * vb + 0.001 * gb * gb;
    b -= (lr * (mb / c1)) / (Math.sqrt(vb / c2) + 1e-8);
  }
  const t1 = performance.now();
  const scores = test.map((s) => dot(vectorize(f(s.text))));
  return { scores, fitMs: t1 - t0, predictMs: performance.now() - t1 };
}

function lexiconRow(sentences: readonly Sentence[], name: string, description: string, score: (texts: string[]) => number[]): LexiconRow {
  const texts = sentences.map((s) => s.text);
  const t0 = performance.now();
  const scores = score(texts);
  const ms = performance.now() - t0;
  const predicted = scores.map((s) => (s > 0 ? 1 : 0) as 0 | 1);
  const covered = sentences.flatMap((s, i) => (scores[i] !== 0 ? [i] : []));
  const coveredCorrect = covered.filter((i) => predicted[i] === sentences[i]!.label).length;
  return {
    name,
    description,
    ...metrics(sentences, predicted),
    coverage: covered.length / sentences.length,
    accuracyCovered: covered.length === 0 ? 0 : coveredCorrect / covered.length,
    predictMsPer1000: (ms / sentences.length) * 1000,
  };
}

function lexiconVariant(options: LexiconModelOptions) {
  return (texts: string[]) => predictSentiment(lexiconModel('en', options), texts).map((p) => p.score);
}

export function runSentimentBench(options: { write?: boolean; log?: (line: string) => void } = {}): SentimentBenchOutcome {
  const log = options.log ?? ((line: string) => console.log(line));
  if (!FILES.every((f) => existsSync(join(datasetDir, f)))) {
    const reason = `sentiment bench skipped: ${datasetDir} (${FILES.join(', ')}) not found; the benchmark needs ../shared/datasets next to the project`;
    log(reason);
    return { skipped: true, reason };
  }
  const { sentences, malformed } = loadSentences();
  const labels = sentences.map((s) => s.label);
  const fold = stratifiedKFoldAssignment(labels, FOLDS, SEED);
  const bySource: Record<string, number> = {};
  for (const s of sentences) bySource[s.source] = (bySource[s.source] ?? 0) + 1;
  log(`sentiment: ${sentences.length} sentences (${labels.filter((l) => l === 1).length} positive), ${malformed} malformed lines`);

  const trained: TrainedRow[] = [];
  const trainedVariants: [string, string, ReturnType<typeof naiveBayesVariant>][] = [
    [
      'nbsvm default',
      'shipped defaults: NB-SVM (squared hinge) on hashed words, bigrams, char 2-5-grams and the lexicon score, blended with NB and calibrated on ' +
        'inner out-of-fold margins; C x beta chosen by 5-fold CV inside each training fold',
      trainedVariant({}),
    ],
    ['nbsvm no char n-grams', 'nbsvm defaults without character n-grams', trainedVariant({ charNgrams: null })],
    ['nbsvm no lexicon', 'nbsvm defaults without the lexicon token and score', trainedVariant({ lexiconFeature: false })],
    ['nbsvm clause negation', 'nbsvm defaults, negation scope to the end of the clause (punctuation) instead of 3 words', trainedVariant({ negationWindow: null })],
    ['nb default', 'the previous default: naive Bayes, alpha 1, uni+bigrams, stop words, Porter stems, NOT_ negation, lexicon feature', naiveBayesVariant({})],
    ['nb tuned (nested CV)', 'defaults, alpha x n-grams chosen by 5-fold CV inside each training fold', naiveBayesVariant({ tune: true })],
    ['nb text only', 'defaults without the lexicon feature (the pipeline as specified)', naiveBayesVariant({ lexiconFeature: false })],
    ['nb text only, tuned', 'text only, alpha x n-grams by inner CV', naiveBayesVariant({ lexiconFeature: false, tune: true })],
    ['nb binary', 'defaults, each feature counted once per sentence', naiveBayesVariant({ binary: true })],
    ['nb unigrams', 'defaults, unigrams only', naiveBayesVariant({ ngramRange: [1, 1] })],
    ['nb min count 2', 'defaults, features seen at least twice', naiveBayesVariant({ minCount: 2 })],
    ['nb no negation', 'defaults without NOT_ marks', naiveBayesVariant({ negation: false })],
    ['nb keep stop words', 'defaults without stop-word removal', naiveBayesVariant({ stopWords: false })],
    ['nb no stemming', 'defaults without the Porter stemmer', naiveBayesVariant({ stem: false })],
    [
      'nb plain',
      'unigrams, no stop words, stems, negation or lexicon (close to the scikit-learn reference)',
      naiveBayesVariant({ ngramRange: [1, 1], stopWords: false, stem: false, negation: false, lexiconFeature: false }),
    ],
  ];
  for (const [name, description, variant] of trainedVariants) {
    const row = crossValidate(sentences, fold, name, description, variant);
    trained.push(row);
    log(`  ${name.padEnd(24)} accuracy ${row.accuracy.toFixed(4)}  F1 ${row.f1.toFixed(4)}  fit ${row.fitMsPerFold.toFixed(0)} ms/fold`);
  }
  const lr = crossValidate(
    sentences,
    fold,
    'tfidf logistic (not shipped)',
    'L2 logistic regression on TF-IDF of the text-only features, lambda 1e-4, 300 Adam steps',
    tfidfLogisticVariant,
  );
  trained.push(lr);
  log(`  ${lr.name.padEnd(24)} accuracy ${lr.accuracy.toFixed(4)}  F1 ${lr.f1.toFixed(4)}  fit ${lr.fitMsPerFold.toFixed(0)} ms/fold`);

  const tokenizer = natural.wordTokenizer();
  const porter = natural.stemmer('porter_stemmer');
  const plainStemmed = natural.sentimentAnalyzer('English', 'afinn', porter);
  const plain = natural.sentimentAnalyzer('English', 'afinn');
  const lexicon: LexiconRow[] = [
    lexiconRow(sentences, 'vader afinn (default)', 'VADER-like over AFINN-165, inflection fallback', lexiconVariant({})),
    lexiconRow(sentences, 'vader afinn, stem fallback', 'VADER-like over AFINN-165, Porter-stem fallback', lexiconVariant({ fallback: 'stem' })),
    lexiconRow(sentences, 'vader afinn, exact words', 'VADER-like over AFINN-165, no fallback', lexiconVariant({ fallback: 'none' })),
    lexiconRow(sentences, 'vader pattern', 'VADER-like over natural Pattern (English)', lexiconVariant({ vocabulary: 'pattern' })),
    lexiconRow(sentences, 'vader senticon', 'VADER-like over natural SentiCon (English)', lexiconVariant({ vocabulary: 'senticon' })),
    lexiconRow(sentences, 'afinn (natural analyzer)', "method 'afinn': natural SentimentAnalyzer + Porter on our tokens", lexiconVariant({ method: 'afinn' })),
    lexiconRow(sentences, 'natural plain afinn + porter', 'reference: WordTokenizer + SentimentAnalyzer(English, Porter, afinn) on raw text', (texts) =>
      texts.map((t) => plainStemmed.getSentiment(tokenizer.tokenize(t))),
    ),
    lexiconRow(sentences, 'natural plain afinn', 'reference: WordTokenizer + SentimentAnalyzer(English, no stemmer, afinn)', (texts) =>
      texts.map((t) => plain.getSentiment(tokenizer.tokenize(t))),
    ),
  ];
  for (const row of lexicon) {
    log(`  ${row.name.padEnd(30)} accuracy ${row.accuracy.toFixed(4)}  F1 ${row.f1.toFixed(4)}  coverage ${row.coverage.toFixed(3)}`);
  }

  // Held out by source.
  const heldOutFile = process.env.SENTIMENT_HELDOUT_FILE ?? null;
  let heldOutResult: SentimentBenchResult['heldOut'];
  if (heldOutFile !== null && existsSync(heldOutFile)) {
    const { sentences: test } = loadSentences([heldOutFile]);
    const result = heldOut('amazon + imdb (all 2,000)', sentences, heldOutFile.split(/[\\/]/).pop()!, test);
    heldOutResult = { file: heldOutFile, source: process.env.SENTIMENT_HELDOUT_SOURCE?.trim() || null, result };
    log(`  held out ${result.test}: ${result.trained.map((t) => `${t.name} ${t.accuracy.toFixed(4)}`).join(', ')}; ${result.lexicon.map((l) => `${l.name} ${l.accuracy.toFixed(4)}`).join(', ')}`);
  } else {
    const skipped =
      heldOutFile === null
        ? 'no review source outside shared/ is available offline here: set SENTIMENT_HELDOUT_FILE to a sentence<TAB>label file (for example yelp_labelled.txt from the same UCI collection) to measure it'
        : `SENTIMENT_HELDOUT_FILE=${heldOutFile} does not exist`;
    heldOutResult = { file: heldOutFile, skipped };
    log(`  held-out source: ${skipped}`);
  }
  const bySourceName = (name: string) => sentences.filter((s) => s.source === name);
  const crossSource = [
    heldOut('amazon_cells (1,000)', bySourceName(FILES[0]), 'imdb (1,000)', bySourceName(FILES[1])),
    heldOut('imdb (1,000)', bySourceName(FILES[1]), 'amazon_cells (1,000)', bySourceName(FILES[0])),
  ];
  for (const c of crossSource) {
    log(`  cross-source ${c.train} -> ${c.test}: ${c.trained.map((t) => `${t.name} ${t.accuracy.toFixed(4)}`).join(', ')}; vader ${c.lexicon[0]!.accuracy.toFixed(4)}`);
  }
  const modelJsonBytes = Buffer.byteLength(JSON.stringify(sentimentToJSON(fitSentiment(sentences.map((s) => s.text), labels))));

  const result: SentimentBenchResult = {
    skipped: false,
    heldOut: heldOutResult,
    crossSource,
    modelJsonBytes,
    dataset: { sentences: sentences.length, positives: labels.filter((l) => l === 1).length, bySource, malformedLines: malformed },
    protocol: `${FOLDS}-fold stratified CV, seed ${SEED}, same folds for every trained variant; lexicons scored on all sentences; score > 0 = positive`,
    trained,
    lexicon,
    reference: { 'multinomial NB (scikit-learn)': 0.83, 'TF-IDF logistic regression (scikit-learn)': 0.84, VADER: 0.81, AFINN: 0.79 },
    natural: natural.naturalVersion(),
    node: process.version,
  };
  if (options.write ?? true) {
    writeBenchResults('sentiment', result, markdown(result));
    log(`wrote ${join('bench', 'results', 'sentiment.md')} and sentiment.json`);
  }
  return result;
}

function pct(x: number): string {
  return x.toFixed(3);
}

function heldOutTable(h: HeldOutResult): string[] {
  return [
    `Trained on ${h.train}, tested on ${h.test} (${h.sentences} sentences, ${h.positives} positive). Shipped model minus the default lexicon: ` +
      `${h.marginOverVader >= 0 ? '+' : ''}${h.marginOverVader.toFixed(3)}.`,
    '',
    '| model | accuracy | F1 |',
    '|---|---|---|',
    ...[...h.trained, ...h.lexicon.map((l) => ({ ...l, name: `${l.name} (untrained)` }))].map((row) => `| ${row.name} | ${pct(row.accuracy)} | ${pct(row.f1)} |`),
  ];
}

function heldOutMarkdown(r: SentimentBenchResult): string[] {
  if ('skipped' in r.heldOut) return [`Not measured: ${r.heldOut.skipped}.`];
  return [`File: ${r.heldOut.file}${r.heldOut.source ? ` (${r.heldOut.source})` : ''}.`, '', ...heldOutTable(r.heldOut.result)];
}

function markdown(r: SentimentBenchResult): string {
  const sources = Object.keys(r.trained[0]?.bySource ?? {});
  const lines = [
    '# Sentiment benchmark',
    '',
    `Data: amazon_cells_labelled + imdb_labelled (UCI, Kotzias et al. 2015, CC BY 4.0): ${r.dataset.sentences} sentences, ` +
      `${r.dataset.positives} positive, ${r.dataset.malformedLines} malformed lines.`,
    `Protocol: ${r.protocol}. natural ${r.natural}, Node ${r.node}.`,
    '',
    '## Trained (10-fold CV)',
    '',
    `| variant | accuracy | F1 | ${sources.map((s) => `acc ${s}`).join(' | ')} | fit ms / fold | predict ms / 1k | notes |`,
    `|---|---|---|${sources.map(() => '---|').join('')}---|---|---|`,
    ...r.trained.map(
      (t) =>
        `| ${t.name} | ${pct(t.accuracy)} | ${pct(t.f1)} | ${sources.map((s) => pct(t.bySource[s] ?? 0)).join(' | ')} | ` +
        `${t.fitMsPerFold.toFixed(0)} | ${t.predictMsPer1000.toFixed(1)} | ${t.description}${t.chosen ? `; chosen: ${Object.entries(t.chosen).map(([k, n]) => `${k} (${n}x)`).join(', ')}` : ''} |`,
    ),
    '',
    `The shipped model trained on all ${r.dataset.sentences} sentences: ${(r.modelJsonBytes / 1024).toFixed(0)} KiB of JSON.`,
    '',
    '## Held out by source: a review source not in shared/',
    '',
    ...heldOutMarkdown(r),
    '',
    '## Cross-source inside shared/ (one file trains, the other tests)',
    '',
    ...r.crossSource.flatMap((c) => [...heldOutTable(c), '']),
    '## Untrained lexicons (all sentences, no training)',
    '',
    `| scorer | accuracy | F1 | ${sources.map((s) => `acc ${s}`).join(' | ')} | coverage | accuracy on covered | predict ms / 1k | notes |`,
    `|---|---|---|${sources.map(() => '---|').join('')}---|---|---|---|`,
    ...r.lexicon.map(
      (l) =>
        `| ${l.name} | ${pct(l.accuracy)} | ${pct(l.f1)} | ${sources.map((s) => pct(l.bySource[s] ?? 0)).join(' | ')} | ` +
        `${pct(l.coverage)} | ${pct(l.accuracyCovered)} | ${l.predictMsPer1000.toFixed(1)} | ${l.description} |`,
    ),
    '',
    '## Reference figures (scikit-learn 1.2.1, ../shared/datasets/README.md)',
    '',
    ...Object.entries(r.reference).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## Notes',
    '',
    '- Coverage: share of sentences where the lexicon found a sentiment word (score != 0); the rest count as negative.',
    '- The lexicon variants and the lexicon-feature design were compared on these same 2,000 sentences (there is no',
    '  training for a lexicon, and no separate dev set), so the lexicon rows and the gap between "nb default" and',
    '  "nb text only" are slightly optimistic. During development (10 folds, another seed) the lexicon feature was',
    '  also tried repeated 2, 3 and 5 times per sentence (0.874, 0.858, 0.839 vs 0.884 once); the shipped setting is',
    '  once. A 32-cell grid (alpha 0.1-1 x counts/binary x stop words x n-grams, text only) was also explored on those',
    '  folds: 0.840-0.859, the specified defaults (alpha 1, stop words, uni+bigrams) at 0.857.',
    '- The trained options (alpha, n-grams) are either the fixed defaults or chosen inside each training fold (tuned rows).',
    '- nbsvm: C (0.01 / 0.03 / 0.1) and beta (0.25 / 0.5 / 0.75 / 1) are chosen inside each training fold by 5-fold CV, and',
    '  the calibration (two-input Platt scaling of the SVM margin and the NB log-odds) is fitted on those inner out-of-fold',
    '  margins: the test fold picks nothing. Its design (feature set, lexicon band token, the NB blend, grids) was settled',
    '  on these 2,000 sentences with 10-fold CV under other seeds (777-779), not this seed: still the same sentences, so',
    '  the nbsvm rows are somewhat optimistic; the held-out and cross-source sections are the check on that.',
    '- Binary (two-class) data: the neutral band does not apply here; score > 0 counts as positive.',
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runSentimentBench();
}
