/**
 * Histogram gradient boosting for binary labels (0/1): scikit-learn's HistGradientBoostingClassifier /
 * LightGBM's algorithm on the fast forest's quantile bins (../forest/binning.ts).
 *
 * Log-loss, starting from the log-odds of the base rate. Each iteration grows one regression tree on the
 * gradients g = p - y and hessians h = p(1 - p): per node, histograms of (sum g, sum h, rows) per feature
 * and bin, split gain GL²/(HL+λ) + GR²/(HR+λ) - G²/(H+λ), leaves -G/(H+λ) · learningRate, best-first growth
 * up to `maxLeafNodes` leaves. Only the smaller child of a split gets its histogram built from rows; the
 * larger one is the parent's minus the smaller's (LightGBM's sibling subtraction), so a tree costs a few
 * passes over the rows instead of one per level.
 *
 * Thresholds are real values halfway between the two training values a split separates (a row goes left
 * when `x < threshold`, as in the forest), so a fitted model predicts from raw features, without the bins.
 * The model is plain JSON, tagged `{ kind: 'histGradientBoosting', version: 1 }`.
 */
import { binCounts, fitBinning, midpoint, transformBinning } from '../forest/binning.ts';
import { addLeafValues, checkEnsembleHeader, checkFeatureNames, compiledTrees, pathContributions } from '../forest/compiled.ts';
import type { CompiledTrees } from '../forest/compiled.ts';
import { toDense, toLabels, toMonotoneConstraints } from '../forest/matrix.ts';
import { childBounds, clamp } from '../forest/tree-core.mjs';
import type { DenseMatrix, FeatureMatrix } from '../forest/matrix.ts';
import { stratifiedSplit } from '../evaluate.ts';

export type { DenseMatrix, FeatureMatrix } from '../forest/matrix.ts';

export const BOOSTING_KIND = 'histGradientBoosting';
export const BOOSTING_VERSION = 1;

export interface BoostingOptions {
  /** Boosting iterations, one tree each (default 100). Early stopping may stop sooner. */
  maxIter?: number;
  /** Shrinkage applied to every leaf value (default 0.1). */
  learningRate?: number;
  /** Most leaves per tree, grown best-first (default 31); null = no limit (then maxDepth or minSamplesLeaf bounds the tree). */
  maxLeafNodes?: number | null;
  /** Deepest level, root = 0 (default null = no limit). */
  maxDepth?: number | null;
  /** Fewest training rows in a leaf (default 20). */
  minSamplesLeaf?: number;
  /** Smallest sum of hessians in a leaf (default 1e-3). */
  minHessianLeaf?: number;
  /** L2 penalty λ on leaf values (default 0). */
  l2Regularization?: number;
  /** Bins per feature, 2..255 (default 255). */
  maxBins?: number;
  /** 'auto' (default): on when there are more than 10,000 rows, as in scikit-learn. */
  earlyStopping?: 'auto' | boolean;
  /**
   * Share of the rows held out (stratified, seeded) to watch the log-loss for early stopping (default 0.1);
   * null = watch the training loss. Unused when early stopping is off: then every row trains.
   */
  validationFraction?: number | null;
  /** Stop when the watched loss has not improved by more than `tol` over this many iterations (default 10). */
  nIterNoChange?: number;
  /** Smallest improvement that counts for early stopping (default 1e-7). */
  tol?: number;
  /** Seed of the validation split, an integer (default 42). Same data + options + seed = same model. */
  seed?: number;
  /** Non-negative row weights (default: every row weighs 1). They scale gradients, hessians and the losses. */
  sampleWeight?: ArrayLike<number>;
  /** Column names, stored in the model and checked by predictRaw / predictProba when the caller passes its own. */
  featureNames?: readonly string[];
  /**
   * Per column: 1 = the score never falls as the column rises, -1 = it never rises, 0 = free (scikit-learn's
   * `monotonic_cst`). Enforced as LightGBM's "basic" method: a split on a constrained column must order its
   * children's values, and the midpoint of the two bounds every leaf below them.
   */
  monotonicCst?: ArrayLike<number>;
}

/** The resolved training options, kept in the model for the record. */
export interface BoostingParams {
  maxIter: number;
  learningRate: number;
  maxLeafNodes: number | null;
  maxDepth: number | null;
  minSamplesLeaf: number;
  minHessianLeaf: number;
  l2Regularization: number;
  maxBins: number;
  earlyStopping: boolean;
  validationFraction: number | null;
  nIterNoChange: number;
  tol: number;
  seed: number;
  /** Rows the trees were grown on (after the validation share was held out). */
  nTrainRows: number;
  nValidationRows: number;
  weighted: boolean;
  /** Present only when some column was constrained (models without it load unchanged). */
  monotonicCst?: number[];
}

/**
 * One regression tree as plain JSON. Leaves: feature -1, left/right -1, threshold 0.
 * Node ids grow in creation order, so children always come after their parent.
 */
export interface BoostingTreeJSON {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /**
   * Raw (logit-scale) value at each node: for a leaf its output; for an internal node the output it
   * would have as a leaf, -G/(H+λ) · learningRate (tree-path contributions use the differences).
   */
  value: number[];
  /** Training rows at each node. */
  count: number[];
}

export interface BoostingModel {
  kind: typeof BOOSTING_KIND;
  version: typeof BOOSTING_VERSION;
  nFeatures: number;
  featureNames?: string[];
  params: BoostingParams;
  /** Log-odds of the (weighted) training base rate: the raw score before any tree. */
  init: number;
  /** init + the root value of every tree: where contributions start (baseRaw + sum(contributions) = raw score). */
  baseRaw: number;
  trees: BoostingTreeJSON[];
  /** Total split gain per feature, normalized to sum 1 (all 0 when no tree split). */
  featureImportance: number[];
  /** Iterations run (= trees.length). */
  nIter: number;
  /**
   * The loss early stopping watched (mean log-loss on the validation share, or on the training rows),
   * before the first tree and after each one; empty when early stopping was off.
   */
  stoppingLoss: number[];
}

export interface PredictOptions {
  /** The input's column names; when the model has names too, they must match in order. */
  featureNames?: readonly string[];
}

// ---------------------------------------------------------------------------------------------------
// Options

function checkInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`fitBoosting: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function checkNumber(name: string, value: number, ok: (v: number) => boolean, rule: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new RangeError(`fitBoosting: ${name} must be ${rule}, got ${String(value)}`);
  }
  return value;
}

function resolveOptions(options: BoostingOptions, nRows: number): Omit<BoostingParams, 'nTrainRows' | 'nValidationRows' | 'weighted'> {
  const maxLeafNodes = options.maxLeafNodes === undefined ? 31 : options.maxLeafNodes;
  const maxDepth = options.maxDepth ?? null;
  const earlyStoppingOption = options.earlyStopping ?? 'auto';
  if (earlyStoppingOption !== 'auto' && typeof earlyStoppingOption !== 'boolean') {
    throw new RangeError(`fitBoosting: earlyStopping must be 'auto', true or false, got ${String(earlyStoppingOption)}`);
  }
  const validationFraction = options.validationFraction === undefined ? 0.1 : options.validationFraction;
  if (validationFraction !== null) checkNumber('validationFraction', validationFraction, (v) => v > 0 && v < 1, 'a share strictly between 0 and 1, or null');
  const maxBins = checkInteger('maxBins', options.maxBins ?? 255, 2);
  if (maxBins > 255) throw new RangeError(`fitBoosting: maxBins must be an integer in 2..255, got ${maxBins}`);
  return {
    maxIter: checkInteger('maxIter', options.maxIter ?? 100, 1),
    learningRate: checkNumber('learningRate', options.learningRate ?? 0.1, (v) => v > 0, 'a positive number'),
    maxLeafNodes: maxLeafNodes === null ? null : checkInteger('maxLeafNodes', maxLeafNodes, 2),
    maxDepth: maxDepth === null ? null : checkInteger('maxDepth', maxDepth, 1),
    minSamplesLeaf: checkInteger('minSamplesLeaf', options.minSamplesLeaf ?? 20, 1),
    minHessianLeaf: checkNumber('minHessianLeaf', options.minHessianLeaf ?? 1e-3, (v) => v >= 0, 'a number >= 0'),
    l2Regularization: checkNumber('l2Regularization', options.l2Regularization ?? 0, (v) => v >= 0, 'a number >= 0'),
    maxBins,
    // scikit-learn's 'auto' threshold: below it a held-out share costs more accuracy than stopping saves
    earlyStopping: earlyStoppingOption === 'auto' ? nRows > 10_000 : earlyStoppingOption,
    validationFraction,
    nIterNoChange: checkInteger('nIterNoChange', options.nIterNoChange ?? 10, 1),
    tol: checkNumber('tol', options.tol ?? 1e-7, (v) => v >= 0, 'a number >= 0'),
    seed: checkNumber('seed', options.seed ?? 42, Number.isInteger, 'an integer'),
  };
}

// ---------------------------------------------------------------------------------------------------
// Tree growing on bins

/**
 * The binned training rows and the buffers every tree reuses (allocated once per fit).
 *
 * Histograms are built over column groups, not features: the two-bin (0/1) features that are never 1 on
 * the same row, such as the one-hot levels of one categorical column, share a group whose bin k means
 * "member k is 1" (LightGBM's exclusive feature bundling). A CRM matrix of 62 columns becomes about 20
 * groups, so a node's histogram costs a third of the per-feature one. Groups are stored row-major: a row's
 * bins are about one cache line, where column-major costs a line per group for a small node's scattered rows.
 */
interface Grower {
  n: number;
  p: number;
  nGroups: number;
  /**
   * Row-major, where row i's bin of group q sits in a histogram: `cell[i * nGroups + q]` =
   * groupOffset3[q] + 3 * bin (precomputed: the histogram loop then does one load per update, about
   * twice as fast as computing the position from a bin). Uint16 whenever the histogram is small enough.
   */
  cell: Uint16Array | Uint32Array;
  /** Where group q's entries start in a histogram ([sum g, sum h, rows] per bin, so 3 per bin). */
  groupOffset3: Int32Array;
  histLength: number;
  /** Per feature: its number of bins (1 = constant, never split). */
  nBins: Int32Array;
  /** Per feature: its group (-1 for a constant feature). */
  featureGroup: Int32Array;
  /** Per feature: its bin in a bundle group (>= 1), or 0 when the group is the feature alone with its own bins. */
  featureCode: Int32Array;
  /** First bin of feature f in binMin/binMax. */
  binOffset: Int32Array;
  binMin: Float64Array;
  binMax: Float64Array;
  /** Row indices, partitioned so that every node owns a contiguous range. */
  rows: Uint32Array;
  scratch: Uint32Array;
  /** Histograms not in use. */
  pool: Float64Array[];
  maxLeafNodes: number;
  maxDepth: number;
  minSamplesLeaf: number;
  minHessianLeaf: number;
  lambda: number;
  learningRate: number;
  importance: Float64Array;
  /** Per feature -1/0/1, or null when nothing is constrained (the unconstrained split search stays as it was). */
  monotone: Int8Array | null;
}

/** Most members of a bundle: its bins (members + the all-zero bin 0) must fit a byte. */
const MAX_BUNDLE = 254;

/** Groups the binned features (see Grower) and packs their histogram cells row-major. */
function groupFeatures(
  binned: Uint8Array,
  n: number,
  nBins: Int32Array,
): Pick<Grower, 'nGroups' | 'cell' | 'groupOffset3' | 'histLength' | 'featureGroup' | 'featureCode'> {
  const p = nBins.length;
  const featureGroup = new Int32Array(p).fill(-1);
  const featureCode = new Int32Array(p);
  const groups: Array<{ features: number[]; bins: number }> = [];
  const bundles: Array<{ group: number; members: number; used: Uint8Array }> = [];
  const ones = new Uint32Array(n);
  for (let f = 0; f < p; f++) {
    const nb = nBins[f] as number;
    if (nb <= 1) continue;
    if (nb > 2) {
      featureGroup[f] = groups.length;
      groups.push({ features: [f], bins: nb });
      continue;
    }
    // greedy first fit: the first bundle none of whose rows has this feature at 1
    let m = 0;
    const base = f * n;
    for (let i = 0; i < n; i++) if (binned[base + i] === 1) ones[m++] = i;
    let bundle = bundles.find((b) => {
      if (b.members >= MAX_BUNDLE) return false;
      for (let k = 0; k < m; k++) if (b.used[ones[k] as number] === 1) return false;
      return true;
    });
    if (bundle === undefined) {
      bundle = { group: groups.length, members: 0, used: new Uint8Array(n) };
      bundles.push(bundle);
      groups.push({ features: [], bins: 1 });
    }
    for (let k = 0; k < m; k++) bundle.used[ones[k] as number] = 1;
    bundle.members++;
    const group = groups[bundle.group] as { features: number[]; bins: number };
    group.features.push(f);
    group.bins++;
    featureGroup[f] = bundle.group;
    featureCode[f] = bundle.members;
  }
  const G = groups.length;
  const groupOffset3 = new Int32Array(G);
  let histLength = 0;
  for (let q = 0; q < G; q++) {
    groupOffset3[q] = histLength;
    histLength += 3 * (groups[q] as { bins: number }).bins;
  }
  const cell = histLength <= 0x10000 ? new Uint16Array(n * G) : new Uint32Array(n * G);
  for (let q = 0; q < G; q++) {
    const o = groupOffset3[q] as number;
    for (let i = 0; i < n; i++) cell[i * G + q] = o; // bin 0: every member of a bundle at 0
  }
  for (let f = 0; f < p; f++) {
    const q = featureGroup[f] as number;
    if (q < 0) continue;
    const o = groupOffset3[q] as number;
    const base = f * n;
    const code = featureCode[f] as number;
    if (code === 0) {
      for (let i = 0; i < n; i++) cell[i * G + q] = o + 3 * (binned[base + i] as number);
    } else {
      for (let i = 0; i < n; i++) if (binned[base + i] === 1) cell[i * G + q] = o + 3 * code;
    }
  }
  return { nGroups: G, cell, groupOffset3, histLength, featureGroup, featureCode };
}

/** A node while its tree grows. */
interface GrowNode {
  id: number;
  start: number;
  end: number;
  depth: number;
  sumG: number;
  sumH: number;
  /** Bounds on the node's unshrunk leaf value -G/(H+λ) from monotone splits above it (±Infinity when none). */
  lo: number;
  hi: number;
  hist: Float64Array | null;
  // best split found (feature -1: none)
  gain: number;
  feature: number;
  bin: number;
  nextBin: number;
  leftG: number;
  leftH: number;
  leftCount: number;
}

function takeHistogram(grower: Grower): Float64Array {
  return grower.pool.pop() ?? new Float64Array(grower.histLength);
}

function releaseHistogram(grower: Grower, node: GrowNode): void {
  if (node.hist !== null) {
    grower.pool.push(node.hist);
    node.hist = null;
  }
}

/** Builds the node's histogram from its rows. */
function buildHistogram(grower: Grower, node: GrowNode, g: Float64Array, h: Float64Array, hist: Float64Array): void {
  const { cell, nGroups: G, rows } = grower;
  hist.fill(0);
  for (let k = node.start; k < node.end; k++) {
    const r = rows[k] as number;
    const gr = g[r] as number;
    const hr = h[r] as number;
    const base = r * G;
    for (let q = 0; q < G; q++) {
      const at = cell[base + q] as number;
      hist[at] = (hist[at] as number) + gr;
      hist[at + 1] = (hist[at + 1] as number) + hr;
      hist[at + 2] = (hist[at + 2] as number) + 1;
    }
  }
}

/** The node's best split over every feature (node.feature = -1 when none has positive gain). */
function findBestSplit(grower: Grower, node: GrowNode): void {
  node.feature = -1;
  node.gain = 0;
  const count = node.end - node.start;
  const { minSamplesLeaf, minHessianLeaf, lambda } = grower;
  if (count < 2 * minSamplesLeaf || node.depth >= grower.maxDepth || node.sumH < 2 * minHessianLeaf) return;
  const hist = node.hist as Float64Array;
  const { nBins, featureGroup, featureCode, groupOffset3, p } = grower;
  const G = node.sumG;
  const H = node.sumH;
  const { monotone } = grower;
  const { lo, hi } = node;
  // with constraints a value may be clamped: score it as the loss reduction at the clamped value
  const score =
    monotone === null
      ? (sg: number, sh: number): number => (sg * sg) / (sh + lambda)
      : (sg: number, sh: number): number => {
          const w = clamp(-sg / (sh + lambda), lo, hi);
          return -(2 * sg * w + (sh + lambda) * w * w);
        };
  const parentScore = score(G, H);
  const consider = (f: number, bin: number, nextBin: number, gl: number, hl: number, cl: number): void => {
    const cr = count - cl;
    const hr = H - hl;
    if (cl < minSamplesLeaf || cr < minSamplesLeaf || hl < minHessianLeaf || hr < minHessianLeaf) return;
    const gr = G - gl;
    const sign = monotone === null ? 0 : (monotone[f] as number);
    // the left child holds the lower values: an increasing column needs its value <= the right child's
    if (sign !== 0 && sign * (clamp(-gl / (hl + lambda), lo, hi) - clamp(-gr / (hr + lambda), lo, hi)) > 0) return;
    const gain = score(gl, hl) + score(gr, hr) - parentScore;
    if (gain > node.gain) {
      node.gain = gain;
      node.feature = f;
      node.bin = bin;
      node.nextBin = nextBin;
      node.leftG = gl;
      node.leftH = hl;
      node.leftCount = cl;
    }
  };
  for (let f = 0; f < p; f++) {
    const q = featureGroup[f] as number;
    if (q < 0) continue;
    const code = featureCode[f] as number;
    if (code > 0) {
      // a bundled 0/1 feature: its bin 1 is the group's bin `code`, its bin 0 everything else in the node
      const at = (groupOffset3[q] as number) + 3 * code;
      const c1 = hist[at + 2] as number;
      if (c1 === 0 || c1 === count) continue;
      consider(f, 0, 1, G - (hist[at] as number), H - (hist[at + 1] as number), count - c1);
      continue;
    }
    const nb = nBins[f] as number;
    const o = groupOffset3[q] as number;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    let prev = -1;
    for (let b = 0; b < nb; b++) {
      const c = hist[o + 3 * b + 2] as number;
      if (c === 0) continue; // splits are only between bins the node has rows in
      if (prev >= 0) {
        if (count - cl < minSamplesLeaf) break; // only shrinks further right
        consider(f, prev, b, gl, hl, cl);
      }
      gl += hist[o + 3 * b] as number;
      hl += hist[o + 3 * b + 1] as number;
      cl += c;
      prev = b;
    }
  }
}

/** Stable partition of the node's rows: the left side of its split first. Returns the first right position. */
function partition(grower: Grower, node: GrowNode): number {
  const { rows, scratch, cell, nGroups: G } = grower;
  const f = node.feature;
  const q = grower.featureGroup[f] as number;
  const code = grower.featureCode[f] as number;
  // compare histogram cells, not bins: the member's own cell for a bundle, the split bin's cell otherwise
  const at = (grower.groupOffset3[q] as number) + 3 * (code > 0 ? code : node.bin);
  let l = node.start;
  let r = 0;
  for (let k = node.start; k < node.end; k++) {
    const row = rows[k] as number;
    const c = cell[row * G + q] as number;
    if (code > 0 ? c !== at : c <= at) rows[l++] = row;
    else scratch[r++] = row;
  }
  rows.set(scratch.subarray(0, r), l);
  return l;
}

/** Growable node arrays of one tree. */
class TreeBuilder {
  feature: number[] = [];
  threshold: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  count: number[] = [];

  add(value: number, count: number): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(value);
    this.count.push(count);
    return this.feature.length - 1;
  }
}

/**
 * Grows one tree best-first on the gradients and adds its leaf values to `raw` (the training rows'
 * raw scores) through the row partition, without walking the tree.
 */
function growTree(grower: Grower, g: Float64Array, h: Float64Array, raw: Float64Array): BoostingTreeJSON {
  const { rows, lambda, learningRate } = grower;
  const n = grower.n;
  for (let i = 0; i < n; i++) rows[i] = i;
  let sumG = 0;
  let sumH = 0;
  for (let i = 0; i < n; i++) {
    sumG += g[i] as number;
    sumH += h[i] as number;
  }
  const tree = new TreeBuilder();
  const newNode = (start: number, end: number, depth: number, G: number, H: number, lo: number, hi: number): GrowNode => ({
    id: tree.add(clamp(-G / (H + lambda), lo, hi) * learningRate, end - start),
    start,
    end,
    depth,
    sumG: G,
    sumH: H,
    lo,
    hi,
    hist: null,
    gain: 0,
    feature: -1,
    bin: -1,
    nextBin: -1,
    leftG: 0,
    leftH: 0,
    leftCount: 0,
  });
  const canSplit = (node: GrowNode): boolean =>
    node.end - node.start >= 2 * grower.minSamplesLeaf && node.depth < grower.maxDepth && node.sumH >= 2 * grower.minHessianLeaf;

  const root = newNode(0, n, 0, sumG, sumH, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const leaves: GrowNode[] = [root];
  const open: GrowNode[] = [];
  if (canSplit(root)) {
    root.hist = takeHistogram(grower);
    buildHistogram(grower, root, g, h, root.hist);
    findBestSplit(grower, root);
    if (root.feature >= 0) open.push(root);
    else releaseHistogram(grower, root);
  }

  while (open.length > 0 && leaves.length < grower.maxLeafNodes) {
    // best-first: the open leaf with the largest gain (the earliest one on ties, for determinism)
    let bestAt = 0;
    for (let k = 1; k < open.length; k++) if ((open[k] as GrowNode).gain > (open[bestAt] as GrowNode).gain) bestAt = k;
    const node = open[bestAt] as GrowNode;
    open.splice(bestAt, 1);

    const f = node.feature;
    const off = grower.binOffset[f] as number;
    tree.feature[node.id] = f;
    tree.threshold[node.id] = midpoint(grower.binMax[off + node.bin] as number, grower.binMin[off + node.nextBin] as number);
    grower.importance[f] = (grower.importance[f] as number) + node.gain;
    const mid = partition(grower, node);
    const rightG = node.sumG - node.leftG;
    const rightH = node.sumH - node.leftH;
    const sign = grower.monotone === null ? 0 : (grower.monotone[f] as number);
    const [leftLo, leftHi, rightLo, rightHi] = childBounds(sign, node.lo, node.hi, -node.leftG / (node.leftH + lambda), -rightG / (rightH + lambda));
    const left = newNode(node.start, mid, node.depth + 1, node.leftG, node.leftH, leftLo, leftHi);
    const right = newNode(mid, node.end, node.depth + 1, rightG, rightH, rightLo, rightHi);
    tree.left[node.id] = left.id;
    tree.right[node.id] = right.id;
    leaves.splice(leaves.indexOf(node), 1, left, right);

    // the children need histograms only if one of them may still be split
    if (leaves.length < grower.maxLeafNodes && (canSplit(left) || canSplit(right))) {
      const small = mid - node.start <= node.end - mid ? left : right;
      const large = small === left ? right : left;
      small.hist = takeHistogram(grower);
      buildHistogram(grower, small, g, h, small.hist);
      // sibling subtraction: the larger child's histogram is the parent's minus the smaller one's, in place
      const parentHist = node.hist as Float64Array;
      node.hist = null;
      const sh = small.hist;
      for (let k = 0; k < parentHist.length; k++) parentHist[k] = (parentHist[k] as number) - (sh[k] as number);
      large.hist = parentHist;
      for (const child of [left, right]) {
        findBestSplit(grower, child);
        if (child.feature >= 0) open.push(child);
        else releaseHistogram(grower, child);
      }
    } else {
      releaseHistogram(grower, node);
    }
  }
  for (const node of open) releaseHistogram(grower, node);

  for (const leaf of leaves) {
    const v = tree.value[leaf.id] as number;
    for (let k = leaf.start; k < leaf.end; k++) {
      const r = rows[k] as number;
      raw[r] = (raw[r] as number) + v;
    }
  }
  return { feature: tree.feature, threshold: tree.threshold, left: tree.left, right: tree.right, value: tree.value, count: tree.count };
}

// ---------------------------------------------------------------------------------------------------
// Fitting

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Weighted mean log-loss of raw scores. */
function logLoss(raw: Float64Array, y: Uint8Array, w: Float64Array | null): number {
  let sum = 0;
  let wsum = 0;
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i] as number;
    const loss = softplus(r) - (y[i] as number) * r;
    const wi = w === null ? 1 : (w[i] as number);
    sum += wi * loss;
    wsum += wi;
  }
  return wsum > 0 ? sum / wsum : 0;
}

/** Adds the tree's output to `raw` for each row of a row-major matrix (walking the real-valued thresholds). */
function addTreeOutput(tree: BoostingTreeJSON, X: DenseMatrix, raw: Float64Array): void {
  const { data, nRows, nCols } = X;
  const { feature, threshold, left, right, value } = tree;
  for (let i = 0; i < nRows; i++) {
    const off = i * nCols;
    let node = 0;
    let f = feature[0] as number;
    while (f >= 0) {
      node = (data[off + f] as number) < (threshold[node] as number) ? (left[node] as number) : (right[node] as number);
      f = feature[node] as number;
    }
    raw[i] = (raw[i] as number) + (value[node] as number);
  }
}

/** scikit-learn's rule: stop when none of the last nIterNoChange scores beats the one before them by more than tol. */
function shouldStop(losses: readonly number[], nIterNoChange: number, tol: number): boolean {
  if (losses.length < nIterNoChange + 1) return false;
  const reference = (losses[losses.length - nIterNoChange - 1] as number) - tol;
  for (let k = losses.length - nIterNoChange; k < losses.length; k++) if ((losses[k] as number) < reference) return false;
  return true;
}

function takeRows(X: DenseMatrix, rows: readonly number[]): DenseMatrix {
  const p = X.nCols;
  const data = new Float64Array(rows.length * p);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    data.set(X.data.subarray(r * p, r * p + p), k * p);
  }
  return { data, nRows: rows.length, nCols: p };
}

function checkFinite(X: DenseMatrix, where: string): void {
  const { data, nCols } = X;
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      const i = Math.floor(k / nCols);
      throw new RangeError(`${where}: value at row ${i}, column ${k - i * nCols} is ${String(data[k])}: impute missing values before boosting`);
    }
  }
}

function checkWeights(sampleWeight: ArrayLike<number>, n: number): Float64Array {
  if (sampleWeight.length !== n) throw new RangeError(`fitBoosting: ${n} rows but ${sampleWeight.length} sample weights`);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = sampleWeight[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new RangeError(`fitBoosting: sample weight ${i} is ${String(v)}: weights must be finite and >= 0`);
    }
    w[i] = v;
  }
  return w;
}

/**
 * Fits the boosted trees. Synchronous and deterministic: the same data, options and seed give the same
 * model. Throws a RangeError for bad input (non-finite values, labels other than 0/1, no rows, one class).
 */
export function fitBoosting(X: FeatureMatrix, y: ArrayLike<number>, options: BoostingOptions = {}): BoostingModel {
  const dense = toDense(X, 'fitBoosting', undefined, false);
  if (dense.nRows === 0) throw new RangeError('fitBoosting: no training rows');
  if (dense.nCols === 0) throw new RangeError('fitBoosting: no features');
  checkFinite(dense, 'fitBoosting');
  const labels = toLabels(y, dense.nRows, 'fitBoosting');
  const resolved = resolveOptions(options, dense.nRows);
  const featureNames = options.featureNames === undefined ? undefined : [...options.featureNames];
  if (featureNames !== undefined && featureNames.length !== dense.nCols) {
    throw new RangeError(`fitBoosting: ${featureNames.length} feature names for ${dense.nCols} columns`);
  }
  const weights = options.sampleWeight === undefined ? null : checkWeights(options.sampleWeight, dense.nRows);
  const monotone = toMonotoneConstraints(options.monotonicCst, dense.nCols, 'fitBoosting');

  // hold out the validation share before binning, as scikit-learn does: the bins see training rows only
  let trainX = dense;
  let trainY = labels;
  let trainW = weights;
  let validX: DenseMatrix | null = null;
  let validY: Uint8Array | null = null;
  let validW: Float64Array | null = null;
  if (resolved.earlyStopping && resolved.validationFraction !== null) {
    const split = stratifiedSplit(Array.from(labels), resolved.validationFraction, resolved.seed);
    if (split.test.length === 0 || split.train.length === 0) {
      throw new RangeError(`fitBoosting: ${dense.nRows} rows are too few for a validation share of ${resolved.validationFraction}`);
    }
    trainX = takeRows(dense, split.train);
    trainY = Uint8Array.from(split.train, (i) => labels[i] as number);
    validX = takeRows(dense, split.test);
    validY = Uint8Array.from(split.test, (i) => labels[i] as number);
    if (weights !== null) {
      trainW = Float64Array.from(split.train, (i) => weights[i] as number);
      validW = Float64Array.from(split.test, (i) => weights[i] as number);
    }
  }
  const n = trainX.nRows;
  const p = trainX.nCols;

  let wPos = 0;
  let wAll = 0;
  for (let i = 0; i < n; i++) {
    const wi = trainW === null ? 1 : (trainW[i] as number);
    wAll += wi;
    if (trainY[i] === 1) wPos += wi;
  }
  if (!(wAll > 0)) throw new RangeError('fitBoosting: the training rows weigh nothing (every sample weight is 0)');
  if (wPos === 0 || wPos === wAll) {
    throw new RangeError(`fitBoosting: the training rows hold only class ${wPos === 0 ? 0 : 1}: boosting needs both classes`);
  }
  const baseRate = wPos / wAll;
  const init = Math.log(baseRate / (1 - baseRate));

  const binning = fitBinning(trainX, resolved.maxBins);
  const nBins = binCounts(binning);
  const binOffset = new Int32Array(p);
  let totalBins = 0;
  for (let f = 0; f < p; f++) {
    binOffset[f] = totalBins;
    totalBins += nBins[f] as number;
  }
  const binMin = new Float64Array(totalBins);
  const binMax = new Float64Array(totalBins);
  for (let f = 0; f < p; f++) {
    binMin.set(binning.binMin[f] as Float64Array, binOffset[f]);
    binMax.set(binning.binMax[f] as Float64Array, binOffset[f]);
  }
  const binned = transformBinning(binning, trainX);
  const grower: Grower = {
    n,
    p,
    ...groupFeatures(binned, n, nBins),
    nBins,
    binOffset,
    binMin,
    binMax,
    rows: new Uint32Array(n),
    scratch: new Uint32Array(n),
    pool: [],
    maxLeafNodes: resolved.maxLeafNodes ?? Number.POSITIVE_INFINITY,
    maxDepth: resolved.maxDepth ?? Number.POSITIVE_INFINITY,
    minSamplesLeaf: resolved.minSamplesLeaf,
    minHessianLeaf: resolved.minHessianLeaf,
    lambda: resolved.l2Regularization,
    learningRate: resolved.learningRate,
    importance: new Float64Array(p),
    monotone,
  };

  const raw = new Float64Array(n).fill(init);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const validRaw = validX === null ? null : new Float64Array(validX.nRows).fill(init);
  const stoppingLoss: number[] = [];
  const watchLoss = (): number =>
    validRaw !== null ? logLoss(validRaw, validY as Uint8Array, validW) : logLoss(raw, trainY, trainW);
  if (resolved.earlyStopping) stoppingLoss.push(watchLoss());

  const trees: BoostingTreeJSON[] = [];
  for (let iter = 0; iter < resolved.maxIter; iter++) {
    for (let i = 0; i < n; i++) {
      const prob = 1 / (1 + Math.exp(-(raw[i] as number)));
      const yi = trainY[i] as number;
      if (trainW === null) {
        g[i] = prob - yi;
        h[i] = prob * (1 - prob);
      } else {
        const wi = trainW[i] as number;
        g[i] = wi * (prob - yi);
        h[i] = wi * prob * (1 - prob);
      }
    }
    const tree = growTree(grower, g, h, raw);
    trees.push(tree);
    if (resolved.earlyStopping) {
      if (validRaw !== null) addTreeOutput(tree, validX as DenseMatrix, validRaw);
      stoppingLoss.push(watchLoss());
      if (shouldStop(stoppingLoss, resolved.nIterNoChange, resolved.tol)) break;
    }
  }

  let baseRaw = init;
  for (const tree of trees) baseRaw += tree.value[0] as number;
  let totalGain = 0;
  for (let f = 0; f < p; f++) totalGain += grower.importance[f] as number;
  const featureImportance = Array.from(grower.importance, (v) => (totalGain > 0 ? v / totalGain : 0));
  const model: BoostingModel = {
    kind: BOOSTING_KIND,
    version: BOOSTING_VERSION,
    nFeatures: p,
    params: {
      ...resolved,
      nTrainRows: n,
      nValidationRows: validX === null ? 0 : validX.nRows,
      weighted: weights !== null,
      ...(monotone === null ? {} : { monotonicCst: Array.from(monotone) }),
    },
    init,
    baseRaw,
    trees,
    featureImportance,
    nIter: trees.length,
    stoppingLoss,
  };
  if (featureNames !== undefined) model.featureNames = featureNames;
  return model;
}

// ---------------------------------------------------------------------------------------------------
// Prediction on the forest's compiled tree arrays (src/models/forest/compiled.ts).

function compile(model: BoostingModel): CompiledTrees {
  return compiledTrees(model, BOOSTING_KIND, 'boostingFromJSON');
}

/** Raw score (logit) of each row: init + the sum of the trees' leaf values. */
export function predictRaw(model: BoostingModel, X: FeatureMatrix, options: PredictOptions = {}): Float64Array {
  checkFeatureNames(model, options.featureNames, 'predictRaw');
  const dense = toDense(X, 'predictRaw', model.nFeatures, false);
  checkFinite(dense, 'predictRaw');
  const { data, nRows, nCols: p } = dense;
  const out = new Float64Array(nRows).fill(model.init);
  addLeafValues(compile(model), data, nRows, p, out);
  return out;
}

/** Probability of class 1 for each row: the logistic function of the raw score. */
export function predictProba(model: BoostingModel, X: FeatureMatrix, options: PredictOptions = {}): Float64Array {
  const raw = predictRaw(model, X, options);
  for (let i = 0; i < raw.length; i++) raw[i] = 1 / (1 + Math.exp(-(raw[i] as number)));
  return raw;
}

/**
 * Saabas tree-path contributions of one row on the raw (logit) scale: at each split on the row's path,
 * the change in node value is credited to the split's feature, summed over trees.
 * `model.baseRaw + sum(contributions) === predictRaw(model, [row])[0]` up to rounding.
 */
export function contributions(model: BoostingModel, row: ArrayLike<number>): Float64Array {
  if (row.length !== model.nFeatures) {
    throw new RangeError(`contributions: the model expects ${model.nFeatures} features, the row has ${row.length}`);
  }
  for (let j = 0; j < row.length; j++) {
    if (!Number.isFinite(row[j])) throw new RangeError(`contributions: value at column ${j} is ${String(row[j])}`);
  }
  return pathContributions(compile(model), row, model.nFeatures);
}

// ---------------------------------------------------------------------------------------------------
// Save and load.

/** The model as plain JSON (it already is: a shallow copy, ready for JSON.stringify). */
export function boostingToJSON(model: BoostingModel): BoostingModel {
  if (model.kind !== BOOSTING_KIND) throw new TypeError(`boostingToJSON: not a ${BOOSTING_KIND} model`);
  return { ...model };
}

function fail(message: string): never {
  throw new TypeError(`boostingFromJSON: ${message}`);
}

function isNumberArray(value: unknown, length?: number): value is number[] {
  return Array.isArray(value) && (length === undefined || value.length === length) && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

function checkTree(tree: unknown, t: number, nFeatures: number): BoostingTreeJSON {
  if (typeof tree !== 'object' || tree === null) fail(`tree ${t} is not an object`);
  const tr = tree as Record<string, unknown>;
  const feature = tr.feature;
  if (!isNumberArray(feature) || feature.length === 0) fail(`tree ${t}: feature must be a non-empty array of numbers`);
  const n = feature.length;
  for (const key of ['threshold', 'left', 'right', 'value', 'count'] as const) {
    if (!isNumberArray(tr[key], n)) fail(`tree ${t}: ${key} must be ${n} finite numbers`);
  }
  const left = tr.left as number[];
  const right = tr.right as number[];
  // every node but the root has exactly one parent, and children come after it: a tree, every walk ends
  const parents = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const f = feature[i] as number;
    if (!Number.isInteger(f) || f < -1 || f >= nFeatures) fail(`tree ${t} node ${i}: feature ${f} out of range`);
    if (f < 0) {
      if (left[i] !== -1 || right[i] !== -1) fail(`tree ${t} node ${i}: a leaf (feature -1) must have left and right -1`);
      continue;
    }
    for (const child of [left[i] as number, right[i] as number]) {
      if (!Number.isInteger(child) || child <= i || child >= n) fail(`tree ${t} node ${i}: child ${child} out of range`);
      if (parents[child] === 1) fail(`tree ${t} node ${child} has two parents`);
      parents[child] = 1;
    }
  }
  for (let i = 1; i < n; i++) if (parents[i] === 0) fail(`tree ${t} node ${i} has no parent`);
  return tr as unknown as BoostingTreeJSON;
}

/** Loads a model saved with boostingToJSON (an object or its JSON text), checking its tag and structure. */
export function boostingFromJSON(json: unknown): BoostingModel {
  const { raw, m, nFeatures } = checkEnsembleHeader(json, BOOSTING_KIND, BOOSTING_VERSION, fail);
  if (typeof m.init !== 'number' || !Number.isFinite(m.init)) fail('init must be a finite number');
  if (typeof m.baseRaw !== 'number' || !Number.isFinite(m.baseRaw)) fail('baseRaw must be a finite number');
  if (!isNumberArray(m.featureImportance, nFeatures)) fail(`featureImportance must be ${nFeatures} numbers`);
  if (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params)) fail('params must be an object');
  if (!isNumberArray(m.stoppingLoss)) fail('stoppingLoss must be an array of numbers');
  if (!Array.isArray(m.trees)) fail('trees must be an array');
  if (m.nIter !== m.trees.length) fail(`nIter ${JSON.stringify(m.nIter)} does not match the ${m.trees.length} trees`);
  const trees = m.trees.map((tree: unknown, t) => checkTree(tree, t, nFeatures));
  let base = m.init;
  for (const tree of trees) base += tree.value[0] as number;
  if (Math.abs(base - m.baseRaw) > 1e-9 * (1 + Math.abs(base))) {
    fail(`baseRaw ${m.baseRaw} is not init + the trees' root values (${base})`);
  }
  return raw as BoostingModel;
}
