/**
 * The little dense linear algebra the recommenders need, on row-major Float64Array (n x n): an in-place
 * Gauss-Jordan inverse for symmetric positive definite matrices (EASE's (XᵀX + λI)⁻¹) and a Cholesky
 * solve for the small systems of ALS and the neighbourhood-pruned EASE. No pivoting: every matrix here is
 * a Gram matrix plus a positive ridge, so the pivots are positive; a pivot that is not is an error.
 */

/** Inverts the SPD matrix `a` (n x n, row-major) in place; about n³ multiply-adds. */
export function invertSpdInPlace(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`invertSpdInPlace: expected ${n * n} entries, got ${a.length}`);
  for (let k = 0; k < n; k++) {
    const kk = k * n;
    const pivot = a[kk + k] as number;
    if (!(pivot > 0) || !Number.isFinite(pivot)) throw new Error(`invertSpdInPlace: pivot ${k} is ${pivot} (matrix not positive definite)`);
    const inv = 1 / pivot;
    a[kk + k] = 1;
    for (let j = 0; j < n; j++) a[kk + j] = (a[kk + j] as number) * inv;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const ii = i * n;
      const f = a[ii + k] as number;
      if (f === 0) continue;
      a[ii + k] = 0;
      for (let j = 0; j < n; j++) a[ii + j] = (a[ii + j] as number) - f * (a[kk + j] as number);
    }
  }
  return a;
}

/** Cholesky factor L (lower, row-major) of the SPD matrix `a`, in place (the upper triangle is left as is). */
export function choleskyInPlace(a: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    const jj = j * n;
    let d = a[jj + j] as number;
    for (let k = 0; k < j; k++) d -= (a[jj + k] as number) * (a[jj + k] as number);
    if (!(d > 0)) throw new Error(`choleskyInPlace: matrix not positive definite at column ${j}`);
    const l = Math.sqrt(d);
    a[jj + j] = l;
    for (let i = j + 1; i < n; i++) {
      const ii = i * n;
      let s = a[ii + j] as number;
      for (let k = 0; k < j; k++) s -= (a[ii + k] as number) * (a[jj + k] as number);
      a[ii + j] = s / l;
    }
  }
  return a;
}

/** Solves L Lᵀ x = b with the factor from choleskyInPlace; b is overwritten with x. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    const ii = i * n;
    for (let k = 0; k < i; k++) s -= (l[ii + k] as number) * (b[k] as number);
    b[i] = s / (l[ii + i] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (b[k] as number);
    b[i] = s / (l[i * n + i] as number);
  }
  return b;
}

/** x with (a) x = b for SPD a; a and b are copied, not changed. */
export function solveSpd(a: Float64Array, n: number, b: Float64Array): Float64Array {
  return choleskySolveInPlace(choleskyInPlace(Float64Array.from(a), n), n, Float64Array.from(b));
}
