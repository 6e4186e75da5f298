import { describe, expect, it } from 'vitest';
import { dbscan, estimateEps } from './dbscan.ts';
import { blobs } from './testData.ts';

describe('dbscan', () => {
  it('finds dense clusters and marks far points as noise', () => {
    const { rows } = blobs([[0, 0], [10, 10]], 50, 0.5, 3);
    rows.push([50, -50], [-40, 30]);
    const result = dbscan(rows, 1.5, 4);
    expect(result.clusters).toBe(2);
    expect(result.labels.slice(0, 50).every((l) => l === 0)).toBe(true);
    expect(result.labels.slice(50, 100).every((l) => l === 1)).toBe(true);
    expect(result.labels.slice(100)).toEqual([-1, -1]);
  });

  it('lets border points join but not spread a cluster', () => {
    // 0..0.3 are core (4+ within 1), 1.25 is a border point of 0.3 (3 within 1), 2.2 is within eps only of 1.25.
    const result = dbscan([[0], [0.1], [0.2], [0.3], [1.25], [2.2]], 1, 4);
    expect(result.core).toEqual([true, true, true, true, false, false]);
    expect(result.labels).toEqual([0, 0, 0, 0, 0, -1]);
  });

  it('estimates eps from the k-distance curve', () => {
    const points = Array.from({ length: 101 }, (_, i) => [i]); // k-distance of every point is 1 or 2 for k = 2
    expect(estimateEps(points, 3, 0.5)).toBe(1);
    expect(() => dbscan(points, 0, 3)).toThrow(/eps/);
  });
});
