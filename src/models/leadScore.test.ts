import { describe, expect, it } from 'vitest';
import { fitFeaturePipeline } from '../features/pipeline.ts';
import type { FeatureSpec, RawRow } from '../features/pipeline.ts';
import { mulberry32 } from './evaluate.ts';
import { fitLeadScore, formatReasons, leadScoreFromJSON, leadScoreToJSON, predict } from './leadScore.ts';
import type { LeadScoreJson, LeadScoreModel, Reason } from './leadScore.ts';

const spec: FeatureSpec = {
  numeric: ['engagement', 'employees'],
  categorical: ['plan', 'region'],
  placeholders: ['Select', 'n/a'],
  labels: { engagement: 'engagement score' },
};

const PLANS = ['free', 'free', 'free', 'pro', 'pro', 'enterprise'];
const REGIONS = ['eu', 'us', 'us', 'apac'];

/**
 * Synthetic leads. With `signal`, conversion depends strongly on engagement and a little on the plan;
 * without, labels are coin flips independent of every column. Values include nulls, placeholders,
 * unparsable numbers and rare levels, as CRM data does.
 */
function leads(n: number, seed: number, signal: boolean): { rows: RawRow[]; labels: (0 | 1)[] } {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const rows: RawRow[] = [];
  const labels: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) {
    const engagement = Math.round(random() * 100);
    const plan = pick(PLANS);
    const u = random();
    rows.push({
      engagement: u < 0.04 ? null : u < 0.06 ? 'n/a' : u < 0.07 ? 'lots' : String(engagement),
      employees: random() < 0.1 ? null : String(Math.round(random() * 5000)),
      plan: random() < 0.05 ? 'Select' : plan,
      region: random() < 0.01 ? 'mars' : pick(REGIONS),
    });
    const z = signal ? -1.5 + 0.08 * (engagement - 50) + (plan === 'enterprise' ? 1 : plan === 'pro' ? 0.4 : 0) : -0.8;
    labels.push(random() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { rows, labels };
}

const signal = leads(1200, 1, true);
const fitted = fitLeadScore(signal.rows, signal.labels, { spec, seed: 7, trees: 30 });

const probe: RawRow[] = [
  { engagement: '98', employees: '1200', plan: 'free', region: 'eu' },
  { engagement: '3', employees: '1200', plan: 'free', region: 'eu' },
  { engagement: null, employees: 'lots', plan: 'astronaut', region: null },
  { engagement: '55', employees: '20', plan: 'enterprise', region: 'mars' },
  ...signal.rows.slice(0, 50),
];

describe('fitLeadScore', () => {
  it('finds a real signal (holdout AUC > 0.8) and reports its metrics', () => {
    const m = fitted.metrics;
    expect(m.auc).toBeGreaterThan(0.8);
    expect(m.holdoutRows).toBe(300);
    expect(m.trainRows).toBe(900);
    expect(m.positives).toBe(signal.labels.filter((y) => y === 1).length);
    expect(m.baseRate).toBeCloseTo(m.positives / 1200, 12);
    expect(m.stumps).toBe(0);
    expect(fitted.model.metrics).toEqual(m);
  });

  it('finds nothing in pure noise (holdout AUC near 0.5)', () => {
    const noise = leads(1200, 2, false);
    const { metrics } = fitLeadScore(noise.rows, noise.labels, { spec, seed: 7, trees: 30 });
    expect(metrics.auc).toBeGreaterThan(0.4);
    expect(metrics.auc).toBeLessThan(0.6);
  });

  it('subsamples the training part to maxTrainRows, keeping the class ratio', () => {
    const { metrics } = fitLeadScore(signal.rows, signal.labels, { spec, seed: 7, trees: 5, maxTrainRows: 400 });
    expect(metrics.trainRows).toBe(400);
    expect(metrics.holdoutRows).toBe(300);
  });

  it('refuses one-class labels and too few positives with a clear error', () => {
    const rows = signal.rows.slice(0, 100);
    expect(() => fitLeadScore(rows, rows.map(() => 0), { spec, seed: 1 })).toThrow(/only one class.*all lost/);
    expect(() => fitLeadScore(rows, rows.map(() => 1), { spec, seed: 1 })).toThrow(/only one class.*all converted/);
    const five = rows.map((_, i): 0 | 1 => (i < 5 ? 1 : 0));
    expect(() => fitLeadScore(rows, five, { spec, seed: 1 })).toThrow(/too few converted leads: 5 positive labels, at least 10/);
    expect(() => fitLeadScore(rows, five.slice(1), { spec, seed: 1 })).toThrow(/100 rows but 99 labels/);
    expect(() => fitLeadScore(rows, rows.map(() => 2 as 0), { spec, seed: 1 })).toThrow(/must be 0 \(lost\) or 1/);
  });

  it('gives the same model for the same seed, and a different one for another seed', () => {
    const again = fitLeadScore(signal.rows, signal.labels, { spec, seed: 7, trees: 30 });
    expect(predict(again.model, probe)).toEqual(predict(fitted.model, probe));
    const other = fitLeadScore(signal.rows, signal.labels, { spec, seed: 8, trees: 30 });
    expect(predict(other.model, probe, { reasons: false })).not.toEqual(predict(fitted.model, probe, { reasons: false }));
  });
});

describe('predict', () => {
  const predictions = predict(fitted.model, probe);

  it('gives calibrated probabilities and integer scores 1..99 that rank by the signal', () => {
    for (const p of predictions) {
      expect(p.probability).toBeGreaterThanOrEqual(0);
      expect(p.probability).toBeLessThanOrEqual(1);
      expect(Number.isInteger(p.score)).toBe(true);
      expect(p.score).toBeGreaterThanOrEqual(1);
      expect(p.score).toBeLessThanOrEqual(99);
      expect(p.score).toBe(Math.min(99, Math.max(1, Math.round(p.probability * 100))));
    }
    expect(predictions[0]!.probability).toBeGreaterThan(predictions[1]!.probability + 0.4);
  });

  it('is calibrated: the mean probability over all leads is close to the base rate', () => {
    const all = predict(fitted.model, signal.rows, { reasons: false });
    const mean = all.reduce((s, p) => s + p.probability, 0) / all.length;
    expect(Math.abs(mean - fitted.metrics.baseRate)).toBeLessThan(0.05);
  });

  it('explains a score by the column that drives it', () => {
    const [high, low] = predictions;
    const topUp = high!.reasons.find((r) => r.direction === 'up');
    expect(topUp?.column).toBe('engagement');
    expect(topUp?.bucket).toMatch(/^engagement score ≥ \d+$/);
    expect(topUp!.weight).toBeGreaterThan(10);
    const topDown = low!.reasons.find((r) => r.direction === 'down');
    expect(topDown?.column).toBe('engagement');
    expect(topDown?.bucket).toMatch(/^engagement score ≤ \d+$/);
  });

  it('keeps at most 3 reasons per direction, strongest first, each with a real effect', () => {
    for (const p of predictions) {
      const ups = p.reasons.filter((r) => r.direction === 'up');
      const downs = p.reasons.filter((r) => r.direction === 'down');
      expect(ups.length).toBeLessThanOrEqual(3);
      expect(downs.length).toBeLessThanOrEqual(3);
      expect(p.reasons).toEqual([...ups, ...downs]);
      for (const list of [ups, downs]) {
        expect(list.map((r) => r.weight)).toEqual([...list.map((r) => r.weight)].sort((a, b) => b - a));
      }
      expect(p.reasons.every((r) => r.weight > 0)).toBe(true);
      expect(new Set(p.reasons.map((r) => r.column)).size).toBe(p.reasons.length);
    }
  });

  it('scores unusable values without throwing, reading them as missing or rare', () => {
    const odd = predictions[2]!;
    expect(Number.isFinite(odd.probability)).toBe(true);
    const buckets = odd.reasons.map((r) => r.bucket).join(' | ');
    expect(buckets).not.toMatch(/undefined|NaN/);
  });

  it('fails clearly when rows lack a column', () => {
    expect(() => predict(fitted.model, [{ engagement: '5', plan: 'free', region: 'eu' }])).toThrow(/lacks "employees"/);
  });

  it('fails clearly when the pipeline does not match the forest', () => {
    const reordered = fitFeaturePipeline(signal.rows, { ...spec, numeric: ['employees', 'engagement'] });
    const broken: LeadScoreModel = { ...fitted.model, pipeline: reordered };
    expect(() => predict(broken, probe)).toThrow(/does not match the forest's features \(first difference at position 0: the forest expects "engagement", the pipeline gives "employees"\)/);
    const narrower = fitFeaturePipeline(signal.rows, { ...spec, categorical: ['plan'] });
    expect(() => predict({ ...fitted.model, pipeline: narrower }, probe)).toThrow(/does not match the forest's features/);
  });
});

describe('formatReasons', () => {
  it('writes one readable sentence', () => {
    const reasons: Reason[] = [
      { column: 'poutcome', bucket: 'previous outcome = success', direction: 'up', weight: 21.3 },
      { column: 'month', bucket: 'month = mar', direction: 'up', weight: 0.4 },
      { column: 'nr.employed', bucket: 'employees ≥ 5228', direction: 'down', weight: 4.6 },
    ];
    expect(formatReasons(reasons)).toBe('Raised by: previous outcome = success (+21), month = mar (+0.4); Lowered by: employees ≥ 5228 (-5)');
    expect(formatReasons(reasons.slice(2))).toBe('Lowered by: employees ≥ 5228 (-5)');
    expect(formatReasons([])).toBe('No single factor moved this score.');
  });

  it('formats real predictions', () => {
    const text = formatReasons(predict(fitted.model, probe.slice(0, 1))[0]!.reasons);
    expect(text).toMatch(/^Raised by: engagement score ≥ \d+ \(\+\d+\)/);
  });
});

describe('leadScoreToJSON / leadScoreFromJSON', () => {
  const text = JSON.stringify(leadScoreToJSON(fitted.model));
  const json = (): LeadScoreJson => JSON.parse(text) as LeadScoreJson;

  it('is tagged plain JSON', () => {
    expect(json()).toMatchObject({ kind: 'leadScore', version: 1, featureNames: fitted.model.featureNames });
    expect(json().pipeline.kind).toBe('featurePipeline');
  });

  it('round-trips to identical predictions, reasons included', () => {
    const loaded = leadScoreFromJSON(json());
    const before = predict(fitted.model, probe);
    const after = predict(loaded, probe);
    expect(after).toEqual(before);
    expect(after.map((p) => p.probability)).toEqual(before.map((p) => p.probability));
    expect(JSON.stringify(leadScoreToJSON(loaded))).toBe(text);
  });

  it('rejects another kind, another version and malformed content', () => {
    expect(() => leadScoreFromJSON({ ...json(), kind: 'segments' })).toThrow(/not a lead score model/);
    expect(() => leadScoreFromJSON('{}')).toThrow(/not a lead score model/);
    expect(() => leadScoreFromJSON({ ...json(), version: 2 })).toThrow(/version 2/);
    expect(() => leadScoreFromJSON({ ...json(), calibration: { a: 'x' } })).toThrow(/invalid lead score model JSON: calibration/);
    expect(() => leadScoreFromJSON({ ...json(), forest: { name: 'RFRegression' } })).toThrow(/not an ml-random-forest classifier/);
  });

  it('rejects feature names that do not match the pipeline, in name or order', () => {
    const swapped = json();
    [swapped.featureNames[0], swapped.featureNames[1]] = [swapped.featureNames[1]!, swapped.featureNames[0]!];
    expect(() => leadScoreFromJSON(swapped)).toThrow(/does not match the forest's features \(first difference at position 0/);
    const otherPipeline = json();
    otherPipeline.pipeline = fitFeaturePipeline(signal.rows, { ...spec, categorical: ['region', 'plan'] }).toJSON();
    expect(() => leadScoreFromJSON(otherPipeline)).toThrow(/does not match the forest's features/);
    const fewer = json();
    fewer.featureNames = fewer.featureNames.slice(0, 3);
    expect(() => leadScoreFromJSON(fewer)).toThrow(/forest|features/);
  });
});
