import { describe, expect, it } from 'vitest';
import { rocAuc } from '../evaluate.ts';
import { atThreshold, championComparison, rocPoints, scoreDistribution, scoreEvidence, scoreOf } from './evidence.ts';

// six leads: scores 90, 80 converted; 80, 30, 30, 10 lost... plus one converted at 30
const labels: Array<0 | 1> = [1, 1, 0, 0, 1, 0, 0];
const probabilities = [0.9, 0.8, 0.8, 0.3, 0.3, 0.3, 0.1];

describe('score evidence', () => {
  const e = scoreEvidence(labels, probabilities);

  it('counts converted and lost leads per score, nothing else of the rows', () => {
    expect(e.byScore).toEqual([
      [10, 0, 1],
      [30, 1, 2],
      [80, 1, 1],
      [90, 1, 0],
    ]);
    expect(e.rows).toBe(7);
    expect(e.positives).toBe(3);
    expect(e.auc).toBeCloseTo(rocAuc(labels, probabilities), 12);
    expect(e.calibration.reduce((s, b) => s + b.count, 0)).toBe(7);
    expect(e.lift).toHaveLength(10);
  });

  it('gives precision and recall at any threshold from the counts', () => {
    expect(atThreshold(e, 80)).toMatchObject({ tp: 2, fp: 1, fn: 1, tn: 3, precision: 2 / 3, recall: 2 / 3, flagged: 3 / 7 });
    expect(atThreshold(e, 1)).toMatchObject({ tp: 3, fp: 4, recall: 1 });
    const none = atThreshold(e, 95);
    expect(none.tp + none.fp).toBe(0);
    expect(none.precision).toBeNaN();
  });

  it('draws the ROC curve whose area is the AUC (ties as one step)', () => {
    const points = rocPoints(e);
    expect(points[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(points.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    let area = 0;
    for (let i = 1; i < points.length; i++) area += ((points[i]!.fpr - points[i - 1]!.fpr) * (points[i]!.tpr + points[i - 1]!.tpr)) / 2;
    expect(area).toBeCloseTo(e.auc, 12);
  });

  it('bands the scores for the distribution chart', () => {
    const bands = scoreDistribution(e);
    expect(bands).toHaveLength(10);
    expect(bands[0]).toEqual({ from: 1, to: 9, converted: 0, lost: 0 });
    expect(bands[1]).toEqual({ from: 10, to: 19, converted: 0, lost: 1 });
    expect(bands[9]).toEqual({ from: 90, to: 99, converted: 1, lost: 0 });
    expect(bands.reduce((s, b) => s + b.converted + b.lost, 0)).toBe(7);
  });

  it('rounds probabilities to the score reps see', () => {
    expect([0, 0.004, 0.5, 0.996, 1].map(scoreOf)).toEqual([1, 1, 50, 99, 99]);
  });
});

describe('champion comparison', () => {
  it('compares both scores on the rows where the CRM score has a value', () => {
    const c = championComparison('hubspotscore', labels, probabilities, [10, null, 50, 0, 40, 0, Number.NaN]);
    // rows 0, 2, 3, 4, 5 kept
    expect(c).toMatchObject({ field: 'hubspotscore', rows: 5, positives: 2 });
    expect(c!.championAuc).toBeCloseTo(rocAuc([1, 0, 0, 1, 0], [10, 50, 0, 40, 0]), 12);
    expect(c!.challengerAuc).toBeCloseTo(rocAuc([1, 0, 0, 1, 0], [0.9, 0.8, 0.3, 0.3, 0.3]), 12);
  });

  it('is null when the kept rows hold one class only', () => {
    expect(championComparison('x', labels, probabilities, [null, null, 1, 2, null, 3, 4])).toBeNull();
  });
});
