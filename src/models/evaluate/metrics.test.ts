import { describe, expect, it } from 'vitest';
import {
  accuracy,
  averagePrecision,
  bestF1Threshold,
  brierScore,
  calibration,
  classificationMetrics,
  confusionCounts,
  expectedCalibrationError,
  f1Score,
  hitRateAtK,
  liftTable,
  mae,
  meanSd,
  ndcgAtK,
  prAuc,
  precision,
  precisionAtK,
  rankingMetrics,
  recall,
  recallAtK,
  reliabilityBins,
  rmse,
  rocAuc,
} from './index.ts';

describe('rocAuc (re-exported)', () => {
  it('is the Mann-Whitney statistic with ties as one half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1])).toBe(0.875);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });
});

describe('averagePrecision (PR AUC)', () => {
  it('matches a hand computation', () => {
    // 0.8 (pos): R .5, P 1 -> .5; 0.4 (neg) adds nothing; 0.35 (pos): R 1, P 2/3 -> + .5 x 2/3
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.5 + 1 / 3, 12);
    expect(prAuc).toBe(averagePrecision);
  });

  it('treats tied scores as one threshold (order inside a tie does not matter)', () => {
    // 0.9 (pos): .5 x 1; tie 0.5 {pos, neg}: recall 1, precision 2/3 -> + .5 x 2/3
    expect(averagePrecision([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1])).toBeCloseTo(0.5 + 1 / 3, 12);
    expect(averagePrecision([0, 1, 1, 0], [0.5, 0.5, 0.9, 0.1])).toBeCloseTo(0.5 + 1 / 3, 12);
    // all tied: precision = base rate
    expect(averagePrecision([1, 0, 0, 0], [1, 1, 1, 1])).toBe(0.25);
  });

  it('is 1 for a perfect ranking and NaN without positives', () => {
    expect(averagePrecision([1, 1, 0], [0.9, 0.8, 0.1])).toBe(1);
    expect(averagePrecision([0, 0], [0.9, 0.8])).toBeNaN();
    expect(averagePrecision([], [])).toBeNaN();
  });

  it('rejects bad input clearly', () => {
    expect(() => averagePrecision([0, 2], [0.1, 0.2])).toThrow(/labels\[1\] is 2/);
    expect(() => averagePrecision([0, 1], [0.1])).toThrow(/2 labels but 1 scores/);
    expect(() => averagePrecision([0, 1], [0.1, Number.NaN])).toThrow(/scores\[1\] is NaN/);
  });
});

describe('classification at a threshold', () => {
  const labels = [1, 1, 0, 0, 1];
  const scores = [0.9, 0.4, 0.6, 0.2, 0.5];

  it('counts score >= threshold as predicted positive', () => {
    expect(confusionCounts(labels, scores, 0.5)).toEqual({ tp: 2, fp: 1, tn: 1, fn: 1 });
    const m = classificationMetrics(labels, scores, 0.5);
    expect(m.accuracy).toBeCloseTo(0.6, 12);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(accuracy(labels, scores)).toBeCloseTo(0.6, 12);
    expect(precision(labels, scores, 0.95)).toBeNaN(); // nothing predicted positive
    expect(recall(labels, scores, 0.95)).toBe(0);
    expect(f1Score(labels, scores, 0.95)).toBe(0);
  });

  it('documents the NaN cases', () => {
    const none = classificationMetrics([0, 0], [0.1, 0.2], 0.5);
    expect(none.recall).toBeNaN(); // no positive
    expect(none.precision).toBeNaN(); // nothing predicted positive
    expect(none.f1).toBeNaN();
    expect(none.accuracy).toBe(1);
    expect(classificationMetrics([], [], 0.5).accuracy).toBeNaN();
  });

  it('finds the best-F1 threshold among the scores', () => {
    // thresholds .9: F1 .5; .6: .4; .5: 2/3; .4: 6/7; .2: .75
    const best = bestF1Threshold(labels, scores);
    expect(best.threshold).toBe(0.4);
    expect(best.f1).toBeCloseTo(6 / 7, 12);
    expect(best).toMatchObject({ tp: 3, fp: 1, tn: 1, fn: 0 });
    expect(best.precision).toBeCloseTo(0.75, 12);
    expect(best.recall).toBe(1);
    expect(bestF1Threshold([0, 0], [0.3, 0.4]).threshold).toBeNaN();
    // ties: one threshold for the tie group
    expect(bestF1Threshold([1, 0, 1], [0.5, 0.5, 0.5])).toMatchObject({ threshold: 0.5, tp: 2, fp: 1 });
  });
});

describe('liftTable', () => {
  // ten rows already in descending score order
  const scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const labels = [1, 1, 0, 1, 0, 0, 0, 0, 1, 0];

  it('gives count, positives, rate, lift and cumulative gain per group', () => {
    const table = liftTable(labels, scores, 5);
    expect(table.map((r) => r.count)).toEqual([2, 2, 2, 2, 2]);
    expect(table.map((r) => r.positives)).toEqual([2, 1, 0, 0, 1]);
    expect(table.map((r) => r.rate)).toEqual([1, 0.5, 0, 0, 0.5]);
    const lifts = table.map((r) => r.lift);
    [2.5, 1.25, 0, 0, 1.25].forEach((v, i) => expect(lifts[i]).toBeCloseTo(v, 12));
    const gains = table.map((r) => r.cumulativeGain);
    [0.5, 0.75, 0.75, 0.75, 1].forEach((v, i) => expect(gains[i]).toBeCloseTo(v, 12));
    expect(table[1]?.cumulativeLift).toBeCloseTo(0.75 / 0.4, 12);
    expect(table[4]?.cumulativeLift).toBeCloseTo(1, 12);
    expect(table[0]).toMatchObject({ group: 1, minScore: 9, maxScore: 10 });
  });

  it('sorts by score whatever the input order, and makes deciles by default', () => {
    const order = [3, 7, 0, 9, 5, 1, 8, 2, 6, 4];
    const table = liftTable(
      order.map((i) => labels[i] as number),
      order.map((i) => scores[i] as number),
    );
    expect(table).toHaveLength(10);
    expect(table.map((r) => r.positives)).toEqual(labels);
  });

  it('leaves groups empty when there are fewer rows than groups; NaN lift without positives', () => {
    const table = liftTable([1, 0, 0], [0.9, 0.5, 0.1], 4);
    expect(table.map((r) => r.count)).toEqual([0, 1, 1, 1]);
    expect(table[0]?.rate).toBeNaN();
    expect(liftTable([0, 0], [0.1, 0.2], 2)[0]?.lift).toBeNaN();
    expect(() => liftTable([], [])).toThrow(/no rows/);
  });
});

describe('calibration', () => {
  const labels = [0, 0, 1, 1, 1];
  const probabilities = [0.05, 0.15, 0.12, 0.95, 1];

  it('bins probabilities by equal width, the last bin including 1', () => {
    const bins = reliabilityBins(labels, probabilities, 10);
    expect(bins).toHaveLength(10);
    expect(bins[0]).toMatchObject({ lower: 0, upper: 0.1, count: 1, observedRate: 0 });
    expect(bins[0]?.meanPredicted).toBeCloseTo(0.05, 12);
    expect(bins[1]?.count).toBe(2);
    expect(bins[1]?.meanPredicted).toBeCloseTo(0.135, 12);
    expect(bins[1]?.observedRate).toBe(0.5);
    expect(bins[9]?.count).toBe(2);
    expect(bins[9]?.meanPredicted).toBeCloseTo(0.975, 12);
    expect(bins[5]?.count).toBe(0);
    expect(bins[5]?.meanPredicted).toBeNaN();
  });

  it('computes Brier, ECE and MCE', () => {
    const c = calibration(labels, probabilities, 10);
    expect(c.brier).toBeCloseTo((0.0025 + 0.0225 + 0.7744 + 0.0025 + 0) / 5, 12);
    expect(c.brier).toBe(brierScore(labels, probabilities));
    expect(c.ece).toBeCloseTo(0.2 * 0.05 + 0.4 * 0.365 + 0.4 * 0.025, 12);
    expect(c.maxCalibrationError).toBeCloseTo(0.365, 12);
    expect(expectedCalibrationError(labels, probabilities)).toBeCloseTo(c.ece, 12);
    expect(calibration([], []).ece).toBeNaN();
  });

  it('rejects probabilities outside [0, 1]', () => {
    expect(() => reliabilityBins([0], [1.2])).toThrow(/probabilities\[0\] is 1.2/);
    expect(() => reliabilityBins([0], [Number.NaN])).toThrow(/probabilities\[0\] is NaN/);
  });
});

describe('rmse and mae', () => {
  it('match hand computations', () => {
    expect(rmse([3, 4, 5], [2.5, 4, 6])).toBeCloseTo(Math.sqrt(1.25 / 3), 12);
    expect(mae([3, 4, 5], [2.5, 4, 6])).toBeCloseTo(0.5, 12);
    expect(rmse([], [])).toBeNaN();
    expect(mae([], [])).toBeNaN();
    expect(() => rmse([1], [Number.POSITIVE_INFINITY])).toThrow(/predicted\[0\] is Infinity/);
    expect(() => mae([1, 2], [1])).toThrow(/2 actual values but 1 predictions/);
  });
});

describe('top-k metrics', () => {
  const recommended = ['a', 'b', 'c', 'd'];
  const relevant = ['b', 'd', 'x'];
  const log2 = Math.log2;

  it('precision, recall, hit rate and nDCG at k', () => {
    expect(precisionAtK(recommended, relevant, 3)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(recommended, relevant, 3)).toBeCloseTo(1 / 3, 12);
    expect(hitRateAtK(recommended, relevant, 3)).toBe(1);
    expect(hitRateAtK(recommended, ['x'], 3)).toBe(0);
    const ideal = 1 + 1 / log2(3) + 1 / log2(4);
    expect(ndcgAtK(recommended, relevant, 3)).toBeCloseTo(1 / log2(3) / ideal, 12);
    expect(ndcgAtK(recommended, relevant, 4)).toBeCloseTo((1 / log2(3) + 1 / log2(5)) / ideal, 12);
    expect(ndcgAtK(['b', 'd'], ['b', 'd'], 10)).toBe(1);
  });

  it('does not reward short lists or repeated items; NaN without relevant items', () => {
    expect(precisionAtK(['b'], relevant, 10)).toBeCloseTo(0.1, 12);
    expect(precisionAtK(['b', 'b', 'c'], ['b'], 2)).toBe(0.5);
    expect(recallAtK(['a'], [], 3)).toBeNaN();
    expect(ndcgAtK(['a'], [], 3)).toBeNaN();
    expect(hitRateAtK(['a'], [], 3)).toBeNaN();
    expect(precisionAtK([], ['a'], 3)).toBe(0);
    expect(() => precisionAtK(['a'], ['a'], 0)).toThrow(/k must be a positive integer/);
  });

  it('averages over cases that have a relevant item', () => {
    const m = rankingMetrics(
      [
        { recommended: ['a', 'b'], relevant: ['a'] },
        { recommended: ['a', 'b'], relevant: ['c'] },
        { recommended: ['a'], relevant: [] },
      ],
      2,
    );
    expect(m).toMatchObject({ k: 2, cases: 2, hitRate: 0.5, precision: 0.25, recall: 0.5, ndcg: 0.5 });
    expect(rankingMetrics([], 3).hitRate).toBeNaN();
  });
});

describe('meanSd', () => {
  it('gives the mean and the sample standard deviation, skipping NaN', () => {
    const s = meanSd([1, 2, 3, 4, Number.NaN]);
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s.n).toBe(4);
    expect(meanSd([7])).toEqual({ mean: 7, sd: 0, n: 1 });
    expect(meanSd([]).mean).toBeNaN();
  });
});
