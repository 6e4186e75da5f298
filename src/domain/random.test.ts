import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, mulberry32, randomInt31, shuffleInPlace } from './random.mjs';

/** The generator's raw 32-bit outputs (each float is one of them over 2^32). */
function words(seed: number, n: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => random() * 2 ** 32);
}

describe('mulberry32', () => {
  it('gives the reference outputs of mulberry32 for a seed (seeded data and model figures depend on them)', () => {
    expect(words(42, 3)).toEqual([2581720956, 1925393290, 3661312704]);
    expect(words(0, 3)[2]).toBe(958946056);
    expect(mulberry32(42)()).toBe(0.6011037519201636);
  });

  it('is deterministic per seed, uniform-ish in [0, 1), and seeds differ', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(mulberry32(43)()).not.toBe(mulberry32(42)());
  });

  it('takes the seed as an unsigned 32-bit integer', () => {
    expect(words(-1, 2)).toEqual(words(2 ** 32 - 1, 2));
    expect(words(2 ** 32 + 7, 2)).toEqual(words(7, 2));
  });
});

describe('shuffleInPlace and randomInt31', () => {
  it('shuffles in place, the same way for the same seed, keeping every item', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const copy = [...items];
    const s1 = shuffleInPlace(copy, mulberry32(1));
    expect(s1).toBe(copy);
    expect(shuffleInPlace([...items], mulberry32(1))).toEqual(s1);
    expect([...s1].sort((a, b) => a - b)).toEqual(items);
    expect(s1).not.toEqual(items);
    expect(shuffleInPlace([1, 2, 3, 4, 5, 6], mulberry32(1))).toEqual([5, 2, 6, 3, 1, 4]);
  });

  it('draws 31-bit seeds', () => {
    expect(randomInt31(mulberry32(5))).toBe(1481280341);
    const random = mulberry32(9);
    for (let i = 0; i < 1000; i++) {
      const x = randomInt31(random);
      expect(Number.isInteger(x) && x >= 0 && x < 2 ** 31).toBe(true);
    }
  });
});

describe('createRng', () => {
  it('draws ints, chances, picks and shuffled copies from one mulberry32 stream', () => {
    const rng = createRng(7);
    expect(rng.int(1, 6)).toBe(1);
    expect(rng.chance(0.3)).toBe(true);
    expect(rng.pick(['a', 'b', 'c'])).toBe('c');
    const items = [1, 2, 3, 4, 5];
    expect(rng.shuffle(items)).toEqual([5, 1, 2, 3, 4]);
    expect(items).toEqual([1, 2, 3, 4, 5]);
    expect(rng.next()).toBe(0.23992518591694534);
  });

  it('keeps int within both bounds and refuses to pick from an empty list', () => {
    const rng = createRng(3);
    const seen = new Set(Array.from({ length: 500 }, () => rng.int(2, 4)));
    expect([...seen].sort()).toEqual([2, 3, 4]);
    expect(() => rng.pick([])).toThrow(/pick from an empty list/);
  });
});

describe('deriveSeed', () => {
  it('gives each named stream its own fixed seed', () => {
    expect(deriveSeed(1, 'contacts')).toBe(3003078101);
    expect(deriveSeed(42, 'faults')).toBe(1139636386);
    expect(deriveSeed(1, 'deals')).not.toBe(deriveSeed(1, 'contacts'));
    expect(deriveSeed(2, 'contacts')).not.toBe(deriveSeed(1, 'contacts'));
  });
});
