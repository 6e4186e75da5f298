import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../domain/random.mjs';
import { alsLoss, easeDense, easePruned, fitAls, gram, implicitData, itemKnnLists, scoreUserKnn } from './implicit.ts';
import { invertSpdInPlace, solveSpd } from './linalg.ts';
import { fitRating, predictWith, selectRatingModel, type RatingTriple } from './rating.ts';
import { fitRecommender, predictRating, recommend, recommendForItems, recommenderFromJSON, recommenderToJSON, type Interaction } from './recommender.ts';
import { clearlyBetter, validationSplit } from './select.ts';

/**
 * Users x items (A B C):
 *   u0  1 1 .
 *   u1  1 1 1
 *   u2  . 1 1
 *   u3  1 . .
 * XᵀX = [[3,2,1],[2,3,2],[1,2,2]].
 */
const TINY = implicitData(3, [
  [[0, 1], [1, 1]],
  [[0, 1], [1, 1], [2, 1]],
  [[1, 1], [2, 1]],
  [[0, 1]],
]);

/** The inverse of a 3x3 matrix by its adjugate: a formula independent of the Gauss-Jordan code. */
function adjugateInverse(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m as [[number, number, number], [number, number, number], [number, number, number]];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

describe('linear algebra', () => {
  it('inverts an SPD matrix as the adjugate formula does, and solves by Cholesky', () => {
    const m = [
      [4, 2, 1],
      [2, 4, 2],
      [1, 2, 3],
    ];
    const inv = invertSpdInPlace(Float64Array.from(m.flat()), 3);
    adjugateInverse(m).flat().forEach((v, t) => expect(inv[t]).toBeCloseTo(v, 12));
    const x = solveSpd(Float64Array.from(m.flat()), 3, Float64Array.of(1, 2, 3));
    // m x = b
    m.forEach((row, r) => expect(row.reduce((s, v, c) => s + v * (x[c] as number), 0)).toBeCloseTo([1, 2, 3][r] as number, 12));
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => invertSpdInPlace(Float64Array.of(1, 2, 2, 1), 2)).toThrow(/not positive definite/);
  });
});

describe('EASE', () => {
  it('equals the closed form B = I - P diagMat(1/diag P), P = (XᵀX + λI)⁻¹, on a 3x3 case', () => {
    const lambda = 1;
    const p = adjugateInverse([
      [3 + lambda, 2, 1],
      [2, 3 + lambda, 2],
      [1, 2, 2 + lambda],
    ]);
    const b = easeDense(TINY, gram(TINY), lambda);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const expected = i === j ? 0 : -((p[i] as number[])[j] as number) / ((p[j] as number[])[j] as number);
        expect(b[i * 3 + j]).toBeCloseTo(expected, 12);
      }
    }
  });

  it('scores a history by the sum of its rows of B, through the product model', () => {
    const interactions: Interaction[] = [
      ['u0', 'A'], ['u0', 'B'], ['u1', 'A'], ['u1', 'B'], ['u1', 'C'], ['u2', 'B'], ['u2', 'C'], ['u3', 'A'],
    ].map(([user, item]) => ({ user: user as string, item: item as string }));
    const model = fitRecommender(interactions, { models: ['ease'], ease: { lambda: 1 }, blend: 'none' });
    expect(model.selected).toMatchObject({ model: 'ease', variant: 'dense', blend: { weight: 1, shrink: 0 } });
    const b = easeDense(TINY, gram(TINY), 1);
    // a history of A: B and C score B_AB and B_AC; the top is scaled to 1 (w = 1, no popularity part).
    const recs = recommendForItems(model, ['A'], { n: 2 });
    const top = Math.max(b[1] as number, b[2] as number);
    expect(recs.map((r) => r.score)).toEqual([1, Math.min(b[1] as number, b[2] as number) / top].map((v) => expect.closeTo(v, 12)));
  });

  it('pruned: each column is the ridge regression on its neighbours only', () => {
    // m = 1: column C regressed on its most co-bought item, B (2 co-buyers): b = G_BC / (G_BB + λ) = 2 / 4.
    const lists = easePruned(TINY, gram(TINY), 1, 1);
    const bRow = lists.idx[1] as Int32Array;
    const t = [...bRow].indexOf(2);
    expect(t).toBeGreaterThanOrEqual(0);
    expect(lists.w[1]?.[t]).toBeCloseTo(0.5, 12);
    // A is regressed on B (2 co-buyers, more than C's 1): nothing from C toward A.
    expect([...(lists.idx[2] as Int32Array)]).not.toContain(0);
  });
});

describe('neighbourhoods', () => {
  it('item-kNN keeps the k most similar by shrunk cosine', () => {
    // counts A 3, B 3, C 2; co-buys AB 2, AC 1, BC 2.
    const lists = itemKnnLists(TINY, gram(TINY), 2, 0);
    expect([...(lists.idx[0] as Int32Array)]).toEqual([1, 2]);
    expect(lists.w[0]?.[0]).toBeCloseTo(2 / 3, 12);
    expect(lists.w[0]?.[1]).toBeCloseTo(1 / Math.sqrt(6), 12);
    expect([...(lists.idx[2] as Int32Array)]).toEqual([1, 0]); // C: B (2/√6) before A (1/√6)
    const shrunk = itemKnnLists(TINY, gram(TINY), 1, 3);
    expect([...(shrunk.idx[0] as Int32Array)]).toEqual([1]);
    expect(shrunk.w[0]?.[0]).toBeCloseTo(2 / (3 + 3), 12);
  });

  it('user-kNN sums the similarities of the k nearest users, leaving the user out', () => {
    // u3 owns A: u0 (1 / √2) and u1 (1 / √3) overlap; u2 does not.
    const out = new Float64Array(3);
    scoreUserKnn(TINY, Int32Array.of(0), 1, 0, out, 3);
    expect([...out].map((v) => Number(v.toFixed(12)))).toEqual([1 / Math.SQRT2, 1 / Math.SQRT2, 0].map((v) => Number(v.toFixed(12))));
    scoreUserKnn(TINY, Int32Array.of(0), 2, 0, out, 3);
    expect(out[1]).toBeCloseTo(1 / Math.SQRT2 + 1 / Math.sqrt(3), 12);
    expect(out[2]).toBeCloseTo(1 / Math.sqrt(3), 12);
    // u0 scoring itself: left out, so C gets u1's 2 / √6 and u2's 1 / √4.
    scoreUserKnn(TINY, Int32Array.of(0, 1), 5, 0, out, 0);
    expect(out[2]).toBeCloseTo(2 / Math.sqrt(6) + 1 / 2, 12);
  });
});

/** Two blocks of products bought together, plus noise; seeded. */
function blocks(users: number, seed: number): Interaction[] {
  const random = mulberry32(seed);
  const out: Interaction[] = [];
  for (let u = 0; u < users; u++) {
    const block = u % 2 === 0 ? ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'] : ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
    for (const item of block) if (random() < 0.55) out.push({ user: `u${u}`, item, weight: 1 + Math.floor(random() * 3) });
    if (random() < 0.3) out.push({ user: `u${u}`, item: 'staple' });
  }
  return out;
}

describe('implicit ALS', () => {
  it('lowers its loss every sweep and ranks a block-mate first', () => {
    const rows = new Map<string, Array<[number, number]>>();
    const names = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'staple'];
    for (const x of blocks(200, 3)) rows.set(x.user, [...(rows.get(x.user) ?? []), [names.indexOf(x.item), x.weight ?? 1]]);
    const d = implicitData(names.length, [...rows.values()]);
    const losses: number[] = [];
    fitAls(d, { factors: 4, reg: 1, alpha: 5, iterations: 8, seed: 1 }, (l) => losses.push(l));
    expect(losses).toHaveLength(8);
    for (let t = 1; t < losses.length; t++) expect(losses[t]).toBeLessThanOrEqual((losses[t - 1] as number) * (1 + 1e-9));
    expect(losses.at(-1)).toBeLessThan((losses[0] as number) * 0.999);
    const model = fitRecommender(blocks(200, 3), { models: ['als'], als: { factors: 2, reg: 10, alpha: 5 }, blend: 'none' });
    expect(recommendForItems(model, ['a1', 'a2'], { n: 1 })[0]?.item).toMatch(/^a/);
    expect(recommendForItems(model, ['b1', 'b2'], { n: 1 })[0]?.item).toMatch(/^b/);
  });

  it('reports a loss that is the objective (0 for a perfect fit without ridge)', () => {
    const d = implicitData(1, [[[0, 1]]]);
    // x·y = 1 on the one owned pair: no error, no regulariser.
    expect(alsLoss(d, Float64Array.of(1), Float64Array.of(1), 1, { reg: 0, alpha: 1 }, Float64Array.of(1))).toBe(0);
  });
});

describe('selection', () => {
  it('picks popularity on a staple-only catalogue', () => {
    // Every account buys each staple independently with its own rate: nothing but popularity to learn.
    const random = mulberry32(11);
    const rates = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
    const data: Interaction[] = [];
    for (let u = 0; u < 400; u++) rates.forEach((r, i) => random() < r && data.push({ user: `a${u}`, item: `staple${i}` }));
    const model = fitRecommender(data);
    expect(model.selected.model).toBe('popular');
    expect(model.selected.validation?.trials.length).toBeGreaterThan(5);
    expect(recommend(model, 'a0', { n: 8 }).every((r) => r.source === 'popularity')).toBe(true);
  });

  it('picks a collaborative model when products come in blocks, beating popularity on validation', () => {
    const model = fitRecommender(blocks(300, 5));
    expect(model.selected.model).not.toBe('popular');
    const trials = model.selected.validation?.trials ?? [];
    const popular = trials.find((t) => t.model === 'popular');
    const chosen = trials.filter((t) => t.model === model.selected.model).sort((a, b) => b.recall - a.recall)[0];
    expect(chosen!.recall).toBeGreaterThan(popular!.recall);
  });

  it('gives a user with no history the selected popularity', () => {
    const model = fitRecommender(blocks(300, 5));
    expect(recommend(model, 'stranger', { n: 2 }).map((r) => r.source)).toEqual(['popularity', 'popularity']);
  });

  it('needs a gain over two standard errors to leave popularity', () => {
    expect(clearlyBetter(Float64Array.of(1, 0, 1, 0), Float64Array.of(0, 1, 0, 1))).toBe(false);
    // differences 1, 1, 1, 0: mean 0.75, sd 0.5, standard error 0.25: 0.75 > 0.5
    expect(clearlyBetter(Float64Array.of(1, 1, 1, 0), Float64Array.of(0, 0, 0, 0))).toBe(true);
    // differences 1, 1, 0, 0: mean 0.5, standard error 0.29: 0.5 < 0.58
    expect(clearlyBetter(Float64Array.of(1, 1, 0, 0), Float64Array.of(0, 0, 0, 0))).toBe(false);
  });

  it('validates by time when the interactions are dated: each user\'s last date out', () => {
    const events = [
      { events: [[0, 1, 1], [1, 1, 1], [2, 1, 5], [0, 1, 5]] as Array<readonly [number, number, number]> },
      { events: [[1, 1, 2]] as Array<readonly [number, number, number]> },
    ];
    const split = validationSplit(3, events, 1, 100);
    expect(split.dated).toBe(true);
    expect(split.users).toEqual([0]);
    expect([...(split.relevant[0] as Int32Array)]).toEqual([2]); // item 0 was bought before: not new
    expect([...split.train.cols.subarray(split.train.rowPtr[0], split.train.rowPtr[1])]).toEqual([0, 1]);
  });
});

describe('reasons and determinism', () => {
  // Most owners of A also own C; D is bought alone.
  const data: Interaction[] = [
    ...['x1', 'x2', 'x3', 'x4'].flatMap((u, t) => [{ user: u, item: 'A' }, ...(t < 3 ? [{ user: u, item: 'C' }] : [])]),
    { user: 'x5', item: 'D' },
    { user: 'x6', item: 'D' },
    { user: 'x6', item: 'B' },
    { user: 'me', item: 'A' },
    { user: 'me', item: 'D' },
  ];

  for (const models of [['itemKNN'], ['ease']] as const) {
    it(`name the owned item whose ${models[0]} weight drives the recommendation`, () => {
      const model = fitRecommender(data, { models, itemKNN: { neighbours: 10 }, ease: { lambda: 1 }, blend: 'none' });
      const [top] = recommend(model, 'me', { n: 1 });
      expect(top?.item).toBe('C');
      expect(top?.because).toBe('A');
      // 3 of the 5 owners of A (x1..x4 and me) own C
      expect(top?.reason).toBe('bought by 60 % of accounts that own A');
      expect(top?.share).toBeCloseTo(0.6, 12);
    });
  }

  it('are identical for a seed, model and JSON alike', () => {
    const a = fitRecommender(blocks(200, 9), { seed: 3 });
    const b = fitRecommender(blocks(200, 9), { seed: 3 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('round-trip through JSON for every model kind', () => {
    for (const models of [['popular'], ['itemKNN'], ['userKNN'], ['ease'], ['als']] as const) {
      const model = fitRecommender(blocks(120, 2), { models, blend: 'none', itemKNN: { neighbours: 5 }, userKNN: { neighbours: 10 }, ease: { lambda: 10 }, als: { factors: 3, iterations: 4 } });
      expect(model.selected.model).toBe(models[0]);
      const loaded = recommenderFromJSON(JSON.stringify(recommenderToJSON(model)));
      for (const user of ['u0', 'u1', 'u7', 'nobody']) expect(recommend(loaded, user, { n: 4 })).toEqual(recommend(model, user, { n: 4 }));
    }
  });

  it('rejects a saved ALS model without its factors, and bad options by name', () => {
    const model = recommenderToJSON(fitRecommender(blocks(60, 2), { models: ['als'], blend: 'none', als: { factors: 2, iterations: 2 } }));
    expect(() => recommenderFromJSON({ ...model, factors: null })).toThrow(/ALS selected without factors/);
    expect(() => fitRecommender(blocks(20, 1), { models: ['svd' as never] })).toThrow(/invalid option models/);
    expect(() => fitRecommender(blocks(20, 1), { ease: { lambda: -1 } })).toThrow(/invalid option ease.lambda/);
    expect(() => fitRecommender([{ user: 'a', item: 'b', at: 'not a date' }])).toThrow(/no valid interaction.*not a date/);
  });
});

describe('rating model', () => {
  it('bias baseline: item then user deviations from the mean (no ridge, one sweep)', () => {
    // ratings: (u0, i0) 5, (u0, i1) 3, (u1, i0) 4; mean 4.
    const data: RatingTriple[] = [
      { user: 0, item: 0, rating: 5 },
      { user: 0, item: 1, rating: 3 },
      { user: 1, item: 0, rating: 4 },
    ];
    const m = fitRating(data, 2, 2, { kind: 'bias', params: { regUser: 0, regItem: 0, epochs: 1 } }, 1);
    // b_i0 = mean(1, 0) = 0.5, b_i1 = -1; b_u0 = mean(5-4-0.5, 3-4+1) = 0.25, b_u1 = 4-4-0.5 = -0.5.
    expect(m.itemBias).toEqual([0.5, -1]);
    expect(m.userBias).toEqual([0.25, -0.5]);
    expect(predictWith(m, 0, 0)).toBeCloseTo(4.75, 12);
    expect(predictWith(m, -1, 1)).toBe(3); // unknown user: mean + item bias
  });

  it('selects a factorisation over the biases when the ratings are low rank, on validation', () => {
    const random = mulberry32(4);
    const users = 120;
    const items = 40;
    const u = Array.from({ length: users }, () => [random() * 2 - 1, random() * 2 - 1]);
    const v = Array.from({ length: items }, () => [random() * 2 - 1, random() * 2 - 1]);
    const data: RatingTriple[] = [];
    for (let a = 0; a < users; a++) for (let b = 0; b < items; b++) if (random() < 0.5) data.push({ user: a, item: b, rating: 3 + 1.5 * ((u[a] as number[])[0]! * (v[b] as number[])[0]! + (u[a] as number[])[1]! * (v[b] as number[])[1]!) * 2 + (random() - 0.5) * 0.2 });
    const m = selectRatingModel(data, users, items, 1);
    expect(m.kind).not.toBe('bias');
    const bias = Math.min(...m.validation.filter((r) => r.kind === 'bias').map((r) => r.rmse));
    expect(m.validation[0]!.rmse).toBeLessThan(bias * 0.8);
  });

  it('predictRating uses the rating model when fitted with ratings: true', () => {
    const interactions: Interaction[] = [];
    const random = mulberry32(8);
    for (let a = 0; a < 30; a++) for (let b = 0; b < 10; b++) if (random() < 0.6) interactions.push({ user: `u${a}`, item: `i${b}`, weight: 1 + ((a + b) % 5) });
    const model = fitRecommender(interactions, { aggregate: 'mean', ratings: true });
    const p = predictRating(model, 'u1', 'i2');
    expect(p.model).toBe(model.rating?.kind);
    expect(p.fallback).toBeNull();
    expect(predictRating(model, 'nobody', 'i2').fallback).toBe('itemMean');
    const loaded = recommenderFromJSON(recommenderToJSON(model));
    expect(predictRating(loaded, 'u1', 'i2')).toEqual(p);
  });
});
