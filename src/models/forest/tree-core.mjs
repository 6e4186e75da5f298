// The hot loop of the fast forest: grows one classification tree from binned data.
//
// Plain JavaScript on purpose: worker.mjs imports this file, and a worker thread must start under plain
// Node 20/24, under tsx and under vitest without any TypeScript loader. tree.ts gives it its types
// (tree-core.d.mts) and the rest of the forest imports it through tree.ts.
//
// Data layout (see binning.ts): `binned[f * nRows + i]` is the bin of row i for feature f; a split
// "bin <= b" of feature f is the real-valued rule "x[f] < threshold", threshold strictly between the
// largest training value of bin b and the smallest training value of the next non-empty bin.

import { mulberry32 } from '../../domain/random.mjs';

/**
 * The seed of tree `index` in a forest seeded `forestSeed` (a murmur3-style mix of both), so every tree
 * is the same whichever thread grows it and in whatever order.
 */
export function treeSeed(forestSeed, index) {
  let h = (forestSeed >>> 0) ^ Math.imul((index >>> 0) + 1, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function midpoint(a, b) {
  const m = a + (b - a) / 2;
  return m > a && m <= b ? m : b;
}

/**
 * Bootstrap weights of a tree: `nDraws` rows (0 = all n) drawn with replacement from `random`, as counts;
 * every row weighs 1 without bootstrap. growTree draws these first from the tree's generator, so the
 * out-of-bag rows of a tree can be recomputed from its seed alone.
 * @param {() => number} random
 * @param {number} n
 * @param {boolean} bootstrap
 * @param {number} nDraws
 */
export function bootstrapWeights(random, n, bootstrap, nDraws) {
  const w = new Float64Array(n);
  if (bootstrap) {
    const draws = nDraws > 0 ? nDraws : n;
    for (let k = 0; k < draws; k++) w[Math.floor(random() * n)] += 1;
  } else {
    w.fill(1);
  }
  return w;
}

// Small functions rather than one large one: V8 optimizes each quickly (a fresh worker thread pays the
// warm-up again), and the hot loops get stable type feedback.

/**
 * Class-weight histogram of one feature over the node's rows: per bin [weight, positive weight, rows].
 * Each drawn row's bootstrap count and label travel with its index as one integer, `packed[k]` =
 * 2 * weight + label (moved with idx when a node is partitioned), so only the bin lookup is a random access.
 */
function buildHistogram(hist, nb, binned, base, idx, packed, start, end) {
  hist.fill(0, 0, 3 * nb);
  for (let k = start; k < end; k++) {
    const h = binned[base + idx[k]] * 3;
    const v = packed[k];
    const wk = v >> 1;
    hist[h] += wk;
    hist[h + 1] += (v & 1) * wk;
    hist[h + 2]++;
  }
}

/**
 * The same for a two-bin feature (a 0/1 column, most of a one-hot matrix): sums of bin 1 in registers,
 * bin 0 by subtraction from the node totals; about twice as fast as the general loop.
 */
function buildBinaryHistogram(hist, binned, base, idx, packed, start, end, W, W1) {
  let c1 = 0;
  let s1 = 0;
  let y1 = 0;
  for (let k = start; k < end; k++) {
    const b = binned[base + idx[k]];
    const v = packed[k] * b;
    const wk = v >> 1;
    c1 += b;
    s1 += wk;
    y1 += (v & 1) * wk;
  }
  hist[0] = W - s1;
  hist[1] = W1 - y1;
  hist[2] = end - start - c1;
  hist[3] = s1;
  hist[4] = y1;
  hist[5] = c1;
}

/**
 * Scans a histogram for the split with the largest Gini decrease (proxy: sum over children of
 * sum_k w_k^2 / w), between consecutive non-empty bins, each side keeping at least minLeaf rows.
 * Updates `best` when it finds a strictly better split. Returns false when the feature is constant here.
 */
function scanHistogram(hist, nb, rows, W, W1, minLeaf, f, best, sign, lower, upper) {
  let lo = 0;
  while (hist[3 * lo + 2] === 0) lo++;
  if (hist[3 * lo + 2] === rows) return false;
  let wl = hist[3 * lo];
  let wl1 = hist[3 * lo + 1];
  let nl = hist[3 * lo + 2];
  let prev = lo;
  for (let b = lo + 1; b < nb; b++) {
    const h = 3 * b;
    const nInBin = hist[h + 2];
    if (nInBin === 0) continue;
    if (nl >= minLeaf) {
      if (rows - nl < minLeaf) break;
      const wr = W - wl;
      const wr1 = W1 - wl1;
      const wl0 = wl - wl1;
      const wr0 = wr - wr1;
      const proxy = (wl1 * wl1 + wl0 * wl0) / wl + (wr1 * wr1 + wr0 * wr0) / wr;
      // an increasing column (sign 1) may only split where the left (lower) side converts no more often
      const ordered = sign === 0 || sign * (clamp(wl1 / wl, lower, upper) - clamp(wr1 / wr, lower, upper)) <= 0;
      if (ordered && proxy > best.proxy) {
        best.proxy = proxy;
        best.feature = f;
        best.bin = prev;
        best.next = b;
        best.wl = wl;
        best.wl1 = wl1;
      }
    }
    wl += hist[h];
    wl1 += hist[h + 1];
    nl += nInBin;
    prev = b;
  }
  return true;
}

/** Puts the rows with bin <= maxBin first in idx[start..end) (packed alongside); returns where the right side starts. */
function partition(binned, base, idx, packed, start, end, maxBin) {
  let i = start;
  let j = end - 1;
  while (i <= j) {
    if (binned[base + idx[i]] <= maxBin) i++;
    else {
      const r = idx[i];
      idx[i] = idx[j];
      idx[j] = r;
      const v = packed[i];
      packed[i] = packed[j];
      packed[j] = v;
      j--;
    }
  }
  return i;
}

/** x within [lo, hi]. */
export function clamp(x, lo, hi) {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * Monotone constraints (LightGBM's "basic" method, shared with ../boosting): the value bounds of a split's
 * subtrees. A split on a constrained column bounds both sides at the midpoint of their (clamped) values,
 * so no deeper split can reorder them; any other split passes its own bounds down.
 * @returns {[number, number, number, number]} left lo, left hi, right lo, right hi
 */
export function childBounds(sign, lo, hi, leftValue, rightValue) {
  if (sign === 0) return [lo, hi, lo, hi];
  const between = (clamp(leftValue, lo, hi) + clamp(rightValue, lo, hi)) / 2;
  return sign > 0 ? [lo, between, between, hi] : [between, hi, lo, between];
}

function gini(w, w1) {
  const p = w1 / w;
  return 2 * p * (1 - p);
}

/** Growable flat node arrays. */
class Nodes {
  constructor(capacity) {
    this.size = 0;
    this.alloc(capacity);
  }
  alloc(capacity) {
    const old = this.feature;
    this.capacity = capacity;
    const feature = new Int32Array(capacity);
    const threshold = new Float64Array(capacity);
    const left = new Int32Array(capacity);
    const right = new Int32Array(capacity);
    const value = new Float64Array(capacity);
    const count = new Float64Array(capacity);
    if (old !== undefined) {
      feature.set(this.feature);
      threshold.set(this.threshold);
      left.set(this.left);
      right.set(this.right);
      value.set(this.value);
      count.set(this.count);
    }
    this.feature = feature;
    this.threshold = threshold;
    this.left = left;
    this.right = right;
    this.value = value;
    this.count = count;
  }
  /** A new leaf; returns its id. */
  add(value, count) {
    if (this.size === this.capacity) this.alloc(this.capacity * 2);
    const id = this.size++;
    this.feature[id] = -1;
    this.threshold[id] = 0;
    this.left[id] = -1;
    this.right[id] = -1;
    this.value[id] = value;
    this.count[id] = count;
    return id;
  }
}

/**
 * Grows one tree.
 * @param {import('./tree-core.d.mts').BinnedData} data
 * @param {import('./tree-core.d.mts').TreeParams} params
 * @param {number} seed
 * @returns {import('./tree-core.d.mts').GrownTree}
 */
export function growTree(data, params, seed) {
  const { binned, nRows: n, nCols: p, y, nBins, binOffset, binMin, binMax } = data;
  const maxDepth = params.maxDepth;
  const minLeaf = Math.max(1, params.minSamplesLeaf);
  const minSplit = Math.max(2, params.minSamplesSplit, 2 * minLeaf);
  const mtry = Math.min(p, Math.max(1, params.mtry));
  const random = mulberry32(seed);

  // Row weights: bootstrap counts (rows drawn 0 times take no part), or 1 for every row.
  const w = bootstrapWeights(random, n, params.bootstrap, params.nDraws);
  let m = 0;
  for (let i = 0; i < n; i++) if (w[i] > 0) m++;
  // the drawn rows, and 2 * weight + label in the same order
  const idx = new Int32Array(m);
  const packed = new Int32Array(m);
  let rootW = 0;
  let rootW1 = 0;
  for (let i = 0, k = 0; i < n; i++) {
    if (w[i] > 0) {
      idx[k] = i;
      packed[k] = 2 * w[i] + (y[i] === 1 ? 1 : 0);
      rootW += w[i];
      if (y[i] === 1) rootW1 += w[i];
      k++;
    }
  }

  const nodes = new Nodes(64);
  const importance = new Float64Array(p);
  let maxNb = 1;
  for (let f = 0; f < p; f++) if (nBins[f] > maxNb) maxNb = nBins[f];
  const hist = new Int32Array(3 * maxNb);
  // features still undrawn at this node are perm[0 .. remaining)
  const perm = new Int32Array(p);
  for (let f = 0; f < p; f++) perm[f] = f;
  // features known to be constant in the current node (inherited from its ancestors)
  const isConstant = new Uint8Array(p);
  const globallyConstant = [];
  for (let f = 0; f < p; f++) if (nBins[f] <= 1) globallyConstant.push(f);
  const best = { proxy: 0, feature: -1, bin: -1, next: -1, wl: 0, wl1: 0 };

  // depth-first; a node's left child is pushed last, so it gets the next id (left[id] === id + 1)
  const monotone = params.monotone ?? null;
  // lo/hi: bounds on the node's value from monotone splits above it (see scanHistogram)
  const stack = [{ start: 0, end: m, depth: 0, parent: -1, isLeft: false, W: rootW, W1: rootW1, constants: globallyConstant, lo: 0, hi: 1 }];
  while (stack.length > 0) {
    const node = stack.pop();
    const { start, end, depth, W, W1, constants, lo, hi } = node;
    const id = nodes.add(clamp(W1 / W, lo, hi), W);
    if (node.parent >= 0) {
      if (node.isLeft) nodes.left[node.parent] = id;
      else nodes.right[node.parent] = id;
    }
    const rows = end - start;
    if (rows < minSplit || depth >= maxDepth || W1 <= 0 || W1 >= W) continue;

    // best split over randomly drawn features: at least mtry drawn, and at least one not constant here
    for (let c = 0; c < constants.length; c++) isConstant[constants[c]] = 1;
    let newConstants = null;
    best.proxy = -Infinity;
    best.feature = -1;
    let remaining = p;
    let visited = 0;
    let nonConstant = 0;
    while (remaining > 0 && (visited < mtry || nonConstant === 0)) {
      const j = Math.floor(random() * remaining);
      const f = perm[j];
      perm[j] = perm[remaining - 1];
      perm[remaining - 1] = f;
      remaining--;
      visited++;
      if (isConstant[f] === 1) continue;
      const nb = nBins[f];
      if (nb === 2) buildBinaryHistogram(hist, binned, f * n, idx, packed, start, end, W, W1);
      else buildHistogram(hist, nb, binned, f * n, idx, packed, start, end);
      if (scanHistogram(hist, nb, rows, W, W1, minLeaf, f, best, monotone === null ? 0 : monotone[f], lo, hi)) {
        nonConstant++;
      } else {
        if (newConstants === null) newConstants = [];
        newConstants.push(f);
      }
    }
    for (let c = 0; c < constants.length; c++) isConstant[constants[c]] = 0;
    if (best.feature < 0) continue; // every feature constant here, or no split leaves minSamplesLeaf rows each side

    const f = best.feature;
    const off = binOffset[f];
    nodes.feature[id] = f;
    nodes.threshold[id] = midpoint(binMax[off + best.bin], binMin[off + best.next]);
    const mid = partition(binned, f * n, idx, packed, start, end, best.bin);
    const wl = best.wl;
    const wl1 = best.wl1;
    const wr = W - wl;
    const wr1 = W1 - wl1;
    // weighted Gini decrease (mean decrease in impurity)
    importance[f] += W * gini(W, W1) - wl * gini(wl, wl1) - wr * gini(wr, wr1);

    const childConstants = newConstants === null ? constants : constants.concat(newConstants);
    const [leftLo, leftHi, rightLo, rightHi] = childBounds(monotone === null ? 0 : monotone[f], lo, hi, wl1 / wl, wr1 / wr);
    stack.push({ start: mid, end, depth: depth + 1, parent: id, isLeft: false, W: wr, W1: wr1, constants: childConstants, lo: rightLo, hi: rightHi });
    stack.push({ start, end: mid, depth: depth + 1, parent: id, isLeft: true, W: wl, W1: wl1, constants: childConstants, lo: leftLo, hi: leftHi });
  }

  const size = nodes.size;
  return {
    nodeCount: size,
    feature: nodes.feature.slice(0, size),
    threshold: nodes.threshold.slice(0, size),
    left: nodes.left.slice(0, size),
    right: nodes.right.slice(0, size),
    value: nodes.value.slice(0, size),
    count: nodes.count.slice(0, size),
    importance,
  };
}
