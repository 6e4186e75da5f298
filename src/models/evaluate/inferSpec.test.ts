import { describe, expect, it } from 'vitest';
import { inferFeatureSpec } from './index.ts';
import { exposedImportance, singleFeatureAucs, uncalibratedProbabilities } from './leadScoreCv.ts';

describe('inferFeatureSpec', () => {
  const header = ['id', 'age', 'amount', 'plan', 'empty', 'constant', 'y'];
  const rows = Array.from({ length: 40 }, (_, i) => [
    `C${i}`,
    i === 3 ? 'n/a' : String(20 + i),
    i < 2 ? 'about 5' : String(i * 1.5), // 2 of 40 do not parse: 95 % parse -> numeric
    ['a', 'b'][i % 2] as string,
    '',
    'same',
    i % 3 === 0 ? 'yes' : 'no',
  ]);

  it('makes columns numeric when >= 95 % of the non-empty values parse, and leaves out useless ones', () => {
    const { spec, columns } = inferFeatureSpec(header, rows, { exclude: ['y'] });
    expect(spec.numeric).toEqual(['age', 'amount']);
    expect(spec.categorical).toEqual(['plan']);
    expect(spec.columnPlaceholders).toEqual({ age: ['n/a'] });
    const reasons = Object.fromEntries(columns.filter((c) => c.kind === 'dropped').map((c) => [c.name, c.reason]));
    expect(reasons).toEqual({
      id: 'identifier: a different value in every row',
      empty: 'empty in every row',
      constant: "the same value in every row ('same')",
    });
  });

  it('recognises ISO date columns, keeping them out of the spec for the date features', () => {
    const h = ['created', 'plan', 'y'];
    const r = Array.from({ length: 30 }, (_, i) => [i === 0 ? '' : `2024-03-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z`, ['a', 'b'][i % 2] as string, i % 2 ? 'yes' : 'no']);
    const { spec, dates, columns } = inferFeatureSpec(h, r, { exclude: ['y'] });
    expect(dates).toEqual(['created']);
    expect(spec.numeric).toEqual([]);
    expect(spec.categorical).toEqual(['plan']);
    expect(columns.find((c) => c.name === 'created')?.kind).toBe('date');
  });

  it('makes a column categorical below the share', () => {
    const mixed = rows.map((r, i) => [r[0] as string, i < 3 ? 'unknown' : (r[1] as string)]);
    expect(inferFeatureSpec(['id', 'age'], mixed, { exclude: ['id'] }).spec.categorical).toEqual(['age']);
  });
});

describe('what the lead score exposes', () => {
  it('recovers uncalibrated probabilities from Platt parameters, or says it cannot', () => {
    const raw = [0.1, 0.5, 0.8];
    const a = 1.3;
    const b = -0.4;
    const calibrated = raw.map((p) => 1 / (1 + Math.exp(-(a * Math.log(p / (1 - p)) + b))));
    const back = uncalibratedProbabilities({ calibration: { a, b } }, calibrated) as number[];
    raw.forEach((p, i) => expect(back[i]).toBeCloseTo(p, 9));
    expect(uncalibratedProbabilities({ calibration: { kind: 'isotonic' } }, calibrated)).toBeNull();
    expect(uncalibratedProbabilities({}, calibrated)).toBeNull();
  });

  it('sums a forest importance per source column when the model has one', () => {
    const model = {
      featureNames: ['age', 'plan=a', 'plan=b'],
      pipeline: { featureSources: ['age', 'plan', 'plan'] },
      forest: { featureImportance: [0.5, 0.2, 0.3] },
    };
    expect(exposedImportance(model)).toEqual(
      new Map([
        ['age', 0.5],
        ['plan', 0.5],
      ]),
    );
    expect(exposedImportance({ featureNames: ['a'], forest: {} })).toBeNull();
  });

  it('computes single-column AUCs on held-out folds', () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ x: String(i), level: i % 2 === 0 ? 'even' : 'odd', noise: 'k' }));
    const labels = rows.map((_, i) => (i >= 10 ? 1 : 0) as 0 | 1);
    const folds = [
      { train: [0, 2, 4, 6, 8, 10, 12, 14, 16, 18], test: [1, 3, 5, 7, 9, 11, 13, 15, 17, 19] },
      { train: [1, 3, 5, 7, 9, 11, 13, 15, 17, 19], test: [0, 2, 4, 6, 8, 10, 12, 14, 16, 18] },
    ];
    const aucs = Object.fromEntries(singleFeatureAucs(rows, labels, { numeric: ['x'], categorical: ['level', 'noise'] }, folds).map((s) => [s.column, s.auc]));
    expect(aucs.x).toBe(1);
    expect(aucs.level).toBe(0.5);
    expect(aucs.noise).toBe(0.5);
  });
});
