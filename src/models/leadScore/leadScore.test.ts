import { beforeAll, describe, expect, it } from 'vitest';
import { fitFeaturePipeline } from '../../features/pipeline.ts';
import type { FeatureSpec, RawRow } from '../../features/pipeline.ts';
import { mulberry32 } from '../../domain/random.mjs';
import { fitBoosting } from '../boosting/index.ts';
import { fitForestSync } from '../forest/index.ts';
import { explainRows, rawLogits } from './explain.ts';
import { explainRow, fitLeadScore, formatReasons, leadScoreFromJSON, leadScoreToJSON, predict } from './index.ts';
import type { LeadScoreJson, LeadScoreMetrics, LeadScoreModel } from './index.ts';

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
let fitted: { model: LeadScoreModel; metrics: LeadScoreMetrics };
beforeAll(async () => {
  fitted = await fitLeadScore(signal.rows, signal.labels, { spec, seed: 7, trees: 30 });
});

function encoded(model: LeadScoreModel, rows: readonly RawRow[]) {
  const X = model.pipeline.transform(rows);
  const p = model.featureNames.length;
  return { data: Float64Array.from(X.flat()), nRows: rows.length, nCols: p };
}

/** The fitted model with small parts of each kind, in each part alone and in a blend of the three. */
function eachBlend(): LeadScoreModel[] {
  const train = encoded(fitted.model, signal.rows);
  const forest = fitForestSync(train, signal.labels, { nEstimators: 10, seed: 1, minSamplesLeaf: 5 });
  const boosting = fitBoosting(train, signal.labels, { maxIter: 20, seed: 1 });
  return [
    { forest: 1, logistic: 0, boosting: 0 },
    { forest: 0, logistic: 1, boosting: 0 },
    { forest: 0, logistic: 0, boosting: 1 },
    { forest: 0.2, logistic: 0.3, boosting: 0.5 },
  ].map((blend) => ({ ...fitted.model, forest, boosting, blend }));
}

const probe: RawRow[] = [
  { engagement: '98', employees: '1200', plan: 'free', region: 'eu' },
  { engagement: '3', employees: '1200', plan: 'free', region: 'eu' },
  { engagement: null, employees: 'lots', plan: 'astronaut', region: null },
  { engagement: '55', employees: '20', plan: 'enterprise', region: 'mars' },
  ...signal.rows.slice(0, 50),
];

describe('fitLeadScore', () => {
  it('finds a real signal (out-of-sample AUC > 0.8) and reports how it was measured', () => {
    const m = fitted.metrics;
    expect(m.auc).toBeGreaterThan(0.8);
    // stacking maximizes likelihood, not AUC: the blend ranks about as well as its best part, or better
    expect(m.auc).toBeGreaterThan(Math.max(m.forestAuc, m.logisticAuc, m.boostingAuc ?? 0) - 0.01);
    expect(m.rows).toBe(1200);
    expect(m.positives).toBe(signal.labels.filter((y) => y === 1).length);
    expect(m.baseRate).toBeCloseTo(m.positives / 1200, 12);
    expect(m.blend.forest + m.blend.logistic + m.blend.boosting).toBeCloseTo(1, 12);
    expect(m.boostingAuc).not.toBeNull();
    expect(m.evaluation).toMatch(/out-of-bag/);
    expect(m.confidence).toBe('normal');
    expect(m.warnings).toEqual([]);
    expect(m.brier).toBeLessThanOrEqual(m.brierUncalibrated + 1e-3);
    expect(fitted.model.metrics).toEqual(m);
    expect(fitted.model.id).toMatch(/^ls2-[0-9a-f]{12}$/);
  });

  it('ranks the columns by importance, the driving one first', () => {
    const importance = fitted.model.importance;
    expect(importance[0]?.column).toBe('engagement');
    expect(importance[0]?.label).toBe('engagement score');
    expect(importance.reduce((s, c) => s + c.share, 0)).toBeCloseTo(1, 9);
    expect(importance.map((c) => c.column).sort()).toEqual(['employees', 'engagement', 'plan', 'region']);
  });

  it('finds nothing in pure noise (AUC near 0.5)', async () => {
    const noise = leads(1200, 2, false);
    const { metrics } = await fitLeadScore(noise.rows, noise.labels, { spec, seed: 7, trees: 30 });
    expect(metrics.auc).toBeGreaterThan(0.4);
    expect(metrics.auc).toBeLessThan(0.6);
  });

  it('refuses one-class labels and too few positives with a clear error', async () => {
    const rows = signal.rows.slice(0, 100);
    await expect(fitLeadScore(rows, rows.map(() => 0), { spec, seed: 1 })).rejects.toThrow(/only one class.*all lost/);
    await expect(fitLeadScore(rows, rows.map(() => 1), { spec, seed: 1 })).rejects.toThrow(/only one class.*all converted/);
    const five = rows.map((_, i): 0 | 1 => (i < 5 ? 1 : 0));
    await expect(fitLeadScore(rows, five, { spec, seed: 1 })).rejects.toThrow(/too few converted leads: 5 positive labels, at least 10/);
    await expect(fitLeadScore(rows, five.slice(1), { spec, seed: 1 })).rejects.toThrow(/100 rows but 99 labels/);
    await expect(fitLeadScore(rows, rows.map(() => 2 as 0), { spec, seed: 1 })).rejects.toThrow(/must be 0 \(lost\) or 1/);
  });

  it('gives the same model for the same seed, and a different one for another seed', async () => {
    const again = await fitLeadScore(signal.rows, signal.labels, { spec, seed: 7, trees: 30 });
    expect(again.model.id).toBe(fitted.model.id);
    expect(predict(again.model, probe)).toEqual(predict(fitted.model, probe));
    const other = await fitLeadScore(signal.rows, signal.labels, { spec, seed: 8, trees: 30 });
    expect(other.model.id).not.toBe(fitted.model.id);
    expect(predict(other.model, probe, { reasons: false })).not.toEqual(predict(fitted.model, probe, { reasons: false }));
  });

  it('falls back to a low-confidence logistic prior with few converted leads, unless the forest wins', async () => {
    const few = leads(400, 5, true);
    // keep 30 converted leads
    let kept = 0;
    const rows: RawRow[] = [];
    const labels: (0 | 1)[] = [];
    few.rows.forEach((row, i) => {
      if (few.labels[i] === 1 && kept >= 30) return;
      kept += few.labels[i] as number;
      rows.push(row);
      labels.push(few.labels[i] as 0 | 1);
    });
    const { model, metrics } = await fitLeadScore(rows, labels, { spec, seed: 3, trees: 30 });
    expect(metrics.positives).toBe(30);
    expect(metrics.confidence).toBe('low');
    expect(metrics.warnings.join(' ')).toMatch(/only 30 converted leads.*low confidence/);
    // exactly one component, chosen by out-of-sample AUC
    if (metrics.logisticAuc >= metrics.forestAuc) {
      expect(metrics.mode).toBe('prior');
      expect(model.blend).toEqual({ forest: 0, logistic: 1, boosting: 0 });
      expect(model.forest).toBeNull();
    } else {
      expect(model.blend).toEqual({ forest: 1, logistic: 0, boosting: 0 });
    }
    expect(model.boosting).toBeNull();
    expect(metrics.boostingAuc).toBeNull();
    const [p] = predict(model, probe.slice(0, 1));
    expect(p?.confidence).toBe('low');
    // the prior is still a working score
    expect(metrics.auc).toBeGreaterThan(0.7);
  });

  it('warns when one column alone predicts the outcome (a leak)', async () => {
    const leaky = signal.rows.map((row, i) => ({ ...row, stage: signal.labels[i] === 1 ? 'closed won' : 'closed lost' }));
    const { metrics } = await fitLeadScore(leaky, signal.labels, { spec: { ...spec, categorical: [...spec.categorical, 'stage'] }, seed: 7, trees: 10 });
    expect(metrics.warnings.some((w) => /column "stage" alone predicts the outcome \(cross-validated AUC 1\.000 > 0\.95\)/.test(w))).toBe(true);
    expect(fitted.metrics.warnings.some((w) => /alone predicts/.test(w))).toBe(false);
  });
});

describe('value ranges', () => {
  it('reads impossible values as missing in training and scoring, reports them, and keeps the rules in the model', async () => {
    const rows = signal.rows.map((row, i) => (i % 100 === 0 ? { ...row, engagement: '5000' } : row));
    const { model, metrics } = await fitLeadScore(rows, signal.labels, { spec, seed: 7, trees: 10, ranges: { engagement: { min: 0, max: 100 } } });
    expect(metrics.warnings.join(' ')).toMatch(/impossible values read as missing: engagement 12 /);
    const impossible = { engagement: '5000', employees: '10', plan: 'pro', region: 'eu' };
    const missing = { ...impossible, engagement: null };
    const [a, b] = predict(model, [impossible, missing]);
    expect(a?.probability).toBe(b?.probability);
    expect(a?.reasons).toEqual(b?.reasons);
    const loaded = leadScoreFromJSON(JSON.parse(JSON.stringify(leadScoreToJSON(model))));
    expect(predict(loaded, [impossible])).toEqual(predict(model, [impossible]));
    await expect(fitLeadScore(rows, signal.labels, { spec, seed: 7, ranges: { plan: { min: 0 } } })).rejects.toThrow(/ranges name columns that are not numeric inputs of the model: "plan"/);
  });
});

describe('explainRow', () => {
  it('contributions plus the base give the raw score, and in calibrated points the probability', () => {
    const X = encoded(fitted.model, probe);
    const raw = rawLogits(fitted.model, X);
    const predictions = predict(fitted.model, probe, { reasons: false });
    for (let i = 0; i < probe.length; i++) {
      const e = explainRow(fitted.model, X.data.subarray(i * X.nCols, (i + 1) * X.nCols));
      const rawSum = e.rawContributions.reduce((s, v) => s + v, e.rawBase);
      expect(rawSum).toBeCloseTo(raw[i] as number, 10);
      expect(e.raw).toBeCloseTo(raw[i] as number, 10);
      const sum = e.contributions.reduce((s, v) => s + v, e.base);
      expect(sum).toBeCloseTo(predictions[i]!.probability, 10);
      expect(e.probability).toBeCloseTo(predictions[i]!.probability, 12);
    }
  });

  it('is exact for each part alone and for any blend of the three', () => {
    const X = encoded(fitted.model, probe.slice(0, 5));
    for (const model of eachBlend()) {
      const raw = rawLogits(model, X);
      for (let i = 0; i < 5; i++) {
        const e = explainRow(model, X.data.subarray(i * X.nCols, (i + 1) * X.nCols));
        expect(e.rawContributions.reduce((s, v) => s + v, e.rawBase)).toBeCloseTo(raw[i] as number, 10);
        expect(e.contributions.reduce((s, v) => s + v, e.base)).toBeCloseTo(e.probability, 10);
      }
    }
  });
});

describe('scoring with reasons in one pass (explainRows)', () => {
  it('gives the batch path\'s probability to the last bit and explainRow\'s contributions, across blocks and blends', () => {
    // 1,200 rows: two full blocks of 512 and a partial one
    const X = encoded(fitted.model, signal.rows);
    for (const model of eachBlend()) {
      const batch = predict(model, signal.rows, { reasons: false });
      const seen: number[] = [];
      explainRows(model, X, (i, probability, contributions) => {
        seen.push(i);
        expect(probability).toBe(batch[i]!.probability);
        const e = explainRow(model, X.data.subarray(i * X.nCols, (i + 1) * X.nCols));
        for (let j = 0; j < contributions.length; j++) expect(contributions[j]).toBeCloseTo(e.contributions[j] as number, 12);
      });
      expect(seen).toEqual(signal.rows.map((_, i) => i));
      // reasons asked or not, a record gets the same score
      expect(predict(model, signal.rows).map((r) => r.probability)).toEqual(batch.map((r) => r.probability));
    }
  });
});

describe('predict', () => {
  let predictions: ReturnType<typeof predict>;
  beforeAll(() => {
    predictions = predict(fitted.model, probe);
  });

  it('gives calibrated probabilities and integer scores 1..99 that rank by the signal', () => {
    for (const p of predictions) {
      expect(p.probability).toBeGreaterThanOrEqual(0);
      expect(p.probability).toBeLessThanOrEqual(1);
      expect(Number.isInteger(p.score)).toBe(true);
      expect(p.score).toBeGreaterThanOrEqual(1);
      expect(p.score).toBeLessThanOrEqual(99);
      expect(p.score).toBe(Math.min(99, Math.max(1, Math.round(p.probability * 100))));
      expect(p.confidence).toBe('normal');
    }
    expect(predictions[0]!.probability).toBeGreaterThan(predictions[1]!.probability + 0.4);
    expect(predict(fitted.model, probe, { reasons: false }).map((p) => p.probability)).toEqual(predictions.map((p) => p.probability));
  });

  it('is calibrated: the mean probability over all leads is close to the base rate', () => {
    const all = predict(fitted.model, signal.rows, { reasons: false });
    const mean = all.reduce((s, p) => s + p.probability, 0) / all.length;
    expect(Math.abs(mean - fitted.metrics.baseRate)).toBeLessThan(0.05);
  });

  it('explains a score by the column that drives it, with stable reason codes', () => {
    const [high, low] = predictions;
    const topUp = high!.reasons.find((r) => r.direction === 'up');
    expect(topUp?.column).toBe('engagement');
    expect(topUp?.bucket).toMatch(/^engagement score ≥ \d+$/);
    expect(topUp?.bucketKey).toBe('q4');
    expect(topUp?.code).toBe('engagement|q4|up');
    expect(topUp?.modelVersion).toBe(fitted.model.id);
    expect(topUp!.weight).toBeGreaterThan(10);
    const topDown = low!.reasons.find((r) => r.direction === 'down');
    expect(topDown?.column).toBe('engagement');
    expect(topDown?.bucket).toMatch(/^engagement score ≤ \d+$/);
    expect(topDown?.code).toBe('engagement|q1|down');
    const odd = predictions[2]!.reasons.find((r) => r.column === 'plan');
    if (odd) expect(odd.bucketKey).toBe('other');
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

  it('fails clearly when the pipeline does not match the model', () => {
    const reordered = fitFeaturePipeline(signal.rows, { ...spec, numeric: ['employees', 'engagement'] });
    const broken: LeadScoreModel = { ...fitted.model, pipeline: reordered };
    expect(() => predict(broken, probe)).toThrow(/does not match the model's features \(first difference at position 0: the model expects "engagement", the pipeline gives "employees"\)/);
    const narrower = fitFeaturePipeline(signal.rows, { ...spec, categorical: ['plan'] });
    expect(() => predict({ ...fitted.model, pipeline: narrower }, probe)).toThrow(/does not match the model's features/);
  });
});

describe('formatReasons on real predictions', () => {
  it('words the top reason with the label, a readable bucket and whole points', () => {
    const reasons = predict(fitted.model, probe.slice(0, 1))[0]!.reasons;
    const top = reasons.find((r) => r.direction === 'up')!;
    expect(top.value).toMatchObject({ kind: 'range', integer: true, upper: null });
    const text = formatReasons(reasons, (c) => (c === 'engagement' ? 'Engagement score' : undefined));
    expect(text).toMatch(/^Engagement score: [\d,]+ or more — raises the score by \d+ points/);
    expect(text).toContain(`raises the score by ${Math.round(top.weight)} points`);
  });

  it('points are score points: the typical lead plus every column gives the score, up to rounding', () => {
    const row = fitted.model.pipeline.transformDense([probe[0]!]).data;
    const e = explainRow(fitted.model, row);
    const prediction = predict(fitted.model, probe.slice(0, 1), { maxReasonsPerDirection: 100 })[0]!;
    const sumOfColumns = e.contributions.reduce((s, c) => s + c, 0);
    expect(100 * (e.base + sumOfColumns)).toBeCloseTo(100 * prediction.probability, 6);
    // each reason's weight is its column's share of that sum, in percentage points
    for (const r of prediction.reasons) expect(Math.abs(r.weight)).toBeGreaterThan(0);
    const shown = prediction.reasons.reduce((s, r) => s + (r.direction === 'up' ? r.weight : -r.weight), 0);
    // weights carry one decimal (±0.05 each); columns under 0.1 points are no reasons
    const columns = fitted.model.pipeline.columnNames.length;
    const slack = 0.05 * prediction.reasons.length + 0.1 * (columns - prediction.reasons.length) + 1e-9;
    expect(Math.abs(100 * e.base + shown - 100 * prediction.probability)).toBeLessThanOrEqual(slack);
    expect(Math.abs(100 * prediction.probability - prediction.score)).toBeLessThanOrEqual(0.5);
  });
});

describe('leadScoreToJSON / leadScoreFromJSON', () => {
  let text: string;
  beforeAll(() => {
    text = JSON.stringify(leadScoreToJSON(fitted.model));
  });
  const json = (): LeadScoreJson => JSON.parse(text) as LeadScoreJson;

  it('is tagged plain JSON', () => {
    expect(json()).toMatchObject({ kind: 'leadScore', version: 2, id: fitted.model.id, featureNames: fitted.model.featureNames });
    expect(json().pipeline.kind).toBe('featurePipeline');
    expect(json().forest?.kind ?? 'fastForest').toBe('fastForest');
    expect(json().logistic.kind).toBe('logisticRegression');
  });

  it('round-trips to identical predictions, reasons included', () => {
    const loaded = leadScoreFromJSON(json());
    const before = predict(fitted.model, probe);
    const after = predict(loaded, probe);
    expect(after).toEqual(before);
    expect(JSON.stringify(leadScoreToJSON(loaded))).toBe(text);
  });

  it('rejects another kind, another version and malformed content', () => {
    expect(() => leadScoreFromJSON({ ...json(), kind: 'segments' })).toThrow(/not a lead score model/);
    expect(() => leadScoreFromJSON('{}')).toThrow(/not a lead score model/);
    expect(() => leadScoreFromJSON({ ...json(), version: 1 })).toThrow(/version 1 \(this build reads version 2; retrain\)/);
    expect(() => leadScoreFromJSON({ ...json(), calibration: { a: 'x' } })).toThrow(/invalid lead score model JSON: calibration/);
    expect(() => leadScoreFromJSON({ ...json(), forest: { kind: 'other' } })).toThrow(/forestFromJSON: expected kind "fastForest"/);
    expect(() => leadScoreFromJSON({ ...json(), logistic: { kind: 'logisticRegression', version: 1, nFeatures: 2 } })).toThrow(/logisticFromJSON: means must be 2/);
    expect(() => leadScoreFromJSON({ ...json(), forest: null, blend: { forest: 0.5, logistic: 0.5, boosting: 0 } })).toThrow(/weighs a forest the model does not have/);
    expect(() => leadScoreFromJSON({ ...json(), boosting: null, blend: { forest: 0, logistic: 0.5, boosting: 0.5 } })).toThrow(/weighs a boosting model/);
  });

  it('rejects feature names that do not match the pipeline, in name or order', () => {
    const swapped = json();
    [swapped.featureNames[0], swapped.featureNames[1]] = [swapped.featureNames[1]!, swapped.featureNames[0]!];
    expect(() => leadScoreFromJSON(swapped)).toThrow(/does not match the model's features \(first difference at position 0/);
    const otherPipeline = json();
    otherPipeline.pipeline = fitFeaturePipeline(signal.rows, { ...spec, categorical: ['region', 'plan'] }).toJSON();
    expect(() => leadScoreFromJSON(otherPipeline)).toThrow(/does not match the model's features/);
    const fewer = json();
    fewer.featureNames = fewer.featureNames.slice(0, 3);
    expect(() => leadScoreFromJSON(fewer)).toThrow(/features/);
  });
});
