import { describe, expect, it } from 'vitest';
import { rollUp } from './index.ts';

const NOW = '2025-06-30T12:00:00.000Z';
const daysAgo = (days: number) => new Date(Date.parse(NOW) - days * 86_400_000).toISOString();

describe('rollUp (contact sentiment)', () => {
  it('weights recent feedback more than old feedback', () => {
    const recentBad = rollUp([{ score: 0.8, at: daysAgo(90) }, { score: -0.8, at: daysAgo(1) }], NOW);
    const recentGood = rollUp([{ score: -0.8, at: daysAgo(90) }, { score: 0.8, at: daysAgo(1) }], NOW);
    expect(recentBad.score).toBeLessThan(0);
    expect(recentBad.label).toBe('negative');
    expect(recentGood.score).toBeGreaterThan(0);
    expect(recentGood.label).toBe('positive');
    expect(recentBad.count).toBe(2);
  });

  it('halves the weight every half-life', () => {
    // weights 1 (today) and 0.5 (30 days ago): (1 * 1 + 0.5 * -1) / 1.5 = 1/3
    const r = rollUp([{ score: 1, at: NOW }, { score: -1, at: daysAgo(30) }], new Date(NOW), 30);
    expect(r.score).toBeCloseTo(1 / 3, 12);
    // A shorter half-life trusts the recent score even more.
    expect(rollUp([{ score: 1, at: NOW }, { score: -1, at: daysAgo(30) }], NOW, 10).score).toBeGreaterThan(r.score);
  });

  it('gives a plain mean when all items share a date, and clamps future dates to age 0', () => {
    expect(rollUp([{ score: 0.5, at: daysAgo(3) }, { score: -0.1, at: daysAgo(3) }], NOW).score).toBeCloseTo(0.2, 12);
    expect(rollUp([{ score: 1, at: daysAgo(-5) }, { score: -1, at: NOW }], NOW).score).toBeCloseTo(0, 12);
  });

  it('is neutral with count 0 when there is nothing to roll up', () => {
    expect(rollUp([], NOW)).toEqual({ score: 0, label: 'neutral', count: 0, skipped: [], latestAt: null });
  });

  it('skips malformed items with their reason and rolls up the rest', () => {
    const r = rollUp(
      [
        { score: 0.6, at: daysAgo(2) },
        { score: Number.NaN, at: daysAgo(1) },
        { score: 0.9, at: 'yesterday' },
        { score: 3, at: daysAgo(1) },
      ],
      NOW,
    );
    expect(r.count).toBe(1);
    expect(r.score).toBeCloseTo(0.6, 12);
    expect(r.skipped.map((s) => s.index)).toEqual([1, 2, 3]);
    expect(r.skipped[1]!.reason).toMatch(/does not parse/);
    expect(r.latestAt).toBe(daysAgo(2));
  });

  it('rejects an invalid "now" or half-life', () => {
    expect(() => rollUp([], 'not a date')).toThrow(/now/);
    expect(() => rollUp([], NOW, 0)).toThrow(/halfLifeDays/);
  });
});
