/**
 * Histogram gradient boosting benchmark: the bank-marketing lead score without `duration`, 5-fold
 * stratified CV (the folds of bench/forest.ts and bench/leadScore.ts).
 *
 *   npx tsx bench/boosting.ts
 *
 * Data as `crm-signals eval leadscore` reads it (loadLeadScoreData: label `y`, `duration` dropped, column
 * kinds inferred); each fold fits the feature pipeline on its training rows only, so the test fold leaks
 * nothing into the encoding either. Reported per setting: ROC AUC on the test fold, fit seconds (fitBoosting
 * alone, one thread) and the iterations early stopping kept. Prints a table; writes nothing.
 * Reference (../shared/datasets/README.md): scikit-learn HistGradientBoostingClassifier 0.804.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { loadLeadScoreData } from '../src/cli/eval/leadscore.ts';
import { fitBoosting, predictProba } from '../src/models/boosting/index.ts';
import type { BoostingOptions } from '../src/models/boosting/index.ts';
import { rocAuc } from '../src/models/evaluate.ts';
import { meanSd } from '../src/models/evaluate/index.ts';
import { encodedFolds } from './encodedFolds.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA_FILE = path.resolve(ROOT, '../shared/datasets/bank-marketing/bank-additional-full.csv');
const SEED = 20240601;
const K = 5;

export const BOOSTING_SETTINGS: Array<{ name: string; options: BoostingOptions }> = [
  { name: 'defaults (100 iter, lr 0.1, 31 leaves, early stopping auto)', options: { seed: SEED } },
  { name: 'lr 0.05, maxIter 300, early stopping', options: { learningRate: 0.05, maxIter: 300, earlyStopping: true, seed: SEED } },
  { name: 'defaults + l2Regularization 1', options: { l2Regularization: 1, seed: SEED } },
  { name: '100 iter, no early stopping', options: { earlyStopping: false, seed: SEED } },
];

export interface BoostingFold {
  auc: number;
  fitSeconds: number;
  nIter: number;
}

export interface BoostingBenchRow {
  name: string;
  options: BoostingOptions;
  folds: BoostingFold[];
  meanAuc: number;
  sdAuc: number;
  meanFitSeconds: number;
}

export type BoostingBenchResult = { skipped: string } | { rows: number; features: number; settings: BoostingBenchRow[] };

function log(message: string): void {
  process.stderr.write(`[boosting bench] ${message}\n`);
}

export async function runBoostingBench(settings = BOOSTING_SETTINGS): Promise<BoostingBenchResult> {
  if (!existsSync(DATA_FILE)) {
    const skipped = `skipped: ${DATA_FILE} not found (the shared datasets folder is absent)`;
    log(skipped);
    return { skipped };
  }
  const data = await loadLeadScoreData({ csv: DATA_FILE, label: 'y', drop: ['duration'] });
  log(`${data.rows.length} rows, ${data.labels.filter((v) => v === 1).length} yes; ${K}-fold stratified CV, seed ${SEED}`);

  // encode each fold once (the pipeline is fitted on the fold's training rows), reused by every setting
  const folds = encodedFolds(data, K, SEED);
  const features = folds[0]?.featureNames.length ?? 0;
  log(`${features} encoded features (fold 0)`);

  const out: BoostingBenchRow[] = [];
  for (const { name, options } of settings) {
    log(name);
    const results: BoostingFold[] = [];
    for (const [k, fold] of folds.entries()) {
      const t0 = performance.now();
      const model = fitBoosting(fold.Xtrain, fold.yTrain, { ...options, featureNames: fold.featureNames });
      const fitSeconds = (performance.now() - t0) / 1000;
      const auc = rocAuc(fold.yTest, Array.from(predictProba(model, fold.Xtest)));
      results.push({ auc, fitSeconds, nIter: model.nIter });
      log(`  fold ${k}: AUC ${auc.toFixed(4)}, fit ${fitSeconds.toFixed(2)} s, ${model.nIter} iterations`);
    }
    const auc = meanSd(results.map((r) => r.auc));
    out.push({ name, options, folds: results, meanAuc: auc.mean, sdAuc: auc.sd, meanFitSeconds: meanSd(results.map((r) => r.fitSeconds)).mean });
  }
  return { rows: data.rows.length, features, settings: out };
}

export function boostingTable(result: BoostingBenchResult): string {
  if ('skipped' in result) return `Boosting bench ${result.skipped}\n`;
  const lines = [
    `bank-marketing without duration: ${result.rows} rows, ${result.features} features, ${K}-fold stratified CV (seed ${SEED}), Node ${process.version}, ${os.availableParallelism()} cores, one thread`,
    '',
    '| setting | ROC AUC mean ± sd | per fold | fit s / fold | iterations |',
    '|---|---|---|---|---|',
    ...result.settings.map(
      (s) =>
        `| ${s.name} | ${s.meanAuc.toFixed(4)} ± ${s.sdAuc.toFixed(4)} | ${s.folds.map((f) => f.auc.toFixed(4)).join(' ')} | ${s.meanFitSeconds.toFixed(2)} | ${s.folds.map((f) => f.nIter).join(' ')} |`,
    ),
    '',
    'Reference: scikit-learn HistGradientBoostingClassifier 0.804 on this protocol (../shared/datasets/README.md).',
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.stdout.write(boostingTable(await runBoostingBench()));
}
