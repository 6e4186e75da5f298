import { describe, expect, it } from 'vitest';
import { mulberry32, shuffleInPlace } from '../../domain/random.mjs';
import { nameSegments } from './naming.ts';
import type { Trait } from './naming.ts';
import { assign, fitSegments, OUTLIERS_ID, project, SegmentFeatureError, segmentsFromJSON, segmentsToJSON } from './segments.ts';
import type { SegmentModel } from './segments.ts';
import { blobs, gaussian, PEOPLE_FEATURES, people } from './testData.ts';

const BLOB_CENTERS = [
  [0, 0, 0, 0],
  [8, 0, 0, 0],
  [0, 8, 0, 0],
  [0, 0, 8, 8],
];
const BLOB_FEATURES = ['a', 'b', 'c', 'd'];

function roundTrip(model: SegmentModel): SegmentModel {
  return segmentsFromJSON(JSON.parse(JSON.stringify(segmentsToJSON(model))));
}

/** For each blob, the segment ids its rows got (as a set). */
function idsByBlob(ids: readonly string[], blob: readonly number[]): string[][] {
  const sets = new Map<number, Set<string>>();
  blob.forEach((b, i) => {
    const set = sets.get(b) ?? new Set<string>();
    set.add(ids[i] as string);
    sets.set(b, set);
  });
  return [...sets.keys()].sort((x, y) => x - y).map((b) => [...(sets.get(b) as Set<string>)].sort());
}

describe('fitSegments (k-means)', () => {
  const { rows, blob } = blobs(BLOB_CENTERS, 120, 1, 11);

  it('finds k on well-separated blobs with a high silhouette', () => {
    const model = fitSegments(rows, { featureNames: BLOB_FEATURES, seed: 5 });
    expect(model.metrics.k).toBe(4);
    expect(model.metrics.silhouette).toBeGreaterThan(0.7);
    expect(model.metrics.silhouetteByK.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    // Each blob is one segment, each segment one blob.
    const byBlob = idsByBlob(model.training?.segmentIds ?? [], blob);
    expect(byBlob.every((ids) => ids.length === 1)).toBe(true);
    expect(new Set(byBlob.flat()).size).toBe(4);
    expect(model.segments.map((s) => s.size)).toEqual([120, 120, 120, 120]);
    expect(Object.values(model.metrics.sizes).reduce((a, b) => a + b, 0)).toBe(rows.length);
    expect(model.segments.map((s) => s.id).sort()).toEqual(['seg-1', 'seg-2', 'seg-3', 'seg-4']);
    expect(model.nextId).toBe(5);
    expect(model.kind).toBe('segments');
    expect(model.version).toBe(1);
    expect(model.featureNames).toEqual(BLOB_FEATURES);
  });

  it('gives the same ids, names and assignments for the same data and seed', () => {
    const a = fitSegments(rows, { featureNames: BLOB_FEATURES, seed: 5 });
    const b = fitSegments(rows.map((r) => [...r]), { featureNames: BLOB_FEATURES, seed: 5 });
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('keeps ids on a retrain with shuffled, slightly perturbed data', () => {
    const first = fitSegments(rows, { featureNames: BLOB_FEATURES, seed: 5 });
    const firstIds = first.training?.segmentIds ?? [];
    const normal = gaussian(99);
    const order = shuffleInPlace(
      rows.map((_, i) => i),
      mulberry32(3),
    );
    const perturbed = order.map((i) => (rows[i] as number[]).map((x) => x + 0.1 * normal()));
    // Another seed too: the ids must not depend on k-means' internal cluster numbering.
    const second = fitSegments(perturbed, { featureNames: BLOB_FEATURES, seed: 77 }, first);
    const secondIds = second.training?.segmentIds ?? [];
    order.forEach((i, position) => expect(secondIds[position]).toBe(firstIds[i]));
    expect(second.matching?.kept.sort()).toEqual(['seg-1', 'seg-2', 'seg-3', 'seg-4']);
    expect(second.matching?.added).toEqual([]);
    expect(second.nextId).toBe(5);
  });

  it('gives a new segment a fresh id and keeps the others', () => {
    const first = fitSegments(rows, { featureNames: BLOB_FEATURES, seed: 5 });
    const extra = blobs([[8, 8, 8, -8]], 120, 1, 12);
    const second = fitSegments([...rows, ...extra.rows], { featureNames: BLOB_FEATURES, seed: 5 }, first);
    expect(second.metrics.k).toBe(5);
    const ids = second.training?.segmentIds ?? [];
    // Old rows keep their old ids; the new blob gets seg-5.
    expect(ids.slice(0, rows.length)).toEqual(first.training?.segmentIds);
    expect(new Set(ids.slice(rows.length))).toEqual(new Set(['seg-5']));
    expect(second.matching?.added).toEqual(['seg-5']);
    expect(second.nextId).toBe(6);

    // A segment that disappears is retired and its id is not reused.
    const third = fitSegments(
      rows.filter((_, i) => blob[i] !== 0),
      { featureNames: BLOB_FEATURES, seed: 5 },
      second,
    );
    const retired = first.training?.segmentIds[0] as string;
    // The blob dropped from the data and the extra blob (absent from this data too) are retired.
    expect(third.matching?.retired.sort()).toEqual([retired, 'seg-5'].sort());
    expect(third.segments.map((s) => s.id)).not.toContain(retired);
    expect(third.nextId).toBe(6);
  });

  it('assigns new rows to the nearest segment and projects them', () => {
    const model = fitSegments(rows, { featureNames: BLOB_FEATURES, seed: 5 });
    const ids = assign(model, rows, BLOB_FEATURES);
    expect(ids).toEqual(model.training?.segmentIds);
    expect(project(model, rows, BLOB_FEATURES)).toEqual(model.training?.coordinates);
    const near = assign(model, [[8.2, 0.1, -0.3, 0]], BLOB_FEATURES);
    expect(near).toEqual([ids[blob.indexOf(1)]]);
  });

  it('round-trips through JSON with identical assignments and coordinates', () => {
    const model = fitSegments(rows, { featureNames: BLOB_FEATURES, seed: 5 });
    const loaded = roundTrip(model);
    expect(loaded).toEqual(model);
    const fresh = blobs(BLOB_CENTERS, 10, 2, 50).rows;
    expect(assign(loaded, fresh, BLOB_FEATURES)).toEqual(assign(model, fresh, BLOB_FEATURES));
    expect(project(loaded, fresh, BLOB_FEATURES)).toEqual(project(model, fresh, BLOB_FEATURES));
  });

  it('rejects rows whose features do not match, clearly', () => {
    const model = fitSegments(rows, { featureNames: BLOB_FEATURES, seed: 5 });
    expect(() => assign(model, rows, ['b', 'a', 'c', 'd'])).toThrow(SegmentFeatureError);
    expect(() => assign(model, rows, ['b', 'a', 'c', 'd'])).toThrow(/another order \(position 0: expected a, got b\)/);
    expect(() => assign(model, rows, ['a', 'b', 'c', 'e'])).toThrow(/missing: d; unexpected: e/);
    expect(() => project(model, rows, ['a', 'b', 'c'])).toThrow(/trained on 4 features, got 3/);
    expect(() => assign(model, [[1, 2, 3]], BLOB_FEATURES)).toThrow(/row 0 has 3 values, expected 4/);
    expect(() => assign(model, [[1, 2, Number.NaN, 4]], BLOB_FEATURES)).toThrow(/finite/);
    expect(() => fitSegments([[1, 2], [3, 4], [5, 6]], { featureNames: BLOB_FEATURES })).toThrow(/expected 4/);
  });

  it('checks the tag when loading', () => {
    const model = segmentsToJSON(fitSegments(rows, { featureNames: BLOB_FEATURES, seed: 5 }));
    expect(() => segmentsFromJSON({ ...model, kind: 'leadScore' })).toThrow(/not a segments model/);
    expect(() => segmentsFromJSON({ ...model, version: 2 })).toThrow(/unsupported segments model version 2/);
    expect(() => segmentsFromJSON({ ...model, segments: [] })).toThrow(/no segments/);
    expect(() => segmentsFromJSON({ ...model, pca: { ...model.pca, components: [[1]] } })).toThrow(/invalid segments model/);
    expect(() => segmentsFromJSON(null)).toThrow(/expected an object/);
  });

  it('honours a fixed k and z-scores raw numeric columns', () => {
    // Column b is on a scale 1,000 times larger but carries no structure; a alone separates two groups.
    const normal = gaussian(4);
    const raw = Array.from({ length: 200 }, (_, i) => [(i < 100 ? 0 : 5) + 0.3 * normal(), 1000 * normal()]);
    const model = fitSegments(raw, { featureNames: ['a', 'b'], seed: 1, k: 2 });
    expect(model.metrics.k).toBe(2);
    const ids = model.training?.segmentIds ?? [];
    expect(new Set(ids.slice(0, 100)).size).toBe(1);
    expect(new Set(ids.slice(100)).size).toBe(1);
    expect(ids[0]).not.toBe(ids[100]);
    expect(() => fitSegments(raw, { featureNames: ['a', 'b'], standardize: 'none', k: 2 })).not.toThrow();
  });
});

describe('segment names', () => {
  it('are unique, at most 3 parts, and name the distinguishing features', () => {
    const { rows, group } = people(150, 8);
    const model = fitSegments(rows, { featureNames: PEOPLE_FEATURES, seed: 2 });
    expect(model.metrics.k).toBe(3);
    const names = model.segments.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of model.segments) {
      expect(s.parts.length).toBeGreaterThan(0);
      expect(s.parts.length).toBeLessThanOrEqual(3);
    }
    const ids = model.training?.segmentIds ?? [];
    const nameOfGroup = (g: number) => (model.segments.find((s) => s.id === ids[group.indexOf(g)]) as { name: string }).name;
    expect(nameOfGroup(0)).toMatch(/job = retired|high age/);
    expect(nameOfGroup(0)).toMatch(/contact = telephone|high age|job = retired/);
    expect(nameOfGroup(1)).toMatch(/job = student|low age|low income/);
    expect(nameOfGroup(2)).toMatch(/job = admin\.|high income/);
    // Never two parts from one source column.
    for (const s of model.segments) {
      const columns = s.parts.map((p) => p.replace(/^(high|low) /, '').split(/ [=≠] /)[0]);
      expect(new Set(columns).size).toBe(columns.length);
    }
  });

  it('reads one-hot features from the given map and labels', () => {
    const { rows } = people(100, 9);
    const oneHot = {
      'job=retired': { column: 'job', level: 'retired' },
      'job=student': { column: 'job', level: 'student' },
      'job=admin.': { column: 'job', level: 'admin.' },
      'contact=cellular': { column: 'contact', level: 'cellular' },
      'contact=telephone': { column: 'contact', level: 'telephone' },
    };
    const featureNames = ['age', 'income', 'f1', 'f2', 'f3', 'f4', 'f5'];
    const model = fitSegments(rows, {
      featureNames,
      oneHot: Object.fromEntries(Object.entries(oneHot).map(([k, v], i) => [featureNames[i + 2] as string, v])),
      labels: { job: 'occupation', age: 'age (years)' },
      seed: 2,
    });
    const all = model.segments.map((s) => s.name).join(' | ');
    expect(all).toMatch(/occupation = retired/);
    expect(all).not.toMatch(/f\d/);
  });

  it('leaves out a trait that only repeats a strongly correlated stronger one', () => {
    const normal = gaussian(31);
    // x2 is x plus a little noise: naming both would waste a part.
    const rows = Array.from({ length: 300 }, (_, i) => {
      const x = (i < 150 ? -2 : 2) + 0.3 * normal();
      return [x, x + 0.05 * normal(), (i < 150 ? 0 : 1) + 0.8 * normal()];
    });
    const model = fitSegments(rows, { featureNames: ['x', 'x2', 'y'], seed: 1, k: 2 });
    for (const s of model.segments) {
      expect(s.parts.filter((p) => / x2?$/.test(p)).length).toBe(1);
    }
    const loose = fitSegments(rows, { featureNames: ['x', 'x2', 'y'], seed: 1, k: 2, naming: { maxCorrelation: 1 } });
    expect(loose.segments.some((s) => s.parts.some((p) => p.endsWith(' x')) && s.parts.some((p) => p.endsWith(' x2')))).toBe(true);
  });

  it('resolves collisions with other combinations, then numbered names', () => {
    const t = (text: string, score: number): Trait => ({ feature: text, column: text, text, z: score, score });
    const names = nameSegments(
      [[t('high age', 2), t('job = retired', 1)], [t('high age', 2), t('job = retired', 1)], [t('high age', 2)], [t('high age', 2)]],
      (i) => `segment ${i}`,
    );
    expect(names.map((n) => n.name)).toEqual(['high age, job = retired', 'high age', 'segment 2', 'segment 3']);
    expect(nameSegments([[]], () => 'segment x')).toEqual([{ name: 'segment x', parts: [] }]);
  });
});

describe('fitSegments (DBSCAN)', () => {
  it('marks far outliers and assigns new far points to outliers', () => {
    const { rows } = blobs(BLOB_CENTERS.slice(0, 3), 100, 0.7, 21);
    const far = [
      [40, -40, 0, 0],
      [-40, 30, 30, 0],
      [0, 0, -50, 50],
    ];
    const all = [...rows, ...far];
    const model = fitSegments(all, { featureNames: BLOB_FEATURES, seed: 3, method: 'dbscan' });
    expect(model.method).toBe('dbscan');
    expect(model.segments.length).toBe(3);
    const ids = model.training?.segmentIds ?? [];
    expect(ids.slice(rows.length)).toEqual([OUTLIERS_ID, OUTLIERS_ID, OUTLIERS_ID]);
    expect(model.outliers?.size).toBeGreaterThanOrEqual(3);
    expect(model.outliers?.size).toBeLessThan(20);
    expect(model.metrics.sizes[OUTLIERS_ID]).toBe(model.outliers?.size);
    expect(model.metrics.silhouette).toBeGreaterThan(0.7);
    expect(assign(model, [[60, 60, 60, 60], [8, 0, 0, 0]], BLOB_FEATURES)).toEqual([OUTLIERS_ID, ids[100]]);
    // Round trip and determinism hold for DBSCAN too.
    const loaded = roundTrip(model);
    expect(assign(loaded, all, BLOB_FEATURES)).toEqual(ids);
    expect(fitSegments(all, { featureNames: BLOB_FEATURES, seed: 3, method: 'dbscan' })).toEqual(model);
  });

  it('explains when it finds no cluster', () => {
    const { rows } = blobs([[0, 0]], 30, 1, 5);
    expect(() => fitSegments(rows, { featureNames: ['a', 'b'], method: 'dbscan', dbscan: { eps: 1e-6 } })).toThrow(/DBSCAN found no cluster/);
  });
});
