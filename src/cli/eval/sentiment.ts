/**
 * `crm-signals eval sentiment --file FILE [--train FILE]`: the trained sentiment model (fitSentiment) and
 * the untrained lexicon fallback on a text<TAB>0|1 file. Binary decision: score > 0 is positive.
 */
import { InputError, readLabelledTextFile } from '../../io/index.ts';
import type { LabelledText } from '../../io/index.ts';
import { classificationMetrics, meanSd, rocAuc, stratifiedKFold } from '../../models/evaluate/index.ts';
import type { ClassificationMetrics, MeanSd } from '../../models/evaluate/index.ts';
import { fitSentiment, lexiconModel, predictSentiment } from '../../models/sentiment/index.ts';
import type { EvalIO } from './common.ts';
import { intOption, logger, parseOptions, required, requireRowsPerFold, toJson } from './common.ts';
import { fixed, heading, int, percent, secs, table } from './format.ts';

export const SENTIMENT_USAGE = `usage: crm-signals eval sentiment --file FILE [options]

Measures the sentiment model on a text<TAB>label file (label 0 = negative, 1 = positive, one per line):
the trained model (NB-SVM blended with naive Bayes) by k-fold cross-validation on FILE, or trained on
--train and tested on FILE; and the untrained lexicon fallback on FILE. A score > 0 counts as positive.

  --file FILE          the labelled texts to test on
  --train FILE         train on this file instead of cross-validating on --file
  --folds N            stratified folds without --train (default 10)
  --seed N             seed of the folds (default 42)
  --language L         language of the texts (default en)
  --json               print one JSON object instead of the report
`;

export interface SentimentScores extends ClassificationMetrics {
  rocAuc: number;
}

export interface SentimentEvalJson {
  command: 'eval sentiment';
  file: string;
  train: string | null;
  texts: number;
  positives: number;
  protocol: string;
  trained: SentimentScores & { foldAccuracy: MeanSd | null; fitSeconds: number; predictSeconds: number };
  lexicon: SentimentScores & { method: string; coverage: number; predictSeconds: number };
  warnings: string[];
}

function scoresOf(labels: readonly (0 | 1)[], scores: readonly number[]): SentimentScores {
  const predicted = scores.map((s) => (s > 0 ? 1 : 0));
  const m = classificationMetrics(labels, predicted, 0.5);
  return { ...m, threshold: 0, rocAuc: rocAuc(labels, scores) };
}

export async function evalSentiment(args: readonly string[], io: EvalIO): Promise<number> {
  const values = parseOptions(args, {
    file: { type: 'string' },
    train: { type: 'string' },
    folds: { type: 'string' },
    seed: { type: 'string' },
    language: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout(SENTIMENT_USAGE);
    return 0;
  }
  const log = logger(io, 'sentiment');
  const file = required(values.file, 'file', 'the text<TAB>label file to test on');
  const folds = intOption('folds', values.folds, 10, 2, 100);
  const seed = intOption('seed', values.seed, 42, 0, 2 ** 31 - 1);
  const language = values.language ?? 'en';
  const test = await readLabelledTextFile(file);
  const train: LabelledText | null = values.train === undefined ? null : await readLabelledTextFile(values.train);
  const warnings = [...(train?.warnings ?? []), ...test.warnings];
  for (const w of warnings) log.warn(w);

  const n = test.texts.length;
  const positives = test.labels.reduce<number>((s, y) => s + y, 0);
  for (const data of train === null ? [test] : [train, test]) {
    const pos = data.labels.reduce<number>((s, y) => s + y, 0);
    if (pos === 0 || pos === data.labels.length) {
      throw new InputError(`${data.file}: every label is ${pos === 0 ? '0' : '1'}: ${data === train || train === null ? 'a model needs' : 'the test needs'} both positive (1) and negative (0) texts`);
    }
  }
  if (train === null) requireRowsPerFold(test.file, folds, [[positives, 'label 1'], [n - positives, 'label 0']], 'texts');
  const scores = new Array<number>(n).fill(0);
  let fitSeconds = 0;
  let predictSeconds = 0;
  let foldAccuracy: MeanSd | null = null;
  let protocol: string;
  if (train !== null) {
    protocol = `trained on ${train.file} (${int(train.texts.length)} texts), tested on ${file}`;
    log.info(`training on ${int(train.texts.length)} texts`);
    const t0 = performance.now();
    const model = fitSentiment(train.texts, train.labels, { language });
    fitSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    predictSentiment(model, test.texts).forEach((p, i) => (scores[i] = p.score));
    predictSeconds = (performance.now() - t1) / 1000;
  } else {
    protocol = `${folds}-fold stratified cross-validation on ${file}, seed ${seed}`;
    const accuracies: number[] = [];
    for (const f of stratifiedKFold(test.labels, folds, seed)) {
      log.info(`fold ${f.fold + 1}/${folds}`);
      const t0 = performance.now();
      const model = fitSentiment(
        f.train.map((i) => test.texts[i] as string),
        f.train.map((i) => test.labels[i] as 0 | 1),
        { language },
      );
      fitSeconds += (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const predictions = predictSentiment(
        model,
        f.test.map((i) => test.texts[i] as string),
      );
      predictSeconds += (performance.now() - t1) / 1000;
      predictions.forEach((p, j) => (scores[f.test[j] as number] = p.score));
      const foldLabels = f.test.map((i) => test.labels[i] as 0 | 1);
      accuracies.push(classificationMetrics(foldLabels, predictions.map((p) => (p.score > 0 ? 1 : 0)), 0.5).accuracy);
    }
    fitSeconds /= folds;
    foldAccuracy = meanSd(accuracies);
  }
  log.info('lexicon fallback');
  const lexicon = lexiconModel(language);
  const t2 = performance.now();
  const lexiconScores = predictSentiment(lexicon, test.texts).map((p) => p.score);
  const lexiconSeconds = (performance.now() - t2) / 1000;

  const result: SentimentEvalJson = {
    command: 'eval sentiment',
    file: test.file,
    train: train?.file ?? null,
    texts: n,
    positives,
    protocol,
    trained: { ...scoresOf(test.labels, scores), foldAccuracy, fitSeconds, predictSeconds },
    lexicon: {
      ...scoresOf(test.labels, lexiconScores),
      method: `${lexicon.settings.method} (${lexicon.settings.vocabulary})`,
      coverage: lexiconScores.filter((s) => s !== 0).length / Math.max(1, n),
      predictSeconds: lexiconSeconds,
    },
    warnings,
  };
  io.stdout(values.json ? toJson(result) : formatSentimentReport(result));
  return 0;
}

export function formatSentimentReport(r: SentimentEvalJson): string {
  const out: string[] = [];
  out.push(heading(`Sentiment evaluation: ${r.file}`));
  out.push(`${int(r.texts)} texts, ${int(r.positives)} positive (${percent(r.positives / Math.max(1, r.texts))}); ${r.protocol}; score > 0 = positive`);
  out.push('');
  const row = (name: string, m: SentimentScores) => [name, fixed(m.accuracy), fixed(m.precision), fixed(m.recall), fixed(m.f1), fixed(m.rocAuc), int(m.tp), int(m.fp), int(m.fn), int(m.tn)];
  out.push(
    table(
      ['model', 'accuracy', 'precision', 'recall', 'F1', 'ROC AUC', 'tp', 'fp', 'fn', 'tn'],
      [row('trained (naive Bayes)', r.trained), row(`lexicon fallback, ${r.lexicon.method}`, r.lexicon)],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  out.push('');
  if (r.trained.foldAccuracy !== null) out.push(`trained accuracy per fold: ${fixed(r.trained.foldAccuracy.mean)} ± ${fixed(r.trained.foldAccuracy.sd)}`);
  out.push(`trained: fit ${secs(r.trained.fitSeconds)}${r.trained.foldAccuracy !== null ? ' per fold' : ''}, predict ${secs(r.trained.predictSeconds)} in all`);
  out.push(`lexicon: finds a sentiment word in ${percent(r.lexicon.coverage)} of the texts (a score of 0 counts as negative), predict ${secs(r.lexicon.predictSeconds)}`);
  if (r.warnings.length > 0) {
    out.push('');
    out.push('Notes');
    for (const w of r.warnings) out.push(`- ${w}`);
  }
  return `${out.join('\n')}\n`;
}
