/**
 * A small multilayer perceptron for binary labels 0/1: one hidden layer (ReLU or tanh), a sigmoid output,
 * log-loss with an L2 penalty on the weights, Adam on shuffled mini-batches, early stopping on a held-out
 * share of the training rows. A baseline for the lead-score bench, not a product model.
 *
 * Choices, and why:
 * - Real-valued inputs are standardized inside the model (means and scales saved with it): the pipeline's
 *   matrix has raw values in the thousands (nr.employed), which would saturate tanh units and make one
 *   learning rate wrong for every column. Columns that are 0/1 in training (one-hot levels, missing
 *   indicators) are left as they are: standardizing a level seen 3 times in 33,000 rows makes it an input
 *   of about 100 on those rows, and centring would make the one-hot block dense. Left sparse, a
 *   bank-marketing row has about 19 non-zero inputs out of 62, and training skips the zeros (3x faster).
 * - Everything random (initial weights, the validation split, the batch order) comes from one mulberry32
 *   stream seeded by `seed`, so the same data, options and seed give the same model, bit for bit.
 * - The output bias starts at the training log-odds: with 11 % positives, starting at 0.5 spends the first
 *   epoch learning the base rate.
 * - Early stopping watches the validation log-loss (not accuracy, which barely moves at an 11 % base rate)
 *   and restores the best epoch's weights.
 * - The validation share is stratified (stratifiedSplit), so a rare positive class is present on both sides.
 */
import { stratifiedSplit } from '../evaluate.ts';
import { mulberry32, shuffleInPlace } from '../../domain/random.mjs';
import { sigmoid } from '../calibration.ts';
import { toDense, toLabels } from '../forest/matrix.ts';
import type { FeatureMatrix } from '../forest/matrix.ts';

export const MLP_KIND = 'mlp';
export const MLP_VERSION = 1;

export type MlpActivation = 'relu' | 'tanh';

export interface MlpOptions {
  /** Hidden units (default 32). */
  hidden?: number;
  /** Hidden activation (default 'relu'). */
  activation?: MlpActivation;
  /** Penalty (l2 / 2) * sum of squared weights (not biases) added to the mean log-loss (default 1e-4). */
  l2?: number;
  /** Adam step size (default 0.001). */
  learningRate?: number;
  /** Rows per mini-batch (default 256). */
  batchSize?: number;
  /** Passes over the training rows at most (default 100). */
  maxEpochs?: number;
  /** Share of the rows held out for early stopping, in [0, 0.5) (default 0.1; 0 = no early stopping). */
  validationShare?: number;
  /** Epochs without a validation improvement of at least `tolerance` before stopping (default 8). */
  patience?: number;
  /** Smallest validation log-loss decrease that counts as an improvement (default 1e-4). */
  tolerance?: number;
  /** Seed of the initial weights, the validation split and the batch order (default 42). */
  seed?: number;
}

export interface MlpModel {
  kind: typeof MLP_KIND;
  version: typeof MLP_VERSION;
  nFeatures: number;
  hidden: number;
  activation: MlpActivation;
  /** Subtracted from each input (0 for a 0/1 column). */
  means: number[];
  /** Each input is divided by this after the mean (1 for a 0/1 or constant column). */
  scales: number[];
  /** Input-to-hidden weights, row-major nFeatures x hidden: input j's weights at j * hidden. */
  w1: number[];
  b1: number[];
  /** Hidden-to-output weights. */
  w2: number[];
  b2: number;
  /** The resolved options and how training went, for the record. */
  training: {
    l2: number;
    learningRate: number;
    batchSize: number;
    maxEpochs: number;
    validationShare: number;
    patience: number;
    tolerance: number;
    seed: number;
    trainRows: number;
    validationRows: number;
    epochs: number;
    bestEpoch: number;
    /** Mean validation log-loss at the best epoch (null without a validation share). */
    validationLoss: number | null;
  };
}



/** -log P(y | z) for the logit z, without overflow for large |z|. */
function logLoss(z: number, y: number): number {
  // log(1 + e^-|z|) + max(z, 0) - y z
  return Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - y * z;
}

interface Net {
  h: number;
  relu: boolean;
  /** nFeatures x hidden, row-major. */
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  b2: Float64Array; // length 1, so that Adam treats every parameter block alike
}

/** Rows with their zero inputs left out (compressed sparse rows). Row i's entries are start[i]..start[i+1]-1. */
interface SparseRows {
  start: Int32Array;
  column: Int32Array;
  value: Float64Array;
}

/**
 * Logit of the row whose non-zero inputs are entries e0..e1-1 of `rows`; leaves the hidden pre-activations
 * in `pre` and the activations in `a` for the backward pass.
 */
function forward(net: Net, rows: SparseRows, e0: number, e1: number, pre: Float64Array, a: Float64Array): number {
  const { h, relu, w1, w2 } = net;
  pre.set(net.b1);
  for (let e = e0; e < e1; e++) {
    const base = (rows.column[e] as number) * h;
    const v = rows.value[e] as number;
    for (let k = 0; k < h; k++) pre[k] = (pre[k] as number) + (w1[base + k] as number) * v;
  }
  let z = net.b2[0] as number;
  for (let k = 0; k < h; k++) {
    const s = pre[k] as number;
    const v = relu ? (s > 0 ? s : 0) : Math.tanh(s);
    a[k] = v;
    z += (w2[k] as number) * v;
  }
  return z;
}

function meanLoss(net: Net, rows: SparseRows, y: Uint8Array, subset: Int32Array, pre: Float64Array, a: Float64Array): number {
  let loss = 0;
  for (let r = 0; r < subset.length; r++) {
    const i = subset[r] as number;
    loss += logLoss(forward(net, rows, rows.start[i] as number, rows.start[i + 1] as number, pre, a), y[i] as number);
  }
  return loss / subset.length;
}

/** The rows transformed by (x - mean) / scale, zeros left out. */
function sparseRows(data: Float64Array, nRows: number, p: number, means: ArrayLike<number>, scales: ArrayLike<number>): SparseRows {
  const start = new Int32Array(nRows + 1);
  const column: number[] = [];
  const value: number[] = [];
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < p; j++) {
      const z = ((data[i * p + j] as number) - (means[j] as number)) / (scales[j] as number);
      if (z !== 0) {
        column.push(j);
        value.push(z);
      }
    }
    start[i + 1] = column.length;
  }
  return { start, column: Int32Array.from(column), value: Float64Array.from(value) };
}

/** Adam state for one parameter block (the step count is passed in, shared by every block). */
class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  constructor(
    private readonly params: Float64Array,
    private readonly rate: number,
  ) {
    this.m = new Float64Array(params.length);
    this.v = new Float64Array(params.length);
  }
  step(grad: Float64Array, t: number): void {
    const beta1 = 0.9;
    const beta2 = 0.999;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    const { m, v, params } = this;
    for (let k = 0; k < params.length; k++) {
      const g = grad[k] as number;
      const mk = beta1 * (m[k] as number) + (1 - beta1) * g;
      const vk = beta2 * (v[k] as number) + (1 - beta2) * g * g;
      m[k] = mk;
      v[k] = vk;
      params[k] = (params[k] as number) - (this.rate * (mk / c1)) / (Math.sqrt(vk / c2) + 1e-8);
    }
  }
}

function checkOption(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`fitMlp: ${message}`);
}

export function fitMlp(X: FeatureMatrix, y: ArrayLike<number>, options: MlpOptions = {}): MlpModel {
  const hidden = options.hidden ?? 32;
  const activation = options.activation ?? 'relu';
  const l2 = options.l2 ?? 1e-4;
  const learningRate = options.learningRate ?? 0.001;
  const batchSize = options.batchSize ?? 256;
  const maxEpochs = options.maxEpochs ?? 100;
  const validationShare = options.validationShare ?? 0.1;
  const patience = options.patience ?? 8;
  const tolerance = options.tolerance ?? 1e-4;
  const seed = options.seed ?? 42;
  checkOption(Number.isInteger(hidden) && hidden >= 1, `hidden must be a positive integer, got ${hidden}`);
  checkOption(activation === 'relu' || activation === 'tanh', `activation must be 'relu' or 'tanh', got ${String(activation)}`);
  checkOption(Number.isFinite(l2) && l2 >= 0, `l2 must be a finite number >= 0, got ${l2}`);
  checkOption(Number.isFinite(learningRate) && learningRate > 0, `learningRate must be a finite number > 0, got ${learningRate}`);
  checkOption(Number.isInteger(batchSize) && batchSize >= 1, `batchSize must be a positive integer, got ${batchSize}`);
  checkOption(Number.isInteger(maxEpochs) && maxEpochs >= 1, `maxEpochs must be a positive integer, got ${maxEpochs}`);
  checkOption(validationShare >= 0 && validationShare < 0.5, `validationShare must be in [0, 0.5), got ${validationShare}`);
  checkOption(Number.isInteger(patience) && patience >= 1, `patience must be a positive integer, got ${patience}`);
  checkOption(Number.isFinite(tolerance) && tolerance >= 0, `tolerance must be a finite number >= 0, got ${tolerance}`);
  checkOption(Number.isInteger(seed), `seed must be an integer, got ${seed}`);

  const { data, nRows: n, nCols: p } = toDense(X, 'fitMlp');
  if (n === 0) throw new RangeError('fitMlp: no training rows');
  if (p === 0) throw new RangeError('fitMlp: no features');
  const labels = toLabels(y, n, 'fitMlp');
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i] as number;
  if (positives === 0 || positives === n) throw new RangeError(`fitMlp: both classes are needed, got ${n - positives} rows of class 0 and ${positives} of class 1`);

  // standardize on all rows: the validation rows are the caller's training data too (no leak from a test set)
  const means = new Float64Array(p);
  const scales = new Float64Array(p).fill(1);
  for (let j = 0; j < p; j++) {
    let sum = 0;
    let binary = true;
    for (let i = 0; i < n; i++) {
      const v = data[i * p + j] as number;
      sum += v;
      if (v !== 0 && v !== 1) binary = false;
    }
    if (binary) continue;
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += ((data[i * p + j] as number) - mean) ** 2;
    const sd = Math.sqrt(ss / n);
    means[j] = mean;
    scales[j] = sd > 1e-12 ? sd : 1;
  }
  const rows = sparseRows(data, n, p, means, scales);

  const random = mulberry32(seed);
  let trainRows: Int32Array;
  let validRows: Int32Array;
  if (validationShare > 0) {
    // stratifiedSplit takes its own seed: derive it from the stream so one `seed` drives everything
    const split = stratifiedSplit(Array.from(labels), validationShare, Math.floor(random() * 0x7fffffff));
    trainRows = Int32Array.from(split.train);
    validRows = Int32Array.from(split.test);
  } else {
    trainRows = Int32Array.from({ length: n }, (_, i) => i);
    validRows = new Int32Array(0);
  }

  const relu = activation === 'relu';
  // He initialization for ReLU, Glorot for tanh (uniform, variance 2/fanIn resp. 2/(fanIn + fanOut))
  const limit1 = relu ? Math.sqrt(6 / p) : Math.sqrt(6 / (p + hidden));
  const limit2 = relu ? Math.sqrt(6 / hidden) : Math.sqrt(6 / (hidden + 1));
  const net: Net = {
    h: hidden,
    relu,
    w1: Float64Array.from({ length: p * hidden }, () => (2 * random() - 1) * limit1),
    b1: new Float64Array(hidden),
    w2: Float64Array.from({ length: hidden }, () => (2 * random() - 1) * limit2),
    b2: Float64Array.of(Math.log(positives / (n - positives))),
  };
  const g1 = new Float64Array(p * hidden);
  const gb1 = new Float64Array(hidden);
  const g2 = new Float64Array(hidden);
  const gb2 = new Float64Array(1);
  const opt = [new Adam(net.w1, learningRate), new Adam(net.b1, learningRate), new Adam(net.w2, learningRate), new Adam(net.b2, learningRate)];
  const pre = new Float64Array(hidden);
  const a = new Float64Array(hidden);
  const delta = new Float64Array(hidden);

  const snapshot = () => ({ w1: net.w1.slice(), b1: net.b1.slice(), w2: net.w2.slice(), b2: net.b2[0] as number });
  let best = snapshot();
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let sinceBest = 0;
  let epochs = 0;
  let t = 0;
  const order = Array.from(trainRows);
  const nTrain = order.length;
  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    epochs = epoch;
    shuffleInPlace(order, random);
    for (let start = 0; start < nTrain; start += batchSize) {
      const end = Math.min(nTrain, start + batchSize);
      const scale = 1 / (end - start);
      g1.fill(0);
      gb1.fill(0);
      g2.fill(0);
      gb2[0] = 0;
      for (let r = start; r < end; r++) {
        const i = order[r] as number;
        const e0 = rows.start[i] as number;
        const e1 = rows.start[i + 1] as number;
        const z = forward(net, rows, e0, e1, pre, a);
        const d = (sigmoid(z) - (labels[i] as number)) * scale; // d(log-loss)/dz, batch mean
        gb2[0] = (gb2[0] as number) + d;
        for (let k = 0; k < hidden; k++) {
          g2[k] = (g2[k] as number) + d * (a[k] as number);
          const ak = a[k] as number;
          const deriv = relu ? ((pre[k] as number) > 0 ? 1 : 0) : 1 - ak * ak;
          const dk = d * (net.w2[k] as number) * deriv;
          delta[k] = dk;
          gb1[k] = (gb1[k] as number) + dk;
        }
        for (let e = e0; e < e1; e++) {
          const base = (rows.column[e] as number) * hidden;
          const v = rows.value[e] as number;
          for (let k = 0; k < hidden; k++) g1[base + k] = (g1[base + k] as number) + (delta[k] as number) * v;
        }
      }
      if (l2 > 0) {
        for (let k = 0; k < g1.length; k++) g1[k] = (g1[k] as number) + l2 * (net.w1[k] as number);
        for (let k = 0; k < hidden; k++) g2[k] = (g2[k] as number) + l2 * (net.w2[k] as number);
      }
      t++;
      (opt[0] as Adam).step(g1, t);
      (opt[1] as Adam).step(gb1, t);
      (opt[2] as Adam).step(g2, t);
      (opt[3] as Adam).step(gb2, t);
    }
    if (validRows.length === 0) continue;
    const loss = meanLoss(net, rows, labels, validRows, pre, a);
    if (!Number.isFinite(loss)) throw new RangeError(`fitMlp: training diverged at epoch ${epoch} (validation loss ${loss}); lower learningRate`);
    if (loss < bestLoss - tolerance) {
      bestLoss = loss;
      bestEpoch = epoch;
      best = snapshot();
      sinceBest = 0;
    } else if (++sinceBest >= patience) {
      break;
    }
  }
  if (validRows.length === 0) {
    best = snapshot();
    bestEpoch = epochs;
  }
  for (const w of [...best.w1, ...best.b1, ...best.w2, best.b2]) {
    if (!Number.isFinite(w)) throw new RangeError('fitMlp: training diverged (non-finite weights); lower learningRate');
  }
  return {
    kind: MLP_KIND,
    version: MLP_VERSION,
    nFeatures: p,
    hidden,
    activation,
    means: Array.from(means),
    scales: Array.from(scales),
    w1: Array.from(best.w1),
    b1: Array.from(best.b1),
    w2: Array.from(best.w2),
    b2: best.b2,
    training: {
      l2,
      learningRate,
      batchSize,
      maxEpochs,
      validationShare,
      patience,
      tolerance,
      seed,
      trainRows: trainRows.length,
      validationRows: validRows.length,
      epochs,
      bestEpoch,
      validationLoss: validRows.length === 0 ? null : bestLoss,
    },
  };
}

/** Each row's logit. */
export function mlpLogits(model: MlpModel, X: FeatureMatrix): Float64Array {
  const { data, nRows, nCols: p } = toDense(X, 'mlpLogits', model.nFeatures);
  const net: Net = {
    h: model.hidden,
    relu: model.activation === 'relu',
    w1: Float64Array.from(model.w1),
    b1: Float64Array.from(model.b1),
    w2: Float64Array.from(model.w2),
    b2: Float64Array.of(model.b2),
  };
  const pre = new Float64Array(model.hidden);
  const a = new Float64Array(model.hidden);
  const out = new Float64Array(nRows);
  const BLOCK = 1024; // transform a block of rows at a time: bounded memory for large inputs
  for (let b0 = 0; b0 < nRows; b0 += BLOCK) {
    const b1 = Math.min(nRows, b0 + BLOCK);
    const rows = sparseRows(data.subarray(b0 * p, b1 * p), b1 - b0, p, model.means, model.scales);
    for (let i = b0; i < b1; i++) out[i] = forward(net, rows, rows.start[i - b0] as number, rows.start[i - b0 + 1] as number, pre, a);
  }
  return out;
}

/** P(class 1 | x) per row. */
export function mlpProba(model: MlpModel, X: FeatureMatrix): Float64Array {
  return mlpLogits(model, X).map(sigmoid);
}

/** The model as plain JSON (a deep copy, ready for JSON.stringify). */
export function mlpToJSON(model: MlpModel): MlpModel {
  if (model.kind !== MLP_KIND) throw new TypeError(`mlpToJSON: not an ${MLP_KIND} model`);
  return JSON.parse(JSON.stringify(model)) as MlpModel;
}

function isNumbers(value: unknown, length: number): value is number[] {
  return Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/** Loads a model saved as JSON (an object or its text), checking its tag and shapes. */
export function mlpFromJSON(json: unknown): MlpModel {
  const raw: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  const fail = (why: string): never => {
    throw new TypeError(`mlpFromJSON: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('expected an object');
  const m = raw as Record<string, unknown>;
  if (m.kind !== MLP_KIND) fail(`expected kind "${MLP_KIND}", got ${JSON.stringify(m.kind)}`);
  if (m.version !== MLP_VERSION) fail(`unsupported version ${JSON.stringify(m.version)} (this code reads ${MLP_VERSION})`);
  const p = m.nFeatures;
  const h = m.hidden;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1) return fail('nFeatures must be a positive integer');
  if (typeof h !== 'number' || !Number.isInteger(h) || h < 1) return fail('hidden must be a positive integer');
  if (m.activation !== 'relu' && m.activation !== 'tanh') fail(`activation must be "relu" or "tanh", got ${JSON.stringify(m.activation)}`);
  if (!isNumbers(m.means, p)) fail(`means must be ${p} finite numbers`);
  if (!isNumbers(m.scales, p) || !(m.scales as number[]).every((s) => s > 0)) fail(`scales must be ${p} positive numbers`);
  if (!isNumbers(m.w1, h * p)) fail(`w1 must be ${h * p} finite numbers (nFeatures x hidden)`);
  if (!isNumbers(m.b1, h)) fail(`b1 must be ${h} finite numbers`);
  if (!isNumbers(m.w2, h)) fail(`w2 must be ${h} finite numbers`);
  if (typeof m.b2 !== 'number' || !Number.isFinite(m.b2)) fail('b2 must be a finite number');
  if (typeof m.training !== 'object' || m.training === null) fail('training must be an object');
  return m as unknown as MlpModel;
}
