/**
 * The two input shapes the fast forest accepts, and their conversion to one dense row-major layout.
 * The feature pipeline upstream has already encoded and imputed, so values must be finite numbers.
 */

/** A row-major matrix in one typed array: value (i, j) is `data[i * nCols + j]`. */
export interface DenseMatrix {
  data: Float64Array;
  nRows: number;
  nCols: number;
}

/** Rows as arrays (`number[][]`), or a dense row-major matrix. */
export type FeatureMatrix = readonly (readonly number[])[] | DenseMatrix;

export function isDenseMatrix(X: FeatureMatrix): X is DenseMatrix {
  return !Array.isArray(X);
}

/**
 * The matrix as a dense row-major Float64Array. A DenseMatrix is returned as is (no copy).
 * Throws on ragged rows, on a column count other than `expectedCols` (when given) and, when `checkFinite`,
 * on NaN or infinite values.
 */
export function toDense(
  X: FeatureMatrix,
  where: string,
  expectedCols?: number,
  checkFinite = true,
): DenseMatrix {
  let dense: DenseMatrix;
  if (isDenseMatrix(X)) {
    const { data, nRows, nCols } = X;
    if (!(data instanceof Float64Array)) throw new TypeError(`${where}: data must be a Float64Array`);
    if (!Number.isInteger(nRows) || !Number.isInteger(nCols) || nRows < 0 || nCols < 0) {
      throw new RangeError(`${where}: nRows and nCols must be non-negative integers, got ${nRows} x ${nCols}`);
    }
    if (data.length !== nRows * nCols) {
      throw new RangeError(`${where}: data has ${data.length} values, expected nRows * nCols = ${nRows * nCols}`);
    }
    if (expectedCols !== undefined && nCols !== expectedCols) {
      throw new RangeError(`${where}: the model expects ${expectedCols} features, got ${nCols} columns`);
    }
    dense = X;
  } else {
    const nRows = X.length;
    const first = X[0];
    const nCols = expectedCols ?? (first === undefined ? 0 : first.length);
    const data = new Float64Array(nRows * nCols);
    for (let i = 0; i < nRows; i++) {
      const row = X[i] as readonly number[];
      if (!Array.isArray(row) && !ArrayBuffer.isView(row)) throw new TypeError(`${where}: row ${i} is not an array`);
      if (row.length !== nCols) {
        throw new RangeError(
          expectedCols !== undefined
            ? `${where}: the model expects ${expectedCols} features, row ${i} has ${row.length}`
            : `${where}: row ${i} has ${row.length} values, row 0 has ${nCols}`,
        );
      }
      data.set(row, i * nCols);
    }
    dense = { data, nRows, nCols };
  }
  if (checkFinite) {
    const { data, nCols } = dense;
    for (let k = 0; k < data.length; k++) {
      if (!Number.isFinite(data[k])) {
        const i = Math.floor(k / nCols);
        throw new RangeError(`${where}: value at row ${i}, column ${k - i * nCols} is ${String(data[k])}: impute missing values first (the feature pipeline does)`);
      }
    }
  }
  return dense;
}

/** Binary labels as a Uint8Array, after checking they are 0 or 1. */
export function toLabels(y: ArrayLike<number>, nRows: number, where: string): Uint8Array {
  if (y.length !== nRows) throw new RangeError(`${where}: ${nRows} rows but ${y.length} labels`);
  const out = new Uint8Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const label = y[i];
    if (label !== 0 && label !== 1) throw new RangeError(`${where}: label ${i} is ${String(label)}: labels must be 0 or 1`);
    out[i] = label;
  }
  return out;
}

/**
 * Monotone constraints, one per column (scikit-learn's `monotonic_cst`): 1 = the score never falls as
 * the column rises, -1 = it never rises, 0 = free. Checked and copied; null when none is set, so that
 * unconstrained fits keep their fast path.
 */
export function toMonotoneConstraints(cst: ArrayLike<number> | undefined, nCols: number, where: string): Int8Array | null {
  if (cst === undefined) return null;
  if (cst.length !== nCols) throw new RangeError(`${where}: ${cst.length} monotone constraints for ${nCols} columns`);
  const out = new Int8Array(nCols);
  let any = false;
  for (let j = 0; j < nCols; j++) {
    const c = cst[j];
    if (c !== -1 && c !== 0 && c !== 1) throw new RangeError(`${where}: monotone constraint ${j} is ${String(c)}: it must be -1, 0 or 1`);
    out[j] = c;
    any ||= c !== 0;
  }
  return any ? out : null;
}
