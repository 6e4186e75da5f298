/** Types of random.mjs (plain JavaScript so that worker threads need no TypeScript loader). */

/** A seeded pseudo-random generator returning floats in [0, 1). */
export type Random = () => number;

/** mulberry32: the same seed always gives the same sequence. */
export function mulberry32(seed: number): Random;

/** A random 31-bit non-negative integer from a generator (for seeding other libraries). */
export function randomInt31(random: Random): number;

/** Fisher-Yates shuffle in place, driven by `random`; returns `items`. */
export function shuffleInPlace<T>(items: T[], random: Random): T[];

/** The draws seeded demo data needs, all from one mulberry32 stream. */
export interface Rng {
  /** Uniform in [0, 1). */
  next: Random;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  /** Throws on an empty list. */
  pick<T>(items: readonly T[]): T;
  /** Shuffles a copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

export function createRng(seed: number): Rng;

/** The seed of the independent stream `stream` derived from `seed`. */
export function deriveSeed(seed: number, stream: string): number;
