/**
 * Similarity between two sparse vectors (an item's ratings keyed by user, or a user's keyed by item).
 *
 * | measure | over | formula |
 * |---|---|---|
 * | cosine | all keys, a missing entry is 0 | x·y / (‖x‖ ‖y‖) |
 * | pearson | common keys (as Surprise) | Pearson r, each vector centred on its own mean over the common keys |
 * | adjustedCosine | common keys (Sarwar et al. 2001) | Σ(x-m)(y-m) / √(Σ(x-m)² Σ(y-m)²), m = the mean of the other axis (the user's mean rating when comparing items) |
 * | euclidean | common keys | 1 / (1 + √Σ(x-y)²) |
 * | msd | common keys (Surprise's default) | 1 / (1 + Σ(x-y)²/n) |
 *
 * Cosine treats "not bought" as 0, so it works on implicit (presence or quantity) data; the others compare
 * only the co-rated entries, which suits explicit ratings and is flat (0, or 1 for euclidean/msd) on
 * all-ones data. No common key gives 0 for every measure; an undefined ratio (zero variance) gives 0.
 */
export const SIMILARITIES = ['cosine', 'pearson', 'adjustedCosine', 'euclidean', 'msd'] as const;
export type Similarity = (typeof SIMILARITIES)[number];

export type SparseVector = ReadonlyMap<string, number>;

export interface SimilarityResult {
  similarity: number;
  /** Number of common keys (co-raters / co-buyers). */
  support: number;
}

/** Euclidean norm of a sparse vector. */
export function norm(v: SparseVector): number {
  let s = 0;
  for (const x of v.values()) s += x * x;
  return Math.sqrt(s);
}

/**
 * Similarity of `a` and `b` under `measure`. `otherMeans` (key -> mean) is needed by adjustedCosine;
 * `norms` may pass precomputed norms for cosine.
 */
export function similarity(
  a: SparseVector,
  b: SparseVector,
  measure: Similarity,
  otherMeans?: ReadonlyMap<string, number>,
  norms?: readonly [number, number],
): SimilarityResult {
  // Iterate the smaller vector, in key order so the float sums are the same whatever the insertion order.
  const [small, large, swapped] = a.size <= b.size ? [a, b, false] : [b, a, true];
  const keys = [...small.keys()].filter((k) => large.has(k)).sort();
  const n = keys.length;
  if (n === 0) return { similarity: 0, support: 0 };
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let sdd = 0;
  let axx = 0;
  let ayy = 0;
  let axy = 0;
  for (const k of keys) {
    const s = small.get(k) as number;
    const l = large.get(k) as number;
    const x = swapped ? l : s;
    const y = swapped ? s : l;
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
    sdd += (x - y) * (x - y);
    if (measure === 'adjustedCosine') {
      const m = otherMeans?.get(k);
      if (m === undefined) throw new Error(`adjustedCosine needs the mean of ${k}`);
      axx += (x - m) * (x - m);
      ayy += (y - m) * (y - m);
      axy += (x - m) * (y - m);
    }
  }
  let sim: number;
  switch (measure) {
    case 'cosine': {
      const [na, nb] = norms ?? [norm(a), norm(b)];
      sim = na > 0 && nb > 0 ? sxy / (na * nb) : 0;
      break;
    }
    case 'pearson': {
      const cov = sxy - (sx * sy) / n;
      const vx = sxx - (sx * sx) / n;
      const vy = syy - (sy * sy) / n;
      sim = vx > 1e-12 && vy > 1e-12 ? cov / Math.sqrt(vx * vy) : 0;
      break;
    }
    case 'adjustedCosine':
      sim = axx > 1e-12 && ayy > 1e-12 ? axy / Math.sqrt(axx * ayy) : 0;
      break;
    case 'euclidean':
      sim = 1 / (1 + Math.sqrt(sdd));
      break;
    case 'msd':
      sim = 1 / (1 + sdd / n);
      break;
  }
  // Round-off can push |r| a hair above 1.
  return { similarity: Math.max(-1, Math.min(1, sim)), support: n };
}
