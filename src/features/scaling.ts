/**
 * Column scaling of a numeric feature matrix (the FeaturePipeline's output), for models that care about
 * scale (logistic regression, k-means, distances); trees do not need it.
 *
 * - 'minmax': (x - min) / (max - min), fitted rows land in [0, 1];
 * - 'zscore': (x - mean) / std, population std (divide by n, as scikit-learn), so fitted columns get std 1.
 *
 * A constant column scales to 0 rather than NaN: one-hot levels absent from a training fold and
 * all-present indicators are common, and a NaN would poison every model downstream. Its inverse gives back
 * the constant. Stored as plain JSON, tagged `{ kind: 'scaler', version: 1 }`.
 */
import { z } from 'zod';
import { parseSavedJson } from './savedJson.ts';
import { FeatureSchemaError } from './pipeline.ts';

export type ScalingMethod = 'minmax' | 'zscore';

export const ScalerJson = z
  .object({
    kind: z.literal('scaler'),
    version: z.literal(1),
    method: z.enum(['minmax', 'zscore']),
    /** Subtracted first: min or mean per column. */
    center: z.array(z.number()).min(1),
    /** Divided by next: max - min or std per column; 0 marks a constant column. */
    scale: z.array(z.number().nonnegative()).min(1),
  })
  .refine((j) => j.center.length === j.scale.length, { message: 'center and scale differ in length', path: ['scale'] });
export type ScalerJson = z.infer<typeof ScalerJson>;

/**
 * Throws unless X is a non-empty rectangular matrix of finite numbers (of `width` columns when given),
 * naming the first offending row and column. Returns the width.
 */
export function checkMatrix(X: readonly (readonly number[])[], what: string, width?: number): number {
  if (!Array.isArray(X)) throw new FeatureSchemaError(`${what}: expected an array of rows`);
  if (X.length === 0) throw new FeatureSchemaError(`${what}: the matrix has no rows`);
  const expected = width ?? (Array.isArray(X[0]) ? X[0].length : 0);
  if (expected === 0) throw new FeatureSchemaError(`${what}: the matrix has no columns`);
  for (let i = 0; i < X.length; i++) {
    const row = X[i];
    if (!Array.isArray(row)) throw new FeatureSchemaError(`${what}: row ${i} is not an array`);
    if (row.length !== expected) throw new FeatureSchemaError(`${what}: row ${i} has ${row.length} columns, expected ${expected}`);
    for (let j = 0; j < expected; j++) {
      const x = row[j];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new RangeError(`${what}: row ${i}, column ${j} is ${typeof x === 'number' ? String(x) : JSON.stringify(x) ?? 'undefined'}, not a finite number`);
      }
    }
  }
  return expected;
}

export class Scaler {
  readonly method: ScalingMethod;
  readonly center: readonly number[];
  readonly scale: readonly number[];

  private constructor(method: ScalingMethod, center: readonly number[], scale: readonly number[]) {
    this.method = method;
    this.center = [...center];
    this.scale = [...scale];
  }

  /** @internal use fitScaler */
  static fromParts(method: ScalingMethod, center: readonly number[], scale: readonly number[]): Scaler {
    return new Scaler(method, center, scale);
  }

  get width(): number {
    return this.center.length;
  }

  transform(X: readonly (readonly number[])[]): number[][] {
    checkMatrix(X, 'scaler transform', this.width);
    return X.map((row) => row.map((x, j) => {
      const s = this.scale[j] as number;
      return s === 0 ? 0 : (x - (this.center[j] as number)) / s;
    }));
  }

  /** Back to the original units; constant columns give back their constant. */
  inverseTransform(X: readonly (readonly number[])[]): number[][] {
    checkMatrix(X, 'scaler inverseTransform', this.width);
    return X.map((row) => row.map((x, j) => x * (this.scale[j] as number) + (this.center[j] as number)));
  }

  toJSON(): ScalerJson {
    return { kind: 'scaler', version: 1, method: this.method, center: [...this.center], scale: [...this.scale] };
  }

  /** Loads a scaler saved by `toJSON`; rejects anything else with a clear error. */
  static fromJSON(json: unknown): Scaler {
    const data = parseSavedJson(json, { kind: 'scaler', version: 1, name: 'scaler', root: 'scaler', schema: ScalerJson, error: FeatureSchemaError });
    return new Scaler(data.method, data.center, data.scale);
  }
}

/** Fits per-column scaling on X. Throws on an empty or ragged matrix or a non-finite value. */
export function fitScaler(X: readonly (readonly number[])[], method: ScalingMethod): Scaler {
  if (method !== 'minmax' && method !== 'zscore') throw new RangeError(`unknown scaling method ${JSON.stringify(method)} (use 'minmax' or 'zscore')`);
  const width = checkMatrix(X, 'fitScaler');
  const n = X.length;
  const center: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < width; j++) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const row of X) {
      const x = row[j] as number;
      if (x < min) min = x;
      if (x > max) max = x;
      sum += x;
    }
    // Decided on min === max, not on a computed std: the mean of identical floats can differ from them in the
    // last bit, leaving a std of ~1e-17 that would blow small differences up instead of giving 0.
    const constant = min === max;
    if (method === 'minmax') {
      center.push(min);
      scale.push(constant ? 0 : max - min);
      continue;
    }
    const mean = constant ? min : sum / n;
    let ss = 0;
    if (!constant) for (const row of X) ss += ((row[j] as number) - mean) ** 2;
    center.push(mean);
    scale.push(constant ? 0 : Math.sqrt(ss / n));
  }
  return Scaler.fromParts(method, center, scale);
}
