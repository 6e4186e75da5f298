/**
 * Cross-validation splits: seeded stratified k-fold, a time-based holdout and rolling-origin folds.
 * Pure functions, no I/O. Indices are positions into the caller's arrays, ascending.
 */
import { mulberry32, shuffleInPlace } from '../../domain/random.mjs';
import type { Split } from '../evaluate.ts';

export type { Split };

export interface Fold extends Split {
  /** 0-based fold number. */
  fold: number;
}

/** A class value: 0/1 labels, or any string / number class. */
export type ClassValue = string | number;

function compareClasses(a: ClassValue, b: ClassValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Seeded stratified k-fold assignment: the fold (0..k-1) of each row. The rows of each class (classes in
 * ascending order) are shuffled with one mulberry32(seed) stream and dealt round-robin, so every fold holds
 * each class's share to within one row. For 0/1 labels this is the assignment bench/forest.ts uses, so the
 * same seed gives the same folds there, here and in the scikit-learn comparison.
 *
 * Throws a RangeError when k < 2, when there are fewer rows than folds, or when a class has fewer rows
 * than folds (some test fold would lack it: its AUC would be undefined).
 */
export function stratifiedKFoldAssignment(labels: readonly ClassValue[], k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be an integer >= 2, got ${k}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (labels.length < k) throw new RangeError(`${labels.length} rows cannot make ${k} folds`);
  const byClass = new Map<ClassValue, number[]>();
  labels.forEach((label, i) => {
    if (typeof label === 'number' && Number.isNaN(label)) throw new RangeError(`labels[${i}] is NaN`);
    const list = byClass.get(label);
    if (list) list.push(i);
    else byClass.set(label, [i]);
  });
  const classes = [...byClass.keys()].sort(compareClasses);
  for (const c of classes) {
    const n = (byClass.get(c) as number[]).length;
    if (n < k) {
      throw new RangeError(`class ${JSON.stringify(c)} has ${n} row${n === 1 ? '' : 's'}, fewer than the ${k} folds: use ${n >= 2 ? `at most ${n} folds` : 'more data'}`);
    }
  }
  const random = mulberry32(seed);
  const folds = new Array<number>(labels.length).fill(0);
  for (const c of classes) {
    const rows = shuffleInPlace([...(byClass.get(c) as number[])], random);
    rows.forEach((row, position) => {
      folds[row] = position % k;
    });
  }
  return folds;
}

/** Train / test indices of each fold from a fold assignment. */
export function foldsFromAssignment(assignment: readonly number[], k: number): Fold[] {
  const folds: Fold[] = Array.from({ length: k }, (_, fold) => ({ fold, train: [], test: [] }));
  assignment.forEach((f, i) => {
    if (!Number.isInteger(f) || f < 0 || f >= k) throw new RangeError(`assignment[${i}] is ${f}, expected a fold in 0..${k - 1}`);
    folds.forEach((fold) => (fold.fold === f ? fold.test : fold.train).push(i));
  });
  return folds;
}

/** Seeded stratified k-fold: train / test indices per fold (see stratifiedKFoldAssignment). */
export function stratifiedKFold(labels: readonly ClassValue[], k: number, seed: number): Fold[] {
  return foldsFromAssignment(stratifiedKFoldAssignment(labels, k, seed), k);
}

// ---------------------------------------------------------------------------------------------------------
// Time-based splits

export type DateValue = string | number | Date | null | undefined;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Milliseconds since the epoch, or null for an empty or unreadable value. Strings: ISO 8601 dates and
 * date-times ('2017-04-01', '2017-04-01T10:00:00Z'; a bare date is UTC midnight) or epoch milliseconds
 * ('1491004800000'). Numbers are epoch milliseconds.
 */
export function parseDate(value: DateValue): number | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isFinite(t) ? t : null;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const text = value.trim();
  if (text === '') return null;
  if (/^-?\d{9,}$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const t = Date.parse(ISO_DATE.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isFinite(t) ? t : null;
}

export interface TimeSplit extends Split {
  /** Rows whose date is missing or unreadable (in neither part). */
  excluded: number[];
}

/** Train = rows dated strictly before `cut`, test = rows dated at or after it; undated rows are excluded. */
export function timeSplit(dates: readonly DateValue[], cut: DateValue): TimeSplit {
  const at = parseDate(cut);
  if (at === null) throw new RangeError(`timeSplit: the cut ${JSON.stringify(cut)} is not a date`);
  const split: TimeSplit = { train: [], test: [], excluded: [] };
  dates.forEach((d, i) => {
    const t = parseDate(d);
    if (t === null) split.excluded.push(i);
    else (t < at ? split.train : split.test).push(i);
  });
  return split;
}

export interface RollingOriginOptions {
  /** Number of folds (default 3): the dated rows are cut into folds + 1 blocks of about equal size. */
  folds?: number;
  /** 'expanding' (default): train on every block before the test block; 'sliding': only the one before. */
  window?: 'expanding' | 'sliding';
}

export interface TimeFold extends Fold {
  /** Epoch ms of the last training date and the first / last test date. */
  trainEnd: number;
  testStart: number;
  testEnd: number;
}

/**
 * Rolling-origin (forward-chaining) folds: dated rows ordered by date are cut into folds + 1 blocks of
 * about equal size, never splitting rows of the same date; fold f tests on block f + 1 and trains on the
 * blocks before it (all of them, or only block f with window 'sliding'). Undated rows are never used.
 * Throws when there are too few distinct dates for the blocks.
 */
export function rollingOriginFolds(dates: readonly DateValue[], options: RollingOriginOptions = {}): TimeFold[] {
  const k = options.folds ?? 3;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`rollingOriginFolds: folds must be a positive integer, got ${k}`);
  const dated: Array<{ i: number; t: number }> = [];
  dates.forEach((d, i) => {
    const t = parseDate(d);
    if (t !== null) dated.push({ i, t });
  });
  dated.sort((a, b) => a.t - b.t || a.i - b.i);
  const n = dated.length;
  const blocks = k + 1;
  // Block boundaries: the target positions round(b n / blocks), moved forward past rows of the same date.
  const cuts: number[] = [0];
  for (let b = 1; b < blocks; b++) {
    let at = Math.max(Math.round((b * n) / blocks), cuts[cuts.length - 1] as number);
    while (at > 0 && at < n && (dated[at] as { t: number }).t === (dated[at - 1] as { t: number }).t) at++;
    cuts.push(at);
  }
  cuts.push(n);
  for (let b = 0; b < blocks; b++) {
    if ((cuts[b + 1] as number) <= (cuts[b] as number)) {
      throw new RangeError(`rollingOriginFolds: ${n} dated rows with too few distinct dates for ${k} folds (${blocks} time blocks)`);
    }
  }
  const rowsOf = (from: number, to: number) => dated.slice(from, to).map((d) => d.i).sort((a, b) => a - b);
  const result: TimeFold[] = [];
  for (let f = 0; f < k; f++) {
    const trainFrom = options.window === 'sliding' ? (cuts[f] as number) : 0;
    const trainTo = cuts[f + 1] as number;
    const testTo = cuts[f + 2] as number;
    result.push({
      fold: f,
      train: rowsOf(trainFrom, trainTo),
      test: rowsOf(trainTo, testTo),
      trainEnd: (dated[trainTo - 1] as { t: number }).t,
      testStart: (dated[trainTo] as { t: number }).t,
      testEnd: (dated[testTo - 1] as { t: number }).t,
    });
  }
  return result;
}
