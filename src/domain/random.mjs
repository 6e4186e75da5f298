// Seeded randomness for everything that must replay: model training (splits, bootstraps, initial
// weights), benches and the emulators' seeded demo data. Nothing here touches Math.random, so the same
// seed gives the same models, figures and portals on every machine.
//
// Plain JavaScript with its types beside it (random.d.mts) because the forest's worker threads import it
// through tree-core.mjs, and they start under plain Node 20 with no TypeScript loader. Pure: no I/O.

/**
 * mulberry32: a small, fast 32-bit seeded PRNG (public domain, Tommy Ettinger), floats in [0, 1).
 * @param {number} seed
 * @returns {() => number}
 */
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
 * A random 31-bit non-negative integer (for seeding other libraries).
 * @param {() => number} random
 */
export function randomInt31(random) {
  return Math.floor(random() * 0x7fffffff);
}

/**
 * Fisher-Yates shuffle in place, driven by `random`; returns `items`.
 * @template T
 * @param {T[]} items
 * @param {() => number} random
 * @returns {T[]}
 */
export function shuffleInPlace(items, random) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/**
 * A mulberry32 stream with the draws seeded data needs (see random.d.mts for each).
 * @param {number} seed
 */
export function createRng(seed) {
  const next = mulberry32(seed);
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick(items) {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)];
    },
    shuffle: (items) => shuffleInPlace(items.slice(), next),
  };
}

/**
 * The seed of an independent stream named `stream` (FNV-1a over its name, from `seed`), so adding draws to
 * one purpose (contacts, deals, faults...) does not reshuffle every other part of seeded data.
 * @param {number} seed
 * @param {string} stream
 */
export function deriveSeed(seed, stream) {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < stream.length; i++) {
    h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}
