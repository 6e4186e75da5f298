// The hot loop of the fast forest: grows one classification tree from binned data.
//
// Plain JavaScript on purpose: worker.mjs imports this file, and a worker thread must start under plain
// Node 20/24, under tsx and under vitest without any TypeScript loader. tree.ts gives it its types
// (tree-core.d.mts) and the rest of the forest imports it through tree.ts.
//
// Data layout (see binning.ts): `binned[f * nRows + i]` is the bin of row i for feature f; a split
// "bin <= b" of feature f is the real-valued rule "x[f] < threshold", threshold strictly between the
// largest training value of bin b and the smallest training value of the next non-empty bin.

/** mulberry32: small seeded 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
  const w = new Float64Array(n);
  if (params.bootstrap) {
    const draws = params.nDraws > 0 ? params.nDraws : n;
    for (let k = 0; k < draws; k++) w[Math.floor(random() * n)] += 1;
  } else {
    w.fill(1);
  }
  const wy = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (w[i] > 0) m++;
    if (y[i] === 1) wy[i] = w[i];
  }
  const idx = new Int32Array(m);
  for (let i = 0, k = 0; i < n; i++) if (w[i] > 0) idx[k++] = i;

  // Node arrays, grown by doubling.
  let capacity = 64;
  let feature = new Int32Array(capacity);
  let threshold = new Float64Array(capacity);
  let left = new Int32Array(capacity);
  let right = new Int32Array(capacity);
  let value = new Float64Array(capacity);
  let count = new Float64Array(capacity);
  let nodeCount = 0;
  const grow = () => {
    capacity *= 2;
    const f2 = new Int32Array(capacity); f2.set(feature); feature = f2;
    const t2 = new Float64Array(capacity); t2.set(threshold); threshold = t2;
    const l2 = new Int32Array(capacity); l2.set(left); left = l2;
    const r2 = new Int32Array(capacity); r2.set(right); right = r2;
    const v2 = new Float64Array(capacity); v2.set(value); value = v2;
    const c2 = new Float64Array(capacity); c2.set(count); count = c2;
  };
  const importance = new Float64Array(p);

  let maxNb = 1;
  for (let f = 0; f < p; f++) if (nBins[f] > maxNb) maxNb = nBins[f];
  // histogram of one feature in one node: per bin [weight, positive weight, rows]
  const hist = new Float64Array(3 * maxNb);
  // features still undrawn at this node are perm[0 .. remaining)
  const perm = new Int32Array(p);
  for (let f = 0; f < p; f++) perm[f] = f;
  // features known to be constant in the current node (inherited from its ancestors)
  const isConstant = new Uint8Array(p);
  const globallyConstant = [];
  for (let f = 0; f < p; f++) if (nBins[f] <= 1) globallyConstant.push(f);

  // depth-first; a node's left child is pushed last, so it gets the next id (left[id] === id + 1)
  const stack = [{ start: 0, end: m, depth: 0, parent: -1, isLeft: false, constants: globallyConstant }];
  while (stack.length > 0) {
    const node = stack.pop();
    const { start, end, depth, constants } = node;
    if (nodeCount === capacity) grow();
    const id = nodeCount++;
    if (node.parent >= 0) {
      if (node.isLeft) left[node.parent] = id;
      else right[node.parent] = id;
    }
    let W = 0;
    let W1 = 0;
    for (let k = start; k < end; k++) {
      const r = idx[k];
      W += w[r];
      W1 += wy[r];
    }
    value[id] = W1 / W;
    count[id] = W;
    feature[id] = -1;
    threshold[id] = 0;
    left[id] = -1;
    right[id] = -1;
    const rows = end - start;
    if (rows < minSplit || depth >= maxDepth || W1 <= 0 || W1 >= W) continue;

    // best split over randomly drawn features: at least mtry drawn, and at least one not constant here
    for (let c = 0; c < constants.length; c++) isConstant[constants[c]] = 1;
    let newConstants = null;
    let bestProxy = -Infinity;
    let bestFeature = -1;
    let bestBin = -1;
    let bestNext = -1;
    let bestWl = 0;
    let bestWl1 = 0;
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
      hist.fill(0, 0, 3 * nb);
      const base = f * n;
      for (let k = start; k < end; k++) {
        const r = idx[k];
        const h = binned[base + r] * 3;
        hist[h] += w[r];
        hist[h + 1] += wy[r];
        hist[h + 2] += 1;
      }
      let lo = 0;
      while (hist[3 * lo + 2] === 0) lo++;
      if (hist[3 * lo + 2] === rows) {
        if (newConstants === null) newConstants = [];
        newConstants.push(f);
        continue;
      }
      nonConstant++;
      // candidate split between consecutive non-empty bins `prev` and `b`
      let wl = hist[3 * lo];
      let wl1 = hist[3 * lo + 1];
      let nl = hist[3 * lo + 2];
      let prev = lo;
      for (let b = lo + 1; b < nb; b++) {
        const nb3 = 3 * b;
        const nInBin = hist[nb3 + 2];
        if (nInBin === 0) continue;
        if (nl >= minLeaf) {
          if (rows - nl < minLeaf) break;
          const wr = W - wl;
          const wr1 = W1 - wl1;
          const wl0 = wl - wl1;
          const wr0 = wr - wr1;
          const proxy = (wl1 * wl1 + wl0 * wl0) / wl + (wr1 * wr1 + wr0 * wr0) / wr;
          if (proxy > bestProxy) {
            bestProxy = proxy;
            bestFeature = f;
            bestBin = prev;
            bestNext = b;
            bestWl = wl;
            bestWl1 = wl1;
          }
        }
        wl += hist[nb3];
        wl1 += hist[nb3 + 1];
        nl += nInBin;
        prev = b;
      }
    }
    for (let c = 0; c < constants.length; c++) isConstant[constants[c]] = 0;
    if (bestFeature < 0) continue; // every feature constant here, or no split leaves minSamplesLeaf rows each side

    const f = bestFeature;
    const off = binOffset[f];
    feature[id] = f;
    threshold[id] = midpoint(binMax[off + bestBin], binMin[off + bestNext]);
    // partition idx[start..end): rows with bin <= bestBin first
    const base = f * n;
    let i = start;
    let jEnd = end - 1;
    while (i <= jEnd) {
      if (binned[base + idx[i]] <= bestBin) i++;
      else {
        const tmp = idx[i];
        idx[i] = idx[jEnd];
        idx[jEnd] = tmp;
        jEnd--;
      }
    }
    // weighted Gini decrease (mean decrease in impurity)
    const wr = W - bestWl;
    const wr1 = W1 - bestWl1;
    const gini = 1 - ((W1 * W1) + (W - W1) * (W - W1)) / (W * W);
    const giniL = 1 - (bestWl1 * bestWl1 + (bestWl - bestWl1) * (bestWl - bestWl1)) / (bestWl * bestWl);
    const giniR = 1 - (wr1 * wr1 + (wr - wr1) * (wr - wr1)) / (wr * wr);
    importance[f] += W * gini - bestWl * giniL - wr * giniR;

    const childConstants = newConstants === null ? constants : constants.concat(newConstants);
    stack.push({ start: i, end, depth: depth + 1, parent: id, isLeft: false, constants: childConstants });
    stack.push({ start, end: i, depth: depth + 1, parent: id, isLeft: true, constants: childConstants });
  }

  return {
    nodeCount,
    feature: feature.slice(0, nodeCount),
    threshold: threshold.slice(0, nodeCount),
    left: left.slice(0, nodeCount),
    right: right.slice(0, nodeCount),
    value: value.slice(0, nodeCount),
    count: count.slice(0, nodeCount),
    importance,
  };
}
