import { describe, expect, it } from 'vitest';
import { fitScaler, Scaler } from './scaling.ts';

// column 0: 1, 3, 5 (min 1, max 5, mean 3, population std sqrt(8/3)); column 1 constant 10; column 2: 0.1 x3, a
// constant whose float mean is not exactly 0.1
const X = [
  [1, 10, 0.1],
  [3, 10, 0.1],
  [5, 10, 0.1],
];
const std = Math.sqrt(8 / 3);

describe('fitScaler', () => {
  it('min-max scales fitted columns onto [0, 1], constant columns to 0', () => {
    const s = fitScaler(X, 'minmax');
    expect(s.transform(X)).toEqual([
      [0, 0, 0],
      [0.5, 0, 0],
      [1, 0, 0],
    ]);
    expect(s.transform([[-1, 11, 7]])).toEqual([[-0.5, 0, 0]]);
  });

  it('z-scores with the population std, constant columns to 0 and never NaN', () => {
    const s = fitScaler(X, 'zscore');
    expect(s.center).toEqual([3, 10, 0.1]);
    expect(s.scale).toEqual([std, 0, 0]);
    const Z = s.transform(X);
    expect(Z.map((r) => r[0])).toEqual([-2 / std, 0, 2 / std]);
    expect(Z.flat().every(Number.isFinite)).toBe(true);
    expect(Z.map((r) => [r[1], r[2]])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });

  it('inverts back to the original units (constant columns give back their constant)', () => {
    for (const method of ['minmax', 'zscore'] as const) {
      const s = fitScaler(X, method);
      const back = s.inverseTransform(s.transform(X));
      back.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(X[i]?.[j] as number, 12)));
      expect(s.inverseTransform([[0, 123, -4]])[0]?.slice(1)).toEqual([10, 0.1]);
    }
  });

  it('round-trips through JSON text with identical transforms', () => {
    for (const method of ['minmax', 'zscore'] as const) {
      const s = fitScaler(X, method);
      const json = JSON.parse(JSON.stringify(s.toJSON())) as unknown;
      expect(json).toMatchObject({ kind: 'scaler', version: 1, method });
      const loaded = Scaler.fromJSON(json);
      const probe = [...X, [2.5, -3, 1e6]];
      expect(loaded.transform(probe)).toEqual(s.transform(probe));
      expect(loaded.inverseTransform(probe)).toEqual(s.inverseTransform(probe));
    }
  });

  it('refuses empty, ragged or non-finite input and an unknown method, naming the place', () => {
    expect(() => fitScaler([], 'minmax')).toThrow(/no rows/);
    expect(() => fitScaler([[]], 'minmax')).toThrow(/no columns/);
    expect(() => fitScaler([[1, 2], [3]], 'zscore')).toThrow(/row 1 has 1 columns, expected 2/);
    expect(() => fitScaler([[1, 2], [3, Number.NaN]], 'zscore')).toThrow(/row 1, column 1 is NaN, not a finite number/);
    expect(() => fitScaler([[Infinity]], 'zscore')).toThrow(/row 0, column 0 is Infinity/);
    expect(() => fitScaler([['1' as unknown as number]], 'zscore')).toThrow(/row 0, column 0 is "1"/);
    expect(() => fitScaler(X, 'robust' as 'zscore')).toThrow(/unknown scaling method "robust"/);
    const s = fitScaler(X, 'minmax');
    expect(() => s.transform([[1, 2]])).toThrow(/scaler transform: row 0 has 2 columns, expected 3/);
    expect(() => s.inverseTransform([[1, 2, Number.NaN]])).toThrow(/scaler inverseTransform: row 0, column 2 is NaN/);
  });

  it('rejects malformed JSON naming what is wrong', () => {
    const json = fitScaler(X, 'zscore').toJSON();
    expect(() => Scaler.fromJSON(undefined)).toThrow(/not a scaler/);
    expect(() => Scaler.fromJSON({ ...json, kind: 'featurePipeline' })).toThrow(/expected kind "scaler", got "featurePipeline"/);
    expect(() => Scaler.fromJSON({ ...json, version: 0 })).toThrow(/unsupported scaler version 0/);
    expect(() => Scaler.fromJSON({ ...json, method: 'robust' })).toThrow(/invalid scaler JSON: method/);
    expect(() => Scaler.fromJSON({ ...json, scale: [1, 0] })).toThrow(/center and scale differ in length/);
    expect(() => Scaler.fromJSON({ ...json, scale: [1, -1, 0] })).toThrow(/invalid scaler JSON: scale\.1/);
    // Infinity does not survive JSON.stringify: it comes back as null, which must be refused, not read as 0
    expect(() => Scaler.fromJSON({ ...json, center: [null, 10, 0.1] })).toThrow(/invalid scaler JSON: center\.0/);
  });
});
