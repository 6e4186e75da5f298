/**
 * The audit of every write and the exports an admin takes away, after a real live cycle on the emulator:
 * the audit searched by record and by run and paged, the scores with their reasons as CSV (what the CRM
 * holds), the model versions, and the active lead score model as JSON whose forest ml-random-forest loads.
 * Fuzzed queries are 200 or a 400 naming the parameter; another tenant's admin gets 404 on each route.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { RandomForestClassifier } from 'ml-random-forest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvRecords } from '../../src/io/csv.ts';
import { createApp } from '../../src/server/app.ts';
import { createSigner } from '../../src/store/crypto.ts';
import type { AuditRow } from '../../src/store/types.ts';
import { signInFor, type SignedIn } from '../helpers/adminSession.ts';
import { SCORE, startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness;
let app: ReturnType<typeof createApp>;
let admin: SignedIn;
let other: SignedIn;
let runId: number;

beforeAll(async () => {
  harness = await startHarness();
  const summary = await harness.cycle();
  expect(summary.status, summary.error ?? '').toBe('succeeded');
  runId = summary.runId;
  app = createApp({ store: harness.store, signer: createSigner([randomBytes(32)]), log: () => undefined });
  admin = await signInFor(app, harness.store, harness.ctx.tenant.id);
  await harness.store.upsertTenant({ id: 'someone-else', crm: 'hubspot', name: 'Else', mode: 'live', accountId: '77' });
  other = await signInFor(app, harness.store, 'someone-else');
});
afterAll(async () => harness?.close());

const base = () => `/api/tenants/${harness.ctx.tenant.id}`;
const get = (path: string, who = admin) => app.request(`${base()}${path}`, { headers: who.read });

describe('the audit', () => {
  it("one record's writes, newest first, each with the value before and after", async () => {
    const id = harness.emulator.state.openContactIds()[0]!;
    const res = await get(`/audit?record=${id}`);
    expect(res.status).toBe(200);
    const { rows } = (await res.json()) as { rows: AuditRow[] };
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.externalId === id && r.runId === runId)).toBe(true);
    const written = harness.emulator.state.get('contacts', id)!.properties;
    expect(rows.find((r) => r.property === SCORE)?.newValue).toBe(written[SCORE]);
  });

  it('pages through a run with before=, without gaps or repeats', async () => {
    const all = await harness.store.audit(harness.ctx.tenant.id, { runId, limit: 1_000_000 });
    const seen: number[] = [];
    let before: number | null = null;
    for (let page = 0; page < 100_000; page++) {
      const res = await get(`/audit?run=${runId}&limit=1000${before ? `&before=${before}` : ''}`);
      const body = (await res.json()) as { rows: AuditRow[]; next: number | null };
      seen.push(...body.rows.map((r) => r.id));
      if (body.next === null) break;
      before = body.next;
    }
    expect(seen).toEqual(all.map((r) => r.id));
  });
});

describe('exports', () => {
  it('scores with reasons as CSV: one row per scored contact, as the CRM holds them', async () => {
    const res = await get('/exports/scores.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/lead-scores\.csv/);
    const [header, ...rows] = parseCsvRecords(await res.text()).filter((r) => r.length > 1);
    expect(header).toEqual(['record_id', 'score', 'reasons', 'model', 'scored_at']);
    const open = harness.emulator.state.openContactIds();
    expect(rows).toHaveLength(open.length);
    for (const [id, score, reasons] of rows.slice(0, 50)) {
      const crm = harness.emulator.state.get('contacts', id!)!.properties;
      expect(score).toBe(crm[SCORE]);
      expect(reasons).toBe(crm.crm_signals_score_reasons);
    }
  });

  it('lists every model kind with its versions and metrics', async () => {
    const res = await get('/models');
    const { models } = (await res.json()) as { models: Array<{ kind: string; versions: Array<{ version: number; status: string; metrics: Record<string, unknown> }> }> };
    expect(models.map((m) => m.kind)).toEqual(['leadScore', 'segment', 'recommendations', 'sentiment']);
    for (const m of models) expect(m.versions[0]).toMatchObject({ version: 1, status: 'active' });
  });

  it('downloads the active lead score model; its forest loads into ml-random-forest and predicts', async () => {
    const res = await get('/models/leadScore/active.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/leadScore-v1\.json/);
    const body = (await res.json()) as { kind: string; version: number; model: { featureNames: string[] }; mlRandomForest: unknown };
    expect(body).toMatchObject({ kind: 'leadScore', version: 1 });
    const forest = (RandomForestClassifier as unknown as { load(json: unknown): { predict(rows: number[][]): number[] } }).load(body.mlRandomForest);
    const predictions = forest.predict([body.model.featureNames.map(() => 0)]);
    expect([0, 1]).toContain(predictions[0]);
  });

  it('an unknown kind is a 400 naming the parameter; a kind without a model is 404', async () => {
    const bad = await get('/models/nope/active.json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/route parameter kind: must be one of leadScore/);
    const none = await app.request('/api/tenants/someone-else/models/segment/active.json', { headers: other.read });
    expect(none.status).toBe(404);
  });

  it.each(['/audit', '/exports/scores.csv', '/models', '/models/leadScore/active.json'])("%s: another tenant's admin gets 404", async (path) => {
    const res = await get(path, other);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain(harness.ctx.tenant.name);
  });

  it('1,000 random audit queries: 200 or a 400 naming the query parameter', async () => {
    const key = fc.constantFrom('record', 'run', 'before', 'limit', 'x');
    const value = fc.oneof(fc.string({ maxLength: 20 }), fc.integer().map(String), fc.constantFrom('0', '-5', '1.5', '1e3', '9007199254740993'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 4 }), async (pairs) => {
        const res = await get(`/audit?${new URLSearchParams(pairs).toString()}`);
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) expect(((await res.json()) as { error: string }).error).toMatch(/^query parameter \S+: /);
      }),
      { numRuns: 1000 },
    );
  });
});
