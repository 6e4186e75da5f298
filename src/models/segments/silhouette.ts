/**
 * Silhouette coefficient (Rousseeuw 1987), exact, Euclidean distance, as scikit-learn's `silhouette_score`:
 * a point alone in its cluster scores 0; the score is the mean over points. Labels < 0 (noise) are skipped.
 */
export function silhouetteScore(points: readonly (readonly number[])[], labels: readonly number[]): number {
  if (points.length !== labels.length) throw new Error('silhouetteScore: points and labels differ in length');
  const index: number[] = [];
  for (let i = 0; i < labels.length; i++) if ((labels[i] as number) >= 0) index.push(i);
  const clusterIds = [...new Set(index.map((i) => labels[i] as number))].sort((a, b) => a - b);
  if (clusterIds.length < 2) return 0;
  const slot = new Map(clusterIds.map((c, s) => [c, s]));
  const sizes = new Array<number>(clusterIds.length).fill(0);
  for (const i of index) sizes[slot.get(labels[i] as number) as number]! += 1;

  const n = index.length;
  const dims = (points[index[0] as number] as readonly number[]).length;
  const flat = new Float64Array(n * dims);
  const own = new Int32Array(n);
  index.forEach((i, a) => {
    const row = points[i] as readonly number[];
    for (let d = 0; d < dims; d++) flat[a * dims + d] = row[d] as number;
    own[a] = slot.get(labels[i] as number) as number;
  });

  // Sum of distances from each point to each cluster, filled symmetrically.
  const k = clusterIds.length;
  const sums = new Float64Array(n * k);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      let s = 0;
      for (let d = 0; d < dims; d++) {
        const diff = (flat[a * dims + d] as number) - (flat[b * dims + d] as number);
        s += diff * diff;
      }
      const dist = Math.sqrt(s);
      sums[a * k + (own[b] as number)] = (sums[a * k + (own[b] as number)] as number) + dist;
      sums[b * k + (own[a] as number)] = (sums[b * k + (own[a] as number)] as number) + dist;
    }
  }
  let total = 0;
  for (let a = 0; a < n; a++) {
    const c = own[a] as number;
    const size = sizes[c] as number;
    if (size <= 1) continue; // scores 0
    const inner = (sums[a * k + c] as number) / (size - 1);
    let nearest = Infinity;
    for (let o = 0; o < k; o++) {
      if (o === c) continue;
      const mean = (sums[a * k + o] as number) / (sizes[o] as number);
      if (mean < nearest) nearest = mean;
    }
    const denom = Math.max(inner, nearest);
    total += denom > 0 ? (nearest - inner) / denom : 0;
  }
  return total / n;
}
