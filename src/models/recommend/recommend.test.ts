import { describe, expect, it } from 'vitest';
import { fitRecommender, itemSimilarity, predictRating, recommend, recommendForItems, recommenderFromJSON, recommenderToJSON } from './recommender.ts';
import type { Interaction, RecommenderModel, Strategy } from './recommender.ts';
import { similarity } from './similarity.ts';

/**
 * Ratings:   A  B  C        user means
 *   u1       5  3  .        4
 *   u2       4  4  1        3
 *   u3       1  .  5        3
 *   u4       .  2  4        3
 *   u5       2  1  3        2
 */
const RATINGS: Interaction[] = [
  { user: 'u1', item: 'A', weight: 5 },
  { user: 'u1', item: 'B', weight: 3 },
  { user: 'u2', item: 'A', weight: 4 },
  { user: 'u2', item: 'B', weight: 4 },
  { user: 'u2', item: 'C', weight: 1 },
  { user: 'u3', item: 'A', weight: 1 },
  { user: 'u3', item: 'C', weight: 5 },
  { user: 'u4', item: 'B', weight: 2 },
  { user: 'u4', item: 'C', weight: 4 },
  { user: 'u5', item: 'A', weight: 2 },
  { user: 'u5', item: 'B', weight: 1 },
  { user: 'u5', item: 'C', weight: 3 },
];

const vec = (entries: Record<string, number>) => new Map(Object.entries(entries));
const A = vec({ u1: 5, u2: 4, u3: 1, u5: 2 });
const B = vec({ u1: 3, u2: 4, u4: 2, u5: 1 });
const C = vec({ u2: 1, u3: 5, u4: 4, u5: 3 });
const USER_MEANS = vec({ u1: 4, u2: 3, u3: 3, u4: 3, u5: 2 });

describe('similarity measures, by hand', () => {
  it('cosine treats missing as 0', () => {
    // Common users u1, u2, u5: 15 + 16 + 2 = 33; norms over every rating: 46 and 30.
    expect(similarity(A, B, 'cosine').similarity).toBeCloseTo(33 / Math.sqrt(46 * 30), 12);
    expect(similarity(A, B, 'cosine').support).toBe(3);
  });

  it('pearson over common users', () => {
    // A (5, 4, 2), mean 11/3; B (3, 4, 1), mean 8/3: deviations (4, 1, -5)/3 and (1, 4, -5)/3 -> 33/42.
    expect(similarity(A, B, 'pearson').similarity).toBeCloseTo(33 / 42, 12);
  });

  it('adjusted cosine centres on the user means', () => {
    // A,C over u2, u3, u5: A - m = (1, -2, 0), C - m = (-2, 2, 1) -> -6 / (sqrt(5) * 3).
    expect(similarity(A, C, 'adjustedCosine', USER_MEANS).similarity).toBeCloseTo(-6 / (3 * Math.sqrt(5)), 12);
    // B,C over u2, u4, u5: (1, -1, -1) and (-2, 1, 1) -> -4 / sqrt(3 * 6).
    expect(similarity(B, C, 'adjustedCosine', USER_MEANS).similarity).toBeCloseTo(-4 / Math.sqrt(18), 12);
  });

  it('euclidean 1/(1+d) and msd over common users', () => {
    // A - B over u1, u2, u5: 2, 0, 1.
    expect(similarity(A, B, 'euclidean').similarity).toBeCloseTo(1 / (1 + Math.sqrt(5)), 12);
    expect(similarity(A, B, 'msd').similarity).toBeCloseTo(1 / (1 + 5 / 3), 12);
  });

  it('gives 0 without common users or variance', () => {
    for (const m of ['cosine', 'pearson', 'adjustedCosine', 'euclidean', 'msd'] as const) {
      expect(similarity(vec({ u1: 1 }), vec({ u2: 1 }), m, USER_MEANS)).toEqual({ similarity: 0, support: 0 });
    }
    expect(similarity(vec({ u1: 1, u2: 1 }), vec({ u1: 1, u2: 1 }), 'pearson').similarity).toBe(0);
  });

  it('is what the fitted model keeps, and only positive similarities are neighbours', () => {
    const cosine = fitRecommender(RATINGS, { similarity: 'cosine' });
    expect(itemSimilarity(cosine, 'A', 'B')).toBeCloseTo(33 / Math.sqrt(46 * 30), 12);
    expect(itemSimilarity(cosine, 'B', 'A')).toBe(itemSimilarity(cosine, 'A', 'B'));
    const adjusted = fitRecommender(RATINGS, { similarity: 'adjustedCosine' });
    expect(itemSimilarity(adjusted, 'A', 'C')).toBe(0); // negative: not a neighbour
    expect(adjusted.neighbours.flat()).toEqual([]);
    const pearson = fitRecommender(RATINGS, { similarity: 'pearson' });
    expect(itemSimilarity(pearson, 'A', 'B')).toBeCloseTo(33 / 42, 12);
  });
});

describe('predictRating (KNNWithMeans)', () => {
  it('matches a hand computation with msd', () => {
    const model = fitRecommender(RATINGS, { aggregate: 'mean', userSimilarity: 'msd' });
    // u1 (mean 4) vs raters of C: u2 msd 1 -> 1/2, u3 16 -> 1/17, u4 1 -> 1/2, u5 6.5 -> 2/15.
    const sims = [0.5, 1 / 17, 0.5, 2 / 15];
    const deviations = [1 - 3, 5 - 3, 4 - 3, 3 - 2];
    const expected = 4 + sims.reduce((s, w, i) => s + w * (deviations[i] as number), 0) / sims.reduce((a, b) => a + b, 0);
    const p = predictRating(model, 'u1', 'C');
    expect(p.rating).toBeCloseTo(expected, 12);
    expect(p.neighbours).toBe(4);
    expect(p.fallback).toBeNull();
  });

  it('uses the k most similar (ties by id) and falls back to means', () => {
    const model = fitRecommender(RATINGS, { aggregate: 'mean', userSimilarity: 'msd', userNeighbours: 2 });
    // u2 and u4 (both 1/2): 4 + (0.5 * -2 + 0.5 * 1) / 1.
    expect(predictRating(model, 'u1', 'C').rating).toBeCloseTo(3.5, 12);
    expect(predictRating(model, 'nobody', 'C')).toEqual({ rating: 3.25, neighbours: 0, fallback: 'itemMean', model: 'knn' });
    expect(predictRating(model, 'u1', 'Z')).toEqual({ rating: 4, neighbours: 0, fallback: 'userMean', model: 'knn' });
    expect(predictRating(model, 'nobody', 'Z').fallback).toBe('globalMean');
  });
});

/**
 * Purchases (presence):  X  Y  Z  W
 *   a1                   1  1  .  .
 *   a2                   1  1  .  .
 *   a3                   1  1  1  .
 *   a4                   1  .  1  .
 *   a5                   .  1  .  .
 *   a6                   .  .  .  1
 */
const PURCHASES: Interaction[] = [
  ['a1', 'X'],
  ['a1', 'Y'],
  ['a2', 'X'],
  ['a2', 'Y'],
  ['a3', 'X'],
  ['a3', 'Y'],
  ['a3', 'Z'],
  ['a4', 'X'],
  ['a4', 'Z'],
  ['a5', 'Y'],
  ['a6', 'W'],
].map(([user, item]) => ({ user: user as string, item: item as string }));

describe('recommend', () => {
  const model = fitRecommender(PURCHASES);

  it('scores item-CF by summed similarity and explains with co-purchase shares', () => {
    // a1 owns X, Y: Z scores cos(X,Z) + cos(Y,Z) = 2/sqrt(8) + 1/sqrt(8); X contributes most,
    // and 2 of the 4 owners of X own Z.
    const [z, ...rest] = recommend(model, 'a1', { strategy: 'itemCF' });
    expect(rest).toEqual([]); // W is never bought with X or Y
    expect(z?.item).toBe('Z');
    expect(z?.score).toBeCloseTo(3 / Math.sqrt(8), 12);
    expect(z?.reason).toBe('bought by 50 % of accounts that own X');
    expect(z?.because).toBe('X');
    expect(z?.share).toBe(0.5);
    // a5 owns Y: X is bought by 3 of the 4 owners of Y, Z by 1.
    const forA5 = recommend(model, 'a5', { strategy: 'itemCF' });
    expect(forA5.map((r) => [r.item, r.reason])).toEqual([
      ['X', 'bought by 75 % of accounts that own Y'],
      ['Z', 'bought by 25 % of accounts that own Y'],
    ]);
    expect(forA5[0]?.score).toBeCloseTo(0.75, 12);
  });

  it('never recommends owned or excluded items', () => {
    for (const strategy of ['hybrid', 'itemCF', 'popular', 'fallback'] as Strategy[]) {
      for (const user of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']) {
        const owned = PURCHASES.filter((p) => p.user === user).map((p) => p.item);
        const items = recommend(model, user, { strategy, n: 10 }).map((r) => r.item);
        for (const item of owned) expect(items).not.toContain(item);
      }
    }
    expect(recommend(model, 'a1', { n: 10, exclude: ['Z'] }).map((r) => r.item)).toEqual(['W']);
    expect(recommendForItems(model, ['X', 'Y', 'Z', 'W'])).toEqual([]);
  });

  it('reads a version 1 model as its hybrid: CF and popularity blended by n / (n + 2)', () => {
    // a1 has 2 items: CF weight 2 / (2 + 2) = 0.5; both parts scaled to their maximum over the candidates.
    // Z: 0.5 * 1 + 0.5 * (2/6)/(2/6) = 1; W: 0 + 0.5 * (1/6)/(2/6) = 0.25.
    const { selected, popularity, weights, factors, rating, ...rest } = recommenderToJSON(model);
    void [selected, popularity, weights, factors, rating];
    const v1 = { ...rest, version: 1, options: { ...rest.options, seed: undefined, coldStartMaxItems: 1 } };
    const recs = recommend(recommenderFromJSON(JSON.parse(JSON.stringify(v1))), 'a1', { n: 5 });
    expect(recs.map((r) => r.item)).toEqual(['Z', 'W']);
    expect(recs[0]?.score).toBeCloseTo(1, 12);
    expect(recs[0]?.source).toBe('itemCF');
    expect(recs[1]?.score).toBeCloseTo(0.25, 12);
    expect(recs[1]?.reason).toBe('popular: owned by 17 % of accounts');
  });

  it('gives cold-start users the popular items, ties by item id', () => {
    // X and Y are both owned by 4 accounts: X first.
    expect(recommend(model, 'someone new').map((r) => r.item)).toEqual(['X', 'Y', 'Z']);
    expect(recommend(model, 'someone new')[0]?.reason).toBe('popular: owned by 67 % of accounts');
    // a5 owns one item: the fallback, not CF.
    expect(recommend(model, 'a5').map((r) => [r.item, r.source])).toEqual([
      ['X', 'popularity'],
      ['Z', 'popularity'],
      ['W', 'popularity'],
    ]);
    expect(recommendForItems(model, ['unknown product']).map((r) => r.item)).toEqual(['X', 'Y', 'Z']);
  });

  it('re-ranks the popular items by content similarity when metadata exists', () => {
    const withMeta = fitRecommender(PURCHASES, { contentWeight: 1, coldStartMaxItems: 1 }, [
      { item: 'W', attributes: { series: 'S', tier: 'pro' } },
      { item: 'Z', attributes: { series: 'S', tier: 'pro' } },
      { item: 'X', attributes: { series: 'T', tier: 'basic' } },
      { item: 'Y', attributes: { series: 'T', tier: 'pro' } },
    ]);
    // a6 owns W. Z: 2/6 / (4/6) + 1 * 1 = 1.5; Y: 1 + 1 * 1/2 = 1.5 (tie, Y < Z); X: 1.
    const recs = recommend(withMeta, 'a6');
    expect(recs.map((r) => r.item)).toEqual(['Y', 'Z', 'X']);
    expect(recs[1]?.reason).toBe('like W (series = S, tier = pro); owned by 33 % of accounts');
    expect(recs[1]?.source).toBe('content');
    expect(recs[2]?.source).toBe('popularity');
  });

  it('orders ties by item id whatever the input order', () => {
    const rows: Interaction[] = [
      { user: 'b1', item: 'O' },
      { user: 'b1', item: 'Q' },
      { user: 'b2', item: 'O' },
      { user: 'b2', item: 'P' },
      { user: 'b3', item: 'O' },
    ];
    for (const data of [rows, [...rows].reverse()]) {
      const m = fitRecommender(data);
      const recs = recommend(m, 'b3', { strategy: 'itemCF' });
      expect(recs.map((r) => r.item)).toEqual(['P', 'Q']);
      expect(recs[0]?.score).toBe(recs[1]?.score);
    }
    expect(fitRecommender([...rows].reverse())).toEqual(fitRecommender(rows));
  });

  it('sums quantities, skips malformed interactions and says why', () => {
    const m = fitRecommender([
      { user: 'a', item: 'X', weight: 2 },
      { user: 'a', item: 'X', weight: 3 },
      { user: '', item: 'X' },
      { user: 'b', item: 'X', weight: Number.NaN },
      { user: 'b', item: '  ' },
      { user: 'b', item: 'Y' },
    ]);
    expect(m.users).toEqual([
      ['a', [['X', 5]]],
      ['b', [['Y', 1]]],
    ]);
    expect(m.metrics.skipped).toBe(3);
    expect(m.metrics.skippedExamples[0]).toMatch(/interaction 2: blank or missing user/);
    expect(() => fitRecommender([{ user: '', item: 'X' }])).toThrow(/no valid interaction/);
    expect(() => fitRecommender(PURCHASES, { neighbours: 0 })).toThrow(/invalid option neighbours/);
  });
});

describe('recommender JSON', () => {
  function roundTrip(model: RecommenderModel): RecommenderModel {
    return recommenderFromJSON(JSON.stringify(recommenderToJSON(model)));
  }

  it('round-trips with identical recommendations and predictions', () => {
    const model = fitRecommender(PURCHASES, { similarity: 'adjustedCosine' }, [{ item: 'W', attributes: { series: 'S' } }]);
    const loaded = roundTrip(model);
    expect(loaded).toEqual(model);
    for (const strategy of ['hybrid', 'itemCF', 'popular', 'fallback'] as Strategy[]) {
      for (const user of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'new']) {
        expect(recommend(loaded, user, { strategy, n: 4 })).toEqual(recommend(model, user, { strategy, n: 4 }));
      }
    }
    const ratings = fitRecommender(RATINGS, { aggregate: 'mean', userSimilarity: 'pearson' });
    const loadedRatings = roundTrip(ratings);
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5']) for (const i of ['A', 'B', 'C']) expect(predictRating(loadedRatings, u, i)).toEqual(predictRating(ratings, u, i));
  });

  it('checks the tag and shape', () => {
    const json = recommenderToJSON(fitRecommender(PURCHASES));
    expect(() => recommenderFromJSON({ ...json, kind: 'segments' })).toThrow(/not a recommender model/);
    expect(() => recommenderFromJSON({ ...json, version: 9 })).toThrow(/unsupported recommender model version 9/);
    expect(() => recommenderFromJSON({ ...json, itemCounts: [1] })).toThrow(/do not match items/);
    expect(() => recommenderFromJSON({ ...json, neighbours: json.neighbours.map(() => [['nope', 0.5, 1]]) })).toThrow(/unknown neighbour nope/);
    expect(() => recommenderFromJSON({ ...json, users: 'x' })).toThrow(/invalid recommender model/);
  });
});
