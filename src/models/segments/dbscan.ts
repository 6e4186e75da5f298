/**
 * DBSCAN (Ester et al. 1996), brute-force neighbour search, Euclidean distance. Written here rather than
 * taking a dependency: it is short. Conventions follow scikit-learn: a point is core when at least
 * `minPoints` points (itself included) lie within `eps`; noise is labelled -1; clusters are numbered in the
 * order their first core point appears, so the result is deterministic for a given row order.
 * Memory is O(n) (neighbours are recomputed rather than stored); time is O(n^2 d).
 */

export interface DbscanResult {
  /** Cluster per point, -1 for noise. */
  labels: number[];
  /** Whether each point is a core point. */
  core: boolean[];
  /** Number of clusters found. */
  clusters: number;
}

function toFlat(points: readonly (readonly number[])[]): { flat: Float64Array; dims: number } {
  const dims = points.length === 0 ? 0 : (points[0] as readonly number[]).length;
  const flat = new Float64Array(points.length * dims);
  points.forEach((row, i) => {
    if (row.length !== dims) throw new Error('dbscan: every point needs the same number of coordinates');
    for (let d = 0; d < dims; d++) flat[i * dims + d] = row[d] as number;
  });
  return { flat, dims };
}

function squaredDistance(flat: Float64Array, dims: number, a: number, b: number): number {
  let s = 0;
  for (let d = 0; d < dims; d++) {
    const diff = (flat[a * dims + d] as number) - (flat[b * dims + d] as number);
    s += diff * diff;
  }
  return s;
}

export function dbscan(points: readonly (readonly number[])[], eps: number, minPoints: number): DbscanResult {
  if (!(eps > 0)) throw new Error(`dbscan: eps must be > 0 (got ${eps})`);
  if (!Number.isInteger(minPoints) || minPoints < 1) throw new Error(`dbscan: minPoints must be a positive integer (got ${minPoints})`);
  const n = points.length;
  const { flat, dims } = toFlat(points);
  const eps2 = eps * eps;
  const counts = new Int32Array(n).fill(1); // itself
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      if (squaredDistance(flat, dims, a, b) <= eps2) {
        counts[a] = (counts[a] as number) + 1;
        counts[b] = (counts[b] as number) + 1;
      }
    }
  }
  const core = Array.from(counts, (c) => c >= minPoints);
  const labels = new Array<number>(n).fill(-1);
  let clusters = 0;
  const queue: number[] = [];
  for (let start = 0; start < n; start++) {
    if (!core[start] || labels[start] !== -1) continue;
    const cluster = clusters++;
    labels[start] = cluster;
    queue.length = 0;
    queue.push(start);
    for (let q = 0; q < queue.length; q++) {
      const a = queue[q] as number;
      // Only core points expand the cluster; border points join it but do not spread it.
      if (!core[a]) continue;
      for (let b = 0; b < n; b++) {
        if (labels[b] !== -1 || squaredDistance(flat, dims, a, b) > eps2) continue;
        labels[b] = cluster;
        queue.push(b);
      }
    }
  }
  return { labels, core, clusters };
}

/**
 * A default `eps`: the `quantile` of the points' distances to their (minPoints - 1)-th nearest other point
 * (the "k-distance" curve of the DBSCAN paper), so about `1 - quantile` of the points are not core points.
 * At most `maxQueries` evenly spaced points are measured (each against all points), so it stays O(n d maxQueries).
 */
export function estimateEps(points: readonly (readonly number[])[], minPoints: number, quantile = 0.95, maxQueries = 1000): number {
  const n = points.length;
  if (n < 2) throw new Error('estimateEps: need at least 2 points');
  const { flat, dims } = toFlat(points);
  const k = Math.min(Math.max(minPoints - 1, 1), n - 1);
  const step = Math.max(1, Math.floor(n / maxQueries));
  const kth: number[] = [];
  const best = new Float64Array(k);
  for (let a = 0; a < n; a += step) {
    best.fill(Infinity); // the k smallest squared distances, ascending
    for (let b = 0; b < n; b++) {
      if (b === a) continue;
      const d = squaredDistance(flat, dims, a, b);
      if (d >= (best[k - 1] as number)) continue;
      let i = k - 1;
      while (i > 0 && (best[i - 1] as number) > d) {
        best[i] = best[i - 1] as number;
        i--;
      }
      best[i] = d;
    }
    kth.push(Math.sqrt(best[k - 1] as number));
  }
  kth.sort((x, y) => x - y);
  const pos = Math.min(kth.length - 1, Math.max(0, Math.round((kth.length - 1) * quantile)));
  const eps = kth[pos] as number;
  if (eps > 0) return eps;
  // Many duplicate points: fall back to the smallest positive k-distance.
  return kth.find((d) => d > 0) ?? 1;
}
