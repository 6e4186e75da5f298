/**
 * Tree ensembles compiled for prediction, shared by the random forest and the gradient boosting: all trees
 * concatenated in flat typed arrays, each tree renumbered in preorder so a node's left child is the next
 * node. Compiled once per model object (cached: models are treated as immutable).
 *
 * - `links[2i]` = feature (-1 for a leaf), `links[2i + 1]` = right child (absolute index);
 * - `split[i]` = threshold, or the leaf's value for a leaf (one load at the end of a walk);
 * - `value[i]` = every node's value, `delta[i]` its change from the parent's (what a tree-path
 *   contribution credits at each step).
 */

/** The arrays of one tree as both models store it. Leaves: feature -1. */
export interface TreeArrays {
  feature: readonly number[];
  threshold: readonly number[];
  left: readonly number[];
  right: readonly number[];
  value: readonly number[];
}

export interface CompiledTrees {
  roots: Int32Array;
  links: Int32Array;
  split: Float64Array;
  value: Float64Array;
  /** Per node, its value minus its parent's (0 at a root): the step a path contribution credits. */
  delta: Float64Array;
}

const cache = new WeakMap<object, CompiledTrees>();

/**
 * The compiled form of `model.trees`. `kind` and `loader` name the model in the error thrown for a tree
 * whose child links revisit a node (possible only in JSON that bypassed the loader's checks).
 */
export function compiledTrees(model: { trees: readonly TreeArrays[] }, kind: string, loader: string): CompiledTrees {
  const cached = cache.get(model);
  if (cached !== undefined) return cached;
  let total = 0;
  for (const tree of model.trees) total += tree.feature.length;
  const c: CompiledTrees = {
    roots: new Int32Array(model.trees.length),
    links: new Int32Array(2 * total),
    split: new Float64Array(total),
    value: new Float64Array(total),
    delta: new Float64Array(total),
  };
  let next = 0;
  const stack: number[] = [];
  model.trees.forEach((tree, t) => {
    c.roots[t] = next;
    // preorder walk: pop a node, give it the next slot, push right then left (left comes out next)
    stack.length = 0;
    stack.push(0, -1);
    while (stack.length > 0) {
      const parentSlot = stack.pop() as number;
      const node = stack.pop() as number;
      const slot = next++;
      if (slot - (c.roots[t] as number) >= tree.feature.length) {
        throw new RangeError(`${kind}: tree ${t} is not a tree (a node is reached twice); load models with ${loader}`);
      }
      if (parentSlot >= 0) c.links[2 * parentSlot + 1] = slot; // only right children are recorded
      const f = tree.feature[node] as number;
      c.links[2 * slot] = f;
      c.value[slot] = tree.value[node] as number;
      if (f < 0) {
        c.links[2 * slot + 1] = -1;
        c.split[slot] = tree.value[node] as number;
      } else {
        c.split[slot] = tree.threshold[node] as number;
        stack.push(tree.right[node] as number, slot, tree.left[node] as number, -1);
      }
    }
  });
  // preorder: the left child of an internal node is the next slot, the right one is linked
  for (let slot = 0; slot < total; slot++) {
    if ((c.links[2 * slot] as number) < 0) continue;
    const v = c.value[slot] as number;
    const right = c.links[2 * slot + 1] as number;
    c.delta[slot + 1] = (c.value[slot + 1] as number) - v;
    c.delta[right] = (c.value[right] as number) - v;
  }
  cache.set(model, c);
  return c;
}

/** The leaf reached by the row at `off` in `data`, walking from `root`. */
export function leafOf(links: Int32Array, split: Float64Array, data: ArrayLike<number>, off: number, root: number): number {
  let node = root;
  let f = links[2 * node] as number;
  while (f >= 0) {
    node = (data[off + f] as number) < (split[node] as number) ? node + 1 : (links[2 * node + 1] as number);
    f = links[2 * node] as number;
  }
  return node;
}

/** Rows scored together, tree after tree (see addLeafValues). */
export const BLOCK = 512;

/** Adds to `out[i]` the sum over trees of row i's leaf value (`data` row-major, `p` columns). */
export function addLeafValues(c: CompiledTrees, data: ArrayLike<number>, nRows: number, p: number, out: Float64Array): void {
  const { roots, links, split } = c;
  // rows in blocks, trees inside: a block of rows stays in cache while every tree visits it
  for (let b0 = 0; b0 < nRows; b0 += BLOCK) {
    const b1 = Math.min(nRows, b0 + BLOCK);
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t] as number;
      for (let i = b0; i < b1; i++) {
        const off = i * p;
        let node = root;
        let f = links[2 * node] as number;
        while (f >= 0) {
          node = (data[off + f] as number) < (split[node] as number) ? node + 1 : (links[2 * node + 1] as number);
          f = links[2 * node] as number;
        }
        out[i] = (out[i] as number) + (split[node] as number);
      }
    }
  }
}

/**
 * Scoring with reasons in one pass, for rows `from`..`to` (fewer than BLOCK, so one block) of the
 * row-major `data`: adds to `sums[i - from]` the row's leaf values, tree after tree (the additions
 * addLeafValues makes for that row, so the score is the same to the last bit), and to
 * `terms[(i - from) * p + feature]` each split's change in node value on the row's path (Saabas path
 * contributions, as pathContributions). Trees outside, rows inside: a tree stays in cache while the
 * block's rows walk it, which is what makes this as fast as scoring without reasons.
 */
export function addLeafValuesAndContributions(c: CompiledTrees, data: ArrayLike<number>, from: number, to: number, p: number, sums: Float64Array, terms: Float64Array): void {
  if (to - from > BLOCK) throw new RangeError(`addLeafValuesAndContributions: at most ${BLOCK} rows at a time, got ${to - from}`);
  const { roots, links, split, delta } = c;
  for (let t = 0; t < roots.length; t++) {
    const root = roots[t] as number;
    for (let i = from; i < to; i++) {
      const off = i * p;
      const at = (i - from) * p;
      let node = root;
      let f = links[2 * node] as number;
      while (f >= 0) {
        const child = (data[off + f] as number) < (split[node] as number) ? node + 1 : (links[2 * node + 1] as number);
        terms[at + f] = (terms[at + f] as number) + (delta[child] as number);
        node = child;
        f = links[2 * node] as number;
      }
      sums[i - from] = (sums[i - from] as number) + (split[node] as number);
    }
  }
}

/**
 * Saabas tree-path contributions of one row, summed over trees: at each split on the row's path, the
 * change in node value is credited to the split's feature.
 */
export function pathContributions(c: CompiledTrees, row: ArrayLike<number>, nFeatures: number): Float64Array {
  const { roots, links, split, delta } = c;
  const out = new Float64Array(nFeatures);
  for (let t = 0; t < roots.length; t++) {
    let node = roots[t] as number;
    let f = links[2 * node] as number;
    while (f >= 0) {
      const child = (row[f] as number) < (split[node] as number) ? node + 1 : (links[2 * node + 1] as number);
      out[f] = (out[f] as number) + (delta[child] as number);
      node = child;
      f = links[2 * node] as number;
    }
  }
  return out;
}

/** Throws when a caller's column names differ from the model's, in count or order. */
export function checkFeatureNames(model: { nFeatures: number; featureNames?: readonly string[] }, names: readonly string[] | undefined, where: string): void {
  if (names === undefined || model.featureNames === undefined) return;
  if (names.length !== model.nFeatures) {
    throw new RangeError(`${where}: the model expects ${model.nFeatures} features, got ${names.length} names`);
  }
  for (let j = 0; j < names.length; j++) {
    if (names[j] !== model.featureNames[j]) {
      throw new RangeError(`${where}: feature order mismatch at column ${j}: the model has "${model.featureNames[j]}", the input "${names[j]}"`);
    }
  }
}

/**
 * The checks every saved tree ensemble starts with: an object (or its JSON text) of the right kind and
 * version, a positive feature count and, when present, that many feature names.
 */
export function checkEnsembleHeader(
  json: unknown,
  kind: string,
  version: number,
  fail: (message: string) => never,
): { raw: unknown; m: Record<string, unknown>; nFeatures: number } {
  const raw: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  if (typeof raw !== 'object' || raw === null) fail('expected an object');
  const m = raw as Record<string, unknown>;
  if (m.kind !== kind) fail(`expected kind "${kind}", got ${JSON.stringify(m.kind)}`);
  if (m.version !== version) fail(`unsupported version ${JSON.stringify(m.version)} (this code reads ${version})`);
  const nFeatures = m.nFeatures;
  if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 1) fail('nFeatures must be a positive integer');
  if (m.featureNames !== undefined) {
    const names = m.featureNames;
    if (!Array.isArray(names) || names.length !== nFeatures || !names.every((s) => typeof s === 'string')) {
      fail(`featureNames must be ${nFeatures} strings`);
    }
  }
  return { raw, m, nFeatures: nFeatures as number };
}
