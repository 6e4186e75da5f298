/** Seeded synthetic data for the segment tests and examples (no I/O). */
import { mulberry32 } from '../../domain/random.mjs';

/** A seeded standard-normal generator (Box-Muller). */
export function gaussian(seed: number): () => number {
  const random = mulberry32(seed);
  return () => {
    const u = Math.max(random(), 1e-12);
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** `perBlob` rows around each center, with the given spread; returns rows and the blob of each row. */
export function blobs(centers: readonly (readonly number[])[], perBlob: number, spread: number, seed: number): { rows: number[][]; blob: number[] } {
  const normal = gaussian(seed);
  const rows: number[][] = [];
  const blob: number[] = [];
  centers.forEach((c, b) => {
    for (let i = 0; i < perBlob; i++) {
      rows.push(c.map((x) => x + spread * normal()));
      blob.push(b);
    }
  });
  return { rows, blob };
}

export const PEOPLE_FEATURES = ['age', 'income', 'job=retired', 'job=student', 'job=admin.', 'contact=cellular', 'contact=telephone'];

/**
 * Three kinds of contact: retired, older, by telephone; young students by cellular with low income;
 * admin staff with high income by cellular. Numeric columns z-scored-ish, one-hot columns 0/1.
 */
export function people(perGroup: number, seed: number): { rows: number[][]; group: number[] } {
  const normal = gaussian(seed);
  const random = mulberry32(seed + 1);
  const rows: number[][] = [];
  const group: number[] = [];
  for (let g = 0; g < 3; g++) {
    for (let i = 0; i < perGroup; i++) {
      const age = [70, 22, 45][g] as number;
      const income = [30, 10, 90][g] as number;
      const cellular = g === 0 ? random() < 0.1 : random() < 0.9;
      rows.push([
        (age + 4 * normal() - 45) / 20,
        (income + 6 * normal() - 43) / 35,
        g === 0 ? 1 : 0,
        g === 1 ? 1 : 0,
        g === 2 ? 1 : 0,
        cellular ? 1 : 0,
        cellular ? 0 : 1,
      ]);
      group.push(g);
    }
  }
  return { rows, group };
}
