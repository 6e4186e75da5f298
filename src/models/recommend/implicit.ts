/**
 * Top-k candidate models on implicit (bought / not bought) data, over an indexed user x item matrix:
 *
 * | model | fit | a user's score for item j |
 * |---|---|---|
 * | popularity | owners per item | owners of j |
 * | item-kNN | cosine on co-purchase counts, shrunk: c_ij / (√(n_i n_j) + h), the K most similar kept per item | Σ over owned i of sim(i, j) |
 * | user-kNN | the same cosine between users, computed at scoring time | Σ over the K most similar users v of sim(u, v) · [v owns j] |
 * | EASE (Steck 2019) | B = I - P·diagMat(1/diag(P)), P = (XᵀX + λI)⁻¹, diag(B) = 0 | Σ over owned i of B_ij |
 * | EASE, neighbourhood-pruned | per item j, the ridge regression of column j on its m most co-bought items only | as EASE |
 * | implicit ALS (Hu, Koren & Volinsky 2008) | confidence c = 1 + α·w, preference 1 for owned, alternating least squares | x_u · y_j, x_u folded in from the history |
 *
 * X is binary (owned or not) for all but ALS, where the weight (a quantity) sets the confidence. Dense EASE
 * costs about n³ multiply-adds for n items, so above `EASE_DENSE_MAX` items the pruned variant is used;
 * its cost grows with n·m³ instead.
 */
import { mulberry32 } from '../../domain/random.mjs';
import { choleskyInPlace, choleskySolveInPlace, invertSpdInPlace } from './linalg.ts';

/**
 * Largest catalogue for the dense EASE inverse; above it EASE is neighbourhood-pruned. Measured in V8
 * (bench/results/recommend.md): 500 products about 0.5-0.9 s per inverse, 1,000 about 3-7 s, and
 * selection inverts once per lambda tried plus the refit.
 */
export const EASE_DENSE_MAX = 600;
/** Neighbours per item in the pruned EASE. */
export const EASE_PRUNED_NEIGHBOURS = 64;

export interface ImplicitData {
  nUsers: number;
  nItems: number;
  /** User rows: items of user u are cols[rowPtr[u] .. rowPtr[u+1]), ascending, with their weights. */
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
  /** Item columns: owners of item i are rows[colPtr[i] .. colPtr[i+1]), ascending. */
  colPtr: Int32Array;
  rows: Int32Array;
  /** Owners per item. */
  counts: Float64Array;
}

/** Builds the matrix from aggregated rows: rows[u] = [[item index, weight], ...] (any order, no repeats). */
export function implicitData(nItems: number, userRows: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): ImplicitData {
  const nUsers = userRows.length;
  const rowPtr = new Int32Array(nUsers + 1);
  for (let u = 0; u < nUsers; u++) rowPtr[u + 1] = (rowPtr[u] as number) + (userRows[u] as ReadonlyArray<unknown>).length;
  const nnz = rowPtr[nUsers] as number;
  const cols = new Int32Array(nnz);
  const vals = new Float64Array(nnz);
  const counts = new Float64Array(nItems);
  for (let u = 0; u < nUsers; u++) {
    const row = [...(userRows[u] as ReadonlyArray<readonly [number, number]>)].sort((a, b) => a[0] - b[0]);
    let p = rowPtr[u] as number;
    for (const [i, w] of row) {
      cols[p] = i;
      vals[p++] = w;
      counts[i] = (counts[i] as number) + 1;
    }
  }
  const colPtr = new Int32Array(nItems + 1);
  for (let i = 0; i < nItems; i++) colPtr[i + 1] = (colPtr[i] as number) + (counts[i] as number);
  const fill = colPtr.slice(0, nItems);
  const rows = new Int32Array(nnz);
  for (let u = 0; u < nUsers; u++) for (let p = rowPtr[u] as number; p < (rowPtr[u + 1] as number); p++) rows[(fill[cols[p] as number] as number)++] = u;
  return { nUsers, nItems, rowPtr, cols, vals, colPtr, rows, counts };
}

/** Co-purchase counts XᵀX (binary X) as a sparse symmetric matrix: per item, its co-bought items ascending. */
export interface Gram {
  ptr: Int32Array;
  idx: Int32Array;
  val: Float64Array;
}

export function gram(d: ImplicitData): Gram {
  const scratch = new Float64Array(d.nItems);
  const seen = new Int32Array(d.nItems).fill(-1);
  const ptr = new Int32Array(d.nItems + 1);
  const idxParts: Int32Array[] = [];
  const valParts: Float64Array[] = [];
  for (let a = 0; a < d.nItems; a++) {
    const touched: number[] = [];
    for (let p = d.colPtr[a] as number; p < (d.colPtr[a + 1] as number); p++) {
      const u = d.rows[p] as number;
      for (let q = d.rowPtr[u] as number; q < (d.rowPtr[u + 1] as number); q++) {
        const b = d.cols[q] as number;
        if (seen[b] !== a) {
          seen[b] = a;
          scratch[b] = 0;
          touched.push(b);
        }
        scratch[b] = (scratch[b] as number) + 1;
      }
    }
    touched.sort((x, y) => x - y);
    const idx = Int32Array.from(touched);
    const val = new Float64Array(touched.length);
    touched.forEach((b, t) => (val[t] = scratch[b] as number));
    idxParts.push(idx);
    valParts.push(val);
    ptr[a + 1] = (ptr[a] as number) + idx.length;
  }
  const idx = new Int32Array(ptr[d.nItems] as number);
  const val = new Float64Array(ptr[d.nItems] as number);
  idxParts.forEach((part, a) => idx.set(part, ptr[a] as number));
  valParts.forEach((part, a) => val.set(part, ptr[a] as number));
  return { ptr, idx, val };
}

/** Co-purchase count of items a and b (binary search in a's row). */
export function gramAt(g: Gram, a: number, b: number): number {
  let lo = g.ptr[a] as number;
  let hi = (g.ptr[a + 1] as number) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = g.idx[mid] as number;
    if (v === b) return g.val[mid] as number;
    if (v < b) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Per item i, the items j it points to with a weight w_ij (a user owning i adds w_ij to j's score). */
export interface ItemLists {
  idx: Int32Array[];
  w: Float64Array[];
}

/** Keeps, per item, the `keep` entries largest in absolute value (most influential), ordered by weight. */
export function truncateLists(lists: ItemLists, keep: number): ItemLists {
  const idx: Int32Array[] = [];
  const w: Float64Array[] = [];
  lists.idx.forEach((ids, i) => {
    const ws = lists.w[i] as Float64Array;
    const order = [...ids.keys()].sort((a, b) => Math.abs(ws[b] as number) - Math.abs(ws[a] as number) || (ids[a] as number) - (ids[b] as number));
    const kept = order.slice(0, keep).sort((a, b) => (ws[b] as number) - (ws[a] as number) || (ids[a] as number) - (ids[b] as number));
    idx.push(Int32Array.from(kept.map((t) => ids[t] as number)));
    w.push(Float64Array.from(kept.map((t) => ws[t] as number)));
  });
  return { idx, w };
}

/** Item-kNN: per item its most similar items (shrunk cosine > 0), most similar first, at most `k`. */
export function itemKnnLists(d: ImplicitData, g: Gram, k: number, shrink: number): ItemLists {
  const idx: Int32Array[] = [];
  const w: Float64Array[] = [];
  for (let a = 0; a < d.nItems; a++) {
    const cand: Array<[number, number]> = [];
    const na = d.counts[a] as number;
    for (let p = g.ptr[a] as number; p < (g.ptr[a + 1] as number); p++) {
      const b = g.idx[p] as number;
      if (b === a) continue;
      const sim = (g.val[p] as number) / (Math.sqrt(na * (d.counts[b] as number)) + shrink);
      if (sim > 0) cand.push([b, sim]);
    }
    cand.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    const kept = cand.slice(0, k);
    idx.push(Int32Array.from(kept.map((c) => c[0])));
    w.push(Float64Array.from(kept.map((c) => c[1])));
  }
  return { idx, w };
}

/** Dense EASE weights B (row-major n x n, zero diagonal). */
export function easeDense(d: ImplicitData, g: Gram, lambda: number): Float64Array {
  const n = d.nItems;
  const p = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let t = g.ptr[a] as number; t < (g.ptr[a + 1] as number); t++) p[a * n + (g.idx[t] as number)] = g.val[t] as number;
  for (let a = 0; a < n; a++) p[a * n + a] = (p[a * n + a] as number) + lambda;
  invertSpdInPlace(p, n);
  // B_ij = -P_ij / P_jj off the diagonal, 0 on it.
  const diag = new Float64Array(n);
  for (let j = 0; j < n; j++) diag[j] = p[j * n + j] as number;
  for (let i = 0; i < n; i++) {
    const ii = i * n;
    for (let j = 0; j < n; j++) p[ii + j] = i === j ? 0 : -(p[ii + j] as number) / (diag[j] as number);
  }
  return p;
}

function denseToLists(b: Float64Array, n: number): ItemLists {
  const idx: Int32Array[] = [];
  const w: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const ids: number[] = [];
    const ws: number[] = [];
    for (let j = 0; j < n; j++) {
      const v = b[i * n + j] as number;
      if (j !== i && v !== 0) {
        ids.push(j);
        ws.push(v);
      }
    }
    idx.push(Int32Array.from(ids));
    w.push(Float64Array.from(ws));
  }
  return { idx, w };
}

/**
 * EASE restricted to neighbourhoods: column j of B is the ridge regression of item j's owners on its `m`
 * most co-bought items, (G_NN + λI) b = G_Nj; the other entries of the column are 0. With m >= n - 1 it is
 * the full regression of each column, which differs from dense EASE only in the diagonal constraint.
 */
export function easePruned(d: ImplicitData, g: Gram, lambda: number, m: number): ItemLists {
  const rowsIdx: number[][] = Array.from({ length: d.nItems }, () => []);
  const rowsW: number[][] = Array.from({ length: d.nItems }, () => []);
  for (let j = 0; j < d.nItems; j++) {
    const cand: Array<[number, number]> = [];
    for (let t = g.ptr[j] as number; t < (g.ptr[j + 1] as number); t++) if ((g.idx[t] as number) !== j) cand.push([g.idx[t] as number, g.val[t] as number]);
    cand.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    const nb = cand.slice(0, m).map((c) => c[0]);
    const s = nb.length;
    if (s === 0) continue;
    const a = new Float64Array(s * s);
    const rhs = new Float64Array(s);
    for (let x = 0; x < s; x++) {
      const ix = nb[x] as number;
      rhs[x] = gramAt(g, ix, j);
      a[x * s + x] = gramAt(g, ix, ix) + lambda;
      for (let y = x + 1; y < s; y++) {
        const v = gramAt(g, ix, nb[y] as number);
        a[x * s + y] = v;
        a[y * s + x] = v;
      }
    }
    choleskySolveInPlace(choleskyInPlace(a, s), s, rhs);
    for (let x = 0; x < s; x++) {
      if (rhs[x] === 0) continue;
      (rowsIdx[nb[x] as number] as number[]).push(j);
      (rowsW[nb[x] as number] as number[]).push(rhs[x] as number);
    }
  }
  return { idx: rowsIdx.map((r) => Int32Array.from(r)), w: rowsW.map((r) => Float64Array.from(r)) };
}

/** EASE weights as item lists, dense or pruned by catalogue size. */
export function easeLists(d: ImplicitData, g: Gram, lambda: number, denseMax = EASE_DENSE_MAX, pruned = EASE_PRUNED_NEIGHBOURS): { lists: ItemLists; variant: 'dense' | 'pruned' } {
  if (d.nItems <= denseMax) return { lists: denseToLists(easeDense(d, g, lambda), d.nItems), variant: 'dense' };
  return { lists: easePruned(d, g, lambda, pruned), variant: 'pruned' };
}

/** Scores from item lists: out[j] = Σ over the history's items i of w_ij. */
export function scoreLists(lists: ItemLists, history: ArrayLike<number>, out: Float64Array): void {
  out.fill(0);
  for (let h = 0; h < history.length; h++) {
    const i = history[h] as number;
    const ids = lists.idx[i];
    const ws = lists.w[i];
    if (!ids || !ws) continue;
    for (let t = 0; t < ids.length; t++) out[ids[t] as number] = (out[ids[t] as number] as number) + (ws[t] as number);
  }
}

/**
 * User-kNN scores for a history: the `k` users most similar to it (shrunk cosine on owned sets; `self`, the
 * user's own row when it is in the data, left out), each adding its similarity to the items it owns.
 */
export function scoreUserKnn(d: ImplicitData, history: ArrayLike<number>, k: number, shrink: number, out: Float64Array, self = -1, overlap?: Float64Array): void {
  out.fill(0);
  const ov = overlap ?? new Float64Array(d.nUsers);
  const touched: number[] = [];
  for (let h = 0; h < history.length; h++) {
    const i = history[h] as number;
    for (let p = d.colPtr[i] as number; p < (d.colPtr[i + 1] as number); p++) {
      const v = d.rows[p] as number;
      if (v === self) continue;
      if (ov[v] === 0) touched.push(v);
      ov[v] = (ov[v] as number) + 1;
    }
  }
  const nu = history.length;
  const sims = touched.map((v) => [v, (ov[v] as number) / (Math.sqrt(nu * ((d.rowPtr[v + 1] as number) - (d.rowPtr[v] as number))) + shrink)] as const);
  for (const v of touched) ov[v] = 0;
  // Only the k best need ordering: a typed-array sort finds the k-th similarity, ties then go by user index.
  let kept = sims;
  if (sims.length > k) {
    const values = Float64Array.from(sims, (x) => x[1]).sort();
    const threshold = values[values.length - k] as number;
    kept = sims.filter((x) => x[1] >= threshold);
  }
  kept.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  for (const [v, s] of kept.slice(0, k)) for (let p = d.rowPtr[v] as number; p < (d.rowPtr[v + 1] as number); p++) out[d.cols[p] as number] = (out[d.cols[p] as number] as number) + s;
}

// ---------------------------------------------------------------------------------------------------------
// Implicit ALS

export interface AlsParams {
  factors: number;
  reg: number;
  alpha: number;
  iterations: number;
  seed: number;
}

export interface AlsModel {
  factors: number;
  reg: number;
  alpha: number;
  /** Item factors, row-major nItems x factors. */
  y: Float64Array;
  /** YᵀY (factors x factors), kept for folding users in. */
  yty: Float64Array;
}

function gramOf(m: Float64Array, rows: number, f: number): Float64Array {
  const out = new Float64Array(f * f);
  for (let r = 0; r < rows; r++) {
    const o = r * f;
    for (let a = 0; a < f; a++) {
      const va = m[o + a] as number;
      if (va === 0) continue;
      for (let b = a; b < f; b++) out[a * f + b] = (out[a * f + b] as number) + va * (m[o + b] as number);
    }
  }
  for (let a = 0; a < f; a++) for (let b = 0; b < a; b++) out[a * f + b] = out[b * f + a] as number;
  return out;
}

/**
 * One side of an ALS sweep: for each row r with entries (c, w), x_r = (FᵀF + Fᵀ(C - I)F + λI)⁻¹ Fᵀ C p,
 * C = 1 + α·w on the entries, p = 1 there (Hu et al., eq. 4), F the other side's factors.
 */
function solveSide(ptr: Int32Array, idx: Int32Array, w: ArrayLike<number> | null, fixed: Float64Array, fixedGram: Float64Array, out: Float64Array, rows: number, f: number, reg: number, alpha: number): void {
  const a = new Float64Array(f * f);
  const b = new Float64Array(f);
  for (let r = 0; r < rows; r++) {
    a.set(fixedGram);
    b.fill(0);
    for (let t = ptr[r] as number; t < (ptr[r + 1] as number); t++) {
      const c = idx[t] as number;
      const conf = 1 + alpha * (w ? (w[t] as number) : 1);
      const o = c * f;
      for (let x = 0; x < f; x++) {
        const vx = fixed[o + x] as number;
        b[x] = (b[x] as number) + conf * vx;
        const s = (conf - 1) * vx;
        for (let y = x; y < f; y++) a[x * f + y] = (a[x * f + y] as number) + s * (fixed[o + y] as number);
      }
    }
    for (let x = 0; x < f; x++) {
      a[x * f + x] = (a[x * f + x] as number) + reg;
      for (let y = 0; y < x; y++) a[x * f + y] = a[y * f + x] as number;
    }
    choleskySolveInPlace(choleskyInPlace(a, f), f, b);
    out.set(b, r * f);
  }
}

/** Confidence weights: log(1 + quantity), so a repeated purchase counts more without dominating. */
function confidenceWeights(d: ImplicitData): { user: Float64Array; item: Float64Array } {
  const user = Float64Array.from(d.vals, (v) => Math.log1p(Math.max(0, v)));
  // The same weights in item-column order.
  const item = new Float64Array(d.rows.length);
  const fill = d.colPtr.slice(0, d.nItems);
  for (let u = 0; u < d.nUsers; u++) for (let p = d.rowPtr[u] as number; p < (d.rowPtr[u + 1] as number); p++) item[(fill[d.cols[p] as number] as number)++] = user[p] as number;
  return { user, item };
}

/** Fits implicit ALS; `loss` (optional) receives the weighted loss after each sweep. */
export function fitAls(d: ImplicitData, params: AlsParams, loss?: (value: number) => void): AlsModel {
  const f = params.factors;
  const random = mulberry32(params.seed);
  const y = new Float64Array(d.nItems * f);
  for (let t = 0; t < y.length; t++) y[t] = (random() - 0.5) * 0.1;
  const x = new Float64Array(d.nUsers * f);
  const weights = confidenceWeights(d);
  for (let it = 0; it < params.iterations; it++) {
    solveSide(d.rowPtr, d.cols, weights.user, y, gramOf(y, d.nItems, f), x, d.nUsers, f, params.reg, params.alpha);
    solveSide(d.colPtr, d.rows, weights.item, x, gramOf(x, d.nUsers, f), y, d.nItems, f, params.reg, params.alpha);
    if (loss) loss(alsLoss(d, x, y, f, params, weights.user));
  }
  return { factors: f, reg: params.reg, alpha: params.alpha, y, yty: gramOf(y, d.nItems, f) };
}

/** Σ_ui c_ui (p_ui - x_u·y_i)² + λ(‖X‖² + ‖Y‖²), the objective ALS minimises (dense over all pairs). */
export function alsLoss(d: ImplicitData, x: Float64Array, y: Float64Array, f: number, params: Pick<AlsParams, 'reg' | 'alpha'>, w: Float64Array): number {
  let total = 0;
  // Σ over all pairs of (x·y)² = Σ_u x_u (YᵀY) x_u, then the owned entries corrected.
  const yty = gramOf(y, d.nItems, f);
  for (let u = 0; u < d.nUsers; u++) {
    const o = u * f;
    for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) total += (x[o + a] as number) * (yty[a * f + b] as number) * (x[o + b] as number);
    for (let p = d.rowPtr[u] as number; p < (d.rowPtr[u + 1] as number); p++) {
      const i = d.cols[p] as number;
      let dot = 0;
      for (let a = 0; a < f; a++) dot += (x[o + a] as number) * (y[i * f + a] as number);
      const c = 1 + params.alpha * (w[p] as number);
      total += c * (1 - dot) * (1 - dot) - dot * dot;
    }
  }
  let norms = 0;
  for (const v of x) norms += v * v;
  for (const v of y) norms += v * v;
  return total + params.reg * norms;
}

/** Folds a history in (one ALS user step against the fitted items) and scores every item. */
export function scoreAls(m: AlsModel, history: ArrayLike<number>, weights: ArrayLike<number>, out: Float64Array): void {
  const f = m.factors;
  const ptr = Int32Array.of(0, history.length);
  const idx = Int32Array.from(history as ArrayLike<number>);
  const w = Float64Array.from(weights as ArrayLike<number>, (v) => Math.log1p(Math.max(0, v)));
  const xu = new Float64Array(f);
  solveSide(ptr, idx, w, m.y, m.yty, xu, 1, f, m.reg, m.alpha);
  const n = m.y.length / f;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let a = 0; a < f; a++) s += (xu[a] as number) * (m.y[j * f + a] as number);
    out[j] = s;
  }
}
