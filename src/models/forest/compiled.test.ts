import { describe, expect, it } from 'vitest';
import { addLeafValues, addLeafValuesAndContributions, BLOCK, compiledTrees, type TreeArrays } from './compiled.ts';

/** A random binary tree of `depth` levels at most, in the models' array form (leaves: feature -1). */
function randomTree(random: () => number, nFeatures: number, depth: number): TreeArrays {
  const tree: { feature: number[]; threshold: number[]; left: number[]; right: number[]; value: number[] } = { feature: [], threshold: [], left: [], right: [], value: [] };
  const grow = (level: number): number => {
    const id = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(random());
    if (level < depth && random() < 0.8) {
      tree.feature[id] = Math.floor(random() * nFeatures);
      tree.threshold[id] = random();
      tree.left[id] = grow(level + 1);
      tree.right[id] = grow(level + 1);
    }
    return id;
  };
  grow(0);
  return tree;
}

/** The walk of the models' own arrays, one row at a time: the reference the compiled walks must match. */
function reference(trees: readonly TreeArrays[], row: ArrayLike<number>, nFeatures: number): { sum: number; terms: number[] } {
  let sum = 0;
  const terms = new Array<number>(nFeatures).fill(0);
  for (const tree of trees) {
    let node = 0;
    while ((tree.feature[node] as number) >= 0) {
      const f = tree.feature[node] as number;
      const child = (row[f] as number) < (tree.threshold[node] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
      terms[f] = (terms[f] as number) + (tree.value[child] as number) - (tree.value[node] as number);
      node = child;
    }
    sum += tree.value[node] as number;
  }
  return { sum, terms };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('compiled tree walks', () => {
  const random = lcg(7);
  const p = 5;
  const model = { trees: Array.from({ length: 9 }, (_, t) => randomTree(random, p, 3 + (t % 5))) };
  const compiled = compiledTrees(model, 'test', 'test');

  it('add every row its leaves, rows walked in pairs or alone, across blocks', () => {
    for (const nRows of [1, 2, 3, 5, BLOCK + 1, 2 * BLOCK + 3]) {
      const data = Float64Array.from({ length: nRows * p }, random);
      const out = new Float64Array(nRows);
      addLeafValues(compiled, data, nRows, p, out);
      for (let i = 0; i < nRows; i++) expect(out[i], `row ${i} of ${nRows}`).toBe(reference(model.trees, data.subarray(i * p, i * p + p), p).sum);
    }
  });

  it('give the same leaves and the path contributions of every row of an odd or even range', () => {
    const nRows = 40;
    const data = Float64Array.from({ length: nRows * p }, random);
    for (const [from, to] of [[0, 1], [3, 4], [3, 10], [5, 40], [0, 40]] as const) {
      const sums = new Float64Array(to - from);
      const terms = new Float64Array((to - from) * p);
      addLeafValuesAndContributions(compiled, data, from, to, p, sums, terms);
      for (let i = from; i < to; i++) {
        const want = reference(model.trees, data.subarray(i * p, i * p + p), p);
        expect(sums[i - from], `row ${i} of ${from}..${to}`).toBe(want.sum);
        for (let j = 0; j < p; j++) expect(terms[(i - from) * p + j]).toBeCloseTo(want.terms[j] as number, 12);
      }
    }
  });
});
