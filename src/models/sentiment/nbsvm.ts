/**
 * NB-SVM (Wang & Manning, "Baselines and bigrams: simple, good sentiment and topic classification", ACL
 * 2012), our own implementation, on hashed features:
 *
 *   1. every text -> a set of hashed feature ids (binarised: present or not) + dense extras (lexicon score)
 *   2. naive Bayes log-count ratios r_j = log((p_j / |p|_1) / (q_j / |q|_1)), p = alpha + positive counts,
 *      q = alpha + negative counts
 *   3. a linear SVM (squared hinge, L2, dual coordinate descent: ../linear/svm.ts) on the scaled rows r o x
 *   4. interpolation with naive Bayes: w' = (1 - beta) * mean|w| + beta * w, so beta = 0 is naive Bayes
 *      (with a scale) and beta = 1 the plain SVM: the SVM fixes NB's double counting of redundant
 *      features, NB steadies the SVM where the data are few
 *   5. beside it a multinomial naive Bayes on the word features (fitHashedNaiveBayes), and a calibration
 *      fitted on out-of-fold margins of both: P(positive) = sigmoid(a * svm + c * nb + b), Platt scaling
 *      with two inputs (calibrate), so 2 * P - 1 is a calibrated score and the two models are blended by
 *      how well each predicted texts it had not seen
 *
 * C and beta are chosen by k-fold cross-validation inside the training texts (each inner fold recomputes
 * the ratios from its own training part), and the same out-of-fold margins fit the calibration: nothing
 * outside the given training set is looked at. The fitted model is folded into one weight per hashed
 * feature (w'_j * r_j, rounded to 6 significant digits before it is used, so a JSON round trip predicts
 * exactly the same), a weight per dense extra and a bias.
 */
import { fitPlatt } from '../calibration.ts';
import { fitLogistic } from '../linear/logistic.ts';
import { solveLinearSvm } from '../linear/svm.ts';
import type { SparseRows } from '../linear/svm.ts';

/** One text as the classifier sees it. */
export interface HashedDoc {
  /** Hashed feature ids, sorted, unique. */
  ids: Int32Array;
  /** Dense extras (the same count for every text). */
  dense: Float64Array;
}

/** FNV-1a, 32 bits, over UTF-16 code units: stable across platforms and versions, unlike a Map's order. */
export function hashFeature(feature: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < feature.length; i++) {
    h ^= feature.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Feature strings -> sorted unique bucket ids in [0, buckets). */
export function hashFeatures(features: readonly string[], buckets: number): Int32Array {
  const ids = new Set<number>();
  for (const f of features) ids.add(hashFeature(f) % buckets);
  return Int32Array.from([...ids].sort((a, b) => a - b));
}

export interface NbSvmGrid {
  /** SVM costs to try (default [0.01, 0.03, 0.1]: with char n-grams there are many more features than texts). */
  C?: number[];
  /** Interpolation weights to try (default [0.25, 0.5, 0.75, 1]). */
  beta?: number[];
  /** Inner cross-validation folds (default 5). */
  folds?: number;
}

export interface NbSvmOptions {
  buckets: number;
  /** Smoothing of the log-count ratios (1). */
  alpha: number;
  grid?: NbSvmGrid;
}

export interface NbSvmSelection {
  folds: number;
  /** Every (C, beta) tried, with its inner out-of-fold accuracy. */
  candidates: { C: number; beta: number; accuracy: number }[];
  chosen: { C: number; beta: number };
}

/** The folded linear scorer a saved model holds for the SVM part. */
export interface HashedLinear {
  /** Sorted bucket ids with a non-zero weight, and their weights. */
  indices: number[];
  weights: number[];
  /** Weights of the dense extras. */
  dense: number[];
  bias: number;
}

export interface NbSvmFit {
  /** Sorted bucket ids with a non-zero weight, and their weights. */
  indices: number[];
  weights: number[];
  dense: number[];
  bias: number;
  selection: NbSvmSelection;
  /** The chosen candidate's out-of-fold margins per training doc (null without inner folds); not saved. */
  outOfFold: number[] | null;
}

// LIBLINEAR's stopping rule: the margins settle well before the dual does (measured on amazon + imdb, words and
// lexicon: tolerance 0.01 and 200 epochs gave the same accuracy, 0.8785, in twice the time)
const SVM_EPOCHS = 100;
const SVM_TOLERANCE = 0.1;
const SIGNIFICANT = 6;

function round(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(SIGNIFICANT));
}

/**
 * The columns one training part uses: the buckets its docs hit, renumbered densely in bucket order. The
 * solver's weights then span a few tens of thousands of columns, not 2^18 buckets, so they stay in cache
 * (most of the fit's time); the arithmetic and its order are those of the bucket space, so the model is the same.
 */
interface TrainingSpace {
  /** bucket -> column, or -1 where no doc of the part has the bucket. */
  column: Int32Array;
  /** column -> bucket, ascending. */
  buckets: Int32Array;
  /** The log-count ratio of each column (0: no ratio, as for an unseen bucket). */
  r: Float64Array;
  /** The rows r o x followed by the dense extras (columns buckets.length + d). */
  X: SparseRows;
  y: (0 | 1)[];
}

/** Log-count ratios from binarised counts of the docs in `rows`, and the scaled rows for the solver. */
function trainingSpace(docs: readonly HashedDoc[], labels: readonly (0 | 1)[], rows: readonly number[], buckets: number, alpha: number, nDense: number): TrainingSpace {
  const seen = new Uint8Array(buckets);
  for (const i of rows) for (const j of docs[i]!.ids) seen[j] = 1;
  const column = new Int32Array(buckets).fill(-1);
  let m = 0;
  for (let j = 0; j < buckets; j++) if (seen[j] === 1) column[j] = m++;
  const bucketOf = new Int32Array(m);
  for (let j = 0; j < buckets; j++) if (column[j]! >= 0) bucketOf[column[j]!] = j;
  const pos = new Float64Array(m);
  const neg = new Float64Array(m);
  for (const i of rows) {
    const target = labels[i] === 1 ? pos : neg;
    for (const j of docs[i]!.ids) target[column[j]!]! += 1;
  }
  // |p|_1 and |q|_1 over the features seen in these rows (unseen buckets carry no ratio)
  let pTotal = 0;
  let qTotal = 0;
  for (let c = 0; c < m; c++) {
    pTotal += pos[c]! + alpha;
    qTotal += neg[c]! + alpha;
  }
  const r = new Float64Array(m);
  const logNorm = Math.log(qTotal) - Math.log(pTotal);
  for (let c = 0; c < m; c++) r[c] = Math.log(pos[c]! + alpha) - Math.log(neg[c]! + alpha) + logNorm;
  let nnz = 0;
  for (const i of rows) nnz += docs[i]!.ids.length + nDense;
  const offsets = new Int32Array(rows.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  rows.forEach((i, q) => {
    const doc = docs[i]!;
    for (const j of doc.ids) {
      const c = column[j]!;
      const v = r[c]!;
      if (v === 0) continue;
      indices[p] = c;
      values[p] = v;
      p++;
    }
    for (let d = 0; d < nDense; d++) {
      indices[p] = m + d;
      values[p] = doc.dense[d]!;
      p++;
    }
    offsets[q + 1] = p;
  });
  const X = { nRows: rows.length, nCols: m + nDense, offsets, indices: indices.subarray(0, p), values: values.subarray(0, p) };
  return { column, buckets: bucketOf, r, X, y: rows.map((i) => labels[i]!) };
}

interface Trained {
  space: TrainingSpace;
  /** Weights per column of the space, then the dense extras. */
  w: Float64Array;
  bias: number;
  /** mean |w_j| over the features with a ratio (the NB end of the interpolation). */
  meanAbs: number;
}

function train(space: TrainingSpace, C: number): Trained {
  const solution = solveLinearSvm(space.X, space.y, { C, loss: 'squared-hinge', maxEpochs: SVM_EPOCHS, tolerance: SVM_TOLERANCE });
  let sum = 0;
  let count = 0;
  for (let c = 0; c < space.r.length; c++) {
    if (space.r[c] === 0) continue;
    sum += Math.abs(solution.weights[c]!);
    count++;
  }
  return { space, w: solution.weights, bias: solution.bias, meanAbs: count === 0 ? 0 : sum / count };
}

/** Margin of one doc under interpolation weight beta. */
function margin(t: Trained, doc: HashedDoc, beta: number): number {
  const { column, r: ratios } = t.space;
  const m = ratios.length;
  let z = t.bias;
  for (const j of doc.ids) {
    const c = column[j]!;
    if (c < 0) continue;
    const r = ratios[c]!;
    if (r !== 0) z += ((1 - beta) * t.meanAbs + beta * t.w[c]!) * r;
  }
  for (let d = 0; d < doc.dense.length; d++) z += t.w[m + d]! * doc.dense[d]!;
  return z;
}

/** Stratified folds in input order (no seed): the j-th text of each class goes to fold j mod k. */
export function innerFolds(labels: readonly (0 | 1)[], k: number): number[] {
  const seen = [0, 0];
  return labels.map((l) => seen[l]!++ % k);
}

function checkGrid(values: number[], name: string, ok: (v: number) => boolean): number[] {
  if (!Array.isArray(values) || values.length === 0) throw new RangeError(`nbsvm grid.${name} must be a non-empty array`);
  for (const v of values) if (!ok(v)) throw new RangeError(`nbsvm grid.${name} has an invalid value ${String(v)}`);
  return values;
}

export function fitNbSvm(docs: readonly HashedDoc[], labels: readonly (0 | 1)[], options: NbSvmOptions): NbSvmFit {
  const grid = options.grid ?? {};
  const Cs = checkGrid(grid.C ?? [0.01, 0.03, 0.1], 'C', (c) => c > 0 && Number.isFinite(c));
  const betas = checkGrid(grid.beta ?? [0.25, 0.5, 0.75, 1], 'beta', (b) => b >= 0 && b <= 1);
  const nDense = docs[0]?.dense.length ?? 0;
  const smallest = Math.min(labels.filter((l) => l === 1).length, labels.filter((l) => l === 0).length);
  const folds = Math.min(grid.folds ?? 5, smallest);
  const all = labels.map((_, i) => i);
  const candidates: NbSvmSelection['candidates'] = [];
  let chosen = { C: Cs[0]!, beta: betas[0]! };
  let oof: number[] | null = null;
  if (folds >= 2) {
    const fold = innerFolds(labels, folds);
    // out-of-fold margins per (C, beta)
    const margins = Cs.map(() => betas.map(() => new Float64Array(labels.length)));
    for (let k = 0; k < folds; k++) {
      const fitRows = all.filter((i) => fold[i] !== k);
      const heldRows = all.filter((i) => fold[i] === k);
      // the ratios and the scaled rows depend on the part only: one space serves every C
      const space = trainingSpace(docs, labels, fitRows, options.buckets, options.alpha, nDense);
      Cs.forEach((C, c) => {
        const t = train(space, C);
        betas.forEach((beta, b) => {
          for (const i of heldRows) margins[c]![b]![i] = margin(t, docs[i]!, beta);
        });
      });
    }
    let best = -1;
    Cs.forEach((C, c) =>
      betas.forEach((beta, b) => {
        const m = margins[c]![b]!;
        let correct = 0;
        for (let i = 0; i < labels.length; i++) if ((m[i]! > 0 ? 1 : 0) === labels[i]) correct++;
        const accuracy = correct / labels.length;
        candidates.push({ C, beta, accuracy });
        // ties keep the earlier (smaller C, more naive Bayes) candidate
        if (accuracy > best) {
          best = accuracy;
          chosen = { C, beta };
          oof = Array.from(m);
        }
      }),
    );
  }
  const t = train(trainingSpace(docs, labels, all, options.buckets, options.alpha, nDense), chosen.C);
  const indices: number[] = [];
  const weights: number[] = [];
  const { r: ratios, buckets: bucketOf } = t.space;
  for (let c = 0; c < ratios.length; c++) {
    const r = ratios[c]!;
    if (r === 0) continue;
    const w = round(((1 - chosen.beta) * t.meanAbs + chosen.beta * t.w[c]!) * r);
    if (w === 0) continue;
    indices.push(bucketOf[c]!);
    weights.push(w);
  }
  const dense = Array.from(t.w.subarray(ratios.length), round);
  const bias = round(t.bias);
  return {
    indices,
    weights,
    dense,
    bias,
    selection: { folds, candidates, chosen },
    outOfFold: oof,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The naive Bayes beside it, and the calibration of the two

/** A multinomial naive Bayes over hashed ids (a text's ids with repeats): one weight per id + a bias. */
export interface HashedNaiveBayes {
  indices: number[];
  weights: number[];
  bias: number;
}

/**
 * Lidstone-smoothed multinomial naive Bayes on the docs in `rows`, folded to log-odds weights:
 * w_j = log theta(j|1) - log theta(j|0), theta(j|c) = (count(j, c) + alpha) / (total(c) + alpha |V|).
 */
export function fitHashedNaiveBayes(docs: readonly Int32Array[], labels: readonly (0 | 1)[], rows: readonly number[], buckets: number, alpha: number): HashedNaiveBayes {
  const counts = [new Float64Array(buckets), new Float64Array(buckets)] as const;
  const seen = new Uint8Array(buckets);
  const totals = [0, 0];
  const docCounts = [0, 0];
  for (const i of rows) {
    const c = labels[i]!;
    docCounts[c]!++;
    for (const j of docs[i]!) {
      counts[c][j] = counts[c][j]! + 1;
      totals[c]!++;
      seen[j] = 1;
    }
  }
  let vocabulary = 0;
  for (let j = 0; j < buckets; j++) vocabulary += seen[j]!;
  const d0 = Math.log(totals[0]! + alpha * vocabulary);
  const d1 = Math.log(totals[1]! + alpha * vocabulary);
  const indices: number[] = [];
  const weights: number[] = [];
  for (let j = 0; j < buckets; j++) {
    if (seen[j] === 0) continue;
    const w = round(Math.log(counts[1][j]! + alpha) - d1 - (Math.log(counts[0][j]! + alpha) - d0));
    if (w === 0) continue;
    indices.push(j);
    weights.push(w);
  }
  return { indices, weights, bias: round(Math.log(Math.max(1, docCounts[1]!) / Math.max(1, docCounts[0]!))) };
}

/** Out-of-fold naive Bayes log-odds over the same inner folds as fitNbSvm (null when it had none). */
export function naiveBayesOutOfFold(docs: readonly Int32Array[], labels: readonly (0 | 1)[], folds: number, buckets: number, alpha: number): number[] | null {
  if (folds < 2) return null;
  const fold = innerFolds(labels, folds);
  const out = new Array<number>(labels.length).fill(0);
  const all = labels.map((_, i) => i);
  for (let k = 0; k < folds; k++) {
    const nb = compileHashed(fitHashedNaiveBayes(docs, labels, all.filter((i) => fold[i] !== k), buckets, alpha), buckets);
    for (const i of all) if (fold[i] === k) out[i] = nb(docs[i]!, new Float64Array(0));
  }
  return out;
}

/** P(positive) = sigmoid(svm * svm margin + nb * naive Bayes log-odds + bias). */
export interface TwoInputCalibration {
  svm: number;
  nb: number;
  bias: number;
}

/**
 * Platt scaling with two inputs: a logistic regression of the labels on the out-of-fold margins (a
 * light L2 penalty keeps it finite when the margins separate the labels). A calibration must never
 * invert a model's ranking: when a coefficient comes out negative (the two margins are nearly collinear),
 * naive Bayes is left out and one-input Platt scaling on the SVM margin is used instead.
 */
export function calibrate(svm: readonly number[], nb: readonly number[] | null, labels: readonly (0 | 1)[]): TwoInputCalibration {
  if (nb !== null) {
    const model = fitLogistic(svm.map((m, i) => [m, nb[i]!]), labels, { l2: 1 });
    const a = model.weights[0]! / model.scales[0]!;
    const c = model.weights[1]! / model.scales[1]!;
    const b = model.intercept - a * model.means[0]! - c * model.means[1]!;
    if (a >= 0 && c >= 0 && Number.isFinite(a + b + c)) return { svm: round(a), nb: round(c), bias: round(b) };
  }
  const platt = fitPlatt(svm, labels);
  return { svm: round(platt.a), nb: 0, bias: round(platt.b) };
}

/** A compiled scorer: a dense weight table over the buckets; ids may repeat (naive Bayes counts). */
export function compileHashed(model: { indices: readonly number[]; weights: readonly number[]; bias: number; dense?: readonly number[] }, buckets: number): (ids: Int32Array, dense: Float64Array) => number {
  const table = new Float64Array(buckets);
  model.indices.forEach((j, q) => (table[j] = model.weights[q]!));
  const denseWeights = model.dense ?? [];
  return (ids, dense) => {
    let z = model.bias;
    for (const id of ids) z += table[id]!;
    for (let d = 0; d < dense.length; d++) z += (denseWeights[d] ?? 0) * dense[d]!;
    return z;
  };
}
