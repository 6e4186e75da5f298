import { describe, expect, it } from 'vitest';
import { silhouetteScore } from './silhouette.ts';

describe('silhouetteScore', () => {
  it('matches a hand computation', () => {
    // Point 0: a = 1, b = (10 + 11) / 2 = 10.5 -> 9.5 / 10.5; point 1: a = 1, b = 9.5 -> 8.5 / 9.5; symmetric.
    const expected = (9.5 / 10.5 + 8.5 / 9.5) / 2;
    expect(silhouetteScore([[0], [1], [10], [11]], [0, 0, 1, 1])).toBeCloseTo(expected, 12);
  });

  it('scores singletons 0, skips noise, and is 0 for one cluster', () => {
    // Point 2 is alone (0); points 0, 1: a = 1, b = 10 and 9 -> 0.9, 8/9.
    expect(silhouetteScore([[0], [1], [10], [50]], [0, 0, 1, -1])).toBeCloseTo((0.9 + 8 / 9 + 0) / 3, 12);
    expect(silhouetteScore([[0], [1]], [0, 0])).toBe(0);
  });
});
