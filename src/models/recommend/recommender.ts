/**
 * Product recommendations from CRM line items: who (contact or account) bought what.
 *
 * - Item-based collaborative filtering (Sarwar et al. 2001; Deshpande & Karypis 2004) over sparse
 *   user x item maps: each item keeps its `neighbours` most similar items (similarity > 0, see
 *   similarity.ts for the measures); a user's candidates are the neighbours of what they own, scored by the
 *   sum of similarities to their owned items. Each recommendation says why: "bought by 64 % of accounts
 *   that own GTX Pro", from the owned item contributing the most.
 * - User-based kNN with means (Surprise's KNNWithMeans) for explicit ratings: `predictRating`.
 * - A cold-start fallback for users with no or one item: the most popular items, re-ranked by content
 *   similarity (shared metadata attributes) to what they have.
 * - A hybrid: CF and popularity blended with a CF weight n / (n + shrink) growing with the user's history.
 * - Deterministic: ties are broken by item id; the model is plain JSON tagged
 *   `{ kind: 'recommender', version: 1 }` with its item vocabulary in `items`; no I/O.
 */
import { z } from 'zod';
import { parseSavedJson } from '../../features/savedJson.ts';
import { norm, SIMILARITIES, similarity } from './similarity.ts';
import type { Similarity, SparseVector } from './similarity.ts';

export const RECOMMENDER_KIND = 'recommender';
export const RECOMMENDER_VERSION = 1;

export interface Interaction {
  /** A contact or account id. */
  user: string;
  /** A product id. */
  item: string;
  /** Quantity or rating (default 1). */
  weight?: number;
}

export interface ItemMetadata {
  item: string;
  attributes: Record<string, string>;
}

export interface RecommenderOptions {
  /** Item-item similarity for item-CF (default 'cosine'). */
  similarity?: Similarity;
  /** Most similar items kept per item (default 50). */
  neighbours?: number;
  /** Common users an item pair needs to be neighbours (default 1). */
  minSupport?: number;
  /** How repeated (user, item) interactions combine: 'sum' (quantities, default), 'mean', 'max' or 'last' (ratings). */
  aggregate?: 'sum' | 'mean' | 'max' | 'last';
  /** User-user similarity for predictRating (default 'msd', as Surprise's KNNWithMeans). */
  userSimilarity?: Similarity;
  /** Neighbours used by predictRating (default 40, as Surprise). */
  userNeighbours?: number;
  /** Users with at most this many items get the popularity-and-content fallback (default 1). */
  coldStartMaxItems?: number;
  /** Hybrid CF weight is n / (n + hybridShrink) for a user with n items (default 2). */
  hybridShrink?: number;
  /** Weight of content similarity against normalised popularity in the fallback (default 0.5). */
  contentWeight?: number;
  /** Who the users are, for reasons (default 'accounts'). */
  userNoun?: string;
}

export type Strategy = 'hybrid' | 'itemCF' | 'popular' | 'fallback';

export interface RecommendOptions {
  /** How many (default 3). */
  n?: number;
  /** Default 'hybrid' (which falls back for cold-start users). */
  strategy?: Strategy;
  /** Items never to recommend (besides the owned ones). */
  exclude?: readonly string[];
}

export interface Recommendation {
  item: string;
  score: number;
  /** What produced the recommendation. */
  source: 'itemCF' | 'popularity' | 'content';
  /** Readable reason, e.g. "bought by 64 % of accounts that own GTX Pro". */
  reason: string;
  /** The owned item the reason refers to, if any. */
  because: string | null;
  /** The share in the reason (0..1): co-buyers of `because` who own the item, or owners overall. */
  share: number;
}

export interface RatingPrediction {
  rating: number;
  /** Neighbours that contributed (similarity > 0). */
  neighbours: number;
  /** Set when kNN could not predict and a mean was used instead. */
  fallback: 'userMean' | 'itemMean' | 'globalMean' | null;
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const ResolvedOptionsSchema = z.object({
  similarity: z.enum(SIMILARITIES),
  neighbours: z.number().int().positive(),
  minSupport: z.number().int().positive(),
  aggregate: z.enum(['sum', 'mean', 'max', 'last']),
  userSimilarity: z.enum(SIMILARITIES),
  userNeighbours: z.number().int().positive(),
  coldStartMaxItems: z.number().int().nonnegative(),
  hybridShrink: z.number().nonnegative(),
  contentWeight: z.number().nonnegative(),
  userNoun: z.string(),
});

const RecommenderModelSchema = z.object({
  kind: z.literal(RECOMMENDER_KIND),
  version: z.literal(RECOMMENDER_VERSION),
  /** The item vocabulary (sorted): the recommender's "feature names". */
  items: z.array(z.string()),
  options: ResolvedOptionsSchema,
  /** The user x item matrix: [user, [[item, weight], ...]], users and items sorted. */
  users: z.array(z.tuple([z.string(), z.array(z.tuple([z.string(), finite]))])),
  /** Users owning each item, in `items` order. */
  itemCounts: z.array(z.number().int().nonnegative()),
  /** Per item (in `items` order): its neighbours [item, similarity, users owning both], most similar first. */
  neighbours: z.array(z.array(z.tuple([z.string(), finite, z.number().int().nonnegative()]))),
  /** Item attributes for content similarity: [item, [[key, value], ...]]. */
  attributes: z.array(z.tuple([z.string(), z.array(z.tuple([z.string(), z.string()]))])),
  ratingRange: z.tuple([finite, finite]),
  globalMean: finite,
  metrics: z.object({
    users: z.number().int().nonnegative(),
    items: z.number().int().nonnegative(),
    interactions: z.number().int().nonnegative(),
    /** Malformed interactions left out, with the first few reasons. */
    skipped: z.number().int().nonnegative(),
    skippedExamples: z.array(z.string()),
    /** Item pairs kept as neighbours. */
    neighbourPairs: z.number().int().nonnegative(),
  }),
});

export type RecommenderModel = z.infer<typeof RecommenderModelSchema>;
type ResolvedOptions = z.infer<typeof ResolvedOptionsSchema>;

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Score order: higher first; scores equal up to round-off tie, and ties go to the smaller item id. */
function byScore(a: { score: number; item: string }, b: { score: number; item: string }): number {
  const tolerance = 1e-12 * Math.max(1, Math.abs(a.score), Math.abs(b.score));
  if (Math.abs(a.score - b.score) > tolerance) return b.score - a.score;
  return byId(a.item, b.item);
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

function resolveOptions(options: RecommenderOptions): ResolvedOptions {
  const resolved = {
    similarity: options.similarity ?? 'cosine',
    neighbours: options.neighbours ?? 50,
    minSupport: options.minSupport ?? 1,
    aggregate: options.aggregate ?? 'sum',
    userSimilarity: options.userSimilarity ?? 'msd',
    userNeighbours: options.userNeighbours ?? 40,
    coldStartMaxItems: options.coldStartMaxItems ?? 1,
    hybridShrink: options.hybridShrink ?? 2,
    contentWeight: options.contentWeight ?? 0.5,
    userNoun: options.userNoun ?? 'accounts',
  };
  const parsed = ResolvedOptionsSchema.safeParse(resolved);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`fitRecommender: invalid option ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------------------
// Fitting

/**
 * Fits the recommender. Malformed interactions (blank user or item, non-finite weight) are skipped and
 * counted in `metrics.skipped`, never fatal; no valid interaction at all is an error.
 */
export function fitRecommender(interactions: readonly Interaction[], options: RecommenderOptions = {}, metadata: readonly ItemMetadata[] = []): RecommenderModel {
  const opts = resolveOptions(options);
  const cells = new Map<string, Map<string, { sum: number; count: number; max: number; last: number }>>();
  let skipped = 0;
  const skippedExamples: string[] = [];
  const skip = (index: number, reason: string) => {
    skipped++;
    if (skippedExamples.length < 5) skippedExamples.push(`interaction ${index}: ${reason}`);
  };
  let valid = 0;
  interactions.forEach((interaction, index) => {
    const { user, item, weight } = (interaction ?? {}) as Partial<Interaction>;
    if (typeof user !== 'string' || user.trim() === '') return skip(index, 'blank or missing user');
    if (typeof item !== 'string' || item.trim() === '') return skip(index, 'blank or missing item');
    const w = weight === undefined ? 1 : weight;
    if (typeof w !== 'number' || !Number.isFinite(w)) return skip(index, `weight ${String(weight)} is not a finite number`);
    valid++;
    let row = cells.get(user);
    if (!row) cells.set(user, (row = new Map()));
    const cell = row.get(item);
    if (cell) {
      cell.sum += w;
      cell.count++;
      cell.max = Math.max(cell.max, w);
      cell.last = w;
    } else row.set(item, { sum: w, count: 1, max: w, last: w });
  });
  if (valid === 0) throw new Error(`fitRecommender: no valid interaction (${skipped} skipped${skippedExamples[0] ? `, e.g. ${skippedExamples[0]}` : ''})`);

  const users = new Map<string, Map<string, number>>();
  for (const user of [...cells.keys()].sort(byId)) {
    const row = cells.get(user) as Map<string, { sum: number; count: number; max: number; last: number }>;
    const out = new Map<string, number>();
    for (const item of [...row.keys()].sort(byId)) {
      const c = row.get(item) as { sum: number; count: number; max: number; last: number };
      out.set(item, opts.aggregate === 'sum' ? c.sum : opts.aggregate === 'mean' ? c.sum / c.count : opts.aggregate === 'max' ? c.max : c.last);
    }
    users.set(user, out);
  }
  const byItem = itemVectors(users);
  const items = [...byItem.keys()].sort(byId);
  const userMeans = meansOf(users);

  // Item-item neighbours: only pairs with a common user can be similar under any measure.
  const norms = new Map(items.map((item) => [item, norm(byItem.get(item) as SparseVector)]));
  const neighbours = new Map<string, Array<[string, number, number]>>(items.map((item) => [item, []]));
  let minRating = Infinity;
  let maxRating = -Infinity;
  let ratingSum = 0;
  let ratingCount = 0;
  for (const row of users.values()) {
    for (const r of row.values()) {
      minRating = Math.min(minRating, r);
      maxRating = Math.max(maxRating, r);
      ratingSum += r;
      ratingCount++;
    }
  }
  for (const a of items) {
    const va = byItem.get(a) as SparseVector;
    const partners = new Set<string>();
    for (const user of va.keys()) for (const b of (users.get(user) as Map<string, number>).keys()) if (b > a) partners.add(b);
    for (const b of [...partners].sort(byId)) {
      const vb = byItem.get(b) as SparseVector;
      const { similarity: sim, support } = similarity(va, vb, opts.similarity, userMeans, [norms.get(a) as number, norms.get(b) as number]);
      if (support < opts.minSupport || !(sim > 0)) continue;
      (neighbours.get(a) as Array<[string, number, number]>).push([b, sim, support]);
      (neighbours.get(b) as Array<[string, number, number]>).push([a, sim, support]);
    }
  }
  let neighbourPairs = 0;
  const neighbourLists = items.map((item) => {
    const list = (neighbours.get(item) as Array<[string, number, number]>).sort((x, y) => byScore({ score: x[1], item: x[0] }, { score: y[1], item: y[0] }));
    const kept = list.slice(0, opts.neighbours);
    neighbourPairs += kept.length;
    return kept;
  });

  const attributes: Array<[string, Array<[string, string]>]> = [];
  const seenMeta = new Set<string>();
  for (const m of metadata) {
    if (!m || typeof m.item !== 'string' || m.item === '' || seenMeta.has(m.item) || typeof m.attributes !== 'object' || m.attributes === null) continue;
    seenMeta.add(m.item);
    const pairs = Object.entries(m.attributes)
      .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].trim() !== '')
      .sort((x, y) => byId(x[0], y[0]));
    attributes.push([m.item, pairs]);
  }
  attributes.sort((x, y) => byId(x[0], y[0]));

  return {
    kind: RECOMMENDER_KIND,
    version: RECOMMENDER_VERSION,
    items,
    options: opts,
    users: [...users].map(([user, row]) => [user, [...row]]),
    itemCounts: items.map((item) => (byItem.get(item) as SparseVector).size),
    neighbours: neighbourLists,
    attributes,
    ratingRange: [minRating, maxRating],
    globalMean: ratingSum / ratingCount,
    metrics: { users: users.size, items: items.length, interactions: valid, skipped, skippedExamples, neighbourPairs },
  };
}

function itemVectors(users: ReadonlyMap<string, ReadonlyMap<string, number>>): Map<string, Map<string, number>> {
  const byItem = new Map<string, Map<string, number>>();
  for (const [user, row] of users) {
    for (const [item, w] of row) {
      let v = byItem.get(item);
      if (!v) byItem.set(item, (v = new Map()));
      v.set(user, w);
    }
  }
  return byItem;
}

function meansOf(vectors: ReadonlyMap<string, ReadonlyMap<string, number>>): Map<string, number> {
  const means = new Map<string, number>();
  for (const [key, v] of vectors) {
    let s = 0;
    for (const x of v.values()) s += x;
    means.set(key, s / v.size);
  }
  return means;
}

// ---------------------------------------------------------------------------------------------------------
// Derived lookups (built once per loaded model, kept out of the JSON)

interface Index {
  users: Map<string, Map<string, number>>;
  byItem: Map<string, Map<string, number>>;
  userMeans: Map<string, number>;
  itemMeans: Map<string, number>;
  itemCount: Map<string, number>;
  neighbours: Map<string, Array<[string, number, number]>>;
  attributes: Map<string, Set<string>>;
  attributeText: Map<string, Map<string, string>>;
  /** Items by popularity, most popular first (ties by id). */
  popular: string[];
  maxCount: number;
}

const indexCache = new WeakMap<RecommenderModel, Index>();

function indexOf(model: RecommenderModel): Index {
  const cached = indexCache.get(model);
  if (cached) return cached;
  const users = new Map(model.users.map(([user, row]) => [user, new Map(row)]));
  const byItem = itemVectors(users);
  const itemCount = new Map(model.items.map((item, i) => [item, model.itemCounts[i] as number]));
  const index: Index = {
    users,
    byItem,
    userMeans: meansOf(users),
    itemMeans: meansOf(byItem),
    itemCount,
    neighbours: new Map(model.items.map((item, i) => [item, model.neighbours[i] as Array<[string, number, number]>])),
    attributes: new Map(model.attributes.map(([item, pairs]) => [item, new Set(pairs.map(([k, v]) => `${k}\u0000${v}`))])),
    attributeText: new Map(model.attributes.map(([item, pairs]) => [item, new Map(pairs)])),
    popular: [...model.items].sort((a, b) => (itemCount.get(b) as number) - (itemCount.get(a) as number) || byId(a, b)),
    maxCount: model.itemCounts.reduce((m, c) => Math.max(m, c), 0),
  };
  indexCache.set(model, index);
  return index;
}

// ---------------------------------------------------------------------------------------------------------
// Recommending

interface Scored {
  item: string;
  score: number;
  reason: string;
  because: string | null;
  share: number;
  source: Recommendation['source'];
}

/** Item-CF scores: the sum of similarities to the owned items; the reason names the strongest one. */
function itemCfScores(model: RecommenderModel, index: Index, owned: readonly string[], blocked: ReadonlySet<string>): Scored[] {
  const scores = new Map<string, { score: number; best: number; because: string; together: number }>();
  for (const j of owned) {
    for (const [i, sim, together] of index.neighbours.get(j) ?? []) {
      if (blocked.has(i)) continue;
      const entry = scores.get(i);
      if (!entry) scores.set(i, { score: sim, best: sim, because: j, together });
      else {
        entry.score += sim;
        // owned is sorted: on a tie the earlier (smaller) id stays the reason.
        if (sim > entry.best) Object.assign(entry, { best: sim, because: j, together });
      }
    }
  }
  return [...scores].map(([item, e]) => {
    const share = e.together / Math.max(1, index.itemCount.get(e.because) ?? 0);
    return { item, score: e.score, because: e.because, share, source: 'itemCF' as const, reason: `bought by ${percent(share)} of ${model.options.userNoun} that own ${e.because}` };
  });
}

function popularityScores(model: RecommenderModel, index: Index, blocked: ReadonlySet<string>): Scored[] {
  const total = Math.max(1, model.metrics.users);
  return index.popular
    .filter((item) => !blocked.has(item))
    .map((item) => {
      const share = (index.itemCount.get(item) as number) / total;
      return { item, score: share, because: null, share, source: 'popularity' as const, reason: `popular: owned by ${percent(share)} of ${model.options.userNoun}` };
    });
}

/** Cosine similarity of two items' attribute sets, and the shared attributes. */
function contentSimilarity(index: Index, a: string, b: string): { similarity: number; shared: string[] } {
  const x = index.attributes.get(a);
  const y = index.attributes.get(b);
  if (!x || !y || x.size === 0 || y.size === 0) return { similarity: 0, shared: [] };
  const shared = [...x].filter((v) => y.has(v)).sort();
  return { similarity: shared.length / Math.sqrt(x.size * y.size), shared: shared.map((v) => v.replace('\u0000', ' = ')) };
}

/** Popular items re-ranked by content similarity to what the user has (when metadata exists). */
function fallbackScores(model: RecommenderModel, index: Index, owned: readonly string[], blocked: ReadonlySet<string>): Scored[] {
  const popular = popularityScores(model, index, blocked);
  if (owned.length === 0 || index.attributes.size === 0 || model.options.contentWeight === 0) return popular;
  const maxShare = index.maxCount / Math.max(1, model.metrics.users);
  return popular.map((p) => {
    let best = { similarity: 0, shared: [] as string[], item: '' };
    for (const j of owned) {
      const c = contentSimilarity(index, p.item, j);
      if (c.similarity > best.similarity) best = { ...c, item: j };
    }
    const score = p.share / (maxShare || 1) + model.options.contentWeight * best.similarity;
    if (best.similarity === 0) return { ...p, score };
    return {
      item: p.item,
      score,
      because: best.item,
      share: p.share,
      source: 'content' as const,
      reason: `like ${best.item} (${best.shared.join(', ')}); owned by ${percent(p.share)} of ${model.options.userNoun}`,
    };
  });
}

/** CF blended with popularity: CF weight n / (n + shrink), each part scaled to its maximum over the candidates. */
function hybridScores(model: RecommenderModel, index: Index, owned: readonly string[], blocked: ReadonlySet<string>): Scored[] {
  const cf = itemCfScores(model, index, owned, blocked);
  const popular = popularityScores(model, index, blocked);
  const maxCf = Math.max(0, ...cf.map((s) => s.score));
  const maxPop = Math.max(0, ...popular.map((s) => s.score));
  const w = maxCf > 0 ? owned.length / (owned.length + model.options.hybridShrink) : 0;
  const cfByItem = new Map(cf.map((s) => [s.item, s]));
  return popular.map((p) => {
    const c = cfByItem.get(p.item);
    const cfPart = c ? (w * c.score) / maxCf : 0;
    const popPart = maxPop > 0 ? ((1 - w) * p.score) / maxPop : 0;
    const explain = c && cfPart >= popPart ? c : p;
    return { ...explain, score: cfPart + popPart };
  });
}

function cleanHistory(history: ReadonlyArray<string | { item: string; weight?: number }>): string[] {
  const items = new Set<string>();
  for (const h of history) {
    const item = typeof h === 'string' ? h : h?.item;
    if (typeof item === 'string' && item !== '') items.add(item);
  }
  return [...items].sort(byId);
}

/**
 * Recommendations for a history of items (a user unknown to the model, or fresh data). Owned items are
 * never recommended; unknown items in the history still count as owned but carry no signal.
 */
export function recommendForItems(model: RecommenderModel, history: ReadonlyArray<string | { item: string; weight?: number }>, options: RecommendOptions = {}): Recommendation[] {
  const n = options.n ?? 3;
  if (!Number.isInteger(n) || n < 0) throw new Error(`recommend: n must be a non-negative integer (got ${n})`);
  const index = indexOf(model);
  const owned = cleanHistory(history);
  const blocked = new Set([...owned, ...(options.exclude ?? [])]);
  const known = owned.filter((item) => index.itemCount.has(item));
  const strategy = options.strategy ?? 'hybrid';
  let scored: Scored[];
  if (strategy === 'itemCF') scored = itemCfScores(model, index, known, blocked);
  else if (strategy === 'popular') scored = popularityScores(model, index, blocked);
  else if (strategy === 'fallback' || known.length <= model.options.coldStartMaxItems) scored = fallbackScores(model, index, known, blocked);
  else scored = hybridScores(model, index, known, blocked);
  return scored
    .sort(byScore)
    .slice(0, n)
    .map(({ item, score, source, reason, because, share }) => ({ item, score, source, reason, because, share }));
}

/** Recommendations for a user of the training data (an unknown user gets the cold-start fallback). */
export function recommend(model: RecommenderModel, user: string, options: RecommendOptions = {}): Recommendation[] {
  const row = indexOf(model).users.get(user);
  return recommendForItems(model, row ? [...row.keys()] : [], options);
}

/** Item-item similarity as fitted (0 when not neighbours). */
export function itemSimilarity(model: RecommenderModel, a: string, b: string): number {
  for (const [item, sim] of indexOf(model).neighbours.get(a) ?? []) if (item === b) return sim;
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// Rating prediction: user-based kNN with means (Surprise's KNNWithMeans, min_k = 1)

/**
 * Predicted rating of `item` by `user`: the user's mean plus the similarity-weighted mean deviation of the
 * `userNeighbours` most similar users who rated the item (only positive similarities contribute), clipped to
 * the training rating range. Unknown user or item, or no positive neighbour, falls back to a mean.
 */
export function predictRating(model: RecommenderModel, user: string, item: string): RatingPrediction {
  const index = indexOf(model);
  const [lo, hi] = model.ratingRange;
  const clip = (r: number) => Math.min(hi, Math.max(lo, r));
  const row = index.users.get(user);
  const raters = index.byItem.get(item);
  if (!row) return { rating: clip(index.itemMeans.get(item) ?? model.globalMean), neighbours: 0, fallback: raters ? 'itemMean' : 'globalMean' };
  const mean = index.userMeans.get(user) as number;
  if (!raters) return { rating: clip(mean), neighbours: 0, fallback: 'userMean' };
  const measure = model.options.userSimilarity;
  const candidates: Array<{ user: string; sim: number; rating: number }> = [];
  for (const [other, rating] of raters) {
    if (other === user) continue;
    const sim = similarity(row, index.users.get(other) as SparseVector, measure, index.itemMeans).similarity;
    candidates.push({ user: other, sim, rating });
  }
  candidates.sort((a, b) => b.sim - a.sim || byId(a.user, b.user));
  let sumSim = 0;
  let sumDev = 0;
  let used = 0;
  for (const c of candidates.slice(0, model.options.userNeighbours)) {
    if (!(c.sim > 0)) continue;
    sumSim += c.sim;
    sumDev += c.sim * (c.rating - (index.userMeans.get(c.user) as number));
    used++;
  }
  if (used === 0 || sumSim === 0) return { rating: clip(mean), neighbours: 0, fallback: 'userMean' };
  return { rating: clip(mean + sumDev / sumSim), neighbours: used, fallback: null };
}

// ---------------------------------------------------------------------------------------------------------
// JSON

/** The model as plain JSON (a deep copy). */
export function recommenderToJSON(model: RecommenderModel): RecommenderModel {
  return JSON.parse(JSON.stringify(model)) as RecommenderModel;
}

/** A recommender from JSON (an object or a string), checking its tag and shape. */
export function recommenderFromJSON(json: unknown): RecommenderModel {
  const value = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  if (typeof value !== 'object' || value === null) throw new Error('recommenderFromJSON: expected an object');
  const model = parseSavedJson(value, { kind: RECOMMENDER_KIND, version: RECOMMENDER_VERSION, name: 'recommender model', root: 'model', schema: RecommenderModelSchema });
  if (model.itemCounts.length !== model.items.length || model.neighbours.length !== model.items.length) {
    throw new Error('recommenderFromJSON: invalid recommender model: itemCounts/neighbours do not match items');
  }
  const known = new Set(model.items);
  for (const list of model.neighbours) for (const [item] of list) if (!known.has(item)) throw new Error(`recommenderFromJSON: invalid recommender model: unknown neighbour ${item}`);
  return model;
}
