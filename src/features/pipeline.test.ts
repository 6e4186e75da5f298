import { describe, expect, it } from 'vitest';
import { FeaturePipeline, FeatureSchemaError, fitFeaturePipeline, formatNumber, MISSING, OTHER, parseNumber } from './pipeline.ts';
import type { FeatureSpec, RawRow } from './pipeline.ts';

function row(values: Record<string, string | null>): RawRow {
  return values;
}

const spec: FeatureSpec = {
  numeric: ['age', 'visits'],
  categorical: ['job'],
  placeholders: ['Select', ''],
  rareLevelMinCount: 2,
};

// age: 20, 30, 40, 50, missing (null), 'abc' (unparsable) -> median of 20..50 = 35
// visits: always present -> no missing indicator
// job: admin x3, retired x2, pilot x1 (rare), 'Select' (placeholder) -> missing
const rows: RawRow[] = [
  row({ age: '20', visits: '1', job: 'admin' }),
  row({ age: '30', visits: '2', job: 'admin' }),
  row({ age: '40', visits: '3', job: 'admin' }),
  row({ age: '50', visits: '4', job: 'retired' }),
  row({ age: null, visits: '5', job: 'retired' }),
  row({ age: 'abc', visits: '6', job: 'pilot' }),
  row({ age: '35', visits: '7', job: 'Select' }),
];

describe('parseNumber', () => {
  it('accepts plain decimals and rejects everything else', () => {
    expect(parseNumber('12')).toBe(12);
    expect(parseNumber(' -3.5 ')).toBe(-3.5);
    expect(parseNumber('1e3')).toBe(1000);
    expect(parseNumber('.5')).toBe(0.5);
    for (const bad of ['', ' ', 'abc', '0x10', 'Infinity', '-Infinity', 'NaN', '1,5', '12abc', '1e999']) {
      expect(parseNumber(bad), bad).toBeNull();
    }
  });
});

describe('fitFeaturePipeline', () => {
  const pipeline = fitFeaturePipeline(rows, spec);

  it('names its features and knows their source columns', () => {
    expect(pipeline.featureNames).toEqual([
      'age',
      `age=${MISSING}`,
      'visits',
      'job=admin',
      'job=retired',
      `job=${OTHER}`,
      `job=${MISSING}`,
    ]);
    expect(pipeline.featureSources).toEqual(['age', 'age', 'visits', 'job', 'job', 'job', 'job']);
  });

  it('imputes the median, flags missing values, one-hot encodes levels, rare levels and missing', () => {
    const X = pipeline.transform(rows);
    // fitted ages: 20, 30, 35, 40, 50 -> median 35
    expect(X[0]).toEqual([20, 0, 1, 1, 0, 0, 0]);
    expect(X[3]).toEqual([50, 0, 4, 0, 1, 0, 0]);
    expect(X[4]).toEqual([35, 1, 5, 0, 1, 0, 0]); // null age
    expect(X[5]).toEqual([35, 1, 6, 0, 0, 1, 0]); // unparsable age, rare job
    expect(X[6]).toEqual([35, 0, 7, 0, 0, 0, 1]); // placeholder job
    const dense = pipeline.transformDense(rows);
    expect({ nRows: dense.nRows, nCols: dense.nCols }).toEqual({ nRows: rows.length, nCols: 7 });
    expect(Array.from(dense.data)).toEqual(X.flat());
  });

  it('sends unseen levels, placeholders, garbage and null to __other__ / missing without throwing', () => {
    const X = pipeline.transform([
      row({ age: 'Infinity', visits: null, job: 'astronaut' }),
      row({ age: ' select ', visits: 'n/a', job: '  ' }),
      { age: 42 as unknown as string, visits: {} as unknown as string, job: 'admin ' },
    ]);
    // visits has no missing indicator (none in fitting): imputed with its median 4
    expect(X[0]).toEqual([35, 1, 4, 0, 0, 1, 0]);
    expect(X[1]).toEqual([35, 1, 4, 0, 0, 0, 1]);
    expect(X[2]).toEqual([42, 0, 4, 1, 0, 0, 0]);
  });

  it('adds a missing indicator and __other__/__missing__ only where fitting saw them', () => {
    const p = fitFeaturePipeline(
      [row({ n: '1', c: 'a' }), row({ n: '2', c: 'a' }), row({ n: '3', c: 'b' })],
      { numeric: ['n'], categorical: ['c'], rareLevelMinCount: 1 },
    );
    expect(p.featureNames).toEqual(['n', 'c=a', 'c=b']);
    expect(p.transform([row({ n: null, c: 'zzz' })])).toEqual([[2, 0, 0]]);
  });

  it('keeps at most maxLevels levels, the most frequent', () => {
    const many = ['x', 'x', 'x', 'y', 'y', 'z', 'z', 'w'].map((c) => row({ c }));
    const p = fitFeaturePipeline(many, { numeric: [], categorical: ['c'], rareLevelMinCount: 1, maxLevels: 2 });
    expect(p.featureNames).toEqual(['c=x', 'c=y', `c=${OTHER}`]);
  });

  it('applies column-specific placeholders to that column only', () => {
    const p = fitFeaturePipeline(
      [row({ pdays: '999', other: '999' }), row({ pdays: '3', other: '1' }), row({ pdays: '5', other: '2' })],
      { numeric: ['pdays', 'other'], categorical: [], columnPlaceholders: { pdays: ['999'] } },
    );
    expect(p.featureNames).toEqual(['pdays', `pdays=${MISSING}`, 'other']);
    expect(p.transform([row({ pdays: '999', other: '999' })])).toEqual([[4, 1, 999]]);
  });

  it('takes "missing" as the typical value of a mostly missing numeric column', () => {
    const p = fitFeaturePipeline(
      ['999', '999', '999', '4', '6'].map((pdays) => row({ pdays })),
      { numeric: ['pdays'], categorical: [], columnPlaceholders: { pdays: ['999'] } },
    );
    expect(p.columnFeatures()).toEqual([{ column: 'pdays', label: 'pdays', indices: [0, 1], reference: [5, 1] }]);
  });

  it('fails clearly when rows lack a column (null is fine)', () => {
    expect(() => pipeline.transform([row({ age: '1', job: 'admin' })])).toThrow(FeatureSchemaError);
    expect(() => pipeline.transform([row({ age: '1', visits: '2', job: 'admin' }), row({ age: '1', job: null })])).toThrow(
      /row 1 lacks "visits"/,
    );
    expect(() => fitFeaturePipeline([row({ age: '1' })], spec)).toThrow(/lacks "visits", "job"/);
    expect(pipeline.missingColumns(row({ age: null, visits: null, job: null }))).toEqual([]);
  });

  it('rejects bad specs', () => {
    expect(() => fitFeaturePipeline(rows, { numeric: ['age'], categorical: ['age'] })).toThrow(/listed twice/);
    expect(() => fitFeaturePipeline(rows, { numeric: [], categorical: [] })).toThrow(/no columns/);
    expect(() => fitFeaturePipeline([], spec)).toThrow(/zero rows/);
    expect(() => fitFeaturePipeline(rows, { ...spec, columnPlaceholders: { nope: ['1'] } })).toThrow(/columnPlaceholders names "nope"/);
    expect(() => fitFeaturePipeline(rows, { ...spec, labels: { agee: 'Age' } })).toThrow(/labels names "agee"/);
  });

  it('gives, per column, the features and the encoding of the typical value', () => {
    expect(pipeline.columnFeatures()).toEqual([
      { column: 'age', label: 'age', indices: [0, 1], reference: [35, 0] },
      { column: 'visits', label: 'visits', indices: [2], reference: [4] },
      { column: 'job', label: 'job', indices: [3, 4, 5, 6], reference: [1, 0, 0, 0] },
    ]);
  });
});

describe('describe', () => {
  // integer ages 18..67, quartiles 30.25, 42.5, 54.75
  const ages = Array.from({ length: 50 }, (_, i) => row({ age: String(18 + i), rate: String((i / 10).toFixed(2)), job: i % 2 ? 'retired' : 'admin' }));
  const p = fitFeaturePipeline(ages, { numeric: ['age', 'rate'], categorical: ['job'], labels: { job: 'job title' }, missingText: { rate: 'no rate yet' } });

  it('buckets numbers by fitted quartiles (integer ranges for integer columns)', () => {
    expect(p.describe(row({ age: '20', rate: '0.1', job: 'retired' }))).toEqual({ age: 'age ≤ 30', rate: 'rate < 1.23', job: 'job title = retired' });
    expect(p.describe(row({ age: '31', rate: '2', job: 'admin' })).age).toBe('age 31-42');
    expect(p.describe(row({ age: '43', rate: '3', job: 'admin' })).age).toBe('age 43-54');
    expect(p.describe(row({ age: '90', rate: '4.5', job: 'admin' })).age).toBe('age ≥ 55');
    expect(p.describe(row({ age: '43', rate: '3', job: 'admin' })).rate).toBe('rate 2.45-3.68');
    expect(p.describe(row({ age: '43', rate: '9', job: 'admin' })).rate).toBe('rate ≥ 3.68');
  });

  it('says missing, rare and unseen plainly', () => {
    expect(p.describe(row({ age: null, rate: 'x', job: 'pilot' }))).toEqual({ age: 'age missing', rate: 'no rate yet', job: 'job title = pilot (rare)' });
    expect(p.describe(row({ age: '', rate: '1', job: null })).job).toBe('job title missing');
  });

  it('gives the same buckets as parts, for reasons worded with the CRM labels', () => {
    expect(p.valueBuckets(row({ age: '20', rate: '0.1', job: 'retired' }))).toEqual({
      age: { kind: 'range', lower: null, upper: 30, integer: true },
      rate: { kind: 'range', lower: null, upper: 1.225, integer: false },
      job: { kind: 'level', value: 'retired', rare: false },
    });
    expect(p.valueBuckets(row({ age: '31', rate: '3', job: 'pilot' }))).toEqual({
      age: { kind: 'range', lower: 31, upper: 42, integer: true },
      rate: { kind: 'range', lower: 2.45, upper: expect.closeTo(3.675, 9), integer: false },
      job: { kind: 'level', value: 'pilot', rare: true },
    });
    expect(p.valueBuckets(row({ age: '90', rate: 'x', job: null }))).toEqual({ age: { kind: 'range', lower: 55, upper: null, integer: true }, rate: { kind: 'missing' }, job: { kind: 'missing' } });
  });

  it('words every value as a pipeline that never saw another does: buckets shared between records are never the wrong ones', () => {
    // integer and fractional values in an integer column, repeated quartiles, levels, rare levels and missing values, in two orders
    const values = [...Array.from({ length: 120 }, (_, i) => row({ age: i % 7 === 0 ? String(17 + i / 2) : String(10 + (i % 70)), rate: i % 9 === 0 ? null : String(((i * 37) % 60) / 10), job: ['admin', 'retired', 'pilot', 'Select', 'admin '][i % 5]! }))];
    const warm = FeaturePipeline.fromJSON(p.toJSON());
    const forward = values.map((v) => warm.reasonBuckets(v));
    const backward = [...values].reverse().map((v) => FeaturePipeline.fromJSON(p.toJSON()).reasonBuckets(v)).reverse();
    expect(forward).toEqual(backward);
    const repeated = fitFeaturePipeline(Array.from({ length: 40 }, (_, i) => row({ n: String(i < 30 ? 5 : i) })), { numeric: ['n'], categorical: [] });
    const fresh = (v: string) => FeaturePipeline.fromJSON(repeated.toJSON()).describe(row({ n: v })).n;
    for (const v of ['1', '5', '5.5', '6', '39', '100']) expect(repeated.describe(row({ n: v })).n, v).toBe(fresh(v));
  });

  it('words only the columns asked for, each the same as in the full pass', () => {
    const r = row({ age: '31', rate: '3', job: 'pilot' });
    const only = new Set(['rate', 'job']);
    const some = p.reasonBuckets(r, only);
    expect([...some.keys()]).toEqual(['rate', 'job']);
    const all = p.reasonBuckets(r);
    for (const [column, bucket] of some) expect(bucket).toEqual(all.get(column));
    expect(some.get('job')).toEqual({ text: 'job title = pilot (rare)', key: 'other', value: { kind: 'level', value: 'pilot', rare: true } });
    expect(p.describe(r, only)).toEqual({ rate: 'rate 2.45-3.68', job: 'job title = pilot (rare)' });
  });

  it('formats numbers shortly', () => {
    expect(formatNumber(5228.1)).toBe('5228');
    expect(formatNumber(4.8571)).toBe('4.86');
    expect(formatNumber(-36.4)).toBe('-36.4');
    expect(formatNumber(12)).toBe('12');
  });
});

describe('toJSON / fromJSON', () => {
  const pipeline = fitFeaturePipeline(rows, spec);

  it('round-trips through JSON text with identical output', () => {
    const json = JSON.parse(JSON.stringify(pipeline.toJSON())) as unknown;
    const loaded = FeaturePipeline.fromJSON(json);
    const probe = [...rows, row({ age: '-7.25', visits: 'x', job: 'astronaut' })];
    expect(loaded.featureNames).toEqual(pipeline.featureNames);
    expect(loaded.transform(probe)).toEqual(pipeline.transform(probe));
    expect(probe.map((r) => loaded.describe(r))).toEqual(probe.map((r) => pipeline.describe(r)));
    expect(pipeline.toJSON()).toMatchObject({ kind: 'featurePipeline', version: 1 });
  });

  it('rejects a wrong tag, a wrong version and inconsistent feature names', () => {
    const json = pipeline.toJSON();
    expect(() => FeaturePipeline.fromJSON({ ...json, kind: 'leadScore' })).toThrow(/not a feature pipeline/);
    expect(() => FeaturePipeline.fromJSON(null)).toThrow(/not a feature pipeline/);
    expect(() => FeaturePipeline.fromJSON({ ...json, version: 2 })).toThrow(/version 2/);
    expect(() => FeaturePipeline.fromJSON({ ...json, featureNames: [...json.featureNames].reverse() })).toThrow(/inconsistent/);
    expect(() => FeaturePipeline.fromJSON({ ...json, columns: [{ kind: 'numeric', name: 'age' }] })).toThrow(/invalid feature pipeline JSON/);
  });
});
