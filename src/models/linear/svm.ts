/**
 * Linear support vector machine with an L2 penalty, fitted by dual coordinate descent (Hsieh, Chang, Lin,
 * Keerthi & Sundararajan, "A dual coordinate descent method for large-scale linear SVM", ICML 2008: the
 * solver of LIBLINEAR). Two losses:
 *
 *   'hinge'          C * sum max(0, 1 - y w.x)       (L1-loss SVM, dual box 0 <= alpha <= C)
 *   'squared-hinge'  C * sum max(0, 1 - y w.x)^2     (L2-loss SVM, dual diagonal 1 / (2C), no upper bound)
 *
 * plus 0.5 ||w||^2. Why dual coordinate descent rather than Pegasos: no learning rate to pick, each step
 * solves its one-variable problem exactly, the dual objective never gets worse, and the projected-gradient
 * spread gives an honest stopping rule. The bias is learnt as the weight of a constant feature (penalised
 * like the others, as LIBLINEAR does), so one solver covers sparse text features and dense tables.
 *
 *   solveLinearSvm(rows, labels, options)   the core, on sparse rows (CSR): weights over the columns + bias
 *   fitLinearSvm(X, labels, options)        dense tables: standardizes the columns inside the model
 *   svmDecision(model, X)                   w.x + b per row (a margin, not a probability: rank with it,
 *                                           or calibrate it with fitPlatt)
 *
 * Deterministic: the visiting order per epoch comes from a seeded shuffle (mulberry32).
 */
import { mulberry32 } from '../../domain/random.mjs';
import { toDense, toLabels } from '../forest/matrix.ts';
import type { FeatureMatrix } from '../forest/matrix.ts';

export const SVM_KIND = 'linearSvm';
export const SVM_VERSION = 1;

export type SvmLoss = 'hinge' | 'squared-hinge';

/** Sparse rows in compressed-row form: row i holds columns indices[offsets[i]..offsets[i+1]). */
export interface SparseRows {
  nRows: number;
  nCols: number;
  offsets: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

export interface SvmOptions {
  /** Cost of a margin violation (inverse penalty); default 1. */
  C?: number;
  /** Default 'hinge'. */
  loss?: SvmLoss;
  /** Passes over the rows at most (default 200). */
  maxEpochs?: number;
  /** Stop when the projected-gradient spread falls below this (default 0.1, LIBLINEAR's). */
  tolerance?: number;
  /** Value of the constant feature whose weight is the bias (default 1; 0 = no bias). */
  biasFeature?: number;
  /**
   * 'balanced' scales C per class by n / (2 n_class), so each class carries half the total cost (default
   * 'none'). With an unbalanced outcome the plain hinge loss may leave the rare class to the margin and
   * rank it poorly; balancing is what makes the hinge loss usable on an 11 % positive rate.
   */
  classWeight?: 'none' | 'balanced';
  /** Shuffle seed (default 1). */
  seed?: number;
  /** Record the primal objective after every epoch (costs one pass each; default false). */
  trackObjective?: boolean;
}

export interface SvmSolution {
  weights: Float64Array;
  bias: number;
  epochs: number;
  /** True when the stopping rule was met before maxEpochs. */
  converged: boolean;
  /** Primal objective at w = 0 followed by one value per epoch, when trackObjective was set. */
  objective: number[];
}

function checkOptions(options: SvmOptions): Required<SvmOptions> {
  const C = options.C ?? 1;
  if (!(C > 0) || !Number.isFinite(C)) throw new RangeError(`svm: C must be a positive number, got ${String(C)}`);
  const loss = options.loss ?? 'hinge';
  if (loss !== 'hinge' && loss !== 'squared-hinge') throw new RangeError(`svm: loss must be 'hinge' or 'squared-hinge', got ${String(loss)}`);
  const maxEpochs = options.maxEpochs ?? 200;
  if (!Number.isInteger(maxEpochs) || maxEpochs < 1) throw new RangeError(`svm: maxEpochs must be an integer >= 1, got ${String(maxEpochs)}`);
  const tolerance = options.tolerance ?? 0.1;
  if (!(tolerance > 0)) throw new RangeError(`svm: tolerance must be positive, got ${String(tolerance)}`);
  const biasFeature = options.biasFeature ?? 1;
  if (!(biasFeature >= 0) || !Number.isFinite(biasFeature)) throw new RangeError(`svm: biasFeature must be >= 0, got ${String(biasFeature)}`);
  const classWeight = options.classWeight ?? 'none';
  if (classWeight !== 'none' && classWeight !== 'balanced') throw new RangeError(`svm: classWeight must be 'none' or 'balanced', got ${String(classWeight)}`);
  return { C, loss, maxEpochs, tolerance, biasFeature, classWeight, seed: options.seed ?? 1, trackObjective: options.trackObjective ?? false };
}

function rowDot(rows: SparseRows, i: number, w: Float64Array): number {
  let z = 0;
  for (let p = rows.offsets[i]!; p < rows.offsets[i + 1]!; p++) z += w[rows.indices[p]!]! * rows.values[p]!;
  return z;
}

/** The cost of each class, [negative, positive], for C and the class weighting. */
function classCosts(y: ArrayLike<number>, C: number, classWeight: 'none' | 'balanced'): [number, number] {
  if (classWeight === 'none') return [C, C];
  let positives = 0;
  for (let i = 0; i < y.length; i++) if (y[i]! > 0) positives++;
  const negatives = y.length - positives;
  return [negatives === 0 ? C : (C * y.length) / (2 * negatives), positives === 0 ? C : (C * y.length) / (2 * positives)];
}

/**
 * 0.5 ||w||^2 (the bias weight included: the bias is the constant feature's weight times biasFeature) +
 * the cost-weighted sum of losses.
 */
export function svmPrimalObjective(
  rows: SparseRows,
  y: ArrayLike<number>,
  w: Float64Array,
  bias: number,
  biasFeature: number,
  C: number,
  loss: SvmLoss,
  classWeight: 'none' | 'balanced' = 'none',
): number {
  const wb = biasFeature === 0 ? 0 : bias / biasFeature;
  let norm = wb * wb;
  for (let j = 0; j < w.length; j++) norm += w[j]! * w[j]!;
  const costs = classCosts(y, C, classWeight);
  let sum = 0;
  for (let i = 0; i < rows.nRows; i++) {
    const positive = y[i]! > 0;
    const margin = 1 - (positive ? 1 : -1) * (rowDot(rows, i, w) + bias);
    if (margin > 0) sum += costs[positive ? 1 : 0] * (loss === 'hinge' ? margin : margin * margin);
  }
  return 0.5 * norm + sum;
}

/** Labels may be 0/1 or -1/+1; anything > 0 is the positive class. */
export function solveLinearSvm(rows: SparseRows, labels: ArrayLike<number>, options: SvmOptions = {}): SvmSolution {
  const o = checkOptions(options);
  const n = rows.nRows;
  if (labels.length !== n) throw new RangeError(`svm: ${n} rows but ${labels.length} labels`);
  if (n === 0) throw new RangeError('svm: no rows to fit');
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = labels[i]! > 0 ? 1 : -1;
  const w = new Float64Array(rows.nCols);
  let wb = 0; // weight of the constant feature
  const B = o.biasFeature;
  const costs = classCosts(y, o.C, o.classWeight);
  const diags = costs.map((c) => (o.loss === 'hinge' ? 0 : 1 / (2 * c)));
  const uppers = costs.map((c) => (o.loss === 'hinge' ? c : Infinity));
  const alpha = new Float64Array(n);
  const qii = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = B * B + diags[y[i]! > 0 ? 1 : 0]!;
    for (let p = rows.offsets[i]!; p < rows.offsets[i + 1]!; p++) s += rows.values[p]! * rows.values[p]!;
    qii[i] = s;
  }
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(o.seed);
  const objective: number[] = [];
  const primal = () => svmPrimalObjective(rows, y, w, wb * B, B, o.C, o.loss, o.classWeight);
  if (o.trackObjective) objective.push(primal());
  let epochs = 0;
  let converged = false;
  while (epochs < o.maxEpochs) {
    epochs++;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    let pgMax = -Infinity;
    let pgMin = Infinity;
    for (let q = 0; q < n; q++) {
      const i = order[q]!;
      const yi = y[i]!;
      const ai = alpha[i]!;
      const diag = diags[yi > 0 ? 1 : 0]!;
      const upper = uppers[yi > 0 ? 1 : 0]!;
      const G = yi * (rowDot(rows, i, w) + wb * B) - 1 + diag * ai;
      // projected gradient: at a bound, only a move into the box counts
      let pg = G;
      if (ai === 0) pg = Math.min(G, 0);
      else if (ai === upper) pg = Math.max(G, 0);
      if (pg > pgMax) pgMax = pg;
      if (pg < pgMin) pgMin = pg;
      if (pg === 0 || qii[i]! === 0) continue;
      const next = Math.min(Math.max(ai - G / qii[i]!, 0), upper);
      const delta = (next - ai) * yi;
      if (delta === 0) continue;
      alpha[i] = next;
      for (let p = rows.offsets[i]!; p < rows.offsets[i + 1]!; p++) w[rows.indices[p]!] = w[rows.indices[p]!]! + delta * rows.values[p]!;
      wb += delta * B;
    }
    if (o.trackObjective) objective.push(primal());
    if (pgMax - pgMin < o.tolerance) {
      converged = true;
      break;
    }
  }
  return { weights: w, bias: wb * B, epochs, converged, objective };
}

/** Dense row-major values to compressed rows (zeros dropped). */
export function denseToSparse(data: Float64Array, nRows: number, nCols: number): SparseRows {
  let nnz = 0;
  for (let k = 0; k < data.length; k++) if (data[k] !== 0) nnz++;
  const offsets = new Int32Array(nRows + 1);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < nCols; j++) {
      const v = data[i * nCols + j]!;
      if (v !== 0) {
        indices[p] = j;
        values[p] = v;
        p++;
      }
    }
    offsets[i + 1] = p;
  }
  return { nRows, nCols, offsets, indices, values };
}

// ---------------------------------------------------------------------------------------------------------
// Dense tables

export interface LinearSvmModel {
  kind: typeof SVM_KIND;
  version: typeof SVM_VERSION;
  nFeatures: number;
  means: number[];
  /** Standard deviations (1 for a constant column). */
  scales: number[];
  /** Weights of the standardized features. */
  weights: number[];
  /** Margin of a row at the feature means. */
  intercept: number;
  C: number;
  loss: SvmLoss;
  classWeight: 'none' | 'balanced';
  epochs: number;
  converged: boolean;
}

/** Fits on a dense table, standardizing each column on the training rows (so C treats them alike). */
export function fitLinearSvm(X: FeatureMatrix, labels: readonly number[], options: SvmOptions = {}): LinearSvmModel {
  const o = checkOptions(options);
  const dense = toDense(X, 'fitLinearSvm');
  const y = toLabels(labels, dense.nRows, 'fitLinearSvm');
  const { nRows, nCols, data } = dense;
  const means = new Array<number>(nCols).fill(0);
  const scales = new Array<number>(nCols).fill(0);
  for (let i = 0; i < nRows; i++) for (let j = 0; j < nCols; j++) means[j]! += data[i * nCols + j]!;
  for (let j = 0; j < nCols; j++) means[j] = means[j]! / Math.max(1, nRows);
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < nCols; j++) {
      const d = data[i * nCols + j]! - means[j]!;
      scales[j]! += d * d;
    }
  }
  for (let j = 0; j < nCols; j++) {
    const sd = Math.sqrt(scales[j]! / Math.max(1, nRows));
    scales[j] = sd > 1e-12 ? sd : 1;
  }
  const standardized = new Float64Array(nRows * nCols);
  for (let i = 0; i < nRows; i++) for (let j = 0; j < nCols; j++) standardized[i * nCols + j] = (data[i * nCols + j]! - means[j]!) / scales[j]!;
  const solution = solveLinearSvm(denseToSparse(standardized, nRows, nCols), y, o);
  return {
    kind: SVM_KIND,
    version: SVM_VERSION,
    nFeatures: nCols,
    means,
    scales,
    weights: Array.from(solution.weights),
    intercept: solution.bias,
    C: o.C,
    loss: o.loss,
    classWeight: o.classWeight,
    epochs: solution.epochs,
    converged: solution.converged,
  };
}

/** w.x + b per row of a dense table (positive: the model's positive class). */
export function svmDecision(model: LinearSvmModel, X: FeatureMatrix): Float64Array {
  const dense = toDense(X, 'svmDecision', model.nFeatures);
  const out = new Float64Array(dense.nRows);
  for (let i = 0; i < dense.nRows; i++) {
    let z = model.intercept;
    for (let j = 0; j < model.nFeatures; j++) z += (model.weights[j]! * (dense.data[i * dense.nCols + j]! - model.means[j]!)) / model.scales[j]!;
    out[i] = z;
  }
  return out;
}
