/**
 * Two-class multinomial naive Bayes over string features, our own implementation: per-class feature
 * counts, Lidstone smoothing (alpha = 1 is Laplace), log probabilities. Deterministic, no randomness.
 *
 * For two classes the posterior log-odds are linear in the feature counts:
 *   log P(1|d)/P(0|d) = log(n1/n0) + sum_f count(f, d) * [log theta(f|1) - log theta(f|0)],
 *   theta(f|c) = (count(f, c) + alpha) / (total(c) + alpha * |V|),
 * so a fitted model compiles to one weight per feature plus a bias. Features not in the vocabulary
 * (unseen in training or below `minCount`) are ignored.
 */

export interface NaiveBayesOptions {
  /** Lidstone smoothing added to every feature count; 1 = Laplace. */
  alpha: number;
  /** Features seen fewer times than this in the training set (both classes together) are dropped. */
  minCount: number;
  /** Count a feature at most once per document ("binarized" multinomial NB). */
  binary: boolean;
}

/** The sufficient statistics of a fitted model: plain JSON, integers only. */
export interface NaiveBayesCounts {
  /** The vocabulary, sorted. */
  features: string[];
  /** counts[c][i]: occurrences of features[i] in class c documents (after `binary`). */
  counts: [number[], number[]];
  /** Training documents per class. */
  docCounts: [number, number];
}

/** A compiled scorer: log-odds = bias + sum of weights of the document's features. */
export interface LinearTextScorer {
  bias: number;
  weights: Map<string, number>;
  /** Count each feature once per document when scoring (matches training). */
  binary: boolean;
}

export function fitNaiveBayesCounts(
  docs: readonly (readonly string[])[],
  labels: readonly (0 | 1)[],
  options: NaiveBayesOptions,
): NaiveBayesCounts {
  const raw = new Map<string, [number, number]>();
  const docCounts: [number, number] = [0, 0];
  docs.forEach((doc, i) => {
    const label = labels[i] as 0 | 1;
    docCounts[label]++;
    const seen = options.binary ? new Set<string>() : undefined;
    for (const f of doc) {
      if (seen) {
        if (seen.has(f)) continue;
        seen.add(f);
      }
      let c = raw.get(f);
      if (c === undefined) {
        c = [0, 0];
        raw.set(f, c);
      }
      c[label]++;
    }
  });
  const features = [...raw.keys()]
    .filter((f) => {
      const c = raw.get(f) as [number, number];
      return c[0] + c[1] >= options.minCount;
    })
    .sort();
  const counts: [number[], number[]] = [[], []];
  for (const f of features) {
    const c = raw.get(f) as [number, number];
    counts[0].push(c[0]);
    counts[1].push(c[1]);
  }
  return { features, counts, docCounts };
}

export function compileNaiveBayes(model: NaiveBayesCounts, alpha: number, binary: boolean): LinearTextScorer {
  const v = model.features.length;
  const total = (c: 0 | 1) => model.counts[c].reduce((a, b) => a + b, 0);
  const denominator0 = Math.log(total(0) + alpha * v);
  const denominator1 = Math.log(total(1) + alpha * v);
  const weights = new Map<string, number>();
  model.features.forEach((f, i) => {
    const c0 = model.counts[0][i] ?? 0;
    const c1 = model.counts[1][i] ?? 0;
    weights.set(f, Math.log(c1 + alpha) - denominator1 - (Math.log(c0 + alpha) - denominator0));
  });
  const bias = Math.log(model.docCounts[1] / model.docCounts[0]);
  return { bias, weights, binary };
}

/** Posterior log-odds of class 1 for one document's features. */
export function logOdds(scorer: LinearTextScorer, features: readonly string[]): number {
  let z = scorer.bias;
  const seen = scorer.binary ? new Set<string>() : undefined;
  for (const f of features) {
    const w = scorer.weights.get(f);
    if (w === undefined) continue;
    if (seen) {
      if (seen.has(f)) continue;
      seen.add(f);
    }
    z += w;
  }
  return z;
}

/** A numerically safe logistic function. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
