/**
 * Baseline classifiers on the lead-score benchmark: logistic regression, naive Bayes, one CART tree and a
 * small MLP, on bank-marketing without `duration`, 5-fold stratified CV with seed 20240601 (the folds of
 * bench/forest.ts, bench/leadScore.ts and bench/boosting.ts, so the rows compare with theirs).
 *
 *   npx tsx bench/baselines.ts        (or import { runBaselinesBench } from bench/baselines.ts)
 *
 * Data as `crm-signals eval leadscore` reads it (loadLeadScoreData: label `y`, `duration` dropped, column
 * kinds inferred). Each fold fits the feature pipeline on its training rows only, so the test fold leaks
 * nothing into the encoding (medians, one-hot levels). Fit seconds time the model fit alone (one thread),
 * not the encoding, which every baseline shares. Prints a table; writes nothing.
 * Reference (../shared/datasets/README.md): scikit-learn LogisticRegression 0.792.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { loadLeadScoreData } from '../src/cli/eval/leadscore.ts';
import { cartProba, fitCart, fitLogistic, fitMlp, fitNaiveBayes, logisticProba, mlpProba, naiveBayesProba } from '../src/models/baselines/index.ts';
import { rocAuc } from '../src/models/evaluate.ts';
import { meanSd } from '../src/models/evaluate/index.ts';
import { encodedFolds } from './encodedFolds.ts';
import type { DenseMatrix } from '../src/models/forest/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_DATASETS = path.resolve(ROOT, '../shared/datasets');
const SEED = 20240601;
const K = 5;

export interface BaselinesBenchOptions {
  /** Folder holding bank-marketing/ (default ../shared/datasets). */
  datasetsDir?: string;
  log?: (line: string) => void;
}

export interface BaselineRow {
  name: string;
  settings: string;
  aucPerFold: number[];
  aucMean: number;
  aucSd: number;
  fitSecondsMean: number;
}

export type BaselinesBenchOutcome = { skipped: true; reason: string } | { skipped: false; rows: BaselineRow[] };

/** A fitted baseline: its scoring function, and a warning when the fit itself looks wrong. */
export interface Fitted {
  predict: (X: DenseMatrix) => Float64Array;
  warning?: string;
}

export interface Baseline {
  name: string;
  settings: string;
  fit: (X: DenseMatrix, y: number[]) => Fitted;
}

const LOGISTIC_MAX_ITER = 50;

export const BASELINES: readonly Baseline[] = [
  {
    name: 'logistic regression',
    settings: 'l2 1 on standardized weights, Newton',
    fit: (X, y) => {
      const model = fitLogistic(X, y, { l2: 1, maxIter: LOGISTIC_MAX_ITER });
      // Newton converges in about ten steps when it converges at all: running out of steps means it diverged
      const warning =
        model.iterations >= LOGISTIC_MAX_ITER
          ? `fitLogistic did not converge in ${LOGISTIC_MAX_ITER} Newton steps (intercept ${model.intercept.toPrecision(3)}): its AUC is not a logistic-regression figure`
          : undefined;
      return { predict: (T) => logisticProba(model, T), ...(warning === undefined ? {} : { warning }) };
    },
  },
  {
    name: 'naive Bayes',
    settings: 'Gaussian (varSmoothing 1e-9) + Bernoulli on 0/1 columns (alpha 1)',
    fit: (X, y) => {
      const model = fitNaiveBayes(X, y);
      return { predict: (T) => naiveBayesProba(model, T) };
    },
  },
  {
    name: 'CART tree',
    settings: 'maxDepth 6, minSamplesLeaf 50, all features, 255 bins',
    fit: (X, y) => {
      const model = fitCart(X, y, { maxDepth: 6, minSamplesLeaf: 50, seed: SEED });
      return { predict: (T) => cartProba(model, T) };
    },
  },
  {
    name: 'MLP',
    settings: '32 relu, Adam lr 0.001, batch 256, l2 1e-4, early stopping on 10 % (patience 8)',
    fit: (X, y) => {
      const model = fitMlp(X, y, { hidden: 32, activation: 'relu', seed: SEED });
      return { predict: (T) => mlpProba(model, T) };
    },
  },
];

export async function runBaselinesBench(options: BaselinesBenchOptions = {}): Promise<BaselinesBenchOutcome> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[baselines bench] ${line}\n`));
  const file = path.join(options.datasetsDir ?? DEFAULT_DATASETS, 'bank-marketing', 'bank-additional-full.csv');
  if (!existsSync(file)) {
    const reason = `baselines bench skipped: ${file} not found (the shared datasets folder is absent)`;
    log(reason);
    return { skipped: true, reason };
  }
  const data = await loadLeadScoreData({ csv: file, label: 'y', drop: ['duration'] });
  log(`${data.rows.length} rows, ${data.labels.filter((v) => v === 1).length} yes; ${K}-fold stratified CV, seed ${SEED}`);

  // encode each fold once (pipeline fitted on the fold's training rows), shared by every baseline
  const encoded = encodedFolds(data, K, SEED);
  log(`${encoded[0]?.Xtrain.nCols ?? 0} encoded features (fold 0)`);

  const rows: BaselineRow[] = [];
  for (const baseline of BASELINES) {
    log(`${baseline.name} (${baseline.settings})`);
    const aucPerFold: number[] = [];
    const fitSeconds: number[] = [];
    for (const [k, fold] of encoded.entries()) {
      const t0 = performance.now();
      const fitted = baseline.fit(fold.Xtrain, fold.yTrain);
      const seconds = (performance.now() - t0) / 1000;
      const auc = rocAuc(fold.yTest, Array.from(fitted.predict(fold.Xtest)));
      aucPerFold.push(auc);
      fitSeconds.push(seconds);
      log(`  fold ${k}: AUC ${auc.toFixed(4)}, fit ${seconds.toFixed(2)} s`);
      if (fitted.warning !== undefined) log(`  fold ${k}: WARNING ${fitted.warning}`);
    }
    const auc = meanSd(aucPerFold);
    rows.push({ name: baseline.name, settings: baseline.settings, aucPerFold, aucMean: auc.mean, aucSd: auc.sd, fitSecondsMean: meanSd(fitSeconds).mean });
  }
  return { skipped: false, rows };
}

export function baselinesTable(result: BaselinesBenchOutcome): string {
  if (result.skipped) return `${result.reason}\n`;
  return [
    `bank-marketing without duration, ${K}-fold stratified CV (seed ${SEED}), Node ${process.version}, ${os.availableParallelism()} cores, one thread`,
    '',
    '| baseline | settings | ROC AUC mean ± sd | per fold | fit s / fold |',
    '|---|---|---|---|---|',
    ...result.rows.map((r) => `| ${r.name} | ${r.settings} | ${r.aucMean.toFixed(4)} ± ${r.aucSd.toFixed(4)} | ${r.aucPerFold.map((a) => a.toFixed(4)).join(' ')} | ${r.fitSecondsMean.toFixed(2)} |`),
    '',
    'Reference: scikit-learn LogisticRegression 0.792 on this protocol (../shared/datasets/README.md).',
    '',
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.stdout.write(baselinesTable(await runBaselinesBench()));
}
