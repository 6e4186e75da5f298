import { describe, expect, it } from 'vitest';
import { hungarian } from './hungarian.ts';

function total(cost: number[][], assignment: number[]): number {
  return assignment.reduce((s, j, i) => s + (j >= 0 ? ((cost[i] as number[])[j] as number) : 0), 0);
}

describe('hungarian', () => {
  it('finds the minimum-cost assignment of a square matrix', () => {
    const cost = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    const a = hungarian(cost);
    expect(a).toEqual([1, 0, 2]);
    expect(total(cost, a)).toBe(5);
  });

  it('is not greedy', () => {
    // Greedy takes (0,0) = 1 and is left with (1,1) = 100; the optimum is 2 + 3.
    const cost = [
      [1, 2],
      [3, 100],
    ];
    expect(hungarian(cost)).toEqual([1, 0]);
  });

  it('handles more columns than rows and more rows than columns', () => {
    expect(hungarian([[5, 1, 9]])).toEqual([1]);
    expect(hungarian([[5], [1], [9]])).toEqual([-1, 0, -1]);
    expect(hungarian([])).toEqual([]);
  });

  it('matches a brute force on random matrices', () => {
    let s = 7;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648);
    const perms = (n: number): number[][] => (n === 0 ? [[]] : perms(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])));
    for (let t = 0; t < 20; t++) {
      const n = 2 + (t % 4);
      const cost = Array.from({ length: n }, () => Array.from({ length: n }, () => Math.round(rnd() * 20)));
      const best = Math.min(...perms(n).map((p) => total(cost, p)));
      expect(total(cost, hungarian(cost))).toBe(best);
    }
  });
});
