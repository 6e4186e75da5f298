/**
 * Customer segments: PCA (ml-pca, SVD) to the few components that keep ~90 % of the variance, then k-means
 * (ml-kmeans, k-means++ seeded) with k chosen by silhouette, or DBSCAN for outlier-heavy data.
 *
 * - Input rows are the feature pipeline's numeric matrix. Numeric features are z-scored here
 *   (`standardize: 'numeric'`, a no-op on columns already z-scored upstream) so a raw column like
 *   `nr.employed` (~5,000) cannot swamp the PCA; one-hot 0/1 columns are left as they are.
 * - Deterministic: the same rows, options and seed give the same assignments, ids and names.
 * - Segment ids are stable across retrains: `fitSegments(rows, options, previous)` matches the new
 *   centroids to the previous model's (Hungarian algorithm on standardized distances in the original
 *   feature space); a segment that persists keeps its id, a new one gets a fresh id, ids are never reused.
 * - Names come from the largest standardized differences between a segment's centroid and the overall
 *   mean in the original feature space (see naming.ts).
 * - The model is plain JSON tagged `{ kind: 'segments', version: 1, featureNames }`; no I/O.
 */
import { kmeans } from 'ml-kmeans';
import { PCA } from 'ml-pca';
import { z } from 'zod';
import { parseSavedJson } from '../../features/savedJson.ts';
import { mulberry32, randomInt31 } from '../../domain/random.mjs';
import type { Random } from '../../domain/random.mjs';
import { dbscan, estimateEps } from './dbscan.ts';
import { hungarian } from './hungarian.ts';
import { featureReaders, nameSegments, rankTraits } from './naming.ts';
import type { NamingOptions, OneHotSource } from './naming.ts';
import { silhouetteScore } from './silhouette.ts';

export const SEGMENTS_KIND = 'segments';
export const SEGMENTS_VERSION = 1;
/** The segment id (and name) of DBSCAN noise points. */
export const OUTLIERS_ID = 'outliers';

/** Thrown when rows do not match the features a segment model was trained on. */
export class SegmentFeatureError extends Error {
  override readonly name = 'SegmentFeatureError';
}

/** Thrown when the rows cannot make segments (too few, too few distinct, all alike): the data, not a bug. */
export class SegmentDataError extends Error {
  override readonly name = 'SegmentDataError';
}

export interface DbscanOptions {
  /** Neighbourhood radius in the PCA space (default: estimated from the k-distance curve). */
  eps?: number;
  /** Points (itself included) within eps that make a core point (default max(4, 2 x components)). */
  minPoints?: number;
  /** Quantile of the k-distance curve used to estimate eps (default 0.95). */
  epsQuantile?: number;
  /** DBSCAN is O(n^2): it runs on a seeded sample of at most this many rows (default 5,000); the other
   *  rows are assigned like new rows (the nearest core point within eps, else outliers). */
  maxRows?: number;
}

export interface SegmentOptions {
  /** Feature names, in column order (the feature pipeline's `featureNames`). */
  featureNames: readonly string[];
  /** For naming: feature -> source column and level of a one-hot feature (default: "column=level" names). */
  oneHot?: Readonly<Record<string, OneHotSource>>;
  /** Readable labels for columns (keyed by numeric feature or source column). */
  labels?: Readonly<Record<string, string>>;
  /** 31-bit integer seed (default 1). */
  seed?: number;
  /** 'kmeans' (default) or 'dbscan' for outlier-heavy data. */
  method?: 'kmeans' | 'dbscan';
  /** A fixed k for k-means (otherwise chosen by silhouette over `kRange`). */
  k?: number;
  /** k range tried, inclusive (default [2, 8]). */
  kRange?: readonly [number, number];
  /** Which features are z-scored before the PCA: 'numeric' (default: all but one-hot), 'all' or 'none'. */
  standardize?: 'numeric' | 'all' | 'none';
  /** Keep the fewest components explaining this share of variance (default 0.9)... */
  varianceToKeep?: number;
  /** ...but at most this many (default 10). */
  maxComponents?: number;
  /** Silhouette is computed on a seeded sample of at most this many rows (default 2,000). */
  silhouetteSampleSize?: number;
  /** k-means restarts per k; the lowest within-cluster sum of squares wins (default 3). */
  nInit?: number;
  /** k-means iteration cap (default 300). */
  maxIterations?: number;
  dbscan?: DbscanOptions;
  naming?: NamingOptions;
  /** Largest standardized centroid distance at which a new segment inherits a previous id (default: half
   *  the distance from the previous centroid to its nearest previous neighbour). */
  matchThreshold?: number;
  /** Prefix of fresh ids (default 'seg-'; a retrain keeps the previous model's prefix). */
  idPrefix?: string;
  /** Keep each training row's 2-D coordinates and segment for the segment map (default true). */
  keepTrainingRows?: boolean;
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const vector = z.array(finite);

const SegmentSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  parts: z.array(z.string()),
  size: z.number().int().nonnegative(),
  share: finite,
  /** Centroid in the clustering (PCA) space. */
  centroid: vector,
  /** Mean of the segment's rows in the original feature space. */
  profile: vector,
  /** Strongest traits, strongest first. */
  traits: z.array(z.object({ feature: z.string(), text: z.string(), z: finite })),
});

const SegmentModelSchema = z.object({
  kind: z.literal(SEGMENTS_KIND),
  version: z.literal(SEGMENTS_VERSION),
  featureNames: z.array(z.string()),
  method: z.enum(['kmeans', 'dbscan']),
  seed: z.number().int(),
  idPrefix: z.string(),
  /** The next fresh id number (ids are never reused). */
  nextId: z.number().int().positive(),
  /** Per-feature affine scaling applied before the PCA: (x - center) / scale. */
  scaling: z.object({ mode: z.enum(['numeric', 'all', 'none']), center: vector, scale: vector }),
  pca: z.object({
    /** Means of the scaled features. */
    mean: vector,
    /** Principal axes, one array of feature weights per component (at least 2 kept for the map). */
    components: z.array(vector),
    /** Share of variance of each kept component. */
    explainedVariance: vector,
    /** Components used for clustering. */
    nComponents: z.number().int().positive(),
  }),
  /** Overall mean and (population) std of each original feature, for naming and matching. */
  overall: z.object({ mean: vector, std: vector }),
  segments: z.array(SegmentSchema),
  outliers: z.object({ id: z.literal(OUTLIERS_ID), name: z.string(), size: z.number().int().nonnegative(), share: finite }).nullable(),
  dbscan: z
    .object({
      eps: finite,
      minPoints: z.number().int().positive(),
      /** Core points in the clustering space and the index of their segment. */
      corePoints: z.array(vector),
      coreSegments: z.array(z.number().int().nonnegative()),
    })
    .nullable(),
  metrics: z.object({
    rows: z.number().int().nonnegative(),
    k: z.number().int().nonnegative(),
    /** Mean silhouette on the sample (noise excluded); null with fewer than 2 segments. */
    silhouette: finite.nullable(),
    silhouetteSampleSize: z.number().int().nonnegative(),
    silhouetteByK: z.array(z.object({ k: z.number().int(), silhouette: finite, inertia: finite })),
    /** Variance explained by the clustering components. */
    explainedVariance: finite,
    sizes: z.record(z.string(), z.number().int().nonnegative()),
    outlierShare: finite,
  }),
  /** Id continuity with the previous model, when one was given. */
  matching: z
    .object({
      kept: z.array(z.string()),
      added: z.array(z.string()),
      retired: z.array(z.string()),
      distances: z.record(z.string(), finite),
    })
    .nullable(),
  /** Per training row: 2-D PCA coordinates and segment id (for the segment map); null when not kept. */
  training: z.object({ coordinates: z.array(z.tuple([finite, finite])), segmentIds: z.array(z.string()) }).nullable(),
});

export type Segment = z.infer<typeof SegmentSchema>;
export type SegmentModel = z.infer<typeof SegmentModelSchema>;

type Matrix = readonly (readonly number[])[];

// ---------------------------------------------------------------------------------------------------------
// Input checks

function checkRows(rows: Matrix, width: number, what: string): void {
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new SegmentFeatureError(`${what}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${width} (one per feature)`);
    }
    for (let j = 0; j < width; j++) {
      if (!Number.isFinite(row[j])) throw new SegmentFeatureError(`${what}: row ${i}, feature ${j} is ${String(row[j])}, expected a finite number`);
    }
  });
}

/** Throws a SegmentFeatureError describing how `actual` differs from the model's feature names. */
export function checkFeatureNames(expected: readonly string[], actual: readonly string[]): void {
  if (expected.length === actual.length && expected.every((name, i) => name === actual[i])) return;
  const want = new Set(expected);
  const have = new Set(actual);
  const missing = expected.filter((n) => !have.has(n));
  const extra = actual.filter((n) => !want.has(n));
  const details: string[] = [];
  if (missing.length > 0) details.push(`missing: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`);
  if (extra.length > 0) details.push(`unexpected: ${extra.slice(0, 10).join(', ')}${extra.length > 10 ? ', ...' : ''}`);
  if (details.length === 0) {
    const i = expected.findIndex((name, j) => name !== actual[j]);
    details.push(
      i >= 0 ? `same features in another order (position ${i}: expected ${expected[i]}, got ${actual[i]})` : `expected ${expected.length} features, got ${actual.length} (duplicates?)`,
    );
  }
  throw new SegmentFeatureError(`feature mismatch: the segment model was trained on ${expected.length} features, got ${actual.length} (${details.join('; ')})`);
}

// ---------------------------------------------------------------------------------------------------------
// Small numeric helpers

function columnStats(rows: Matrix, width: number): { mean: number[]; std: number[] } {
  const n = rows.length;
  const mean = new Array<number>(width).fill(0);
  for (const row of rows) for (let j = 0; j < width; j++) mean[j] = (mean[j] as number) + (row[j] as number);
  for (let j = 0; j < width; j++) mean[j] = (mean[j] as number) / n;
  const std = new Array<number>(width).fill(0);
  for (const row of rows) {
    for (let j = 0; j < width; j++) {
      const d = (row[j] as number) - (mean[j] as number);
      std[j] = (std[j] as number) + d * d;
    }
  }
  for (let j = 0; j < width; j++) {
    const s = Math.sqrt((std[j] as number) / n);
    // Round-off leaves ~1e-17 on constant columns: call those constant.
    std[j] = s > 1e-12 * Math.max(1, Math.abs(mean[j] as number)) ? s : 0;
  }
  return { mean, std };
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) {
    const diff = (a[d] as number) - (b[d] as number);
    s += diff * diff;
  }
  return s;
}

/** Index of the nearest point of `centers` (first one on ties). */
function nearest(point: readonly number[], centers: Matrix): { index: number; distance2: number } {
  let index = -1;
  let distance2 = Infinity;
  centers.forEach((c, i) => {
    const d = squaredDistance(point, c);
    if (d < distance2) {
      distance2 = d;
      index = i;
    }
  });
  return { index, distance2 };
}

/** Whether two features correlate beyond `threshold` (absolute Pearson r on the sample rows), memoised. */
function correlationTest(rows: Matrix, sample: readonly number[], overall: { mean: number[]; std: number[] }, threshold: number): (a: number, b: number) => boolean {
  const memo = new Map<number, boolean>();
  const width = overall.mean.length;
  return (a, b) => {
    if (a === b) return true;
    const key = Math.min(a, b) * width + Math.max(a, b);
    const known = memo.get(key);
    if (known !== undefined) return known;
    const ma = overall.mean[a] as number;
    const mb = overall.mean[b] as number;
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    for (const i of sample) {
      const row = rows[i] as readonly number[];
      const da = (row[a] as number) - ma;
      const db = (row[b] as number) - mb;
      sab += da * db;
      saa += da * da;
      sbb += db * db;
    }
    const r = saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
    const result = Math.abs(r) > threshold;
    memo.set(key, result);
    return result;
  };
}

/** A seeded sample of `size` distinct indices of 0..n-1, ascending (all of them when size >= n). */
function sampleIndices(n: number, size: number, random: Random): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (size >= n) return all;
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    const tmp = all[i] as number;
    all[i] = all[j] as number;
    all[j] = tmp;
  }
  return all.slice(0, size).sort((a, b) => a - b);
}

function compareVectors(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------------------
// Projection

function scaleRow(model: Pick<SegmentModel, 'scaling' | 'pca'>, row: readonly number[]): number[] {
  const { center, scale } = model.scaling;
  const mean = model.pca.mean;
  return row.map((x, j) => (x - (center[j] as number)) / (scale[j] as number) - (mean[j] as number));
}

function projectRow(model: Pick<SegmentModel, 'scaling' | 'pca'>, row: readonly number[], components: number): number[] {
  const centred = scaleRow(model, row);
  const out = new Array<number>(components);
  for (let c = 0; c < components; c++) {
    const axis = model.pca.components[c] as number[];
    let s = 0;
    for (let j = 0; j < centred.length; j++) s += (centred[j] as number) * (axis[j] as number);
    out[c] = s;
  }
  return out;
}

/** 2-D PCA coordinates of rows (for the segment map). */
export function project(model: SegmentModel, rows: Matrix, featureNames: readonly string[]): Array<[number, number]> {
  checkFeatureNames(model.featureNames, featureNames);
  checkRows(rows, model.featureNames.length, 'project');
  return rows.map((row) => {
    const p = projectRow(model, row, Math.min(2, model.pca.components.length));
    return [p[0] ?? 0, p[1] ?? 0];
  });
}

function assignProjected(model: SegmentModel, point: readonly number[]): string {
  if (model.dbscan) {
    const { index, distance2 } = nearest(point, model.dbscan.corePoints);
    if (index < 0 || distance2 > model.dbscan.eps * model.dbscan.eps) return OUTLIERS_ID;
    return (model.segments[model.dbscan.coreSegments[index] as number] as Segment).id;
  }
  const { index } = nearest(
    point,
    model.segments.map((s) => s.centroid),
  );
  return (model.segments[index] as Segment).id;
}

/** The segment id of each row ('outliers' for DBSCAN noise). */
export function assign(model: SegmentModel, rows: Matrix, featureNames: readonly string[]): string[] {
  checkFeatureNames(model.featureNames, featureNames);
  checkRows(rows, model.featureNames.length, 'assign');
  return rows.map((row) => assignProjected(model, projectRow(model, row, model.pca.nComponents)));
}

// ---------------------------------------------------------------------------------------------------------
// Fitting

interface Clustering {
  /** Cluster index per row (-1 = noise); clusters are 0..count-1, non-empty. */
  labels: number[];
  /** Clustering-space centroid of each cluster. */
  centroids: number[][];
  silhouetteByK: Array<{ k: number; silhouette: number; inertia: number }>;
  dbscan: { eps: number; minPoints: number; corePoints: number[][]; coreClusters: number[] } | null;
}

function distinctRows(points: Matrix, limit: number): number {
  const seen = new Set<string>();
  for (const p of points) {
    seen.add(p.join(','));
    if (seen.size >= limit) break;
  }
  return seen.size;
}

function runKmeans(points: number[][], k: number, seed: number, maxIterations: number): { centroids: number[][]; labels: number[]; inertia: number } {
  const result = kmeans(points, k, { initialization: 'kmeans++', seed, maxIterations });
  const centroids = result.centroids.map((c) => [...c]);
  let inertia = 0;
  const labels = points.map((p) => {
    const { index, distance2 } = nearest(p, centroids);
    inertia += distance2;
    return index;
  });
  return { centroids, labels, inertia };
}

/** Drops empty clusters and renumbers the rest 0..m-1 (order kept). */
function compact(labels: number[], centroids: number[][]): { labels: number[]; centroids: number[][] } {
  const counts = new Array<number>(centroids.length).fill(0);
  for (const l of labels) if (l >= 0) counts[l] = (counts[l] as number) + 1;
  const remap = new Array<number>(centroids.length).fill(-1);
  const kept: number[][] = [];
  centroids.forEach((c, i) => {
    if ((counts[i] as number) > 0) {
      remap[i] = kept.length;
      kept.push(c);
    }
  });
  return { labels: labels.map((l) => (l >= 0 ? (remap[l] as number) : -1)), centroids: kept };
}

function clusterKmeans(points: number[][], sample: number[], options: SegmentOptions, random: Random): Clustering {
  const n = points.length;
  const [kMin, kMax] = options.k !== undefined ? [options.k, options.k] : (options.kRange ?? [2, 8]);
  if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 1 || kMax < kMin) {
    throw new Error(`fitSegments: k must be a positive integer and kRange [min, max] with min <= max (got ${kMin}..${kMax})`);
  }
  const distinct = distinctRows(points, kMax + 1);
  const top = Math.min(kMax, distinct, n);
  if (top < kMin) throw new SegmentDataError(`fitSegments: ${distinct} distinct rows cannot make ${kMin} segments`);
  const nInit = Math.max(1, options.nInit ?? 3);
  const maxIterations = options.maxIterations ?? 300;
  const samplePoints = sample.map((i) => points[i] as number[]);
  let best: { k: number; silhouette: number; centroids: number[][]; labels: number[] } | null = null;
  const silhouetteByK: Clustering['silhouetteByK'] = [];
  for (let k = kMin; k <= top; k++) {
    let run: ReturnType<typeof runKmeans> | null = null;
    for (let r = 0; r < nInit; r++) {
      const candidate = runKmeans(points, k, randomInt31(random), maxIterations);
      if (!run || candidate.inertia < run.inertia) run = candidate;
    }
    const chosen = run as ReturnType<typeof runKmeans>;
    const silhouette = k >= 2 ? silhouetteScore(samplePoints, sample.map((i) => chosen.labels[i] as number)) : 0;
    silhouetteByK.push({ k, silhouette, inertia: chosen.inertia });
    // Strictly better only: the smaller k wins ties.
    if (!best || silhouette > best.silhouette) best = { k, silhouette, centroids: chosen.centroids, labels: chosen.labels };
  }
  const chosen = best as NonNullable<typeof best>;
  const { labels, centroids } = compact(chosen.labels, chosen.centroids);
  return { labels, centroids, silhouetteByK, dbscan: null };
}

function clusterDbscan(points: number[][], options: SegmentOptions, random: Random): Clustering {
  const settings = options.dbscan ?? {};
  const dims = (points[0] as number[]).length;
  const minPoints = settings.minPoints ?? Math.max(4, 2 * dims);
  const fitted = sampleIndices(points.length, settings.maxRows ?? 5000, random).map((i) => points[i] as number[]);
  const eps = settings.eps ?? estimateEps(fitted, minPoints, settings.epsQuantile ?? 0.95);
  const result = dbscan(fitted, eps, minPoints);
  if (result.clusters === 0) {
    throw new Error(`fitSegments: DBSCAN found no cluster (eps ${eps}, minPoints ${minPoints}): raise dbscan.eps or lower dbscan.minPoints`);
  }
  const corePoints: number[][] = [];
  const coreClusters: number[] = [];
  fitted.forEach((p, i) => {
    if (result.core[i]) {
      corePoints.push(p);
      coreClusters.push(result.labels[i] as number);
    }
  });
  // Every row (fitted or not) gets the cluster of its nearest core point within eps, as new rows will.
  const eps2 = eps * eps;
  const labels = points.map((p) => {
    const { index, distance2 } = nearest(p, corePoints);
    return index >= 0 && distance2 <= eps2 ? (coreClusters[index] as number) : -1;
  });
  const dimsZero = new Array<number>(dims).fill(0);
  const sums = Array.from({ length: result.clusters }, () => [...dimsZero]);
  const counts = new Array<number>(result.clusters).fill(0);
  points.forEach((p, i) => {
    const l = labels[i] as number;
    if (l < 0) return;
    counts[l] = (counts[l] as number) + 1;
    const s = sums[l] as number[];
    for (let d = 0; d < dims; d++) s[d] = (s[d] as number) + (p[d] as number);
  });
  const centroids = sums.map((s, c) => s.map((v) => v / Math.max(1, counts[c] as number)));
  return { labels, centroids, silhouetteByK: [], dbscan: { eps, minPoints, corePoints, coreClusters } };
}

/** Standardized distance over the features both models share (features with zero std are skipped). */
function profileDistance(a: readonly number[], b: readonly number[], pairs: ReadonlyArray<readonly [number, number, number]>): number {
  let s = 0;
  for (const [i, j, std] of pairs) {
    const d = ((a[i] as number) - (b[j] as number)) / std;
    s += d * d;
  }
  return Math.sqrt(s);
}

interface IdPlan {
  ids: string[];
  nextId: number;
  matching: NonNullable<SegmentModel['matching']> | null;
}

function planIds(profiles: number[][], featureNames: readonly string[], std: readonly number[], prefix: string, options: SegmentOptions, previous?: SegmentModel): IdPlan {
  if (!previous) {
    return { ids: profiles.map((_, i) => `${prefix}${i + 1}`), nextId: profiles.length + 1, matching: null };
  }
  const previousIndex = new Map(previous.featureNames.map((name, j) => [name, j]));
  const pairs: Array<[number, number, number]> = [];
  featureNames.forEach((name, i) => {
    const j = previousIndex.get(name);
    const s = std[i] as number;
    if (j !== undefined && s > 0) pairs.push([i, j, s]);
  });
  const prev = previous.segments;
  const ids = new Array<string>(profiles.length).fill('');
  const distances: Record<string, number> = {};
  if (pairs.length > 0 && prev.length > 0 && profiles.length > 0) {
    const cost = profiles.map((p) => prev.map((q) => profileDistance(p, q.profile, pairs)));
    // The previous centroids' own spacing, measured the same way.
    const selfPairs = pairs.map(([, j, s]) => [j, j, s] as const);
    const threshold = prev.map((q, a) => {
      if (options.matchThreshold !== undefined) return options.matchThreshold;
      let nearestOther = Infinity;
      prev.forEach((r, b) => {
        if (b !== a) nearestOther = Math.min(nearestOther, profileDistance(q.profile, r.profile, selfPairs));
      });
      return nearestOther / 2;
    });
    hungarian(cost).forEach((j, i) => {
      if (j < 0) return;
      const d = (cost[i] as number[])[j] as number;
      if (d <= (threshold[j] as number)) {
        ids[i] = (prev[j] as Segment).id;
        distances[(prev[j] as Segment).id] = d;
      }
    });
  }
  let nextId = previous.nextId;
  const added: string[] = [];
  ids.forEach((id, i) => {
    if (id === '') {
      ids[i] = `${prefix}${nextId++}`;
      added.push(ids[i] as string);
    }
  });
  const kept = ids.filter((id) => !added.includes(id));
  const retired = prev.map((s) => s.id).filter((id) => !kept.includes(id));
  return { ids, nextId, matching: { kept, added, retired, distances } };
}

/**
 * Fits a segment model on `rows` (one array of numbers per row, in `options.featureNames` order).
 * With `previous`, segments that persist keep their ids.
 */
export function fitSegments(rows: Matrix, options: SegmentOptions, previous?: SegmentModel): SegmentModel {
  const featureNames = [...options.featureNames];
  const width = featureNames.length;
  if (new Set(featureNames).size !== width) throw new SegmentFeatureError('fitSegments: feature names must be unique');
  if (width === 0) throw new SegmentFeatureError('fitSegments: no features');
  if (rows.length < 3) throw new SegmentDataError(`fitSegments: need at least 3 rows (got ${rows.length})`);
  checkRows(rows, width, 'fitSegments');
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new Error(`fitSegments: seed must be an integer (got ${seed})`);
  const random = mulberry32(seed);
  const method = options.method ?? 'kmeans';
  const n = rows.length;

  // Scaling and PCA.
  const readers = featureReaders(featureNames, options.oneHot, options.labels);
  const overall = columnStats(rows, width);
  const mode = options.standardize ?? 'numeric';
  const scaled = (j: number) => mode === 'all' || (mode === 'numeric' && (readers[j] as { level: string | null }).level === null);
  const center = featureNames.map((_, j) => (scaled(j) ? (overall.mean[j] as number) : 0));
  const scale = featureNames.map((_, j) => (scaled(j) && (overall.std[j] as number) > 0 ? (overall.std[j] as number) : 1));
  const scaledRows = rows.map((row) => row.map((x, j) => (x - (center[j] as number)) / (scale[j] as number)));
  const pca = new PCA(scaledRows, { method: 'SVD', center: true, scale: false });
  const explained = pca.getExplainedVariance();
  if (!(explained.length > 0) || explained.some((v) => !Number.isFinite(v))) {
    throw new SegmentDataError('fitSegments: the rows have no variance (all rows are identical)');
  }
  const varianceToKeep = options.varianceToKeep ?? 0.9;
  const maxComponents = Math.max(1, options.maxComponents ?? 10);
  let nComponents = 0;
  for (let cumulative = 0; nComponents < explained.length && cumulative < varianceToKeep - 1e-12; nComponents++) cumulative += explained[nComponents] as number;
  nComponents = Math.max(1, Math.min(nComponents, maxComponents, explained.length));
  const stored = Math.min(Math.max(nComponents, 2), explained.length);
  const vectors = pca.getEigenvectors().to2DArray(); // features x components
  const components = Array.from({ length: stored }, (_, c) => {
    const axis = vectors.map((row) => row[c] as number);
    // SVD signs are arbitrary: make the largest weight positive so the map does not flip between fits.
    let big = 0;
    for (const w of axis) if (Math.abs(w) > Math.abs(big) + 1e-12) big = w;
    return big < 0 ? axis.map((w) => -w) : axis;
  });
  const pcaMean = scaledRows.length > 0 ? columnStats(scaledRows, width).mean : [];
  const projector = { scaling: { mode, center, scale }, pca: { mean: pcaMean, components, explainedVariance: explained.slice(0, stored), nComponents } };
  const projected = rows.map((row) => projectRow(projector, row, stored));
  const points = stored === nComponents ? projected : projected.map((p) => p.slice(0, nComponents));

  // Clustering.
  const sample = sampleIndices(n, options.silhouetteSampleSize ?? 2000, random);
  const clustering = method === 'dbscan' ? clusterDbscan(points, options, random) : clusterKmeans(points, sample, options, random);

  // Segments in a canonical order: largest first, ties by centroid.
  const count = clustering.centroids.length;
  const sizes = new Array<number>(count).fill(0);
  const profiles = Array.from({ length: count }, () => new Array<number>(width).fill(0));
  rows.forEach((row, i) => {
    const l = clustering.labels[i] as number;
    if (l < 0) return;
    sizes[l] = (sizes[l] as number) + 1;
    const p = profiles[l] as number[];
    for (let j = 0; j < width; j++) p[j] = (p[j] as number) + (row[j] as number);
  });
  profiles.forEach((p, c) => p.forEach((v, j) => (p[j] = v / (sizes[c] as number))));
  const order = Array.from({ length: count }, (_, c) => c).sort(
    (a, b) => (sizes[b] as number) - (sizes[a] as number) || compareVectors(clustering.centroids[a] as number[], clustering.centroids[b] as number[]),
  );
  const rank = new Array<number>(count);
  order.forEach((c, r) => (rank[c] = r));

  const orderedProfiles = order.map((c) => profiles[c] as number[]);
  const prefix = previous?.idPrefix ?? options.idPrefix ?? 'seg-';
  const plan = planIds(orderedProfiles, featureNames, overall.std, prefix, options, previous);
  const redundant = correlationTest(rows, sample, overall, options.naming?.maxCorrelation ?? 0.8);
  const traits = orderedProfiles.map((p) => rankTraits(p, overall.mean, overall.std, readers, redundant));
  const names = nameSegments(traits, (i) => `segment ${plan.ids[i] as string}`, options.naming);

  const segments: Segment[] = order.map((c, r) => ({
    id: plan.ids[r] as string,
    name: (names[r] as { name: string }).name,
    parts: (names[r] as { parts: string[] }).parts,
    size: sizes[c] as number,
    share: (sizes[c] as number) / n,
    centroid: clustering.centroids[c] as number[],
    profile: profiles[c] as number[],
    traits: (traits[r] as ReturnType<typeof rankTraits>).slice(0, 6).map((t) => ({ feature: t.feature, text: t.text, z: t.z })),
  }));
  const segmentIdOfRow = clustering.labels.map((l) => (l < 0 ? OUTLIERS_ID : (segments[rank[l] as number] as Segment).id));
  const noise = clustering.labels.filter((l) => l < 0).length;

  const silhouetteLabels = sample.map((i) => {
    const l = clustering.labels[i] as number;
    return l < 0 ? -1 : (rank[l] as number);
  });
  const silhouette = count >= 2 ? silhouetteScore(sample.map((i) => points[i] as number[]), silhouetteLabels) : null;
  const metricSizes: Record<string, number> = {};
  for (const s of segments) metricSizes[s.id] = s.size;
  if (method === 'dbscan') metricSizes[OUTLIERS_ID] = noise;

  const model: SegmentModel = {
    kind: SEGMENTS_KIND,
    version: SEGMENTS_VERSION,
    featureNames,
    method,
    seed,
    idPrefix: prefix,
    nextId: plan.nextId,
    scaling: projector.scaling,
    pca: projector.pca,
    overall,
    segments,
    outliers: method === 'dbscan' ? { id: OUTLIERS_ID, name: 'outliers', size: noise, share: noise / n } : null,
    dbscan: clustering.dbscan
      ? {
          eps: clustering.dbscan.eps,
          minPoints: clustering.dbscan.minPoints,
          corePoints: clustering.dbscan.corePoints,
          coreSegments: clustering.dbscan.coreClusters.map((c) => rank[c] as number),
        }
      : null,
    metrics: {
      rows: n,
      k: count,
      silhouette,
      silhouetteSampleSize: sample.length,
      silhouetteByK: clustering.silhouetteByK,
      explainedVariance: explained.slice(0, nComponents).reduce((a, b) => a + b, 0),
      sizes: metricSizes,
      outlierShare: noise / n,
    },
    matching: plan.matching,
    training:
      options.keepTrainingRows === false
        ? null
        : {
            coordinates: projected.map((p) => [p[0] ?? 0, p[1] ?? 0] as [number, number]),
            segmentIds: segmentIdOfRow,
          },
  };
  return model;
}

// ---------------------------------------------------------------------------------------------------------
// JSON

/** The model as plain JSON (a deep copy). */
export function segmentsToJSON(model: SegmentModel): SegmentModel {
  return JSON.parse(JSON.stringify(model)) as SegmentModel;
}

/** A segment model from JSON, checking its tag and shape. */
export function segmentsFromJSON(json: unknown): SegmentModel {
  const value = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  if (typeof value !== 'object' || value === null) throw new Error('segmentsFromJSON: expected an object');
  const model = parseSavedJson(value, { kind: SEGMENTS_KIND, version: SEGMENTS_VERSION, name: 'segments model', root: 'model', schema: SegmentModelSchema });
  const p = model.featureNames.length;
  const bad = (what: string) => {
    throw new Error(`segmentsFromJSON: invalid segments model: ${what}`);
  };
  if (model.scaling.center.length !== p || model.scaling.scale.length !== p || model.pca.mean.length !== p) bad('scaling/PCA lengths differ from featureNames');
  if (model.pca.components.some((c) => c.length !== p)) bad('a PCA component has the wrong length');
  if (model.pca.nComponents > model.pca.components.length) bad('nComponents exceeds the stored components');
  if (model.segments.some((s) => s.centroid.length !== model.pca.nComponents || s.profile.length !== p)) bad('a segment centroid has the wrong length');
  if (model.segments.length === 0) bad('no segments');
  if (model.dbscan && (model.dbscan.corePoints.length !== model.dbscan.coreSegments.length || model.dbscan.coreSegments.some((c) => c >= model.segments.length))) bad('DBSCAN core points');
  return model;
}
