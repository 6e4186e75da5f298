/**
 * Fast forest benchmark: the bank-marketing lead score without `duration`, 5-fold stratified CV.
 *
 *   npx tsx bench/forest.ts            (or import { runForestBench } from a runner)
 *
 * Rows reported: (a) fast forest, 100 trees, defaults; (b) fast forest with fixed settings chosen before
 * looking at any fold (scikit-learn's min_samples_leaf=20 hint, 0.4 of the features per node);
 * (c) fast forest whose settings are chosen per fold by out-of-bag AUC on that fold's training rows
 * (no test fold is looked at); ml-random-forest 2.1.0 trained on a 2,000-row subsample (the slow
 * reference) next to the fast forest on the same subsample; scikit-learn's RandomForestClassifier on the
 * same folds when Debian's python3-sklearn is installed. Writes bench/results/forest.{md,json}.
 *
 * Encoding: numeric columns as they are (pdays 999 = never contacted, kept, plus a 0/1 `pdays_never`
 * column), each categorical one-hot over its categories in the whole file (label-free: the category
 * lists, not the outcomes), `duration` dropped (it is only known after the call).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { RandomForestClassifier } from 'ml-random-forest';

import { parseCsvRecords } from '../src/io/csv.ts';
import { rocAuc, stratifiedSubsample } from '../src/models/evaluate.ts';
import { stratifiedKFoldAssignment } from '../src/models/evaluate/index.ts';
import { fitForest, oobProba, predictProba } from '../src/models/forest/index.ts';
import type { DenseMatrix, FastForestModel, FastForestOptions } from '../src/models/forest/index.ts';
import { runSklearnForest } from './sklearn.ts';
import { writeBenchResults } from './writeResults.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA_FILE = path.resolve(ROOT, '../shared/datasets/bank-marketing/bank-additional-full.csv');
const SEED = 20240601;
const K = 5;

// ---------------------------------------------------------------------------------------------------
// Data

export interface BankData {
  X: DenseMatrix;
  y: number[];
  featureNames: string[];
}

const CATEGORICAL = ['job', 'marital', 'education', 'default', 'housing', 'loan', 'contact', 'month', 'day_of_week', 'poutcome'];
const NUMERIC = ['age', 'campaign', 'pdays', 'previous', 'emp.var.rate', 'cons.price.idx', 'cons.conf.idx', 'euribor3m', 'nr.employed'];

/** Parses bank-additional-full.csv (`;`-delimited, double-quoted strings) and encodes it (see the header). */
export function loadBankMarketing(file = DATA_FILE): BankData {
  const [header = [], ...rows] = parseCsvRecords(readFileSync(file, 'utf8'), ';');
  const col = (name: string): number => {
    const j = header.indexOf(name);
    if (j < 0) throw new Error(`bank-marketing: column ${name} missing`);
    return j;
  };
  const yCol = col('y');
  const categories = CATEGORICAL.map((name) => [...new Set(rows.map((r) => r[col(name)] ?? ''))].sort());
  const featureNames = [
    ...NUMERIC,
    'pdays_never',
    ...CATEGORICAL.flatMap((name, c) => (categories[c] as string[]).map((v) => `${name}=${v}`)),
  ];
  const p = featureNames.length;
  const data = new Float64Array(rows.length * p);
  const numericCols = NUMERIC.map(col);
  const categoricalCols = CATEGORICAL.map(col);
  const pdaysCol = col('pdays');
  rows.forEach((r, i) => {
    let j = i * p;
    for (const c of numericCols) {
      const v = Number(r[c]);
      if (!Number.isFinite(v)) throw new Error(`bank-marketing: row ${i + 2}: ${header[c]} = ${r[c]}`);
      data[j++] = v;
    }
    data[j++] = Number(r[pdaysCol]) === 999 ? 1 : 0;
    categoricalCols.forEach((c, k) => {
      const cats = categories[k] as string[];
      data[j + cats.indexOf(r[c] ?? '')] = 1;
      j += cats.length;
    });
  });
  const y = rows.map((r) => (r[yCol] === 'yes' ? 1 : 0));
  return { X: { data, nRows: rows.length, nCols: p }, y, featureNames };
}

/** Fold k's rows (ascending) and labels: every model compared here sees the same folds. */
function foldRows(data: BankData, folds: Int8Array, k: number): { train: number[]; test: number[]; ytr: number[]; yte: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  folds.forEach((f, i) => (f === k ? test : train).push(i));
  return { train, test, ytr: train.map((i) => data.y[i] as number), yte: test.map((i) => data.y[i] as number) };
}

function takeRows(X: DenseMatrix, rows: readonly number[]): DenseMatrix {
  const p = X.nCols;
  const data = new Float64Array(rows.length * p);
  rows.forEach((r, i) => data.set(X.data.subarray(r * p, r * p + p), i * p));
  return { data, nRows: rows.length, nCols: p };
}

function toRows(X: DenseMatrix): number[][] {
  return Array.from({ length: X.nRows }, (_, i) => Array.from(X.data.subarray(i * X.nCols, (i + 1) * X.nCols)));
}

// ---------------------------------------------------------------------------------------------------
// Results

export interface FoldResult {
  fold: number;
  auc: number;
  fitSeconds: number;
  /** CPU time of the fit, all threads (less sensitive than wall time to other work on a shared machine). */
  cpuSeconds?: number;
  trainRows: number;
  testRows: number;
  /** Settings chosen for this fold (OOB selection only). */
  chosen?: string;
  /** OOB AUC of the chosen settings on the training rows (OOB selection only). */
  oobAuc?: number;
}

export interface ConfigResult {
  name: string;
  description: string;
  options: FastForestOptions | Record<string, unknown>;
  folds: FoldResult[];
  meanAuc: number;
  stdAuc: number;
  meanFitSeconds: number;
  meanCpuSeconds?: number;
  /** Time spent choosing settings (OOB selection only), per fold. */
  meanSelectionSeconds?: number;
}

export interface ForestBenchResult {
  skipped?: string;
  date: string;
  machine: { node: string; cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  dataset: { file: string; rows: number; features: number; positiveRate: number; folds: number; seed: number };
  configs: ConfigResult[];
  throughput: Array<{ config: string; rows: number; seconds: number; recordsPerSecond: number }>;
  modelSize: Array<{ config: string; nodes: number; jsonMegabytes: number }>;
  peakRssMegabytes: number;
  /** Peak RSS so far after each stage (it only grows), MB. */
  peakRssByStage: Array<{ stage: string; megabytes: number }>;
  mlRandomForest: ConfigResult & { subsampleRows: number; fastForestSameSubsample: ConfigResult; timeRatio: number };
  sklearn:
    | { skipped: string }
    | { version: string; configs: ConfigResult[]; timeRatios: Array<{ fast: string; sklearn: string; ratio: number; cpuRatio: number }> };
}

function summarize(name: string, description: string, options: ConfigResult['options'], folds: FoldResult[]): ConfigResult {
  const aucs = folds.map((f) => f.auc);
  const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  const std = Math.sqrt(aucs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, aucs.length - 1));
  return {
    name,
    description,
    options,
    folds,
    meanAuc: mean,
    stdAuc: std,
    meanFitSeconds: folds.reduce((a, f) => a + f.fitSeconds, 0) / folds.length,
    ...(folds.length > 0 && folds.every((f) => f.cpuSeconds !== undefined)
      ? { meanCpuSeconds: folds.reduce((a, f) => a + (f.cpuSeconds as number), 0) / folds.length }
      : {}),
  };
}

function log(message: string): void {
  process.stderr.write(`[forest bench] ${message}\n`);
}

const seconds = (t0: number): number => (performance.now() - t0) / 1000;
const cpuSince = (c0: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

// ---------------------------------------------------------------------------------------------------
// Configurations

const DEFAULTS: FastForestOptions = { nEstimators: 100, seed: SEED };
/** Fixed before looking at any fold: scikit-learn's min_samples_leaf=20 hint, 0.4 of the features per node. */
const FIXED_TUNED: FastForestOptions = { nEstimators: 100, minSamplesLeaf: 20, maxFeatures: 0.4, seed: SEED };
/** The grid the OOB selection chooses from (per fold, on the training rows only). */
const OOB_GRID: Array<{ label: string; options: FastForestOptions }> = [10, 20, 40, 80].flatMap((leaf) =>
  (['sqrt', 0.2, 0.4] as const).map((mf) => ({
    label: `minSamplesLeaf ${leaf}, maxFeatures ${mf}`,
    options: { nEstimators: 100, minSamplesLeaf: leaf, maxFeatures: mf, seed: SEED },
  })),
);

async function crossValidate(
  data: BankData,
  folds: Int8Array,
  options: FastForestOptions,
): Promise<{ folds: FoldResult[]; firstModel: FastForestModel }> {
  const results: FoldResult[] = [];
  let firstModel: FastForestModel | undefined;
  for (let k = 0; k < K; k++) {
    const { train, test, ytr, yte } = foldRows(data, folds, k);
    const Xtr = takeRows(data.X, train);
    const Xte = takeRows(data.X, test);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const model = await fitForest(Xtr, ytr, options);
    const fitSeconds = seconds(t0);
    const cpuSeconds = cpuSince(c0);
    const auc = rocAuc(yte, Array.from(predictProba(model, Xte)));
    results.push({ fold: k, auc, fitSeconds, cpuSeconds, trainRows: train.length, testRows: test.length });
    firstModel ??= model; // keep one model (for throughput and size), let the others go
    log(`  fold ${k}: AUC ${auc.toFixed(4)}, fit ${fitSeconds.toFixed(2)} s`);
  }
  return { folds: results, firstModel: firstModel as FastForestModel };
}

async function oobSelected(data: BankData, folds: Int8Array): Promise<ConfigResult> {
  const results: FoldResult[] = [];
  let selectionSeconds = 0;
  for (let k = 0; k < K; k++) {
    const { train, test, ytr, yte } = foldRows(data, folds, k);
    const Xtr = takeRows(data.X, train);
    const Xte = takeRows(data.X, test);
    const t0 = performance.now();
    let best: { label: string; model: FastForestModel; oob: number; fitSeconds: number; cpuSeconds: number } | undefined;
    for (const { label, options } of OOB_GRID) {
      const t1 = performance.now();
      const c1 = process.cpuUsage();
      const model = await fitForest(Xtr, ytr, options);
      const fitSeconds = seconds(t1);
      const cpuSeconds = cpuSince(c1);
      const oob = Array.from(oobProba(model, Xtr));
      const keep = oob.flatMap((v, i) => (Number.isNaN(v) ? [] : [i]));
      const oobAuc = rocAuc(
        keep.map((i) => ytr[i] as number),
        keep.map((i) => oob[i] as number),
      );
      if (best === undefined || oobAuc > best.oob) best = { label, model, oob: oobAuc, fitSeconds, cpuSeconds };
    }
    if (best === undefined) throw new Error('empty grid');
    selectionSeconds += seconds(t0);
    const auc = rocAuc(yte, Array.from(predictProba(best.model, Xte)));
    results.push({ fold: k, auc, fitSeconds: best.fitSeconds, cpuSeconds: best.cpuSeconds, trainRows: train.length, testRows: test.length, chosen: best.label, oobAuc: best.oob });
    log(`  fold ${k}: chose ${best.label} (OOB AUC ${best.oob.toFixed(4)}), test AUC ${auc.toFixed(4)}`);
  }
  const summary = summarize(
    'fast forest, OOB-selected',
    `settings chosen per fold by out-of-bag AUC on the training rows, from ${OOB_GRID.length} candidates (minSamplesLeaf 10/20/40/80 x maxFeatures sqrt/0.2/0.4, 100 trees); fit time = the chosen model's fit`,
    { grid: OOB_GRID.map((g) => g.label) },
    results,
  );
  summary.meanSelectionSeconds = selectionSeconds / K;
  return summary;
}

// ---------------------------------------------------------------------------------------------------
// ml-random-forest (the slow reference)

interface MlRfNode {
  classify(row: number[]): { columns: number; get(r: number, c: number): number };
}
interface MlRfInstance {
  train(X: number[][], y: number[]): void;
  estimators: Array<{ root: MlRfNode }>;
  indexes: number[][];
}
const MlRf = RandomForestClassifier as unknown as new (options: Record<string, unknown>) => MlRfInstance;

const ML_RF_ROWS = 2000;
const ML_RF_OPTIONS = {
  nEstimators: 20,
  maxFeatures: 0.4,
  replacement: false,
  useSampleBagging: true,
  noOOB: true,
  treeOptions: { gainThreshold: 0, minNumSamples: 20, maxDepth: 12 },
};

/** Soft vote: mean over trees of the class-1 share in the leaf (ml-random-forest's predictProbability drops a vote). */
function mlRfProba(forest: MlRfInstance, rows: number[][]): number[] {
  return rows.map((row) => {
    let sum = 0;
    forest.estimators.forEach((est, t) => {
      const dist = est.root.classify((forest.indexes[t] as number[]).map((j) => row[j] as number));
      sum += dist.columns > 1 ? dist.get(0, 1) : 0;
    });
    return sum / forest.estimators.length;
  });
}

async function mlRandomForestReference(
  data: BankData,
  folds: Int8Array,
  nFolds: number,
): Promise<ForestBenchResult['mlRandomForest']> {
  const ml: FoldResult[] = [];
  const fast: FoldResult[] = [];
  const fastOptions: FastForestOptions = { nEstimators: 20, maxFeatures: 0.4, minSamplesLeaf: 10, maxDepth: 12, seed: SEED, workers: 1 };
  for (let k = 0; k < nFolds; k++) {
    const { train, test, ytr: ytrAll, yte } = foldRows(data, folds, k);
    const sub = stratifiedSubsample(ytrAll, ML_RF_ROWS, SEED + k).map((i) => train[i] as number);
    const Xsub = takeRows(data.X, sub);
    const ysub = sub.map((i) => data.y[i] as number);
    const Xte = takeRows(data.X, test);

    const forest = new MlRf({ ...ML_RF_OPTIONS, seed: SEED + k });
    const rows = toRows(Xsub);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    forest.train(rows, ysub);
    const mlSeconds = seconds(t0);
    const mlCpu = cpuSince(c0);
    const mlAuc = rocAuc(yte, mlRfProba(forest, toRows(Xte)));
    ml.push({ fold: k, auc: mlAuc, fitSeconds: mlSeconds, cpuSeconds: mlCpu, trainRows: sub.length, testRows: test.length });

    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const model = await fitForest(Xsub, ysub, fastOptions);
    const fastSeconds = seconds(t1);
    const fastCpu = cpuSince(c1);
    const fastAuc = rocAuc(yte, Array.from(predictProba(model, Xte)));
    fast.push({ fold: k, auc: fastAuc, fitSeconds: fastSeconds, cpuSeconds: fastCpu, trainRows: sub.length, testRows: test.length });
    log(`  fold ${k}: ml-random-forest AUC ${mlAuc.toFixed(4)} fit ${mlSeconds.toFixed(1)} s; fast forest AUC ${fastAuc.toFixed(4)} fit ${fastSeconds.toFixed(3)} s`);
  }
  const mlSummary = summarize(
    'ml-random-forest 2.1.0 (2,000-row subsample)',
    `${ML_RF_OPTIONS.nEstimators} trees, 0.4 of the features per tree, ml-cart trees (minNumSamples 20, maxDepth 12, gainThreshold 0), soft vote; trained on a stratified 2,000-row subsample of each training fold, tested on the full test fold`,
    ML_RF_OPTIONS,
    ml,
  );
  const fastSummary = summarize(
    'fast forest, same 2,000-row subsample',
    'same trees, features, leaf size and depth budget, one thread',
    fastOptions,
    fast,
  );
  return {
    ...mlSummary,
    subsampleRows: ML_RF_ROWS,
    fastForestSameSubsample: fastSummary,
    timeRatio: mlSummary.meanFitSeconds / fastSummary.meanFitSeconds,
  };
}

// ---------------------------------------------------------------------------------------------------
// scikit-learn on the same folds (Debian's python3-sklearn), when installed

function runSklearn(data: BankData, folds: Int8Array): ForestBenchResult['sklearn'] {
  const out = runSklearnForest({
    X: data.X.data,
    rows: data.X.nRows,
    cols: data.X.nCols,
    y: data.y,
    folds,
    k: K,
    configs: [
      { name: 'sklearn RF(100), defaults', params: { n_estimators: 100 } },
      { name: 'sklearn RF(100), min_samples_leaf 20, max_features 0.4', params: { n_estimators: 100, min_samples_leaf: 20, max_features: 0.4 } },
    ],
    progress: true,
  });
  if ('skipped' in out) return out;
  return {
    version: out.version,
    configs: out.configs.map((c) => summarize(c.name, 'scikit-learn RandomForestClassifier, n_jobs=1, same folds and encoding', c.params, c.folds)),
    timeRatios: [],
  };
}

// ---------------------------------------------------------------------------------------------------

function throughput(model: FastForestModel, X: DenseMatrix, config: string): ForestBenchResult['throughput'][number] {
  predictProba(model, takeRows(X, Array.from({ length: 1000 }, (_, i) => i))); // warm up
  let bestSeconds = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    predictProba(model, X);
    bestSeconds = Math.min(bestSeconds, seconds(t0));
  }
  return { config, rows: X.nRows, seconds: bestSeconds, recordsPerSecond: X.nRows / bestSeconds };
}

function modelSize(model: FastForestModel, config: string): ForestBenchResult['modelSize'][number] {
  const nodes = model.trees.reduce((a, t) => a + t.feature.length, 0);
  return { config, nodes, jsonMegabytes: JSON.stringify(model).length / 1e6 };
}

function emptyResult(skipped: string): ForestBenchResult {
  const load = os.loadavg();
  const none = summarize('n/a', '', {}, []);
  return {
    skipped,
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: os.availableParallelism(), loadAverageAtStart: load, loadAverageAtEnd: load },
    dataset: { file: DATA_FILE, rows: 0, features: 0, positiveRate: 0, folds: K, seed: SEED },
    configs: [],
    throughput: [],
    modelSize: [],
    peakRssMegabytes: 0,
    peakRssByStage: [],
    mlRandomForest: { ...none, subsampleRows: ML_RF_ROWS, fastForestSameSubsample: none, timeRatio: Number.NaN },
    sklearn: { skipped },
  };
}

export interface ForestBenchOptions {
  /** Folds on which ml-random-forest runs (it takes about a minute per fold); default 1, env FOREST_BENCH_MLRF_FOLDS. */
  mlRandomForestFolds?: number;
  /** Run scikit-learn when available (default true; env FOREST_BENCH_SKLEARN=0 turns it off). */
  sklearn?: boolean;
  /** Run the OOB selection row (default true; env FOREST_BENCH_OOB=0 turns it off). */
  oobSelection?: boolean;
  /** Write bench/results/forest.{md,json} (default true). */
  write?: boolean;
}

export async function runForestBench(options: ForestBenchOptions = {}): Promise<ForestBenchResult> {
  if (!existsSync(DATA_FILE)) {
    const message = `skipped: ${DATA_FILE} not found (the shared datasets folder is absent)`;
    log(message);
    return emptyResult(message);
  }
  const loadAtStart = os.loadavg();
  const mlFolds = options.mlRandomForestFolds ?? Number(process.env.FOREST_BENCH_MLRF_FOLDS ?? 1);
  const withSklearn = options.sklearn ?? process.env.FOREST_BENCH_SKLEARN !== '0';
  const withOob = options.oobSelection ?? process.env.FOREST_BENCH_OOB !== '0';

  const data = loadBankMarketing();
  // The same stratified assignment as every other bench for this seed.
  const folds = Int8Array.from(stratifiedKFoldAssignment(data.y, K, SEED));
  const positives = data.y.reduce((a, b) => a + b, 0);
  log(`bank-marketing: ${data.X.nRows} rows x ${data.X.nCols} features, ${((100 * positives) / data.y.length).toFixed(2)} % yes`);

  const rss: ForestBenchResult['peakRssByStage'] = [];
  const mark = (stage: string): void => {
    rss.push({ stage, megabytes: process.resourceUsage().maxRSS / 1024 });
  };
  mark('data loaded and encoded');
  const configs: ConfigResult[] = [];
  log('(a) fast forest, 100 trees, defaults');
  const a = await crossValidate(data, folds, DEFAULTS);
  configs.push(summarize('fast forest, defaults', "100 trees, maxFeatures 'sqrt', minSamplesLeaf 1, bootstrap, worker threads", DEFAULTS, a.folds));
  log('(a1) same, one thread');
  const a1 = await crossValidate(data, folds, { ...DEFAULTS, workers: 1 });
  configs.push(summarize('fast forest, defaults, 1 thread', 'as (a) on the calling thread (for the single-thread comparison with scikit-learn)', { ...DEFAULTS, workers: 1 }, a1.folds));
  mark('(a) defaults, 5 folds');
  log('(b) fast forest, fixed tuned settings');
  const b = await crossValidate(data, folds, FIXED_TUNED);
  configs.push(summarize('fast forest, tuned (fixed)', '100 trees, minSamplesLeaf 20, maxFeatures 0.4, fixed before looking at any fold', FIXED_TUNED, b.folds));
  log('(b1) same, one thread');
  const b1 = await crossValidate(data, folds, { ...FIXED_TUNED, workers: 1 });
  configs.push(summarize('fast forest, tuned (fixed), 1 thread', 'as (b) on the calling thread', { ...FIXED_TUNED, workers: 1 }, b1.folds));
  mark('(b) tuned, 5 folds');
  if (withOob) {
    log('(c) fast forest, settings chosen by out-of-bag AUC on each training fold');
    configs.push(await oobSelected(data, folds));
  }

  if (withOob) mark('(c) OOB selection');
  log('scoring throughput');
  const tp = [throughput(a.firstModel, data.X, 'defaults'), throughput(b.firstModel, data.X, 'tuned (fixed)')];
  const sizes = [modelSize(a.firstModel, 'defaults'), modelSize(b.firstModel, 'tuned (fixed)')];

  log(`ml-random-forest on a ${ML_RF_ROWS}-row subsample, ${mlFolds} fold(s)`);
  const mlRandomForest = await mlRandomForestReference(data, folds, Math.max(1, Math.min(K, mlFolds)));

  mark('ml-random-forest reference');
  let sklearn: ForestBenchResult['sklearn'] = { skipped: 'turned off (FOREST_BENCH_SKLEARN=0)' };
  if (withSklearn) {
    log('scikit-learn on the same folds');
    sklearn = runSklearn(data, folds);
    if ('configs' in sklearn) {
      const sk = sklearn.configs;
      const find = (name: string): ConfigResult => configs.find((c) => c.name === name) as ConfigResult;
      const pairs: Array<[string, number]> = [
        ['fast forest, defaults', 0],
        ['fast forest, defaults, 1 thread', 0],
        ['fast forest, tuned (fixed)', 1],
        ['fast forest, tuned (fixed), 1 thread', 1],
      ];
      sklearn.timeRatios = pairs.map(([fast, s]) => ({
        fast,
        sklearn: (sk[s] as ConfigResult).name,
        ratio: find(fast).meanFitSeconds / (sk[s] as ConfigResult).meanFitSeconds,
        cpuRatio: (find(fast).meanCpuSeconds ?? Number.NaN) / ((sk[s] as ConfigResult).meanCpuSeconds ?? Number.NaN),
      }));
    } else {
      log(sklearn.skipped);
    }
  }

  const result: ForestBenchResult = {
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: os.availableParallelism(), loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg() },
    dataset: { file: path.relative(ROOT, DATA_FILE), rows: data.X.nRows, features: data.X.nCols, positiveRate: positives / data.y.length, folds: K, seed: SEED },
    configs,
    throughput: tp,
    modelSize: sizes,
    peakRssMegabytes: process.resourceUsage().maxRSS / 1024,
    peakRssByStage: rss,
    mlRandomForest,
    sklearn,
  };
  if (options.write ?? true) writeResults(result);
  return result;
}

// ---------------------------------------------------------------------------------------------------

const f4 = (x: number): string => x.toFixed(4);
const f2 = (x: number): string => x.toFixed(2);

function configRow(c: ConfigResult): string {
  return `| ${c.name} | ${f4(c.meanAuc)} ± ${f4(c.stdAuc)} | ${c.folds.map((f) => f4(f.auc)).join(' ')} | ${f2(c.meanFitSeconds)} | ${c.folds.map((f) => f2(f.fitSeconds)).join(' ')} | ${c.meanCpuSeconds === undefined ? '' : f2(c.meanCpuSeconds)} |`;
}

export function resultsMarkdown(r: ForestBenchResult): string {
  if (r.skipped !== undefined) return `# Fast forest benchmark\n\n${r.skipped}\n`;
  const lines: string[] = [];
  lines.push('# Fast forest benchmark: bank-marketing lead score (without `duration`)');
  lines.push('');
  lines.push(`${r.date}, Node ${r.machine.node}, ${r.machine.cpus} cores (load average ${r.machine.loadAverageAtStart.map(f2).join('/')} at start, ${r.machine.loadAverageAtEnd.map(f2).join('/')} at end: the machine is shared, times are wall-clock).`);
  lines.push(`${r.dataset.rows} rows x ${r.dataset.features} features (one-hot categoricals, pdays + pdays_never), ${(100 * r.dataset.positiveRate).toFixed(2)} % yes; ${r.dataset.folds}-fold stratified CV, seed ${r.dataset.seed}. Run: \`npx tsx bench/forest.ts\`.`);
  lines.push('');
  lines.push('| model | ROC AUC mean ± sd | per fold | fit s / fold (wall) | per fold | CPU s / fold |');
  lines.push('|---|---|---|---|---|---|');
  for (const c of r.configs) lines.push(configRow(c));
  if ('configs' in r.sklearn) for (const c of r.sklearn.configs) lines.push(configRow(c));
  lines.push(configRow(r.mlRandomForest));
  lines.push(configRow(r.mlRandomForest.fastForestSameSubsample));
  lines.push('');
  for (const c of [...r.configs, ...('configs' in r.sklearn ? r.sklearn.configs : []), r.mlRandomForest, r.mlRandomForest.fastForestSameSubsample]) {
    lines.push(`- **${c.name}**: ${c.description}.${c.meanSelectionSeconds !== undefined ? ` Selection took ${f2(c.meanSelectionSeconds)} s per fold.` : ''}`);
    const chosen = c.folds.filter((f) => f.chosen !== undefined);
    if (chosen.length > 0) lines.push(`  Chosen: ${chosen.map((f) => `fold ${f.fold}: ${f.chosen} (OOB ${f4(f.oobAuc ?? Number.NaN)})`).join('; ')}.`);
  }
  lines.push('');
  lines.push('Reference (../shared/datasets/README.md, scikit-learn 1.2.1, 2-core machine): RandomForest(100) 0.774, fit 3.2 s per fold; RandomForest(min_samples_leaf=20) 0.799; HistGradientBoosting 0.804. Project target: AUC >= 0.805 with fit <= 3.2 s per fold.');
  lines.push('');
  lines.push('## Speed');
  if ('configs' in r.sklearn) {
    lines.push(`scikit-learn ${r.sklearn.version} (Debian python3-sklearn, n_jobs=1) on the same folds; ratio = fast forest fit time / scikit-learn fit time (below 1 = faster):`);
    for (const t of r.sklearn.timeRatios) lines.push(`- ${t.fast} vs ${t.sklearn}: ${f2(t.ratio)} (CPU time ratio ${f2(t.cpuRatio)})`);
  } else {
    lines.push(`scikit-learn: ${r.sklearn.skipped}.`);
  }
  lines.push(`- ml-random-forest vs fast forest on the same 2,000-row subsample: ${r.mlRandomForest.timeRatio.toFixed(0)}x slower (${f2(r.mlRandomForest.meanFitSeconds)} s vs ${r.mlRandomForest.fastForestSameSubsample.meanFitSeconds.toFixed(3)} s per fit).`);
  for (const t of r.throughput) lines.push(`- Scoring, ${t.config} model: ${Math.round(t.recordsPerSecond).toLocaleString('en-US')} records/s (${t.rows} rows in ${t.seconds.toFixed(3)} s, one thread).`);
  for (const s of r.modelSize) lines.push(`- Model size, ${s.config}: ${s.nodes.toLocaleString('en-US')} nodes, ${s.jsonMegabytes.toFixed(1)} MB of JSON.`);
  lines.push(`- Peak RSS of the bench process: ${Math.round(r.peakRssMegabytes)} MB (worker threads included; after ${r.peakRssByStage.map((s) => `${s.stage}: ${Math.round(s.megabytes)}`).join(', ')}).`);
  lines.push('');
  return lines.join('\n');
}

function writeResults(r: ForestBenchResult): void {
  writeBenchResults('forest', r, resultsMarkdown(r));
  log('wrote bench/results/forest.md and forest.json');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const result = await runForestBench();
  process.stdout.write(resultsMarkdown(result));
}
