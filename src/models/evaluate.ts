/**
 * Evaluation helpers shared by the models: seeded stratified splits and ROC AUC (the seeded PRNG is
 * src/domain/random.mjs). Pure functions, no I/O.
 */
import { mulberry32, shuffleInPlace } from '../domain/random.mjs';

function checkBinaryLabels(labels: readonly number[], name = 'labels'): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label !== 0 && label !== 1) {
      throw new Error(`${name}[${i}] is ${String(label)}: labels must be 0 or 1`);
    }
  }
}

/** Indices of each class, in input order. */
function indicesByClass(labels: readonly number[]): [number[], number[]] {
  const negatives: number[] = [];
  const positives: number[] = [];
  labels.forEach((label, i) => (label === 1 ? positives : negatives).push(i));
  return [negatives, positives];
}

/**
 * How many of `count` items of one class go to the test side. Rounds to the nearest integer, and keeps at
 * least one item on each side whenever the class has two or more items (so both sides see both classes).
 */
function testCount(count: number, testShare: number): number {
  let n = Math.round(count * testShare);
  if (count >= 2) n = Math.min(Math.max(n, 1), count - 1);
  return n;
}

export interface Split {
  /** Indices into the input arrays, ascending. */
  train: number[];
  test: number[];
}

/**
 * A seeded stratified holdout split: each class is shuffled and `testShare` of it goes to `test`, so both
 * sides keep the class ratio (to within one item per class). Same labels + share + seed -> same split.
 */
export function stratifiedSplit(labels: readonly number[], testShare: number, seed: number): Split {
  if (!(testShare > 0 && testShare < 1)) {
    throw new RangeError(`testShare must be strictly between 0 and 1, got ${testShare}`);
  }
  checkBinaryLabels(labels);
  const random = mulberry32(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const group of indicesByClass(labels)) {
    shuffleInPlace(group, random);
    const n = testCount(group.length, testShare);
    test.push(...group.slice(0, n));
    train.push(...group.slice(n));
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  return { train, test };
}

/**
 * A seeded stratified subsample of `size` items (positions into `labels`, ascending). Returns every index
 * when `size >= labels.length`.
 */
export function stratifiedSubsample(labels: readonly number[], size: number, seed: number): number[] {
  checkBinaryLabels(labels);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
  if (size >= labels.length) return labels.map((_, i) => i);
  const split = stratifiedSplit(labels, size / labels.length, seed);
  return split.test;
}

/**
 * Area under the ROC curve, as the Mann-Whitney U statistic with average ranks for tied scores (a tie
 * between a positive and a negative counts one half). Returns NaN when either class is absent.
 */
export function rocAuc(labels: readonly number[], scores: readonly number[]): number {
  if (labels.length !== scores.length) {
    throw new Error(`rocAuc: ${labels.length} labels but ${scores.length} scores`);
  }
  checkBinaryLabels(labels);
  const n = labels.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`rocAuc: scores[${i}] is NaN`);
  }
  const order = labels.map((_, i) => i).sort((a, b) => {
    const x = scores[a] as number;
    const y = scores[b] as number;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  let positives = 0;
  let positiveRankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    const value = scores[order[i] as number] as number;
    while (j + 1 < n && scores[order[j + 1] as number] === value) j++;
    // ranks are 1-based: the tie group i..j shares the average rank
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  const u = positiveRankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

/** Mean squared error between probabilities and 0/1 outcomes. */
export function brierScore(labels: readonly number[], probabilities: readonly number[]): number {
  if (labels.length !== probabilities.length) {
    throw new Error(`brierScore: ${labels.length} labels but ${probabilities.length} probabilities`);
  }
  if (labels.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const d = (probabilities[i] as number) - (labels[i] as number);
    sum += d * d;
  }
  return sum / labels.length;
}
