/**
 * How often the recommendations name what a contact went on to own, measured the only way ownership
 * data allows without dates: one owned product per contact (with at least two) hidden, the model fitted
 * on the rest, a hit when the hidden product is among the top k. Most-popular is measured on the same
 * hidden products beside it, so the report says whether the model is worth more than a bestseller list.
 */
import { mulberry32, shuffleInPlace } from '../../domain/random.mjs';
import { fitRecommender, recommend, type Interaction, type RecommenderModel, type RecommenderOptions } from './recommender.ts';

export interface HoldoutHitRate {
  k: number;
  /** Contacts with a hidden product (those owning two or more). */
  contacts: number;
  hitRate: number;
  popularHitRate: number;
  /** How it was measured, for readers of the report. */
  evaluation: string;
}

/**
 * Null when no contact owns two products (nothing can be hidden). At most `maxContacts` are evaluated.
 * `fit` replaces the product's fit (benchmarks measure other models on the same hidden products).
 */
export function holdoutHitRate(
  interactions: readonly Interaction[],
  k: number,
  seed: number,
  options: RecommenderOptions = {},
  maxContacts = 2000,
  fit: (train: readonly Interaction[]) => RecommenderModel = (train) => fitRecommender(train, options),
): HoldoutHitRate | null {
  const owned = new Map<string, Set<string>>();
  for (const i of interactions) owned.set(i.user, (owned.get(i.user) ?? new Set()).add(i.item));
  const random = mulberry32(seed);
  const eligible = [...owned.entries()].filter(([, items]) => items.size >= 2).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // a seeded sample: the same training set gives the same figure
  shuffleInPlace(eligible, random);
  const chosen = eligible.slice(0, maxContacts);
  if (chosen.length === 0) return null;
  const hidden = new Map(chosen.map(([user, items]) => {
    const list = [...items].sort();
    return [user, list[Math.floor(random() * list.length)]!];
  }));
  const train = interactions.filter((i) => hidden.get(i.user) !== i.item);
  const model = fit(train);
  let hits = 0;
  let popularHits = 0;
  for (const [user, item] of hidden) {
    if (recommend(model, user, { n: k }).some((r) => r.item === item)) hits++;
    if (recommend(model, user, { n: k, strategy: 'popular' }).some((r) => r.item === item)) popularHits++;
  }
  return {
    k,
    contacts: hidden.size,
    hitRate: hits / hidden.size,
    popularHitRate: popularHits / hidden.size,
    evaluation: `one owned product hidden for each of ${hidden.size} contacts owning two or more, the model refitted without them; a hit when it is in the top ${k}`,
  };
}
