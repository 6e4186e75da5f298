/**
 * Model selection inside the training data: a validation split made from the training interactions (by
 * time when they carry dates: each user's last date out, the items first bought then are what to find;
 * otherwise a seeded fifth of each user's items hidden), every candidate and its parameter grid fitted on
 * the rest, each blended with popularity, score = w_u · m / max m + (1 - w_u) · p / max p with
 * w_u = w · n / (n + s) for a user with n items, and the best recall@k kept. w = 0 is plain popularity,
 * so what is selected is never worse than most-popular on validation; a tie goes to the simpler model.
 */
import { mulberry32 } from '../../domain/random.mjs';
import {
  easeLists,
  fitAls,
  gram,
  implicitData,
  itemKnnLists,
  scoreAls,
  scoreLists,
  scoreUserKnn,
  truncateLists,
  type AlsModel,
  type Gram,
  type ImplicitData,
  type ItemLists,
} from './implicit.ts';

export const MODEL_KINDS = ['popular', 'itemKNN', 'userKNN', 'ease', 'als'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface CandidateSpec {
  model: ModelKind;
  /** itemKNN / userKNN: neighbours, shrink; ease: lambda; als: factors, reg, alpha, iterations. */
  params: Record<string, number>;
}

export interface Blend {
  /** Weight of the model against popularity (0 = popularity only). */
  weight: number;
  /** The weight grows with the user's history: w · n / (n + shrink). */
  shrink: number;
}

/** Item-item weights kept per item in a saved model (the most influential ones): all of a small catalogue. */
export function keepPerItem(nItems: number): number {
  return nItems <= 500 ? Math.max(1, nItems - 1) : 100;
}

export interface Fitted {
  spec: CandidateSpec;
  /** EASE / item-kNN weights (truncated to keepPerItem per item). */
  lists: ItemLists | null;
  als: AlsModel | null;
  /** 'dense' or 'pruned' for EASE. */
  variant: string | null;
}

/**
 * Fits one candidate. `cache` (per data set) keeps item-kNN's longest lists per shrinkage, so the smaller
 * neighbourhoods of the grid are prefixes of them instead of fresh sorts.
 */
export function fitCandidate(d: ImplicitData, g: Gram, spec: CandidateSpec, seed: number, cache?: Map<string, ItemLists>): Fitted {
  const p = spec.params;
  switch (spec.model) {
    case 'popular':
    case 'userKNN':
      return { spec, lists: null, als: null, variant: null };
    case 'itemKNN': {
      const keep = keepPerItem(d.nItems);
      const k = Math.min(p.neighbours ?? 50, keep);
      const shrink = p.shrink ?? 0;
      if (!cache) return { spec, lists: itemKnnLists(d, g, k, shrink), als: null, variant: null };
      const key = `itemKNN:${shrink}`;
      let full = cache.get(key);
      if (!full) cache.set(key, (full = itemKnnLists(d, g, keep, shrink)));
      return { spec, lists: { idx: full.idx.map((x) => x.subarray(0, k)), w: full.w.map((x) => x.subarray(0, k)) }, als: null, variant: null };
    }
    case 'ease': {
      const { lists, variant } = easeLists(d, g, p.lambda ?? 500);
      return { spec, lists: truncateLists(lists, keepPerItem(d.nItems)), als: null, variant };
    }
    case 'als':
      return { spec, lists: null, als: fitAls(d, { factors: p.factors ?? 32, reg: p.reg ?? 1, alpha: p.alpha ?? 10, iterations: p.iterations ?? 8, seed }), variant: null };
  }
}

/** The model's raw scores for a history (items as indices, with their weights). */
export function scoreCandidate(d: ImplicitData, fitted: Fitted, history: Int32Array, weights: Float64Array, out: Float64Array, self = -1, scratch?: Float64Array): void {
  switch (fitted.spec.model) {
    case 'popular':
      out.set(d.counts);
      return;
    case 'itemKNN':
    case 'ease':
      scoreLists(fitted.lists as ItemLists, history, out);
      return;
    case 'userKNN':
      scoreUserKnn(d, history, fitted.spec.params.neighbours ?? 50, fitted.spec.params.shrink ?? 0, out, self, scratch);
      return;
    case 'als':
      scoreAls(fitted.als as AlsModel, history, weights, out);
  }
}

/** The parameter grids tried, smaller for large catalogues (fit time grows with the item count). */
export function candidateGrid(models: readonly ModelKind[], nItems: number, nUsers: number): CandidateSpec[] {
  const out: CandidateSpec[] = [];
  const large = nItems > 2000 || nUsers > 20000;
  for (const model of models) {
    if (model === 'popular') out.push({ model, params: {} });
    if (model === 'itemKNN') {
      const ks = [...new Set([20, 50, 100, keepPerItem(nItems)].map((k) => Math.min(k, keepPerItem(nItems))))];
      for (const neighbours of ks) for (const shrink of [0, 20]) out.push({ model, params: { neighbours, shrink } });
    }
    if (model === 'userKNN') for (const neighbours of large ? [50] : [50, 200]) for (const shrink of [0, 10]) out.push({ model, params: { neighbours, shrink } });
    if (model === 'ease') for (const lambda of nItems <= 400 ? [50, 200, 500, 1000, 3000] : large ? [200, 1000] : [100, 500, 2000]) out.push({ model, params: { lambda } });
    if (model === 'als') {
      // far fewer factors than items: with nearly one per item the factorisation memorises instead of generalising
      const factors = Math.max(2, Math.min(large ? 16 : 32, Math.floor(nItems / 5)));
      for (const reg of large ? [10] : [1, 10, 100]) out.push({ model, params: { factors, reg, alpha: 10, iterations: large ? 6 : 10 } });
    }
  }
  return out;
}

export const BLENDS: Blend[] = [{ weight: 0, shrink: 0 }, ...[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].flatMap((weight) => [0, 2, 5].map((shrink) => ({ weight, shrink })))];

// ---------------------------------------------------------------------------------------------------------
// The validation split

/** A user's training row: item indices with weights, and optionally when each interaction happened. */
export interface UserEvents {
  /** [item index, weight, time or NaN] per interaction (not aggregated). */
  events: Array<readonly [number, number, number]>;
}

export interface ValidationSplit {
  train: ImplicitData;
  /** Per training user: item index -> the latest time it was bought (NaN when undated), for recency popularity. */
  latest: Array<Map<number, number>>;
  dated: boolean;
  /** Users evaluated (indices shared with `train`) and what each is to find. */
  users: number[];
  relevant: Int32Array[];
  protocol: string;
}

function aggregateRow(events: ReadonlyArray<readonly [number, number, number]>): Array<[number, number]> {
  const m = new Map<number, number>();
  for (const [i, w] of events) m.set(i, (m.get(i) ?? 0) + w);
  return [...m];
}

/** Item -> the latest time it appears in the events (NaN when undated). */
export function latestTimes(events: ReadonlyArray<readonly [number, number, number]>): Map<number, number> {
  const m = new Map<number, number>();
  for (const [i, , t] of events) {
    const prev = m.get(i);
    if (prev === undefined || (Number.isFinite(t) && !(prev >= t))) m.set(i, t);
  }
  return m;
}

const DAY_MS = 86_400_000;

/**
 * Owners per item, each owner counted 2^(-age / halfLife) with age the days from their latest purchase of
 * it to the latest date in the data (halfLifeDays 0: plain owner counts, as for undated data).
 */
export function recencyPopularity(nItems: number, latest: ReadonlyArray<ReadonlyMap<number, number>>, halfLifeDays: number): Float64Array {
  const out = new Float64Array(nItems);
  let end = -Infinity;
  if (halfLifeDays > 0) for (const row of latest) for (const t of row.values()) if (t > end) end = t;
  const decay = halfLifeDays > 0 && Number.isFinite(end);
  for (const row of latest) {
    for (const [i, t] of row) out[i] = (out[i] as number) + (decay && Number.isFinite(t) ? Math.pow(2, -(end - t) / (halfLifeDays * DAY_MS)) : 1);
  }
  return out;
}

/**
 * Dated when at least 90 % of the interactions carry a time; users whose items all share one date (or one
 * item) only train. `maxUsers` bounds the users evaluated (a seeded sample).
 */
export function validationSplit(nItems: number, users: readonly UserEvents[], seed: number, maxUsers: number): ValidationSplit {
  let dated = 0;
  let total = 0;
  for (const u of users) for (const e of u.events) {
    total++;
    if (Number.isFinite(e[2])) dated++;
  }
  const byTime = total > 0 && dated >= 0.9 * total;
  const random = mulberry32(seed);
  const rows: Array<Array<[number, number]>> = [];
  const latest: Array<Map<number, number>> = [];
  const evalUsers: number[] = [];
  const relevant: Int32Array[] = [];
  users.forEach((u, index) => {
    if (byTime) {
      const times = u.events.map((e) => e[2]).filter(Number.isFinite);
      const last = Math.max(...times);
      const before = u.events.filter((e) => Number.isFinite(e[2]) && e[2] < last);
      const owned = new Set(before.map((e) => e[0]));
      const fresh = [...new Set(u.events.filter((e) => e[2] === last && !owned.has(e[0])).map((e) => e[0]))].sort((a, b) => a - b);
      if (before.length > 0 && fresh.length > 0) {
        rows.push(aggregateRow(before));
        latest.push(latestTimes(before));
        evalUsers.push(index);
        relevant.push(Int32Array.from(fresh));
      } else {
        rows.push(aggregateRow(u.events));
        latest.push(latestTimes(u.events));
      }
      return;
    }
    const row = aggregateRow(u.events).sort((a, b) => a[0] - b[0]);
    const times = latestTimes(u.events);
    if (row.length < 2) {
      rows.push(row);
      latest.push(times);
      return;
    }
    const hide = Math.max(1, Math.floor(row.length / 5));
    const order = row.map((_, t) => t);
    for (let t = order.length - 1; t > 0; t--) {
      const s = Math.floor(random() * (t + 1));
      [order[t], order[s]] = [order[s] as number, order[t] as number];
    }
    const hidden = new Set(order.slice(0, hide));
    const kept = row.filter((_, t) => !hidden.has(t));
    rows.push(kept);
    latest.push(new Map(kept.map(([i]) => [i, times.get(i) as number])));
    evalUsers.push(index);
    relevant.push(Int32Array.from(row.filter((_, t) => hidden.has(t)).map((r) => r[0])).sort());
  });
  // A seeded sample of the evaluated users.
  let chosen = evalUsers.map((_, t) => t);
  if (chosen.length > maxUsers) {
    for (let t = chosen.length - 1; t > 0; t--) {
      const s = Math.floor(random() * (t + 1));
      [chosen[t], chosen[s]] = [chosen[s] as number, chosen[t] as number];
    }
    chosen = chosen.slice(0, maxUsers).sort((a, b) => a - b);
  }
  return {
    train: implicitData(nItems, rows),
    latest,
    dated: byTime,
    users: chosen.map((t) => evalUsers[t] as number),
    relevant: chosen.map((t) => relevant[t] as Int32Array),
    protocol: byTime
      ? `each user's last date out of the training interactions, the items first bought on it to find (${chosen.length} users)`
      : `a seeded fifth of each user's items (at least one) hidden from the training interactions (${chosen.length} users)`,
  };
}

/** Validation users wanted in all: undated data below it get repeated seeded splits (at most 5). */
export const VALIDATION_USERS_WANTED = 1000;

/**
 * The validation splits: one by time when dated (there is only one last date per user), else seeded
 * random splits repeated until about VALIDATION_USERS_WANTED users are evaluated, so a small data set's
 * choice does not rest on a few dozen held-out items.
 */
export function validationSplits(nItems: number, users: readonly UserEvents[], seed: number, maxUsers: number): ValidationSplit[] {
  const first = validationSplit(nItems, users, seed, maxUsers);
  if (first.dated || first.users.length === 0) return [first];
  const repeats = Math.min(5, Math.ceil(VALIDATION_USERS_WANTED / first.users.length));
  const splits = [first];
  for (let r = 1; r < repeats; r++) splits.push(validationSplit(nItems, users, seed + r * 7919, maxUsers));
  return splits;
}

// ---------------------------------------------------------------------------------------------------------
// Ranking with a blend

export interface RankScores {
  recall: number;
  hitRate: number;
  precision: number;
  ndcg: number;
}

/** Indices of the `c` largest values of `score` among items not owned, score order (ties by index). */
function topC(score: Float64Array, owned: Uint8Array, c: number): number[] {
  const heap: number[] = []; // min-heap by (score, -index) of the best so far
  const worse = (a: number, b: number) => (score[a] as number) < (score[b] as number) || ((score[a] as number) === (score[b] as number) && a > b);
  const up = (t: number) => {
    while (t > 0) {
      const p = (t - 1) >> 1;
      if (!worse(heap[t] as number, heap[p] as number)) break;
      [heap[t], heap[p]] = [heap[p] as number, heap[t] as number];
      t = p;
    }
  };
  const down = (t: number) => {
    for (;;) {
      const l = 2 * t + 1;
      const r = l + 1;
      let m = t;
      if (l < heap.length && worse(heap[l] as number, heap[m] as number)) m = l;
      if (r < heap.length && worse(heap[r] as number, heap[m] as number)) m = r;
      if (m === t) return;
      [heap[t], heap[m]] = [heap[m] as number, heap[t] as number];
      t = m;
    }
  };
  for (let j = 0; j < score.length; j++) {
    if (owned[j]) continue;
    if (heap.length < c) {
      heap.push(j);
      up(heap.length - 1);
    } else if (worse(heap[0] as number, j)) {
      heap[0] = j;
      down(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}

/** Blended top k for one user: the union of the model's and popularity's top candidates, re-scored. */
export function blendedTop(model: Float64Array, popular: Float64Array, owned: Uint8Array, n: number, blend: Blend, k: number): number[] {
  const c = Math.max(50, 5 * k);
  return new BlendPool(model, popular, owned, c).top(n, blend, k);
}

/** A user's candidates for every blend: the model's and popularity's top c, scaled to their maxima. */
export class BlendPool {
  readonly items: number[];
  private readonly m: Float64Array;
  private readonly p: Float64Array;
  private readonly mTop: number[];
  private readonly pTop: number[];
  private readonly modelUsable: boolean;

  constructor(model: Float64Array, popular: Float64Array, owned: Uint8Array, c: number, popularTop?: number[]) {
    this.mTop = topC(model, owned, c);
    this.pTop = popularTop ?? topC(popular, owned, c);
    const maxM = this.mTop.length > 0 ? (model[this.mTop[0] as number] as number) : 0;
    const maxP = this.pTop.length > 0 ? (popular[this.pTop[0] as number] as number) : 0;
    this.modelUsable = maxM > 0;
    this.items = [...new Set([...this.mTop, ...this.pTop])];
    this.m = Float64Array.from(this.items, (j) => (maxM > 0 ? (model[j] as number) / maxM : 0));
    this.p = Float64Array.from(this.items, (j) => (maxP > 0 ? (popular[j] as number) / maxP : 0));
  }

  /** The blend weight for a user with n items (0 when the model has nothing positive to say). */
  weight(n: number, blend: Blend): number {
    return this.modelUsable ? (blend.weight * n) / (n + blend.shrink) : 0;
  }

  top(n: number, blend: Blend, k: number): number[] {
    const w = this.weight(n, blend);
    if (w === 0) return this.pTop.slice(0, k);
    if (w === 1) return this.mTop.slice(0, k);
    // insertion into a short sorted list: k is small
    const best: number[] = [];
    const score: number[] = [];
    for (let t = 0; t < this.items.length; t++) {
      const s = w * (this.m[t] as number) + (1 - w) * (this.p[t] as number);
      const j = this.items[t] as number;
      if (best.length === k && (s < (score[k - 1] as number) || (s === score[k - 1] && j > (best[k - 1] as number)))) continue;
      let pos = best.length;
      while (pos > 0 && ((score[pos - 1] as number) < s || (score[pos - 1] === s && (best[pos - 1] as number) > j))) pos--;
      best.splice(pos, 0, j);
      score.splice(pos, 0, s);
      if (best.length > k) {
        best.pop();
        score.pop();
      }
    }
    return best;
  }
}

/** Adds one user's figures to `acc`; returns the user's recall. */
function addScores(acc: RankScores, top: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  let hits = 0;
  let dcg = 0;
  top.forEach((j, rank) => {
    if (relevant.has(j)) {
      hits++;
      dcg += 1 / Math.log2(rank + 2);
    }
  });
  let idcg = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) idcg += 1 / Math.log2(r + 2);
  acc.recall += hits / relevant.size;
  acc.hitRate += hits > 0 ? 1 : 0;
  acc.precision += hits / k;
  acc.ndcg += idcg > 0 ? dcg / idcg : 0;
  return hits / relevant.size;
}

export interface Trial {
  spec: CandidateSpec;
  variant: string | null;
  /** The best blend for this candidate and its scores; `alone` is the model without popularity (w = 1). */
  blend: Blend;
  scores: RankScores;
  alone: RankScores;
  /** Each validation user's recall under the best blend (for the paired comparison with popularity). */
  perUser: Float64Array;
  seconds: number;
}

/** A split ready to score: its co-purchase counts and the popularity blended in. */
export interface PreparedSplit {
  split: ValidationSplit;
  gram: Gram;
  popular: Float64Array;
}

/** Fits one candidate on each split and scores it under every blend with the split's popularity. */
export function trialCandidate(prepared: readonly PreparedSplit[], spec: CandidateSpec, seed: number, k: number, blends: readonly Blend[], caches?: Array<Map<string, ItemLists>>): Trial {
  const t0 = performance.now();
  const tried = spec.model === 'popular' ? [{ weight: 0, shrink: 0 }] : blends;
  const acc = tried.map(() => ({ recall: 0, hitRate: 0, precision: 0, ndcg: 0 }));
  const alone = { recall: 0, hitRate: 0, precision: 0, ndcg: 0 };
  const total = prepared.reduce((n, p) => n + p.split.users.length, 0);
  const perUser = tried.map(() => new Float64Array(total));
  let variant: string | null = null;
  let offset = 0;
  prepared.forEach(({ split, gram: g, popular }, si) => {
    const d = split.train;
    const fitted = spec.model === 'popular' ? null : fitCandidate(d, g, spec, seed, caches?.[si]);
    variant = fitted?.variant ?? null;
    const out = new Float64Array(d.nItems);
    const owned = new Uint8Array(d.nItems);
    const scratch = new Float64Array(d.nUsers);
    const c = Math.max(50, 5 * k);
    const popularOrder = topC(popular, new Uint8Array(d.nItems), d.nItems);
    split.users.forEach((u, t) => {
      const lo = d.rowPtr[u] as number;
      const hi = d.rowPtr[u + 1] as number;
      const history = d.cols.subarray(lo, hi);
      for (const i of history) owned[i] = 1;
      const popularTop: number[] = [];
      for (const j of popularOrder) {
        if (popularTop.length >= c) break;
        if (!owned[j]) popularTop.push(j);
      }
      if (fitted) scoreCandidate(d, fitted, history, d.vals.subarray(lo, hi), out, u, scratch);
      else out.set(popular);
      const pool = new BlendPool(out, popular, owned, c, popularTop);
      const rel = new Set(split.relevant[t] as Int32Array);
      tried.forEach((b, bi) => ((perUser[bi] as Float64Array)[offset + t] = addScores(acc[bi] as RankScores, pool.top(history.length, b, k), rel, k)));
      addScores(alone, pool.top(history.length, { weight: 1, shrink: 0 }, k), rel, k);
      for (const i of history) owned[i] = 0;
    });
    offset += split.users.length;
  });
  const n = Math.max(1, total);
  const mean = (s: RankScores): RankScores => ({ recall: s.recall / n, hitRate: s.hitRate / n, precision: s.precision / n, ndcg: s.ndcg / n });
  let best = 0;
  acc.forEach((s, bi) => {
    const b = acc[best] as RankScores;
    if (s.recall > b.recall + 1e-12 || (Math.abs(s.recall - b.recall) <= 1e-12 && s.hitRate > b.hitRate + 1e-12)) best = bi;
  });
  return { spec, variant, blend: tried[best] as Blend, scores: mean(acc[best] as RankScores), alone: mean(alone), perUser: perUser[best] as Float64Array, seconds: (performance.now() - t0) / 1000 };
}

/** Half-lives (days) tried for recency popularity on dated data; 0 is plain owner counts. */
export const HALF_LIVES = [0, 30, 90, 180, 365, 730];

export interface Selection {
  spec: CandidateSpec;
  blend: Blend;
  /** Popularity's recency half-life in days (0: plain owner counts). */
  halfLifeDays: number;
  /** Popularity variants first (spec.model 'popular', params.halfLifeDays), then the candidates. */
  trials: Trial[];
  protocol: string;
  users: number;
  k: number;
}

/**
 * Mean of a - b above two standard errors of the paired differences: the best of some 25 noisy trials
 * beats popularity by one standard error often enough by chance alone.
 */
export function clearlyBetter(a: Float64Array, b: Float64Array): boolean {
  const n = a.length;
  if (n < 2) return false;
  let sum = 0;
  let sq = 0;
  for (let t = 0; t < n; t++) {
    const d = (a[t] as number) - (b[t] as number);
    sum += d;
    sq += d * d;
  }
  const mean = sum / n;
  const variance = Math.max(0, (sq - n * mean * mean) / (n - 1));
  return mean > 1e-9 && mean > 2 * Math.sqrt(variance / n);
}

function better(a: Trial, b: Trial | null): boolean {
  return !b || a.scores.recall > b.scores.recall + 1e-9 || (Math.abs(a.scores.recall - b.scores.recall) <= 1e-9 && a.scores.hitRate > b.scores.hitRate + 1e-9);
}

/**
 * Popularity first (its recency half-life chosen when the data are dated), then every candidate blended
 * with that popularity; a candidate must beat everything before it, popularity included.
 */
export function selectModel(splits: readonly ValidationSplit[], specs: readonly CandidateSpec[], seed: number, k: number, blends: readonly Blend[] = BLENDS, halfLives?: readonly number[]): Selection {
  const grams = splits.map((s) => gram(s.train));
  const prepare = (h: number): PreparedSplit[] => splits.map((split, si) => ({ split, gram: grams[si] as Gram, popular: recencyPopularity(split.train.nItems, split.latest, h) }));
  const dated = splits[0]?.dated ?? false;
  const trials: Trial[] = [];
  let bestPopular: Trial | null = null;
  let halfLifeDays = 0;
  for (const h of halfLives ?? (dated ? HALF_LIVES : [0])) {
    const t = trialCandidate(prepare(h), { model: 'popular', params: { halfLifeDays: h } }, seed, k, blends);
    trials.push(t);
    if (better(t, bestPopular)) {
      bestPopular = t;
      halfLifeDays = h;
    }
  }
  const prepared = prepare(halfLifeDays);
  let best = bestPopular as Trial;
  const caches = splits.map(() => new Map<string, ItemLists>());
  for (const spec of specs) {
    if (spec.model === 'popular') continue;
    const t = trialCandidate(prepared, spec, seed, k, blends, caches);
    trials.push(t);
    if (t.blend.weight > 0 && better(t, best)) best = t;
  }
  // The winner must beat popularity by more than the noise: its mean paired gain over two standard errors.
  const popularWins = best.spec.model === 'popular' || !clearlyBetter(best.perUser, (bestPopular as Trial).perUser);
  return {
    spec: popularWins ? { model: 'popular', params: { halfLifeDays } } : best.spec,
    blend: popularWins ? { weight: 0, shrink: 0 } : best.blend,
    halfLifeDays,
    trials,
    protocol: splits.length > 1 ? `${splits.length} seeded splits, ${(splits[0] as ValidationSplit).protocol.replace(/ \(\d+ users\)$/, '')} (${splits.reduce((n, s) => n + s.users.length, 0)} user cases)` : (splits[0] as ValidationSplit).protocol,
    users: splits.reduce((n, s) => n + s.users.length, 0),
    k,
  };
}
