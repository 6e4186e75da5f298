/**
 * Rating prediction for explicit ratings, selected on a validation split of the training ratings:
 *
 * - bias baseline: r̂ = μ + b_u + b_i, fitted by alternating regularised means (Koren 2010, as Surprise's
 *   BaselineOnly with ALS: b_i = Σ(r - μ - b_u) / (λ_i + n_i), then b_u likewise);
 * - biased matrix factorisation (Funk SVD, as Surprise's SVD): r̂ = μ + b_u + b_i + q_iᵀp_u by SGD;
 * - SVD++ (Koren 2008): p_u + |N(u)|^-½ Σ_{j ∈ N(u)} y_j, N(u) the items u rated. Kept only if it wins.
 *
 * The one with the lowest validation RMSE is refitted on every training rating. Deterministic for a seed.
 */
import { mulberry32 } from '../../domain/random.mjs';

export type RatingKind = 'bias' | 'mf' | 'svdpp';

export interface RatingConfig {
  kind: RatingKind;
  /** bias: regUser, regItem; mf / svdpp: factors, reg, lr, epochs. */
  params: Record<string, number>;
}

export interface RatingTriple {
  user: number;
  item: number;
  rating: number;
}

export interface RatingModel {
  kind: RatingKind;
  params: Record<string, number>;
  mu: number;
  userBias: number[];
  itemBias: number[];
  /** Row per user / item (empty arrays for the bias baseline). */
  p: number[][];
  q: number[][];
  /** SVD++ implicit factors per item (empty otherwise). */
  y: number[][];
  /** Items each user rated (SVD++ needs them to predict); empty otherwise. */
  rated: number[][];
  range: [number, number];
  /** What validation measured, best first. */
  validation: Array<{ kind: RatingKind; params: Record<string, number>; rmse: number; mae: number }>;
}

export const RATING_CONFIGS: RatingConfig[] = [
  { kind: 'bias', params: { regUser: 15, regItem: 10, epochs: 10 } },
  { kind: 'bias', params: { regUser: 5, regItem: 3, epochs: 10 } },
  { kind: 'mf', params: { factors: 20, reg: 0.02, lr: 0.005, epochs: 20 } },
  { kind: 'mf', params: { factors: 50, reg: 0.05, lr: 0.005, epochs: 25 } },
  { kind: 'mf', params: { factors: 100, reg: 0.02, lr: 0.005, epochs: 20 } },
  { kind: 'svdpp', params: { factors: 20, reg: 0.02, lr: 0.007, epochs: 20 } },
];

function biases(data: readonly RatingTriple[], nUsers: number, nItems: number, mu: number, regUser: number, regItem: number, epochs: number): { bu: Float64Array; bi: Float64Array } {
  const bu = new Float64Array(nUsers);
  const bi = new Float64Array(nItems);
  const sum = new Float64Array(Math.max(nUsers, nItems));
  const count = new Float64Array(Math.max(nUsers, nItems));
  for (let e = 0; e < epochs; e++) {
    sum.fill(0);
    count.fill(0);
    for (const t of data) {
      sum[t.item] = (sum[t.item] as number) + t.rating - mu - (bu[t.user] as number);
      count[t.item] = (count[t.item] as number) + 1;
    }
    for (let i = 0; i < nItems; i++) bi[i] = (sum[i] as number) / (regItem + (count[i] as number));
    sum.fill(0);
    count.fill(0);
    for (const t of data) {
      sum[t.user] = (sum[t.user] as number) + t.rating - mu - (bi[t.item] as number);
      count[t.user] = (count[t.user] as number) + 1;
    }
    for (let u = 0; u < nUsers; u++) bu[u] = (sum[u] as number) / (regUser + (count[u] as number));
  }
  return { bu, bi };
}

function gaussian(random: () => number): number {
  const u = Math.max(1e-12, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function matrix(rows: number, cols: number, random: () => number, sd: number): Float64Array[] {
  return Array.from({ length: rows }, () => Float64Array.from({ length: cols }, () => gaussian(random) * sd));
}

function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, t) => t);
  for (let t = n - 1; t > 0; t--) {
    const s = Math.floor(random() * (t + 1));
    [order[t], order[s]] = [order[s] as number, order[t] as number];
  }
  return order;
}

/**
 * SGD epochs for a data set: the configured count on 100,000 ratings or more, more on less (up to 10x),
 * so that a small file gets about as many updates per parameter and is not left at its initial values.
 */
export function scaledEpochs(epochs: number, ratings: number): number {
  return Math.round(epochs * Math.min(10, Math.max(1, 100_000 / Math.max(1, ratings)) ** 0.5));
}

/** Fits one configuration on `data` (users 0..nUsers-1, items 0..nItems-1). */
export function fitRating(data: readonly RatingTriple[], nUsers: number, nItems: number, config: RatingConfig, seed: number): RatingModel {
  if (data.length === 0) throw new Error('fitRating: no ratings');
  const random = mulberry32(seed);
  let lo = Infinity;
  let hi = -Infinity;
  let total = 0;
  for (const t of data) {
    lo = Math.min(lo, t.rating);
    hi = Math.max(hi, t.rating);
    total += t.rating;
  }
  const mu = total / data.length;
  const base = { kind: config.kind, params: config.params, mu, range: [lo, hi] as [number, number], validation: [] };
  const p = config.params;
  if (config.kind === 'bias') {
    const { bu, bi } = biases(data, nUsers, nItems, mu, p.regUser ?? 15, p.regItem ?? 10, p.epochs ?? 10);
    return { ...base, userBias: [...bu], itemBias: [...bi], p: [], q: [], y: [], rated: [] };
  }
  const f = p.factors ?? 20;
  const reg = p.reg ?? 0.02;
  const lr = p.lr ?? 0.005;
  const epochs = scaledEpochs(p.epochs ?? 20, data.length);
  const bu = new Float64Array(nUsers);
  const bi = new Float64Array(nItems);
  const P = matrix(nUsers, f, random, 0.1);
  const Q = matrix(nItems, f, random, 0.1);
  if (config.kind === 'mf') {
    for (let e = 0; e < epochs; e++) {
      for (const t of shuffled(data.length, random)) {
        const { user, item, rating } = data[t] as RatingTriple;
        const pu = P[user] as Float64Array;
        const qi = Q[item] as Float64Array;
        let dot = 0;
        for (let a = 0; a < f; a++) dot += (pu[a] as number) * (qi[a] as number);
        const err = rating - (mu + (bu[user] as number) + (bi[item] as number) + dot);
        bu[user] = (bu[user] as number) + lr * (err - reg * (bu[user] as number));
        bi[item] = (bi[item] as number) + lr * (err - reg * (bi[item] as number));
        for (let a = 0; a < f; a++) {
          const x = pu[a] as number;
          const y = qi[a] as number;
          pu[a] = x + lr * (err * y - reg * x);
          qi[a] = y + lr * (err * x - reg * y);
        }
      }
    }
    return { ...base, userBias: [...bu], itemBias: [...bi], p: P.map((r) => [...r]), q: Q.map((r) => [...r]), y: [], rated: [] };
  }
  // SVD++: ratings grouped by user; the implicit sum is refreshed per user and y updated once per user.
  const Y = matrix(nItems, f, random, 0.1);
  const byUser: number[][] = Array.from({ length: nUsers }, () => []);
  data.forEach((t, index) => (byUser[t.user] as number[]).push(index));
  const rated = byUser.map((list) => [...new Set(list.map((t) => (data[t] as RatingTriple).item))].sort((a, b) => a - b));
  const implicit = new Float64Array(f);
  const grad = new Float64Array(f);
  for (let e = 0; e < epochs; e++) {
    for (const user of shuffled(nUsers, random)) {
      const list = byUser[user] as number[];
      if (list.length === 0) continue;
      const items = rated[user] as number[];
      const norm = 1 / Math.sqrt(items.length);
      implicit.fill(0);
      for (const j of items) for (let a = 0; a < f; a++) implicit[a] = (implicit[a] as number) + norm * ((Y[j] as Float64Array)[a] as number);
      grad.fill(0);
      const pu = P[user] as Float64Array;
      for (const t of shuffled(list.length, random)) {
        const { item, rating } = data[list[t] as number] as RatingTriple;
        const qi = Q[item] as Float64Array;
        let dot = 0;
        for (let a = 0; a < f; a++) dot += (qi[a] as number) * ((pu[a] as number) + (implicit[a] as number));
        const err = rating - (mu + (bu[user] as number) + (bi[item] as number) + dot);
        bu[user] = (bu[user] as number) + lr * (err - reg * (bu[user] as number));
        bi[item] = (bi[item] as number) + lr * (err - reg * (bi[item] as number));
        for (let a = 0; a < f; a++) {
          const x = pu[a] as number;
          const y = qi[a] as number;
          pu[a] = x + lr * (err * y - reg * x);
          qi[a] = y + lr * (err * (x + (implicit[a] as number)) - reg * y);
          grad[a] = (grad[a] as number) + err * norm * y;
        }
      }
      for (const j of items) {
        const yj = Y[j] as Float64Array;
        for (let a = 0; a < f; a++) yj[a] = (yj[a] as number) + lr * ((grad[a] as number) / list.length - reg * (yj[a] as number));
      }
    }
  }
  return { ...base, userBias: [...bu], itemBias: [...bi], p: P.map((r) => [...r]), q: Q.map((r) => [...r]), y: Y.map((r) => [...r]), rated };
}

/** Predicted rating (user or item -1 when unknown to the model), clipped to the training range. */
export function predictWith(m: RatingModel, user: number, item: number): number {
  let r = m.mu + (user >= 0 ? (m.userBias[user] ?? 0) : 0) + (item >= 0 ? (m.itemBias[item] ?? 0) : 0);
  if (m.kind !== 'bias' && user >= 0 && item >= 0) {
    const pu = m.p[user] as number[];
    const qi = m.q[item] as number[];
    const f = qi.length;
    const items = m.kind === 'svdpp' ? (m.rated[user] ?? []) : [];
    const norm = items.length > 0 ? 1 / Math.sqrt(items.length) : 0;
    for (let a = 0; a < f; a++) {
      let u = pu[a] as number;
      for (const j of items) u += norm * ((m.y[j] as number[])[a] as number);
      r += u * (qi[a] as number);
    }
  }
  return Math.min(m.range[1], Math.max(m.range[0], r));
}

function errors(m: RatingModel, data: readonly RatingTriple[]): { rmse: number; mae: number } {
  let se = 0;
  let ae = 0;
  for (const t of data) {
    const e = predictWith(m, t.user, t.item) - t.rating;
    se += e * e;
    ae += Math.abs(e);
  }
  return { rmse: Math.sqrt(se / Math.max(1, data.length)), mae: ae / Math.max(1, data.length) };
}

/**
 * Holds out a seeded tenth of the ratings, fits every configuration on the rest, and refits the one with
 * the lowest validation RMSE on all of them. Fewer than 20 ratings: the bias baseline, unvalidated.
 */
export function selectRatingModel(data: readonly RatingTriple[], nUsers: number, nItems: number, seed: number, configs: readonly RatingConfig[] = RATING_CONFIGS): RatingModel {
  if (data.length < 20) return fitRating(data, nUsers, nItems, configs.find((c) => c.kind === 'bias') ?? (configs[0] as RatingConfig), seed);
  const random = mulberry32(seed ^ 0x5bd1e995);
  const order = shuffled(data.length, random);
  const cut = Math.max(1, Math.floor(data.length / 10));
  const valid = order.slice(0, cut).map((t) => data[t] as RatingTriple);
  const train = order.slice(cut).map((t) => data[t] as RatingTriple);
  const results = configs.map((config) => ({ config, ...errors(fitRating(train, nUsers, nItems, config, seed), valid) }));
  results.sort((a, b) => a.rmse - b.rmse);
  const best = results[0] as (typeof results)[number];
  const model = fitRating(data, nUsers, nItems, best.config, seed);
  model.validation = results.map((r) => ({ kind: r.config.kind, params: r.config.params, rmse: r.rmse, mae: r.mae }));
  return model;
}
