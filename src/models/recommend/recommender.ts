/**
 * Product recommendations from CRM line items: who (contact or account) bought what.
 *
 * - The product's model is selected inside the training data (select.ts): popularity (recency-weighted
 *   when the interactions are dated), item-kNN, user-kNN, EASE and implicit ALS (implicit.ts), each blended
 *   with popularity, the best on a validation split kept and refitted on everything. Its reasons come from
 *   its item-item weights when it has them (EASE's B, item-kNN's similarities): "bought by 35 % of
 *   contacts that own X", X the owned item contributing the most; otherwise from popularity.
 * - Explicit ratings (`ratings: true`) also get a rating model (rating.ts): biases, biased MF or SVD++,
 *   selected on validation; `predictRating` uses it.
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
import { gram, gramAt, implicitData, scoreAls, type AlsModel, type ImplicitData, type ItemLists } from './implicit.ts';
import { predictWith, RATING_CONFIGS, selectRatingModel, type RatingKind, type RatingModel } from './rating.ts';
import {
  candidateGrid,
  fitCandidate,
  latestTimes,
  MODEL_KINDS,
  recencyPopularity,
  scoreCandidate,
  selectModel,
  validationSplits,
  type CandidateSpec,
  type ValidationSplit,
  type Fitted,
  type ModelKind,
  type UserEvents,
} from './select.ts';

export const RECOMMENDER_KIND = 'recommender';
export const RECOMMENDER_VERSION = 2;

export interface Interaction {
  /** A contact or account id. */
  user: string;
  /** A product id. */
  item: string;
  /** Quantity or rating (default 1). */
  weight?: number;
  /** When it happened (an ISO date or epoch milliseconds); dated data are validated by time. */
  at?: string | number;
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
  /** Candidate models for selection (default all of MODEL_KINDS). */
  models?: readonly ModelKind[];
  /** Fixed parameters (instead of the validation grid) per model. */
  itemKNN?: { neighbours?: number; shrink?: number };
  userKNN?: { neighbours?: number; shrink?: number };
  ease?: { lambda?: number };
  als?: { factors?: number; reg?: number; alpha?: number; iterations?: number };
  /** 'validate' (default): blend with popularity as validation says; 'none': the model alone. */
  blend?: 'validate' | 'none';
  /** Popularity's recency half-life in days (default: chosen on validation when dated, else 0 = counts). */
  halfLifeDays?: number;
  /** List length selection optimises recall at (default 10, at most a quarter of the catalogue). */
  validationK?: number;
  /** Users evaluated on validation at most (default 3000). */
  maxValidationUsers?: number;
  /** Fit a rating model for predictRating (default false: kNN with means). */
  ratings?: boolean;
  /** Rating models to choose among (default all: bias, mf, svdpp). */
  ratingModels?: readonly RatingKind[];
  /** Seed of the validation split and the factorisations (default 42). */
  seed?: number;
}

/** 'model' (= 'hybrid', the default): the selected model; 'itemCF': the similarity lists alone; 'popular': owner counts. */
export type Strategy = 'model' | 'hybrid' | 'itemCF' | 'popular' | 'fallback';

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
  /** What produced the recommendation (itemCF: item-item weights, EASE's or kNN's). */
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
  /** The rating model used ('knn' without one). */
  model: 'knn' | RatingKind;
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
  seed: z.number().int(),
});

const paramsSchema = z.record(z.string(), finite);
const TrialSchema = z.object({
  model: z.enum(MODEL_KINDS),
  params: paramsSchema,
  variant: z.string().nullable(),
  weight: finite,
  shrink: finite,
  recall: finite,
  hitRate: finite,
  precision: finite,
  ndcg: finite,
  aloneRecall: finite,
});

const SelectedSchema = z.object({
  model: z.enum(MODEL_KINDS),
  params: paramsSchema,
  /** 'dense' or 'pruned' for EASE. */
  variant: z.string().nullable(),
  blend: z.object({ weight: finite, shrink: finite }),
  halfLifeDays: finite,
  /** How the choice was made; null when the options fixed it. */
  validation: z.object({ protocol: z.string(), users: z.number().int().nonnegative(), k: z.number().int().positive(), trials: z.array(TrialSchema) }).nullable(),
});

const RatingSchema = z.object({
  kind: z.enum(['bias', 'mf', 'svdpp']),
  params: paramsSchema,
  mu: finite,
  userBias: z.array(finite),
  itemBias: z.array(finite),
  p: z.array(z.array(finite)),
  q: z.array(z.array(finite)),
  y: z.array(z.array(finite)),
  rated: z.array(z.array(z.number().int().nonnegative())),
  range: z.tuple([finite, finite]),
  validation: z.array(z.object({ kind: z.enum(['bias', 'mf', 'svdpp']), params: paramsSchema, rmse: finite, mae: finite })),
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
  /** The selected model. */
  selected: SelectedSchema,
  /** The selected popularity per item (in `items` order): owners, recency-weighted when dated. */
  popularity: z.array(finite),
  /** The selected model's item-item weights per item (in `items` order): [item, weight, users owning both]. */
  weights: z.array(z.array(z.tuple([z.string(), finite, z.number().int().nonnegative()]))),
  /** ALS item factors (in `items` order), with the fit's regularisation and confidence scale. */
  factors: z.object({ reg: finite, alpha: finite, items: z.array(z.array(finite)) }).nullable(),
  /** The rating model (with `ratings: true`); users in `users` order, items in `items` order. */
  rating: RatingSchema.nullable(),
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
    coldStartMaxItems: options.coldStartMaxItems ?? 0,
    hybridShrink: options.hybridShrink ?? 2,
    contentWeight: options.contentWeight ?? 0.5,
    userNoun: options.userNoun ?? 'accounts',
    seed: options.seed ?? 42,
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
  const events: Array<[string, string, number, number]> = [];
  interactions.forEach((interaction, index) => {
    const { user, item, weight, at } = (interaction ?? {}) as Partial<Interaction>;
    if (typeof user !== 'string' || user.trim() === '') return skip(index, 'blank or missing user');
    if (typeof item !== 'string' || item.trim() === '') return skip(index, 'blank or missing item');
    const w = weight === undefined ? 1 : weight;
    if (typeof w !== 'number' || !Number.isFinite(w)) return skip(index, `weight ${String(weight)} is not a finite number`);
    const time = at === undefined || at === '' ? Number.NaN : typeof at === 'number' ? at : Date.parse(at);
    if (at !== undefined && at !== '' && !Number.isFinite(time)) return skip(index, `at ${JSON.stringify(at)} is not a date`);
    valid++;
    events.push([user, item, w, time]);
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

  const chosen = fitSelected(users, items, events, opts, options);
  const rating = options.ratings ? fitRatingModel(users, items, opts.seed, options.ratingModels) : null;

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
    ...chosen,
    rating,
    metrics: { users: users.size, items: items.length, interactions: valid, skipped, skippedExamples, neighbourPairs },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The selected model

type SelectedParts = Pick<RecommenderModel, 'selected' | 'popularity' | 'weights' | 'factors'>;

/** Validation needs at least this many users with something to find; fewer: most popular. */
const MIN_VALIDATION_USERS = 5;

/** The candidate specs: each model's grid, or the one point the options fix. */
function specsFor(options: RecommenderOptions, nItems: number, nUsers: number): CandidateSpec[] {
  const models = options.models ?? MODEL_KINDS;
  const fixed: Partial<Record<ModelKind, Record<string, number>>> = {
    itemKNN: options.itemKNN ? { neighbours: 50, shrink: 0, ...options.itemKNN } : undefined,
    userKNN: options.userKNN ? { neighbours: 50, shrink: 0, ...options.userKNN } : undefined,
    ease: options.ease ? { lambda: 500, ...options.ease } : undefined,
    als: options.als ? { factors: 32, reg: 10, alpha: 10, iterations: 10, ...options.als } : undefined,
  };
  for (const [model, params] of Object.entries(fixed)) {
    for (const [key, value] of Object.entries(params ?? {})) if (!Number.isFinite(value) || value < 0) throw new Error(`fitRecommender: invalid option ${model}.${key}: must be a non-negative number`);
  }
  const out: CandidateSpec[] = [];
  for (const model of models) {
    if (!MODEL_KINDS.includes(model)) throw new Error(`fitRecommender: invalid option models: unknown model ${String(model)} (one of ${MODEL_KINDS.join(', ')})`);
    const params = fixed[model];
    if (params) out.push({ model, params });
    else out.push(...candidateGrid([model], nItems, nUsers));
  }
  return out;
}

function fitSelected(users: ReadonlyMap<string, ReadonlyMap<string, number>>, items: readonly string[], events: ReadonlyArray<readonly [string, string, number, number]>, opts: ResolvedOptions, options: RecommenderOptions): SelectedParts {
  const itemIndex = new Map(items.map((x, i) => [x, i]));
  const userNames = [...users.keys()];
  const userIndex = new Map(userNames.map((u, i) => [u, i]));
  const userEvents: UserEvents[] = userNames.map(() => ({ events: [] }));
  for (const [u, it, w, t] of events) (userEvents[userIndex.get(u) as number] as UserEvents).events.push([itemIndex.get(it) as number, w, t]);
  const specs = specsFor(options, items.length, userNames.length);
  const blend = options.blend ?? 'validate';
  if (blend !== 'validate' && blend !== 'none') throw new Error(`fitRecommender: invalid option blend: must be 'validate' or 'none'`);
  // A list as long as a quarter of the catalogue at most: with 12 products a top 10 finds nearly everything.
  const k = options.validationK ?? Math.max(1, Math.min(10, Math.round(items.length / 4)));
  const maxUsers = options.maxValidationUsers ?? 3000;
  for (const [name, v] of [['validationK', k], ['maxValidationUsers', maxUsers]] as const) if (!Number.isInteger(v) || v < 1) throw new Error(`fitRecommender: invalid option ${name}: must be a positive integer`);
  const fixedHalfLife = options.halfLifeDays;
  if (fixedHalfLife !== undefined && !(fixedHalfLife >= 0)) throw new Error('fitRecommender: invalid option halfLifeDays: must be a non-negative number');

  let spec: CandidateSpec;
  let mix = { weight: 0, shrink: 0 };
  let halfLifeDays = fixedHalfLife ?? 0;
  let validation: RecommenderModel['selected']['validation'] = null;
  if (specs.length === 1 && (blend === 'none' || specs[0]?.model === 'popular')) {
    spec = specs[0] as CandidateSpec;
    mix = spec.model === 'popular' ? { weight: 0, shrink: 0 } : { weight: 1, shrink: 0 };
  } else {
    const splits = validationSplits(items.length, userEvents, opts.seed, maxUsers);
    const split = splits[0] as ValidationSplit;
    if (split.users.length < MIN_VALIDATION_USERS) {
      spec = { model: 'popular', params: {} };
      validation = { protocol: `${split.protocol}: too few to choose on, most popular kept`, users: split.users.length, k, trials: [] };
    } else {
      const selection = selectModel(splits, specs, opts.seed, k, blend === 'none' ? [{ weight: 1, shrink: 0 }] : undefined, fixedHalfLife === undefined ? undefined : [fixedHalfLife]);
      spec = selection.spec;
      mix = selection.blend;
      halfLifeDays = selection.halfLifeDays;
      validation = {
        protocol: selection.protocol,
        users: selection.users,
        k,
        trials: selection.trials.map((t) => ({ model: t.spec.model, params: t.spec.params, variant: t.variant, weight: t.blend.weight, shrink: t.blend.shrink, ...t.scores, aloneRecall: t.alone.recall })),
      };
    }
  }

  const rows = userNames.map((u) => [...(users.get(u) as ReadonlyMap<string, number>)].map(([it, w]) => [itemIndex.get(it) as number, w] as const));
  const d = implicitData(items.length, rows);
  const g = gram(d);
  const fitted = fitCandidate(d, g, spec, opts.seed);
  const popularity = recencyPopularity(items.length, userEvents.map((u) => latestTimes(u.events)), halfLifeDays);
  const weights = fitted.lists
    ? fitted.lists.idx.map((ids, i) => [...ids].map((j, t) => [items[j] as string, (fitted.lists as ItemLists).w[i]?.[t] as number, gramAt(g, i, j)] as [string, number, number]))
    : items.map(() => []);
  const factors = fitted.als
    ? { reg: fitted.als.reg, alpha: fitted.als.alpha, items: items.map((_, i) => [...(fitted.als as AlsModel).y.subarray(i * (fitted.als as AlsModel).factors, (i + 1) * (fitted.als as AlsModel).factors)]) }
    : null;
  return {
    selected: { model: spec.model, params: spec.params, variant: fitted.variant, blend: mix, halfLifeDays, validation },
    popularity: [...popularity],
    weights,
    factors,
  };
}


function fitRatingModel(users: ReadonlyMap<string, ReadonlyMap<string, number>>, items: readonly string[], seed: number, kinds?: readonly RatingKind[]): RatingModel {
  const itemIndex = new Map(items.map((x, i) => [x, i]));
  const triples = [...users.values()].flatMap((row, user) => [...row].map(([it, rating]) => ({ user, item: itemIndex.get(it) as number, rating })));
  const configs = kinds ? RATING_CONFIGS.filter((c) => kinds.includes(c.kind)) : RATING_CONFIGS;
  if (configs.length === 0) throw new Error(`fitRecommender: invalid option ratingModels: none of ${(kinds ?? []).join(', ')} is one of bias, mf, svdpp`);
  return selectRatingModel(triples, users.size, items.length, seed, configs);
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
  itemIndex: Map<string, number>;
  userIndex: Map<string, number>;
  /** The selected model, ready to score (its matrix built only when user-kNN needs it). */
  fitted: Fitted;
  data: ImplicitData | null;
  selectedPopularity: Float64Array;
  /** Per item: weight target -> users owning both, for reasons. */
  together: Array<Map<number, number>>;
}

const indexCache = new WeakMap<RecommenderModel, Index>();

function indexOf(model: RecommenderModel): Index {
  const cached = indexCache.get(model);
  if (cached) return cached;
  const users = new Map(model.users.map(([user, row]) => [user, new Map(row)]));
  const byItem = itemVectors(users);
  const itemCount = new Map(model.items.map((item, i) => [item, model.itemCounts[i] as number]));
  const itemIndex = new Map(model.items.map((item, i) => [item, i]));
  const userIndex = new Map(model.users.map(([user], i) => [user, i]));
  const sel = model.selected;
  const hasLists = sel.model === 'itemKNN' || sel.model === 'ease';
  const lists: ItemLists | null = hasLists
    ? { idx: model.weights.map((l) => Int32Array.from(l, ([j]) => itemIndex.get(j) as number)), w: model.weights.map((l) => Float64Array.from(l, ([, w]) => w)) }
    : null;
  let als: AlsModel | null = null;
  if (sel.model === 'als' && model.factors) {
    const f = model.factors.items[0]?.length ?? 0;
    const y = Float64Array.from(model.factors.items.flat());
    const yty = new Float64Array(f * f);
    for (let i = 0; i < model.items.length; i++) for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) yty[a * f + b] = (yty[a * f + b] as number) + (y[i * f + a] as number) * (y[i * f + b] as number);
    als = { factors: f, reg: model.factors.reg, alpha: model.factors.alpha, y, yty };
  }
  const data = sel.model === 'userKNN' ? implicitData(model.items.length, model.users.map(([, row]) => row.map(([it, w]) => [itemIndex.get(it) as number, w] as const))) : null;
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
    itemIndex,
    userIndex,
    fitted: { spec: { model: sel.model, params: sel.params }, lists, als, variant: sel.variant },
    data,
    selectedPopularity: Float64Array.from(model.popularity),
    together: model.weights.map((l) => new Map(l.map(([j, , c]) => [itemIndex.get(j) as number, c]))),
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

/**
 * The selected model blended with the selected popularity: w_u · m / max m + (1 - w_u) · p / max p over
 * the items not blocked, w_u = w · n / (n + shrink). The reason follows the larger part: the owned item
 * with the largest weight toward the candidate (models with item-item weights), else popularity.
 */
function selectedScores(model: RecommenderModel, index: Index, owned: readonly string[], weights: ReadonlyMap<string, number>, blocked: ReadonlySet<string>, self: string | null): Scored[] {
  const n = model.items.length;
  const sel = model.selected;
  const history = Int32Array.from(owned.map((i) => index.itemIndex.get(i) as number)).sort();
  const popular = index.selectedPopularity;
  const scores = new Float64Array(n);
  const usable = sel.model !== 'popular' && sel.blend.weight > 0 && history.length > 0;
  if (usable) {
    const w = Float64Array.from(history, (i) => weights.get(model.items[i] as string) ?? 1);
    if (sel.model === 'als') scoreAls(index.fitted.als as AlsModel, history, w, scores);
    else scoreCandidate(index.data as ImplicitData, index.fitted, history, w, scores, self === null ? -1 : (index.userIndex.get(self) ?? -1));
  }
  const open: number[] = [];
  for (let j = 0; j < n; j++) if (!blocked.has(model.items[j] as string)) open.push(j);
  let maxM = 0;
  let maxP = 0;
  for (const j of open) {
    maxM = Math.max(maxM, scores[j] as number);
    maxP = Math.max(maxP, popular[j] as number);
  }
  const wu = usable && maxM > 0 ? (sel.blend.weight * history.length) / (history.length + sel.blend.shrink) : 0;
  // the strongest owned item per candidate, from the item-item weights
  const lists = index.fitted.lists;
  const strongest = new Map<number, { weight: number; because: number }>();
  if (lists && wu > 0) {
    for (const i of history) {
      const ids = lists.idx[i] as Int32Array;
      const ws = lists.w[i] as Float64Array;
      for (let t = 0; t < ids.length; t++) {
        const j = ids[t] as number;
        const e = strongest.get(j);
        if (!e || (ws[t] as number) > e.weight) strongest.set(j, { weight: ws[t] as number, because: i });
      }
    }
  }
  const total = Math.max(1, model.metrics.users);
  const lately = sel.halfLifeDays > 0 ? ' (recent purchases count more)' : '';
  return open.map((j) => {
    const item = model.items[j] as string;
    const modelPart = wu > 0 ? (wu * (scores[j] as number)) / maxM : 0;
    const popPart = maxP > 0 ? ((1 - wu) * (popular[j] as number)) / maxP : 0;
    const score = modelPart + popPart;
    const s = strongest.get(j);
    if (s && s.weight > 0 && modelPart >= popPart) {
      const because = model.items[s.because] as string;
      const share = (index.together[s.because]?.get(j) ?? 0) / Math.max(1, index.itemCount.get(because) ?? 0);
      return { item, score, because, share, source: 'itemCF' as const, reason: `bought by ${percent(share)} of ${model.options.userNoun} that own ${because}` };
    }
    const share = (index.itemCount.get(item) as number) / total;
    return { item, score, because: null, share, source: 'popularity' as const, reason: `popular: owned by ${percent(share)} of ${model.options.userNoun}${lately}` };
  });
}

function cleanHistory(history: ReadonlyArray<string | { item: string; weight?: number }>): string[] {
  return [...historyWeights(history).keys()].sort(byId);
}

/** Item -> summed weight (1 per plain id), for the models that read quantities (ALS). */
function historyWeights(history: ReadonlyArray<string | { item: string; weight?: number }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const h of history) {
    const item = typeof h === 'string' ? h : h?.item;
    const w = typeof h === 'string' ? 1 : typeof h?.weight === 'number' && Number.isFinite(h.weight) ? h.weight : 1;
    if (typeof item === 'string' && item !== '') out.set(item, (out.get(item) ?? 0) + w);
  }
  return out;
}

/**
 * Recommendations for a history of items (a user unknown to the model, or fresh data). Owned items are
 * never recommended; unknown items in the history still count as owned but carry no signal.
 */
export function recommendForItems(model: RecommenderModel, history: ReadonlyArray<string | { item: string; weight?: number }>, options: RecommendOptions = {}): Recommendation[] {
  return recommendFor(model, history, options, null);
}

function recommendFor(model: RecommenderModel, history: ReadonlyArray<string | { item: string; weight?: number }>, options: RecommendOptions, self: string | null): Recommendation[] {
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
  else if (strategy === 'fallback' || (known.length > 0 && known.length <= model.options.coldStartMaxItems)) scored = fallbackScores(model, index, known, blocked);
  else if (strategy === 'model' || strategy === 'hybrid') scored = selectedScores(model, index, known, historyWeights(history), blocked, self);
  else throw new Error(`recommend: unknown strategy ${String(strategy)}`);
  return scored
    .sort(byScore)
    .slice(0, n)
    .map(({ item, score, source, reason, because, share }) => ({ item, score, source, reason, because, share }));
}

/** Recommendations for a user of the training data (an unknown user gets the cold-start fallback). */
export function recommend(model: RecommenderModel, user: string, options: RecommendOptions = {}): Recommendation[] {
  const row = indexOf(model).users.get(user);
  return recommendFor(model, row ? [...row].map(([item, weight]) => ({ item, weight })) : [], options, row ? user : null);
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
  if (model.rating) {
    const u = index.userIndex.get(user) ?? -1;
    const i = index.itemIndex.get(item) ?? -1;
    const fallback = u >= 0 && i >= 0 ? null : u >= 0 ? 'userMean' : i >= 0 ? 'itemMean' : 'globalMean';
    return { rating: predictWith(model.rating, u, i), neighbours: 0, fallback, model: model.rating.kind };
  }
  const [lo, hi] = model.ratingRange;
  const clip = (r: number) => Math.min(hi, Math.max(lo, r));
  const row = index.users.get(user);
  const raters = index.byItem.get(item);
  if (!row) return { rating: clip(index.itemMeans.get(item) ?? model.globalMean), neighbours: 0, fallback: raters ? 'itemMean' : 'globalMean', model: 'knn' };
  const mean = index.userMeans.get(user) as number;
  if (!raters) return { rating: clip(mean), neighbours: 0, fallback: 'userMean', model: 'knn' };
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
  if (used === 0 || sumSim === 0) return { rating: clip(mean), neighbours: 0, fallback: 'userMean', model: 'knn' };
  return { rating: clip(mean + sumDev / sumSim), neighbours: used, fallback: null, model: 'knn' };
}

// ---------------------------------------------------------------------------------------------------------
// JSON

/** The model as plain JSON (a deep copy). */
export function recommenderToJSON(model: RecommenderModel): RecommenderModel {
  return JSON.parse(JSON.stringify(model)) as RecommenderModel;
}

/** A recommender from JSON (an object or a string), checking its tag and shape. */
export function recommenderFromJSON(json: unknown): RecommenderModel {
  const raw = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  if (typeof raw !== 'object' || raw === null) throw new Error('recommenderFromJSON: expected an object');
  const value = upgradeV1(raw as Record<string, unknown>);
  const model = parseSavedJson(value, { kind: RECOMMENDER_KIND, version: RECOMMENDER_VERSION, name: 'recommender model', root: 'model', schema: RecommenderModelSchema });
  if (model.itemCounts.length !== model.items.length || model.neighbours.length !== model.items.length) {
    throw new Error('recommenderFromJSON: invalid recommender model: itemCounts/neighbours do not match items');
  }
  if (model.popularity.length !== model.items.length || model.weights.length !== model.items.length || (model.factors !== null && model.factors.items.length !== model.items.length)) {
    throw new Error('recommenderFromJSON: invalid recommender model: popularity/weights/factors do not match items');
  }
  if (model.selected.model === 'als' && model.factors === null) throw new Error('recommenderFromJSON: invalid recommender model: ALS selected without factors');
  const known = new Set(model.items);
  for (const list of model.weights) for (const [item] of list) if (!known.has(item)) throw new Error(`recommenderFromJSON: invalid recommender model: unknown weight target ${item}`);
  for (const list of model.neighbours) for (const [item] of list) if (!known.has(item)) throw new Error(`recommenderFromJSON: invalid recommender model: unknown neighbour ${item}`);
  return model;
}

/**
 * A version 1 model (item-CF blended with popularity, no selection) read as what it was: its cosine
 * neighbours as the item-item weights, blended with owner counts by n / (n + hybridShrink).
 */
function upgradeV1(value: Record<string, unknown>): Record<string, unknown> {
  if (value.kind !== RECOMMENDER_KIND || value.version !== 1) return value;
  const options = (value.options ?? {}) as Record<string, unknown>;
  return {
    ...value,
    version: RECOMMENDER_VERSION,
    options: { ...options, seed: 42 },
    selected: { model: 'itemKNN', params: { neighbours: Number(options.neighbours ?? 50), shrink: 0 }, variant: 'version 1 item-CF', blend: { weight: 1, shrink: Number(options.hybridShrink ?? 2) }, halfLifeDays: 0, validation: null },
    popularity: value.itemCounts,
    weights: value.neighbours,
    factors: null,
    rating: null,
  };
}
