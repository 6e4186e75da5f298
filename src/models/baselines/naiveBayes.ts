/**
 * Naive Bayes for a numeric feature matrix, binary labels 0/1: a baseline for the lead-score bench.
 *
 * The pipeline's matrix mixes real-valued columns with many 0/1 columns (one-hot levels, missing
 * indicators). A Gaussian on a 0/1 column is a poor density (two spikes) and its class variance can be
 * near zero for a rare level, which makes one level dominate every score; a Bernoulli with Laplace
 * smoothing is the right likelihood there. So columns whose training values are all 0 or 1 are Bernoulli,
 * the others Gaussian, detected at fit time.
 *
 * Gaussian variances get scikit-learn's var_smoothing: `varSmoothing * (largest variance among the
 * Gaussian columns)` added to every class variance, so a column constant within one class stays finite.
 * Columns constant over the whole training set are ignored: they carry no information, and a Bernoulli
 * column seen only as 0 would otherwise turn an unseen 1 into a shift of log(n0 / n1) from class sizes alone.
 */
import { sigmoid } from '../calibration.ts';
import { toDense, toLabels } from '../forest/matrix.ts';
import type { FeatureMatrix } from '../forest/matrix.ts';

export const NAIVE_BAYES_KIND = 'naiveBayes';
export const NAIVE_BAYES_VERSION = 1;

export interface NaiveBayesOptions {
  /** Share of the largest Gaussian-column variance added to every class variance (default 1e-9, as scikit-learn). */
  varSmoothing?: number;
  /** Laplace smoothing of the Bernoulli columns: pseudo-counts per value (default 1). */
  alpha?: number;
  /** Model 0/1 columns as Bernoulli (default true); false makes every non-constant column Gaussian. */
  detectBinary?: boolean;
}

/** Per-column likelihood; index 0 of each pair is class 0, index 1 class 1. */
export type NaiveBayesFeature =
  | { kind: 'gaussian'; mean: [number, number]; variance: [number, number] }
  /** P(x = 1 | class). At prediction a value >= 0.5 reads as 1, below as 0. */
  | { kind: 'bernoulli'; probOne: [number, number] }
  | { kind: 'constant'; value: number };

export interface NaiveBayesModel {
  kind: typeof NAIVE_BAYES_KIND;
  version: typeof NAIVE_BAYES_VERSION;
  nFeatures: number;
  /** Training rows per class. */
  classCounts: [number, number];
  /** Log class priors (training frequencies). */
  logPrior: [number, number];
  features: NaiveBayesFeature[];
  varSmoothing: number;
  /** The variance added to every Gaussian class variance. */
  epsilon: number;
  alpha: number;
}


export function fitNaiveBayes(X: FeatureMatrix, y: ArrayLike<number>, options: NaiveBayesOptions = {}): NaiveBayesModel {
  const varSmoothing = options.varSmoothing ?? 1e-9;
  const alpha = options.alpha ?? 1;
  const detectBinary = options.detectBinary ?? true;
  if (!(varSmoothing >= 0) || !Number.isFinite(varSmoothing)) throw new RangeError(`fitNaiveBayes: varSmoothing must be a finite number >= 0, got ${varSmoothing}`);
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new RangeError(`fitNaiveBayes: alpha must be a finite number > 0, got ${alpha}`);
  const { data, nRows: n, nCols: p } = toDense(X, 'fitNaiveBayes');
  if (n === 0) throw new RangeError('fitNaiveBayes: no training rows');
  if (p === 0) throw new RangeError('fitNaiveBayes: no features');
  const labels = toLabels(y, n, 'fitNaiveBayes');
  const counts: [number, number] = [0, 0];
  for (let i = 0; i < n; i++) counts[labels[i] as 0 | 1]++;
  if (counts[0] === 0 || counts[1] === 0) throw new RangeError(`fitNaiveBayes: both classes are needed, got ${counts[0]} rows of class 0 and ${counts[1]} of class 1`);

  // Variances in two passes (means, then squared deviations): E[x^2] - E[x]^2 cancels catastrophically
  // on raw columns with a large offset (nr.employed is about 5,000 with a spread of about 70).
  const sum = [new Float64Array(p), new Float64Array(p)] as const;
  const ones = [new Float64Array(p), new Float64Array(p)] as const;
  const min = new Float64Array(p).fill(Infinity);
  const max = new Float64Array(p).fill(-Infinity);
  const binary = new Uint8Array(p).fill(1);
  for (let i = 0; i < n; i++) {
    const c = labels[i] as 0 | 1;
    const s = sum[c];
    const o = ones[c];
    const off = i * p;
    for (let j = 0; j < p; j++) {
      const v = data[off + j] as number;
      s[j] = (s[j] as number) + v;
      if (v === 1) o[j] = (o[j] as number) + 1;
      else if (v !== 0) binary[j] = 0;
      if (v < (min[j] as number)) min[j] = v;
      if (v > (max[j] as number)) max[j] = v;
    }
  }
  const mean = [new Float64Array(p), new Float64Array(p)] as const;
  for (const c of [0, 1] as const) for (let j = 0; j < p; j++) mean[c][j] = (sum[c][j] as number) / counts[c];
  const sq = [new Float64Array(p), new Float64Array(p)] as const;
  const overallMean = new Float64Array(p);
  for (let j = 0; j < p; j++) overallMean[j] = ((sum[0][j] as number) + (sum[1][j] as number)) / n;
  const overallSq = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const c = labels[i] as 0 | 1;
    const m = mean[c];
    const q = sq[c];
    const off = i * p;
    for (let j = 0; j < p; j++) {
      const v = data[off + j] as number;
      const d = v - (m[j] as number);
      q[j] = (q[j] as number) + d * d;
      const e = v - (overallMean[j] as number);
      overallSq[j] = (overallSq[j] as number) + e * e;
    }
  }
  const kinds: Array<'gaussian' | 'bernoulli' | 'constant'> = [];
  let maxVariance = 0;
  for (let j = 0; j < p; j++) {
    if (min[j] === max[j]) kinds.push('constant');
    else if (detectBinary && binary[j] === 1) kinds.push('bernoulli');
    else {
      kinds.push('gaussian');
      maxVariance = Math.max(maxVariance, (overallSq[j] as number) / n);
    }
  }
  const epsilon = varSmoothing * maxVariance;
  const features: NaiveBayesFeature[] = kinds.map((kind, j) => {
    if (kind === 'constant') return { kind, value: min[j] as number };
    if (kind === 'bernoulli') {
      const prob = (c: 0 | 1) => ((ones[c][j] as number) + alpha) / (counts[c] + 2 * alpha);
      return { kind, probOne: [prob(0), prob(1)] };
    }
    const variance = (c: 0 | 1) => (sq[c][j] as number) / counts[c] + epsilon;
    return { kind, mean: [mean[0][j] as number, mean[1][j] as number], variance: [variance(0), variance(1)] };
  });
  for (let j = 0; j < p; j++) {
    const f = features[j] as NaiveBayesFeature;
    // varSmoothing 0 with a column constant inside one class: a zero variance would make scores infinite
    if (f.kind === 'gaussian' && !(f.variance[0] > 0 && f.variance[1] > 0)) {
      throw new RangeError(`fitNaiveBayes: column ${j} has zero variance within a class; use varSmoothing > 0`);
    }
  }
  return {
    kind: NAIVE_BAYES_KIND,
    version: NAIVE_BAYES_VERSION,
    nFeatures: p,
    classCounts: counts,
    logPrior: [Math.log(counts[0] / n), Math.log(counts[1] / n)],
    features,
    varSmoothing,
    epsilon,
    alpha,
  };
}

/**
 * log P(class 1 | x) - log P(class 0 | x) per row. Only the difference of the two joint log-likelihoods is
 * formed, so the shared constants (2 pi) cancel and the sigmoid of it is the posterior without exp overflow.
 */
export function naiveBayesLogOdds(model: NaiveBayesModel, X: FeatureMatrix): Float64Array {
  const { data, nRows, nCols: p } = toDense(X, 'naiveBayesLogOdds', model.nFeatures);
  // per-feature terms as flat arrays: Gaussian d(x) = a x^2 + b x + c (difference of two log densities),
  // Bernoulli d = x ? logRatioOne : logRatioZero
  const quad = new Float64Array(p);
  const lin = new Float64Array(p);
  const bernoulli = new Uint8Array(p);
  const ifOne = new Float64Array(p);
  const ifZero = new Float64Array(p);
  let base = model.logPrior[1] - model.logPrior[0];
  model.features.forEach((f, j) => {
    if (f.kind === 'gaussian') {
      const [m0, m1] = f.mean;
      const [v0, v1] = f.variance;
      // -(x - m1)^2 / 2v1 + (x - m0)^2 / 2v0 - log(v1 / v0) / 2, expanded in powers of x
      quad[j] = 1 / (2 * v0) - 1 / (2 * v1);
      lin[j] = m1 / v1 - m0 / v0;
      base += (m0 * m0) / (2 * v0) - (m1 * m1) / (2 * v1) - 0.5 * Math.log(v1 / v0);
    } else if (f.kind === 'bernoulli') {
      const [q0, q1] = f.probOne;
      bernoulli[j] = 1;
      ifOne[j] = Math.log(q1 / q0);
      ifZero[j] = Math.log((1 - q1) / (1 - q0));
    }
  });
  const out = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const off = i * p;
    let z = base;
    for (let j = 0; j < p; j++) {
      const x = data[off + j] as number;
      if (bernoulli[j] === 1) z += x >= 0.5 ? (ifOne[j] as number) : (ifZero[j] as number);
      else z += ((quad[j] as number) * x + (lin[j] as number)) * x;
    }
    out[i] = z;
  }
  return out;
}


/** P(class 1 | x) per row. */
export function naiveBayesProba(model: NaiveBayesModel, X: FeatureMatrix): Float64Array {
  return naiveBayesLogOdds(model, X).map(sigmoid);
}

/** The model as plain JSON (a deep copy, ready for JSON.stringify). */
export function naiveBayesToJSON(model: NaiveBayesModel): NaiveBayesModel {
  if (model.kind !== NAIVE_BAYES_KIND) throw new TypeError(`naiveBayesToJSON: not a ${NAIVE_BAYES_KIND} model`);
  return JSON.parse(JSON.stringify(model)) as NaiveBayesModel;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPair = (v: unknown, ok: (x: number) => boolean): v is [number, number] =>
  Array.isArray(v) && v.length === 2 && v.every((x) => isFiniteNumber(x) && ok(x));

/** Loads a model saved as JSON (an object or its text), checking its tag and every parameter. */
export function naiveBayesFromJSON(json: unknown): NaiveBayesModel {
  const raw: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  const fail = (why: string): never => {
    throw new TypeError(`naiveBayesFromJSON: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('expected an object');
  const m = raw as Record<string, unknown>;
  if (m.kind !== NAIVE_BAYES_KIND) fail(`expected kind "${NAIVE_BAYES_KIND}", got ${JSON.stringify(m.kind)}`);
  if (m.version !== NAIVE_BAYES_VERSION) fail(`unsupported version ${JSON.stringify(m.version)} (this code reads ${NAIVE_BAYES_VERSION})`);
  const p = m.nFeatures;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1) return fail('nFeatures must be a positive integer');
  if (!isPair(m.classCounts, (x) => Number.isInteger(x) && x > 0)) fail('classCounts must be two positive integers');
  if (!isPair(m.logPrior, (x) => x <= 0)) fail('logPrior must be two finite numbers <= 0');
  for (const key of ['varSmoothing', 'epsilon'] as const) if (!isFiniteNumber(m[key]) || (m[key] as number) < 0) fail(`${key} must be a finite number >= 0`);
  if (!isFiniteNumber(m.alpha) || m.alpha <= 0) fail('alpha must be a finite number > 0');
  if (!Array.isArray(m.features) || m.features.length !== p) return fail(`features must be an array of ${p}`);
  m.features.forEach((f: unknown, j) => {
    if (typeof f !== 'object' || f === null) return fail(`feature ${j} is not an object`);
    const g = f as Record<string, unknown>;
    if (g.kind === 'gaussian') {
      if (!isPair(g.mean, () => true)) fail(`feature ${j}: mean must be two finite numbers`);
      if (!isPair(g.variance, (x) => x > 0)) fail(`feature ${j}: variance must be two positive numbers`);
    } else if (g.kind === 'bernoulli') {
      if (!isPair(g.probOne, (x) => x > 0 && x < 1)) fail(`feature ${j}: probOne must be two numbers in (0, 1)`);
    } else if (g.kind === 'constant') {
      if (!isFiniteNumber(g.value)) fail(`feature ${j}: value must be a finite number`);
    } else {
      fail(`feature ${j}: unknown kind ${JSON.stringify(g.kind)}`);
    }
    return undefined;
  });
  return m as unknown as NaiveBayesModel;
}
