import { describe, expect, it } from 'vitest';
import {
  anovaF,
  FeatureSelector,
  fitFeatureSelector,
  fSurvival,
  logGamma,
  mutualInformation,
  regularizedIncompleteBeta,
  selectByImportance,
  selectKBest,
} from './selection.ts';

// Reference values computed independently (no scipy at hand): integer parameters exactly, as the binomial
// tail I_x(a, b) = P(Binomial(a + b - 1, x) >= a) in rational arithmetic; others from the hypergeometric series
// x^a (1-x)^b / (a B(a, b)) * sum_n (a+b)_n / (a+1)_n x^n, checked against closed forms where one exists.
describe('regularizedIncompleteBeta', () => {
  it('matches exact values for integer parameters', () => {
    expect(regularizedIncompleteBeta(0.3, 2, 3)).toBeCloseTo(0.3483, 14);
    expect(regularizedIncompleteBeta(0.7, 5, 4)).toBeCloseTo(0.80589565, 14);
    // a small tail keeps its relative precision
    expect(regularizedIncompleteBeta(0.05, 10, 10) / 5.939339059664379e-9).toBeCloseTo(1, 10);
  });

  it('matches the series and closed forms for half-integer parameters', () => {
    expect(regularizedIncompleteBeta(0.2, 0.5, 0.5)).toBeCloseTo((2 / Math.PI) * Math.asin(Math.sqrt(0.2)), 13);
    expect(regularizedIncompleteBeta(0.9, 2.5, 1.5)).toBeCloseTo(0.9021193570586202, 13);
    expect(regularizedIncompleteBeta(0.4, 0.5, 3.5)).toBeCloseTo(0.93241670617663, 13);
  });

  it('has the right edges and symmetry', () => {
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    expect(regularizedIncompleteBeta(0.35, 3, 1)).toBeCloseTo(0.35 ** 3, 15); // I_x(a, 1) = x^a
    expect(regularizedIncompleteBeta(0.5, 7.5, 7.5)).toBeCloseTo(0.5, 14);
    expect(regularizedIncompleteBeta(0.3, 4, 2.5) + regularizedIncompleteBeta(0.7, 2.5, 4)).toBeCloseTo(1, 15);
  });

  it('rejects bad arguments', () => {
    expect(() => regularizedIncompleteBeta(1.5, 1, 1)).toThrow(/x in \[0, 1\], got 1.5/);
    expect(() => regularizedIncompleteBeta(0.5, 0, 1)).toThrow(/positive a and b, got a=0/);
    expect(() => regularizedIncompleteBeta(Number.NaN, 1, 1)).toThrow(/got NaN/);
    expect(() => logGamma(-1)).toThrow(/positive argument/);
  });

  it('computes ln Γ', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 13);
  });
});

describe('fSurvival', () => {
  it('matches closed forms, the t distribution and textbook critical values', () => {
    // d1 = 2: P(F > f) = (1 + 2f / d2)^(-d2 / 2)
    expect(fSurvival(5.849, 2, 20)).toBeCloseTo((1 + (2 * 5.849) / 20) ** -10, 15);
    // d1 = d2 = 1: P(F > f) = 1 - (2 / π) atan(√f)
    expect(fSurvival(2, 1, 1)).toBeCloseTo(1 - (2 / Math.PI) * Math.atan(Math.SQRT2), 14);
    // F(1, 4) = t(4)^2: the two-sided t test's p-value
    expect(fSurvival(13.5, 1, 4)).toBeCloseTo(0.02131164112875661, 14);
    expect(fSurvival(2.5, 4, 6)).toBeCloseTo(621 / 4096, 14); // exact: I_{3/8}(3, 2)
    expect(fSurvival(1.2, 5, 200)).toBeCloseTo(0.3105375524064529, 12);
    expect(fSurvival(1, 10, 10)).toBeCloseTo(0.5, 14);
    // 5 % critical values from the tables: F(1, 10) 4.965, F(3, 10) 3.708
    expect(fSurvival(4.965, 1, 10)).toBeCloseTo(0.05, 4);
    expect(fSurvival(3.708, 3, 10)).toBeCloseTo(0.05, 4);
  });

  it('keeps tiny p-values precise and handles the edges', () => {
    expect(fSurvival(50, 3, 96) / 1.4995696026874317e-19).toBeCloseTo(1, 9);
    expect(fSurvival(0, 2, 5)).toBe(1);
    expect(fSurvival(Infinity, 2, 5)).toBe(0);
    expect(() => fSurvival(Number.NaN, 2, 5)).toThrow(/NaN/);
    expect(() => fSurvival(1, 0, 5)).toThrow(/degrees of freedom, got d1=0/);
  });

  it('converges for large samples', () => {
    // a single feature with F = 1 on 100,000 rows: p is about 0.3173 (the chi-square(1) tail at 1)
    expect(fSurvival(1, 1, 100_000)).toBeCloseTo(0.31731, 4);
  });
});

describe('anovaF', () => {
  it('gives the F statistic and p-value on a hand-checked binary case', () => {
    // class means 2 and 5, grand mean 3.5: between 13.5 (1 df), within 4 (4 df) -> F = 13.5
    const X = [[1], [2], [3], [4], [5], [6]];
    const r = anovaF(X, [0, 0, 0, 1, 1, 1]);
    expect(r.f[0]).toBeCloseTo(13.5, 12);
    expect(r.pValue[0]).toBeCloseTo(0.02131164112875661, 13);
    expect(r).toMatchObject({ dfBetween: 1, dfWithin: 4, classes: [0, 1] });
  });

  it('handles several classes, constant features and perfect separation without NaN', () => {
    // feature 0: class means 1.5, 4.5, 8, grand 14/3: between 127/3 (2 df), within 3 (3 df) -> F = 127/6
    // feature 1: constant; feature 2: constant within each class, different between them
    const X = [
      [1, 7, 0],
      [2, 7, 0],
      [4, 7, 1],
      [5, 7, 1],
      [7, 7, 2],
      [9, 7, 2],
    ];
    const r = anovaF(X, [2, 2, 5, 5, 9, 9]);
    expect(r.f[0]).toBeCloseTo(127 / 6, 12);
    expect(r.pValue[0]).toBeCloseTo((1 + (2 * 127) / 6 / 3) ** -1.5, 14);
    expect([r.f[1], r.pValue[1]]).toEqual([0, 1]);
    expect([r.f[2], r.pValue[2]]).toEqual([Infinity, 0]);
    expect(r.classes).toEqual([2, 5, 9]);
    // a constant column of a value with no exact float mean stays at 0, not noise over noise
    expect(anovaF([[0.1], [0.1], [0.1], [0.1]], [0, 1, 0, 1]).f).toEqual([0]);
  });

  it('refuses mismatched labels, one class, too few rows and non-finite values', () => {
    expect(() => anovaF([[1], [2]], [0])).toThrow(/1 labels for 2 rows/);
    expect(() => anovaF([[1], [2], [3]], [1, 1, 1])).toThrow(/1 class, at least 2/);
    expect(() => anovaF([[1], [2]], [0, 1])).toThrow(/2 rows for 2 classes/);
    expect(() => anovaF([[1], [Number.NaN], [3]], [0, 1, 1])).toThrow(/row 1, column 0 is NaN/);
    expect(() => anovaF([[1], [2], [3]], [0, Number.NaN, 1])).toThrow(/label 1 is NaN/);
  });
});

describe('mutualInformation', () => {
  const y = [0, 0, 1, 1];

  it('is ln 2 for a feature that determines a balanced label, 0 for an independent one', () => {
    const X = [
      [0, 0, 0, 5],
      [0, 1, 0, 5],
      [1, 0, 0, 5],
      [1, 1, 1, 5],
    ];
    const mi = mutualInformation(X, y);
    expect(mi[0]).toBeCloseTo(Math.LN2, 15);
    expect(mi[1]).toBe(0);
    // x = 0 for labels 0, 0, 1; x = 1 for label 1: 1/2 ln(4/3) + 1/4 ln(2/3) + 1/4 ln 2 = 3/4 ln(4/3)
    expect(mi[2]).toBeCloseTo(0.75 * Math.log(4 / 3), 15);
    expect(mi[3]).toBe(0);
  });

  it('bins features with more distinct values than bins into equal-frequency bins', () => {
    const X = [1, 2, 3, 4, 5, 6, 7, 8].map((v) => [v]);
    const labels = [0, 0, 0, 1, 0, 1, 1, 1];
    // two bins, 1-4 (labels 0,0,0,1) and 5-8 (0,1,1,1): 2 * (3/8 ln 1.5 + 1/8 ln 0.5)
    expect(mutualInformation(X, labels, { bins: 2 })[0]).toBeCloseTo(0.75 * Math.log(1.5) - 0.25 * Math.LN2, 15);
    // taken as discrete (8 values <= 10 bins) every value identifies its row: all of H(y) = ln 2
    expect(mutualInformation(X, labels)[0]).toBeCloseTo(Math.LN2, 15);
    // ties share a bin; a value filling the first bin's share does not absorb the others (bins 0 | 1-4)
    const tied = [0, 0, 0, 0, 0, 0, 1, 2, 3, 4].map((v) => [v]);
    expect(mutualInformation(tied, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1], { bins: 2 })[0]).toBeCloseTo(-(0.6 * Math.log(0.6) + 0.4 * Math.log(0.4)), 15);
  });

  it('refuses bad bins and mismatched labels', () => {
    expect(() => mutualInformation([[1], [2]], [0, 1], { bins: 1 })).toThrow(/bins must be an integer of at least 2, got 1/);
    expect(() => mutualInformation([[1], [2]], [0, 1, 1])).toThrow(/3 labels for 2 rows/);
  });
});

describe('selectKBest', () => {
  it('keeps the k highest scores, in column order, ties to the lower index', () => {
    expect(selectKBest([3, 9, 1, 9, 4], 2)).toEqual([1, 3]);
    expect(selectKBest([3, 9, 1, 9, 4], 3)).toEqual([1, 3, 4]);
    expect(selectKBest([5, 5, 5], 2)).toEqual([0, 1]);
    expect(selectKBest([1, Infinity, 2, Infinity], 1)).toEqual([1]);
    expect(selectKBest([1, 2], 10)).toEqual([0, 1]);
  });

  it('refuses NaN scores and a bad k', () => {
    expect(() => selectKBest([1, Number.NaN], 1)).toThrow(/score 1 is NaN/);
    expect(() => selectKBest([1, 2], 0)).toThrow(/k must be a positive integer, got 0/);
    expect(() => selectKBest([], 1)).toThrow(/no scores/);
  });
});

describe('selectByImportance', () => {
  // shares 0.4, 0.05, 0.3, 0.15, 0.1, 0 (negative counts as 0)
  const importance = [8, 1, 6, 3, 2, -0.5];

  it('keeps by share, by rank and by cumulative share, and their intersection', () => {
    expect(selectByImportance(importance, { minShare: 0.1 })).toEqual([0, 2, 3, 4]);
    expect(selectByImportance(importance, { topK: 2 })).toEqual([0, 2]);
    expect(selectByImportance(importance, { cumulative: 0.85 })).toEqual([0, 2, 3]);
    expect(selectByImportance(importance, { cumulative: 0.86 })).toEqual([0, 2, 3, 4]);
    expect(selectByImportance(importance, { cumulative: 1 })).toEqual([0, 1, 2, 3, 4]);
    expect(selectByImportance(importance, { minShare: 0.2, cumulative: 0.95 })).toEqual([0, 2]);
    expect(selectByImportance(importance, { topK: 3, minShare: 0.11 })).toEqual([0, 2, 3]);
  });

  it('keeps everything when no feature carries importance', () => {
    expect(selectByImportance([0, 0, -1], { topK: 1 })).toEqual([0, 1, 2]);
  });

  it('refuses no criterion, out-of-range options and non-finite importances', () => {
    expect(() => selectByImportance(importance, {})).toThrow(/at least one of minShare, topK, cumulative/);
    expect(() => selectByImportance(importance, { minShare: 2 })).toThrow(/minShare must be in \[0, 1\], got 2/);
    expect(() => selectByImportance(importance, { cumulative: 0 })).toThrow(/cumulative must be in \(0, 1\], got 0/);
    expect(() => selectByImportance(importance, { topK: 1.5 })).toThrow(/topK must be a positive integer/);
    expect(() => selectByImportance([1, Infinity], { topK: 1 })).toThrow(/importance 1 is Infinity/);
  });
});

describe('FeatureSelector', () => {
  const names = ['age', 'age=__missing__', 'job=admin', 'job=__other__'];
  const X = [
    [30, 0, 1, 0],
    [41, 1, 0, 1],
  ];

  it('keeps the selected columns, by index or by name', () => {
    const s = fitFeatureSelector(names, [2, 0]);
    expect(s.kept).toEqual([0, 2]);
    expect(s.keptNames).toEqual(['age', 'job=admin']);
    expect(s.transform(X)).toEqual([
      [30, 1],
      [41, 0],
    ]);
    expect(fitFeatureSelector(names, ['job=__other__', 'age']).transform(X)).toEqual([
      [30, 0],
      [41, 1],
    ]);
  });

  it('works with selectKBest on ANOVA scores', () => {
    const Xl = [
      [1, 5, 0],
      [2, 5, 1],
      [3, 5, 0],
      [7, 5, 1],
      [8, 5, 0],
      [9, 5, 1],
    ];
    const s = fitFeatureSelector(['a', 'b', 'c'], selectKBest(anovaF(Xl, [0, 0, 0, 1, 1, 1]).f, 1));
    expect(s.keptNames).toEqual(['a']);
  });

  it('refuses unknown names, out-of-range or repeated indices, empty selections and the wrong width', () => {
    expect(() => fitFeatureSelector(names, ['agee'])).toThrow(/"agee" is not one of the features/);
    expect(() => fitFeatureSelector(names, [4])).toThrow(/kept index 4 is not a feature \(there are 4\)/);
    expect(() => fitFeatureSelector(names, [1, 1])).toThrow(/listed twice/);
    expect(() => fitFeatureSelector(names, [])).toThrow(/keeps no features/);
    expect(() => fitFeatureSelector(['a', 'a'], [0])).toThrow(/"a" occurs twice/);
    expect(() => fitFeatureSelector(names, [0]).transform([[1, 2, 3]])).toThrow(/row 0 has 3 columns, expected 4/);
  });

  it('round-trips through JSON text with identical output', () => {
    const s = fitFeatureSelector(names, [1, 3]);
    const json = JSON.parse(JSON.stringify(s.toJSON())) as unknown;
    expect(json).toEqual({ kind: 'featureSelector', version: 1, featureNames: names, kept: [1, 3] });
    const loaded = FeatureSelector.fromJSON(json);
    expect(loaded.transform(X)).toEqual(s.transform(X));
    expect(loaded.keptNames).toEqual(s.keptNames);
  });

  it('rejects malformed JSON naming what is wrong', () => {
    const json = fitFeatureSelector(names, [1, 3]).toJSON();
    expect(() => FeatureSelector.fromJSON([])).toThrow(/not a feature selector/);
    expect(() => FeatureSelector.fromJSON({ ...json, version: '1' })).toThrow(/unsupported feature selector version "1"/);
    expect(() => FeatureSelector.fromJSON({ ...json, kept: [1.5] })).toThrow(/invalid feature selector JSON: kept\.0/);
    expect(() => FeatureSelector.fromJSON({ ...json, kept: [9] })).toThrow(/kept index 9 is not a feature/);
    expect(() => FeatureSelector.fromJSON({ ...json, featureNames: 'age' })).toThrow(/invalid feature selector JSON: featureNames/);
  });
});
