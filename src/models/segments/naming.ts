/**
 * Segment names from what sets a segment's centroid apart from the overall mean, in the original feature
 * space: per feature the standardized difference z = (segment mean - overall mean) / overall std.
 * - a one-hot column reads "job = retired" (z > 0) or "job ≠ retired" (z < 0, weighted half: saying what a
 *   segment is reads better than what it is not);
 * - a numeric column reads "high age" / "low euribor3m";
 * - at most one part per source column (never "job = retired, job ≠ admin."), at most `maxParts` parts;
 * - names are unique across segments: a segment whose name is taken tries other combinations of its
 *   strongest traits before falling back to a numbered name.
 */

/** Where a one-hot feature comes from. */
export interface OneHotSource {
  column: string;
  level: string;
}

export interface FeatureReader {
  feature: string;
  /** The source column (the feature itself for a numeric feature). */
  column: string;
  /** Readable column label. */
  label: string;
  /** The level for a one-hot feature, null for a numeric one. */
  level: string | null;
}

export interface Trait {
  feature: string;
  column: string;
  /** Readable text, e.g. "job = retired" or "high age". */
  text: string;
  /** Standardized difference from the overall mean. */
  z: number;
  /** Ranking weight: |z|, halved for a one-hot level the segment lacks. */
  score: number;
}

const LEVEL_TEXT: Record<string, string> = { __missing__: 'missing', __other__: 'other' };

/**
 * How to read each feature: from `oneHot` when given, otherwise a name "column=level" (the feature
 * pipeline's convention) is a one-hot level and anything else is numeric.
 */
export function featureReaders(
  featureNames: readonly string[],
  oneHot: Readonly<Record<string, OneHotSource>> = {},
  labels: Readonly<Record<string, string>> = {},
): FeatureReader[] {
  return featureNames.map((feature) => {
    const source = Object.hasOwn(oneHot, feature) ? oneHot[feature] : undefined;
    let column = feature;
    let level: string | null = null;
    if (source) {
      column = source.column;
      level = source.level;
    } else {
      const eq = feature.indexOf('=');
      if (eq > 0 && eq < feature.length - 1) {
        column = feature.slice(0, eq);
        level = feature.slice(eq + 1);
      }
    }
    const label = (Object.hasOwn(labels, feature) && level === null ? labels[feature] : undefined) ?? (Object.hasOwn(labels, column) ? labels[column] : undefined) ?? column;
    return { feature, column, label, level };
  });
}

/**
 * Traits of one segment, strongest first (ties by feature name), one per source column. With `redundant`,
 * a trait is also dropped when it says the same as a stronger one (e.g. two strongly correlated macro
 * indicators), so names spend their few parts on different things.
 */
export function rankTraits(
  profile: readonly number[],
  mean: readonly number[],
  std: readonly number[],
  readers: readonly FeatureReader[],
  redundant?: (featureA: number, featureB: number) => boolean,
): Trait[] {
  const all: Array<Trait & { index: number }> = [];
  readers.forEach((reader, j) => {
    const s = std[j] as number;
    if (!(s > 0)) return; // a constant feature distinguishes nothing
    const z = ((profile[j] as number) - (mean[j] as number)) / s;
    if (!Number.isFinite(z) || z === 0) return;
    let text: string;
    let score = Math.abs(z);
    if (reader.level !== null) {
      const level = LEVEL_TEXT[reader.level] ?? reader.level;
      text = z > 0 ? `${reader.label} = ${level}` : `${reader.label} ≠ ${level}`;
      if (z < 0) score /= 2;
    } else {
      text = `${z > 0 ? 'high' : 'low'} ${reader.label}`;
    }
    all.push({ feature: reader.feature, index: j, column: reader.column, text, z, score });
  });
  all.sort((a, b) => b.score - a.score || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
  const seen = new Set<string>();
  const kept: Array<Trait & { index: number }> = [];
  for (const t of all) {
    if (seen.has(t.column)) continue;
    if (redundant && kept.some((k) => redundant(k.index, t.index))) continue;
    seen.add(t.column);
    kept.push(t);
  }
  return kept.map(({ index: _index, ...t }) => t);
}

export interface NamingOptions {
  /** At most this many parts per name (default 3). */
  maxParts?: number;
  /** A trait needs at least this score to be named when a stronger one exists (default 0.3). */
  minScore?: number;
  /** How many of a segment's strongest traits are tried when its first-choice name is taken (default 6). */
  alternatives?: number;
  /** A trait whose feature correlates beyond this (absolute) with a stronger trait's is left out (default 0.8). */
  maxCorrelation?: number;
}

function* combinations(count: number, size: number): Generator<number[]> {
  if (size > count) return;
  const idx = Array.from({ length: size }, (_, i) => i);
  for (;;) {
    yield [...idx];
    let i = size - 1;
    while (i >= 0 && (idx[i] as number) === count - size + i) i--;
    if (i < 0) return;
    idx[i] = (idx[i] as number) + 1;
    for (let j = i + 1; j < size; j++) idx[j] = (idx[j - 1] as number) + 1;
  }
}

/**
 * Unique names for segments given their ranked traits, in priority order (the first segment gets its
 * first choice). `fallback(i)` names a segment with no usable trait left.
 */
export function nameSegments(
  traits: readonly (readonly Trait[])[],
  fallback: (index: number) => string,
  options: NamingOptions = {},
): Array<{ name: string; parts: string[] }> {
  const maxParts = options.maxParts ?? 3;
  const minScore = options.minScore ?? 0.3;
  const alternatives = options.alternatives ?? 6;
  const used = new Set<string>();
  return traits.map((list, index) => {
    const strong = list.filter((t, i) => i === 0 || t.score >= minScore);
    const preferred = strong.slice(0, maxParts).map((t) => t.text);
    const candidates: string[][] = [];
    if (preferred.length > 0) candidates.push(preferred);
    const pool = list.slice(0, alternatives).map((t) => t.text);
    // Other combinations of the strongest traits: as long as the preferred name or longer first, then shorter.
    const sizes: number[] = [];
    for (let size = Math.max(1, preferred.length); size <= Math.min(maxParts, pool.length); size++) sizes.push(size);
    for (let size = 1; size < Math.min(preferred.length, pool.length + 1); size++) sizes.push(size);
    for (const size of sizes) {
      for (const combo of combinations(pool.length, size)) candidates.push(combo.map((i) => pool[i] as string));
    }
    for (const parts of candidates) {
      const name = parts.join(', ');
      if (!used.has(name)) {
        used.add(name);
        return { name, parts };
      }
    }
    let name = fallback(index);
    for (let n = 2; used.has(name); n++) name = `${fallback(index)} (${n})`;
    used.add(name);
    return { name, parts: [] };
  });
}
