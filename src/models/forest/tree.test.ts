import { describe, expect, it } from 'vitest';

import { fitTree, resolveMtry } from './tree.ts';
import type { TreeJSON } from './tree.ts';

function predictTree(tree: TreeJSON, row: readonly number[]): number {
  let node = 0;
  while ((tree.feature[node] as number) >= 0) {
    const f = tree.feature[node] as number;
    node = (row[f] as number) < (tree.threshold[node] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
  }
  return tree.value[node] as number;
}

function leaves(tree: TreeJSON): number[] {
  return tree.feature.flatMap((f, i) => (f < 0 ? [i] : []));
}

function depthOf(tree: TreeJSON): number {
  const depth = new Array<number>(tree.feature.length).fill(0);
  let max = 0;
  tree.feature.forEach((f, i) => {
    if (f < 0) return;
    for (const c of [tree.left[i] as number, tree.right[i] as number]) {
      depth[c] = (depth[i] as number) + 1;
      max = Math.max(max, depth[c] as number);
    }
  });
  return max;
}

describe('fitTree', () => {
  // label = x0 > 0.5 and x1 > 0.5 (needs two levels), x2 is noise
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 200; i++) {
    const row = [(i % 10) / 10 + 0.05, (Math.floor(i / 10) % 10) / 10 + 0.05, (i * 37) % 11];
    X.push(row);
    y.push((row[0] as number) > 0.5 && (row[1] as number) > 0.5 ? 1 : 0);
  }

  it('learns a separable problem to pure leaves and predicts it from raw values', () => {
    const tree = fitTree(X, y);
    for (const leaf of leaves(tree)) expect([0, 1]).toContain(tree.value[leaf]);
    X.forEach((row, i) => expect(predictTree(tree, row)).toBe(y[i]));
    expect(tree.threshold[0]).toBeCloseTo(0.5, 10); // halfway between 0.45 and 0.55
  });

  it('numbers nodes depth-first: a left child is the next node, children after parents', () => {
    const tree = fitTree(X, y, { maxFeatures: 'sqrt', bootstrap: true, seed: 3 });
    tree.feature.forEach((f, i) => {
      if (f < 0) return expect(tree.left[i]).toBe(-1);
      expect(tree.left[i]).toBe(i + 1);
      expect(tree.right[i]).toBeGreaterThan(i + 1);
    });
  });

  it('honours maxDepth and minSamplesLeaf', () => {
    expect(depthOf(fitTree(X, y, { maxDepth: 1 }))).toBe(1);
    const tree = fitTree(X, y, { minSamplesLeaf: 30 });
    for (const leaf of leaves(tree)) expect(tree.count[leaf]).toBeGreaterThanOrEqual(30);
    // a node with fewer than minSamplesSplit rows is not split
    const stump = fitTree(X, y, { minSamplesSplit: 201 });
    expect(stump.feature).toEqual([-1]);
    expect(stump.value[0]).toBeCloseTo(y.reduce((a, b) => a + b, 0) / y.length, 12);
  });

  it('stops at a leaf when every feature is constant', () => {
    const tree = fitTree(
      [
        [1, 2],
        [1, 2],
        [1, 2],
      ],
      [0, 1, 1],
    );
    expect(tree.feature).toEqual([-1]);
    expect(tree.value[0]).toBeCloseTo(2 / 3, 12);
  });

  it('resolves maxFeatures', () => {
    expect(resolveMtry('sqrt', 62)).toBe(7);
    expect(resolveMtry('log2', 62)).toBe(5);
    expect(resolveMtry(0.4, 62)).toBe(24);
    expect(resolveMtry(1, 62)).toBe(62);
    expect(resolveMtry(10, 62)).toBe(10);
    expect(() => resolveMtry(0, 62)).toThrow(/maxFeatures/);
    expect(() => resolveMtry(2.5, 62)).toThrow(/maxFeatures/);
  });
});
