/**
 * Binary logistic regression with an L2 penalty, fitted by Newton's method (iteratively reweighted least
 * squares) on standardized features.
 *
 * Why not ml-logistic-regression: it fits one-vs-rest by fixed-step gradient descent, needs a learning
 * rate and an epoch count tuned per data set, and has no penalty; Newton converges in about ten steps on
 * tens of thousands of rows and ~100 features with no tuning, and the penalty keeps it finite on
 * separable data (a one-hot level seen only among converted leads).
 *
 * Features are standardized inside the model (means and scales are part of it), so the penalty treats
 * every feature alike and `contributions` are per-feature terms w_j (x_j - mean_j) / scale_j on the logit
 * scale: intercept + sum(contributions) = the row's logit exactly.
 */
import { sigmoid } from '../calibration.ts';
import { toDense, toLabels, toMonotoneConstraints } from '../forest/matrix.ts';
import type { FeatureMatrix } from '../forest/matrix.ts';

export const LOGISTIC_KIND = 'logisticRegression';
export const LOGISTIC_VERSION = 1;

export interface LogisticOptions {
  /** L2 penalty on the standardized weights (not the intercept); default 1. */
  l2?: number;
  /** Newton steps at most (default 50). */
  maxIter?: number;
  /** Stop when no weight moves more than this (default 1e-6). */
  tolerance?: number;
  /**
   * Per column 1 (its weight must be >= 0), -1 (<= 0) or 0 (free): monotone constraints. A weight that
   * comes out on the wrong side is held at 0 and the rest refitted, until every sign holds.
   */
  signs?: ArrayLike<number>;
}

export interface LogisticModel {
  kind: typeof LOGISTIC_KIND;
  version: typeof LOGISTIC_VERSION;
  nFeatures: number;
  means: number[];
  /** Standard deviations (1 for a constant column, so it contributes nothing). */
  scales: number[];
  /** Weights of the standardized features. */
  weights: number[];
  /** Logit of a row at the feature means. */
  intercept: number;
  l2: number;
  iterations: number;
}


/** Solves A x = b for a symmetric positive definite A (row-major, size n), in place of a copy. */
function choleskySolve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (L[i * n + k] as number) * (L[j * n + k] as number);
      if (i === j) {
        // the penalty keeps A positive definite; a tiny floor guards an unpenalized near-singular intercept
        L[i * n + i] = Math.sqrt(Math.max(s, 1e-12));
      } else {
        L[i * n + j] = s / (L[j * n + j] as number);
      }
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (L[i * n + k] as number) * (z[k] as number);
    z[i] = s / (L[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i] as number;
    for (let k = i + 1; k < n; k++) s -= (L[k * n + i] as number) * (x[k] as number);
    x[i] = s / (L[i * n + i] as number);
  }
  return x;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

interface SparseRows {
  rowStart: Int32Array;
  /** Parameter index (1 + position among the active columns), ascending within a row. */
  index: Int32Array;
  value: Float64Array;
}

function isConstant(data: Float64Array, n: number, p: number, j: number): boolean {
  const first = data[j] as number;
  for (let i = 1; i < n; i++) if ((data[i * p + j] as number) !== first) return false;
  return true;
}

function sparseRows(data: Float64Array, n: number, p: number, active: readonly number[], centers: Float64Array, scales: readonly number[]): SparseRows {
  const rowStart = new Int32Array(n + 1);
  const index: number[] = [];
  const value: number[] = [];
  for (let i = 0; i < n; i++) {
    active.forEach((j, k) => {
      const v = ((data[i * p + j] as number) - (centers[j] as number)) / (scales[j] as number);
      if (v !== 0) {
        index.push(k + 1);
        value.push(v);
      }
    });
    rowStart[i + 1] = index.length;
  }
  return { rowStart, index: Int32Array.from(index), value: Float64Array.from(value) };
}

/** Negative log-likelihood plus (l2 / 2) |w|^2 (the intercept is not penalized). */
function penalizedLoss(rows: SparseRows, y: ArrayLike<number>, beta: Float64Array, l2: number, n: number): number {
  const { rowStart, index, value } = rows;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let z = beta[0] as number;
    for (let k = rowStart[i] as number; k < (rowStart[i + 1] as number); k++) z += (beta[index[k] as number] as number) * (value[k] as number);
    loss += (y[i] as number) === 1 ? softplus(-z) : softplus(z);
  }
  for (let j = 1; j < beta.length; j++) loss += 0.5 * l2 * (beta[j] as number) ** 2;
  return loss;
}

export function fitLogistic(X: FeatureMatrix, y: ArrayLike<number>, options: LogisticOptions = {}): LogisticModel {
  const l2 = options.l2 ?? 1;
  const maxIter = options.maxIter ?? 50;
  const tolerance = options.tolerance ?? 1e-6;
  if (!(l2 >= 0) || !Number.isFinite(l2)) throw new RangeError(`fitLogistic: l2 must be a finite number >= 0, got ${l2}`);
  const { data, nRows: n, nCols: p } = toDense(X, 'fitLogistic');
  if (n === 0) throw new RangeError('fitLogistic: no training rows');
  toLabels(y, n, 'fitLogistic');
  const means = new Array<number>(p).fill(0);
  const scales = new Array<number>(p).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) means[j] = (means[j] as number) + (data[i * p + j] as number);
  for (let j = 0; j < p; j++) means[j] = (means[j] as number) / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const d = (data[i * p + j] as number) - (means[j] as number);
      scales[j] = (scales[j] as number) + d * d;
    }
  }
  for (let j = 0; j < p; j++) {
    const sd = Math.sqrt((scales[j] as number) / n);
    scales[j] = sd > 1e-12 ? sd : 1;
  }
  // Standardizing keeps the penalty fair across features; centering only moves the intercept, so mostly-zero
  // columns (one-hot levels) stay uncentered and sparse: each row touches ~20 of ~60 features, and the
  // Hessian costs nnz^2 per row instead of p^2. Constant columns are left out (weight 0).
  const signs = toMonotoneConstraints(options.signs, p, 'fitLogistic');
  const centers = new Float64Array(p);
  let active: number[] = [];
  for (let j = 0; j < p; j++) {
    let nonzero = 0;
    for (let i = 0; i < n; i++) if ((data[i * p + j] as number) !== 0) nonzero++;
    if (isConstant(data, n, p, j)) continue;
    if (nonzero > n / 2) centers[j] = means[j] as number;
    active.push(j);
  }
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i] as number;
  let fit = newton(sparseRows(data, n, p, active, centers, scales), y, n, active.length + 1, l2, maxIter, tolerance, positives);
  let iterations = fit.iterations;
  for (;;) {
    const beta = fit.beta;
    const wrong = signs === null ? [] : active.filter((j, k) => (signs[j] as number) * (beta[k + 1] as number) < 0);
    if (wrong.length === 0) break;
    active = active.filter((j) => !wrong.includes(j));
    fit = newton(sparseRows(data, n, p, active, centers, scales), y, n, active.length + 1, l2, maxIter, tolerance, positives);
    iterations += fit.iterations;
  }
  const { beta } = fit;
  const weights = new Array<number>(p).fill(0);
  // back to "logit at the feature means" for the intercept
  let intercept = beta[0] as number;
  active.forEach((j, k) => {
    const w = beta[k + 1] as number;
    weights[j] = w;
    intercept += (w * ((means[j] as number) - (centers[j] as number))) / (scales[j] as number);
  });
  return {
    kind: LOGISTIC_KIND,
    version: LOGISTIC_VERSION,
    nFeatures: p,
    means,
    scales,
    weights,
    intercept,
    l2,
    iterations,
  };
}

/** Damped Newton on the penalized log-loss; parameters [intercept, w of each active column...]. */
function newton(
  csr: SparseRows,
  y: ArrayLike<number>,
  n: number,
  m: number,
  l2: number,
  maxIter: number,
  tolerance: number,
  positives: number,
): { beta: Float64Array; iterations: number } {
  let beta = new Float64Array(m);
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, positives / n));
  beta[0] = Math.log(rate / (1 - rate));
  let iterations = 0;
  const { rowStart, index, value } = csr;
  for (; iterations < maxIter; ) {
    iterations++;
    const H = new Float64Array(m * m);
    const grad = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      const k0 = rowStart[i] as number;
      const k1 = rowStart[i + 1] as number;
      let z = beta[0] as number;
      for (let k = k0; k < k1; k++) z += (beta[index[k] as number] as number) * (value[k] as number);
      const q = sigmoid(z);
      const w = Math.max(q * (1 - q), 1e-10);
      const r = (y[i] as number) - q;
      grad[0] = (grad[0] as number) + r;
      H[0] = (H[0] as number) + w;
      for (let k = k0; k < k1; k++) {
        const a = index[k] as number; // ascending within a row, all > 0
        const va = value[k] as number;
        grad[a] = (grad[a] as number) + va * r;
        const wa = w * va;
        H[a * m] = (H[a * m] as number) + wa;
        for (let l = k0; l <= k; l++) {
          const b = index[l] as number;
          H[a * m + b] = (H[a * m + b] as number) + wa * (value[l] as number);
        }
      }
    }
    for (let a = 1; a < m; a++) {
      grad[a] = (grad[a] as number) - l2 * (beta[a] as number);
      H[a * m + a] = (H[a * m + a] as number) + l2;
    }
    for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) H[a * m + b] = H[b * m + a] as number;
    const step = choleskySolve(H, grad, m);
    // a full Newton step can overshoot far from the optimum (rare one-hot levels standardize to large
    // values): halve it until the penalized loss goes down (Armijo)
    const current = penalizedLoss(csr, y, beta, l2, n);
    let slope = 0;
    for (let a = 0; a < m; a++) slope -= (grad[a] as number) * (step[a] as number);
    let t = 1;
    const next = new Float64Array(m);
    for (; t >= 1e-8; t /= 2) {
      for (let a = 0; a < m; a++) next[a] = (beta[a] as number) + t * (step[a] as number);
      if (penalizedLoss(csr, y, next, l2, n) <= current + 1e-4 * t * slope) break;
    }
    if (t < 1e-8) break; // no descent left: at the optimum up to rounding
    let moved = 0;
    for (let a = 0; a < m; a++) moved = Math.max(moved, Math.abs(t * (step[a] as number)));
    beta = next;
    if (moved < tolerance) break;
  }
  return { beta, iterations };
}

/** Each row's logit. */
export function logisticLogits(model: LogisticModel, X: FeatureMatrix): Float64Array {
  const { data, nRows, nCols: p } = toDense(X, 'logisticLogits', model.nFeatures);
  const out = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    let z = model.intercept;
    for (let j = 0; j < p; j++) z += ((model.weights[j] as number) * ((data[i * p + j] as number) - (model.means[j] as number))) / (model.scales[j] as number);
    out[i] = z;
  }
  return out;
}

export function logisticProba(model: LogisticModel, X: FeatureMatrix): Float64Array {
  return logisticLogits(model, X).map(sigmoid);
}

/** Per-feature terms on the logit scale: intercept + sum = the row's logit. */
export function logisticContributions(model: LogisticModel, row: ArrayLike<number>): Float64Array {
  if (row.length !== model.nFeatures) throw new RangeError(`logisticContributions: the model expects ${model.nFeatures} features, the row has ${row.length}`);
  const out = new Float64Array(model.nFeatures);
  for (let j = 0; j < model.nFeatures; j++) out[j] = ((model.weights[j] as number) * ((row[j] as number) - (model.means[j] as number))) / (model.scales[j] as number);
  return out;
}

function isNumbers(value: unknown, length: number): value is number[] {
  return Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/** Loads a model saved as plain JSON (it is one), checking its tag and shapes. */
export function logisticFromJSON(json: unknown): LogisticModel {
  const m = (typeof json === 'string' ? JSON.parse(json) : json) as Record<string, unknown> | null;
  const fail = (why: string): never => {
    throw new TypeError(`logisticFromJSON: ${why}`);
  };
  if (typeof m !== 'object' || m === null) return fail('expected an object');
  if (m.kind !== LOGISTIC_KIND) fail(`expected kind "${LOGISTIC_KIND}", got ${JSON.stringify(m.kind)}`);
  if (m.version !== LOGISTIC_VERSION) fail(`unsupported version ${JSON.stringify(m.version)} (this code reads ${LOGISTIC_VERSION})`);
  const p = m.nFeatures;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1) return fail('nFeatures must be a positive integer');
  for (const key of ['means', 'scales', 'weights'] as const) if (!isNumbers(m[key], p)) fail(`${key} must be ${p} finite numbers`);
  if (typeof m.intercept !== 'number' || !Number.isFinite(m.intercept)) fail('intercept must be a finite number');
  if (!(m.scales as number[]).every((s) => s > 0)) fail('scales must be positive');
  return m as unknown as LogisticModel;
}
