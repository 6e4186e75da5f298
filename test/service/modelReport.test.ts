/**
 * The model report after a real cycle on the emulator, with the portal's own HubSpot Score mapped as the
 * champion: the lead score's out-of-sample evidence (counts that add up to the training set, a ROC curve
 * whose area is the AUC, precision and recall that move with the threshold), the champion/challenger
 * table, the segment map, the recommendations' hit rate beside most-popular, the sentiment accuracy
 * beside the lexicon; the same figures as CSV and as a page of SVG charts. Bad queries are 400 naming the
 * parameter (1,000 fuzzed), an unknown version 404 naming it, another tenant's admin 404.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvRecords } from '../../src/io/csv.ts';
import { DEFAULT_HUBSPOT_MAPPING } from '../../src/mapping/index.ts';
import { rocAuc } from '../../src/models/evaluate.ts';
import { saveTenantMapping } from '../../src/pipeline/mappings.ts';
import { createApp } from '../../src/server/app.ts';
import type { LeadScoreReport, ModelReport, RecommendationsReport, SegmentsReport, SentimentReport } from '../../src/server/console/report.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { signInFor, type SignedIn } from '../helpers/adminSession.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness;
let app: ReturnType<typeof createApp>;
let admin: SignedIn;
let other: SignedIn;

beforeAll(async () => {
  harness = await startHarness();
  await saveTenantMapping(harness.store, harness.ctx.tenant, harness.connector, { ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...DEFAULT_HUBSPOT_MAPPING.leadScore, championField: 'hubspotscore' } });
  const summary = await harness.cycle();
  expect(summary.status, summary.error ?? '').toBe('succeeded');
  app = createApp({ store: harness.store, signer: createSigner([randomBytes(32)]), log: () => undefined });
  admin = await signInFor(app, harness.store, harness.ctx.tenant.id);
  await harness.store.upsertTenant({ id: 'someone-else', crm: 'hubspot', name: 'Else', mode: 'live', accountId: '77' });
  other = await signInFor(app, harness.store, 'someone-else');
}, 120_000);
afterAll(async () => harness?.close());

const api = (kind: string, query = '') => `/api/tenants/${harness.ctx.tenant.id}/models/${kind}/report${query}`;
const report = async (kind: string, query = '') => {
  const res = await app.request(api(kind, query), { headers: admin.read });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ModelReport;
};

describe('the lead score report', () => {
  it('draws on out-of-sample counts that add up to the training set', async () => {
    const r = await report('leadScore');
    const f = r.figures as LeadScoreReport;
    expect(r.status).toBe('active');
    expect(f.evidence).not.toBeNull();
    const e = f.evidence!;
    const counted = e.distribution.reduce((s, d) => s + d.converted + d.lost, 0);
    expect(counted).toBe(f.rows);
    expect(e.distribution.reduce((s, d) => s + d.converted, 0)).toBe(f.positives);
    expect(e.lift.reduce((s, l) => s + l.count, 0)).toBe(f.rows);
    expect(e.calibration.reduce((s, b) => s + b.count, 0)).toBe(f.rows);
    // the top decile converts more than the average, the bottom one less
    expect(e.lift[0]!.lift).toBeGreaterThan(1.5);
    expect(e.lift[9]!.lift).toBeLessThan(1);
    // the curve's area is the AUC, up to the score's rounding to whole points
    let area = 0;
    for (let i = 1; i < e.roc.length; i++) area += ((e.roc[i]!.fpr - e.roc[i - 1]!.fpr) * (e.roc[i]!.tpr + e.roc[i - 1]!.tpr)) / 2;
    expect(Math.abs(area - f.auc)).toBeLessThan(0.01);
    expect(f.importance.length).toBeGreaterThan(3);
    expect(f.importance.reduce((s, i) => s + i.share, 0)).toBeCloseTo(1, 6);
  });

  it('moves precision and recall with the threshold the admin picks', async () => {
    const low = (await report('leadScore', '?threshold=1')).figures as LeadScoreReport;
    const high = (await report('leadScore', '?threshold=60')).figures as LeadScoreReport;
    expect(low.evidence!.threshold).toMatchObject({ threshold: 1, recall: 1, fn: 0 });
    expect(high.evidence!.threshold.threshold).toBe(60);
    expect(high.evidence!.threshold.recall).toBeLessThan(1);
    expect(high.evidence!.threshold.precision).toBeGreaterThan(low.evidence!.threshold.precision);
    const { tp, fp, fn, tn } = high.evidence!.threshold;
    expect(tp + fp + fn + tn).toBe(high.rows);
    // without a threshold: the best-F1 one
    const suggested = ((await report('leadScore')).figures as LeadScoreReport).evidence!;
    expect(suggested.threshold.threshold).toBe(suggested.suggestedThreshold);
  });

  it("compares the score with the portal's HubSpot Score on the same contacts", async () => {
    const f = (await report('leadScore')).figures as LeadScoreReport;
    expect(f.champion).not.toBeNull();
    const c = f.champion!;
    // the champion's AUC recomputed here from the stored contacts and the emulator's scores
    const contacts = await harness.store.getRecords(harness.ctx.tenant.id, 'contact');
    const labelled = contacts.filter((x) => x.properties.lifecyclestage === 'customer' || x.properties.lifecyclestage === 'other');
    expect(c).toMatchObject({ field: 'hubspotscore', rows: labelled.length });
    const labels = labelled.map((x) => (x.properties.lifecyclestage === 'customer' ? 1 : 0));
    expect(c.championAuc).toBeCloseTo(rocAuc(labels, labelled.map((x) => Number(x.properties.hubspotscore))), 10);
    // a points rule without data is the bar a model must clear
    expect(c.challengerAuc).toBeGreaterThan(c.championAuc);
  });
});

describe('the other models', () => {
  it('places the contacts on the segment map with the names and shares of the segments', async () => {
    const f = (await report('segment')).figures as SegmentsReport;
    expect(f.segments.length).toBeGreaterThan(1);
    expect(f.segments.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 1);
    expect(f.map).not.toBeNull();
    expect(f.map!.points.length).toBe(Math.min(1500, (await harness.store.latestSignals(harness.ctx.tenant.id, 'contact', 'segment')).size));
    const ids = new Set(f.segments.map((s) => s.id));
    expect(f.map!.points.filter((p) => ids.has(p.segment)).length).toBeGreaterThan(f.map!.points.length * 0.8);
    expect(new Set(f.map!.points.map((p) => p.x.toFixed(6))).size).toBeGreaterThan(10);
  });

  it('measures the recommendations against most-popular on hidden purchases', async () => {
    const f = (await report('recommendations')).figures as RecommendationsReport;
    expect(f.holdout).not.toBeNull();
    expect(f.holdout!.k).toBe(3);
    expect(f.holdout!.contacts).toBeGreaterThan(10);
    for (const rate of [f.holdout!.hitRate, f.holdout!.popularHitRate]) expect(rate).toBeGreaterThanOrEqual(0), expect(rate).toBeLessThanOrEqual(1);
  });

  it('measures sentiment on the labelled tickets beside the lexicon', async () => {
    const f = (await report('sentiment')).figures as SentimentReport;
    expect(f.accuracy).not.toBeNull();
    expect(f.accuracy!.labelled).toBe(f.labelled);
    expect(f.accuracy!.lexicon).toBeGreaterThan(0.5);
    if (f.type === 'naive-bayes') expect(f.accuracy!.trained).toBeGreaterThan(0.5);
  });
});

describe('downloads and pages', () => {
  it('gives the same figures as CSV', async () => {
    const json = (await report('leadScore', '?threshold=40')).figures as LeadScoreReport;
    const res = await app.request(api('leadScore', '.csv?threshold=40'), { headers: admin.read });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const [header, ...rows] = parseCsvRecords(await res.text()).filter((r) => r.length > 1);
    expect(header).toEqual(['table', 'row', 'measure', 'value']);
    const value = (table: string, row: string, measure: string) => rows.find((r) => r[0] === table && r[1] === row && r[2] === measure)?.[3];
    expect(Number(value('summary', 'all', 'auc'))).toBeCloseTo(json.auc, 10);
    expect(Number(value('lift', '1', 'lift'))).toBeCloseTo(json.evidence!.lift[0]!.lift, 10);
    expect(Number(value('threshold', '40', 'recall'))).toBeCloseTo(json.evidence!.thresholds[7]!.recall, 10);
    expect(rows.filter((r) => r[0] === 'lift')).toHaveLength(60);
  });

  it('draws each chart as SVG on the report page, with the threshold form', async () => {
    const res = await app.request(`/tenants/${harness.ctx.tenant.id}/models/leadScore?threshold=30`, { headers: { ...admin.read, 'accept-language': 'de-DE' } });
    expect(res.status).toBe(200);
    const page = await res.text();
    for (const label of ['ROC curve', 'lift by decile', 'calibration curve', 'score distribution']) expect(page).toContain(`aria-label="${label}"`);
    expect(page).toMatch(/<input type="range" id="threshold" name="threshold" min="1" max="99" value="30"/);
    expect(page).toContain('hubspotscore (champion)');
    for (const kind of ['segment', 'recommendations', 'sentiment']) {
      const other = await app.request(`/tenants/${harness.ctx.tenant.id}/models/${kind}`, { headers: admin.read });
      expect(other.status).toBe(200);
    }
    const map = await (await app.request(`/tenants/${harness.ctx.tenant.id}/models/segment`, { headers: admin.read })).text();
    expect(map).toContain('aria-label="segment map"');
    expect((map.match(/<circle /g) ?? []).length).toBeGreaterThan(100);
    const index = await (await app.request(`/tenants/${harness.ctx.tenant.id}/models`, { headers: admin.read })).text();
    expect(index).toMatch(/AUC 0\.\d{3}/);
  });

  it('says so for a version trained before the evidence was kept', async () => {
    const tenant = harness.ctx.tenant.id;
    const active = (await harness.store.getActiveModel(tenant, 'leadScore'))!;
    const { evidence: _dropped, ...old } = active.metrics;
    const version = await harness.store.saveModel(tenant, { kind: 'leadScore', status: 'rejected', metrics: old, model: active.model, trainedOn: active.trainedOn });
    const f = (await report('leadScore', `?version=${version}`)).figures as LeadScoreReport;
    expect(f.evidence).toBeNull();
    expect(f.auc).toBe(active.metrics.auc);
    const page = await (await app.request(`/tenants/${tenant}/models/leadScore?version=${version}`, { headers: admin.read })).text();
    expect(page).toContain('trained before the report');
    expect(page).not.toContain('aria-label="ROC curve"');
  });
});

describe('refusals', () => {
  it('names the parameter of a bad query, the version that does not exist, the kind that is not one', async () => {
    const cases: Array<[string, number, RegExp]> = [
      [api('leadScore', '?threshold=0'), 400, /threshold/],
      [api('leadScore', '?threshold=abc'), 400, /threshold/],
      [api('leadScore', '?version=-1'), 400, /version/],
      [api('leadScore', '?colour=red'), 400, /colour/],
      [api('leadScore', '?version=9999'), 404, /version: there is no version 9999/],
      [api('bogus'), 400, /kind/],
    ];
    for (const [path, status, error] of cases) {
      const res = await app.request(path, { headers: admin.read });
      expect(res.status, path).toBe(status);
      expect(((await res.json()) as { error: string }).error).toMatch(error);
    }
  });

  it("answers another tenant's admin 404 on every report route", async () => {
    for (const path of [api('leadScore'), api('leadScore').replace('/report', '/report.csv'), `/tenants/${harness.ctx.tenant.id}/models`, `/tenants/${harness.ctx.tenant.id}/models/leadScore`]) {
      const res = await app.request(path, { headers: other.read });
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('auc');
    }
  });

  it('fuzz: 1,000 random queries are 200 or a 4xx naming what is wrong, never 5xx', async () => {
    const key = fc.constantFrom('version', 'threshold', 'x', '', 'version[]', '__proto__');
    const value = fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.string({ maxLength: 12 }), fc.constant('1e3'), fc.constant(''));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 3 }), fc.constantFrom('leadScore', 'segment', 'recommendations', 'sentiment'), async (pairs, kind) => {
        const query = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const res = await app.request(api(kind, `?${query}`), { headers: admin.read });
        expect(res.status).toBeLessThan(500);
        if (res.status !== 200) expect(((await res.json()) as { error: string }).error).toMatch(/version|threshold|query|x|__proto__|parameter/);
      }),
      { numRuns: 1000, seed: 10 },
    );
  }, 120_000);
});
