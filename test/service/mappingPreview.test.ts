/**
 * The mapping preview and the field picker against the HubSpot emulator, after one shadow cycle synced
 * and trained: 20 stored contacts with the inputs a mapping reads (checked against the emulator's own
 * values) and the scores the active model gave them, a changed mapping previewed without being saved
 * (new fields read from the CRM, a quick fit, the leak flagged), bad mappings refused by path, another
 * tenant's admin answered 404 everywhere, 1,000 fuzzed bodies never a 5xx, and the picker's form saving
 * a new version or refusing an invalid pick by the field.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseMapping, type Mapping } from '../../src/mapping/index.ts';
import type { LeadScoreValue } from '../../src/pipeline/signals/leadScore.ts';
import { createApp } from '../../src/server/app.ts';
import type { MappingPreview } from '../../src/server/console/mappingPreview.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { signInFor, type SignedIn } from '../helpers/adminSession.ts';
import { formValues } from '../helpers/browser.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness;
let app: ReturnType<typeof createApp>;
let admin: SignedIn;
let other: SignedIn;

beforeAll(async () => {
  harness = await startHarness({ mode: 'shadow' });
  app = createApp({ store: harness.store, signer: createSigner([randomBytes(32)]), log: () => undefined, connectorOf: async () => harness.connector });
  admin = await signInFor(app, harness.store, harness.ctx.tenant.id);
  await harness.store.upsertTenant({ id: 'another-portal', crm: 'hubspot', name: 'Another', mode: 'live', accountId: '55' });
  other = await signInFor(app, harness.store, 'another-portal');
  const cycle = await harness.cycle();
  if (cycle.status !== 'succeeded') throw new Error(`the first cycle ${cycle.status}: ${cycle.error}`);
});
afterAll(async () => harness?.close());

const api = () => `/api/tenants/${harness.ctx.tenant.id}`;
const pagePath = () => `/tenants/${harness.ctx.tenant.id}/mapping`;
const preview = (body: unknown, who = admin.write) => app.request(`${api()}/mapping/preview`, { method: 'POST', body: JSON.stringify(body), headers: { ...who, 'content-type': 'application/json' } });
const active = async () => {
  const state = (await (await app.request(`${api()}/mapping`, { headers: admin.read })).json()) as { active: { version: number; mapping: Mapping }; versions: unknown[] };
  return { ...state.active, versions: state.versions };
};
const form = (path: string, fields: Array<[string, string]>, who = admin) =>
  app.request(path, { method: 'POST', body: new URLSearchParams([['_csrf', who.csrf], ...fields.filter(([k]) => k !== '_csrf')]).toString(), headers: { ...who.read, 'content-type': 'application/x-www-form-urlencoded' } });

/** What the model reads of an emulator value: empty and placeholders missing, numbers outside the mapping's ranges missing. */
function expectedFeature(m: Mapping, column: string, value: string | undefined): string | null {
  const lead = m.leadScore;
  if (value === undefined || value.trim() === '' || lead.placeholders.some((p) => p.trim().toLowerCase() === value.trim().toLowerCase())) return null;
  const range = lead.numeric.includes(column) ? lead.ranges[column] : undefined;
  if (range) {
    const x = Number(value);
    if ((range.min !== undefined && x < range.min) || (range.max !== undefined && x > range.max) || (range.integer && !Number.isInteger(x))) return null;
  }
  return value;
}

describe('the mapping preview', () => {
  it('GET: 20 stored contacts with the inputs the active mapping reads (the emulator holds the same values) and the active model scores', async () => {
    const res = await app.request(`${api()}/mapping/preview`, { headers: admin.read });
    expect(res.status).toBe(200);
    const body = (await res.json()) as MappingPreview;
    const { mapping } = await active();
    expect(body.mapping).toEqual({ source: 'active', version: 1 });
    expect(body.records).toHaveLength(20);
    expect(body.readFromCrm).toEqual([]);
    // call_duration is mapped but excluded: no model input
    expect(body.columns.map((c) => c.column)).toEqual([...mapping.leadScore.numeric.filter((c) => c !== 'call_duration'), ...mapping.leadScore.categorical]);
    expect(body.columns.find((c) => c.column === 'job')?.label).toBe('Job');
    expect(body.leadScore.source).toBe('active model');
    const signals = await harness.store.latestSignals(harness.ctx.tenant.id, 'contact', 'leadScore');
    let open = 0;
    for (const r of body.records) {
      const crm = harness.emulator.state.get('contacts', r.externalId)!.properties;
      for (const c of body.columns) expect(r.features[c.column], `${r.externalId} ${c.column}`).toBe(expectedFeature(mapping, c.column, crm[c.field] ?? undefined));
      expect(Object.keys(r.features)).not.toContain('call_duration');
      const stage = crm.lifecyclestage;
      expect(r.outcome).toBe(stage === 'customer' || stage === 'evangelist' ? 'converted' : stage === 'other' ? 'lost' : 'open');
      expect(r.leadScore?.score).toBeGreaterThanOrEqual(1);
      expect(r.leadScore?.reasons.length).toBeGreaterThan(0);
      // the same model on the same inputs: the score the cycle stored
      if (r.outcome === 'open') {
        open++;
        expect(r.leadScore?.score).toBe((signals.get(r.externalId)?.value as LeadScoreValue).score);
      }
      expect(r.segment?.name).toEqual(expect.any(String));
    }
    expect(open).toBeGreaterThan(0);
  });

  it('POST: a changed mapping is previewed, not saved; a field not synced yet is read from the CRM; a quick fit scores; the leak is named', async () => {
    const before = await active();
    const m = before.mapping;
    // hs_lead_status is stored (HubSpot sends it with every contact), hubspotscore is not
    const numeric = [...m.leadScore.numeric.filter((c) => c !== 'age'), 'hubspotscore'];
    const trial = { ...m, leadScore: { ...m.leadScore, numeric, ranges: { ...m.leadScore.ranges, age: undefined }, categorical: [...m.leadScore.categorical, 'hs_lead_status'] } };
    // the records shown, the quick fit's and the leak screen's contacts come page by page, never as the whole table
    const whole = vi.spyOn(harness.store, 'getRecords');
    const pages = vi.spyOn(harness.store, 'recordPages');
    const res = await preview({ mapping: JSON.parse(JSON.stringify(trial)) });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(whole.mock.calls.filter(([, , ids]) => ids === undefined)).toEqual([]);
    expect(pages.mock.calls.filter(([, type]) => type === 'contact').length).toBeGreaterThanOrEqual(3);
    whole.mockRestore();
    pages.mockRestore();
    const body = (await res.json()) as MappingPreview;
    expect(body.mapping).toEqual({ source: 'submitted', version: null });
    expect(body.readFromCrm).toEqual(['hubspotscore']);
    expect(body.columns.map((c) => c.column)).not.toContain('age');
    for (const r of body.records) {
      expect(Object.keys(r.features)).not.toContain('age');
      const crm = harness.emulator.state.get('contacts', r.externalId)!.properties;
      expect(r.features.hs_lead_status).toBe(crm.hs_lead_status ?? null);
      expect(r.features.hubspotscore).toBe(crm.hubspotscore ?? null);
      expect(r.features.hubspotscore).toMatch(/^\d+$/);
    }
    expect(body.leadScore.source).toBe('quick fit');
    expect(body.leadScore.note).toMatch(/trained on other inputs/);
    expect(body.records.every((r) => r.leadScore !== null)).toBe(true);
    expect(body.segments.source).toBe('none');
    expect(body.leaks.map((l) => l.field)).toEqual(['hs_lead_status']);
    expect(await active()).toEqual(before);
  });

  it('refuses a bad mapping naming the field path, and a body without one', async () => {
    const { mapping: m } = await active();
    const missing = await preview({ mapping: { ...m, leadScore: { ...m.leadScore, numeric: [...m.leadScore.numeric, 'no_such_property'] } } });
    expect(missing.status).toBe(400);
    const body = (await missing.json()) as { error: string; problems: Array<{ path: string; field?: string; message: string }> };
    expect(body.problems).toEqual([{ path: `leadScore.numeric.${m.leadScore.numeric.length}`, field: 'no_such_property', message: 'field "no_such_property" does not exist on the CRM\'s contact object' }]);
    const outcome = await preview({ mapping: { ...m, leadScore: { ...m.leadScore, categorical: [...m.leadScore.categorical, 'lifecyclestage'] } } });
    expect(((await outcome.json()) as { problems: unknown[] }).problems).toContainEqual({ path: 'leadScore.outcome.field', message: 'the outcome field "lifecyclestage" cannot also be a model input' });
    const none = await preview({});
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: string }).error).toBe('field mapping: is required: the whole mapping to try, as GET .../mapping gives it');
    expect(((await (await preview({ mapping: m, extra: 1 })).json()) as { error: string }).error).toMatch(/^field /);
  });

  it("another tenant's admin gets 404 and can neither see nor change this tenant's mapping", async () => {
    const before = await active();
    expect((await app.request(`${api()}/mapping/preview`, { headers: other.read })).status).toBe(404);
    const res = await preview({ mapping: before.mapping }, other.write);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('age');
    const page = await app.request(pagePath(), { headers: admin.read });
    const { fields } = formValues(await page.text(), 'picker');
    expect((await form(`${pagePath()}/picker`, [...fields, ['action', 'save']], other)).status).toBe(404);
    expect((await form(`${pagePath()}/picker`, [...fields, ['action', 'preview']], other)).status).toBe(404);
    expect((await form(`${pagePath()}/preview`, [['mapping', JSON.stringify(before.mapping)]], other)).status).toBe(404);
    expect(await active()).toEqual(before);
  });

  it('1,000 fuzzed bodies: never a 5xx, every 4xx names the field, nothing saved', async () => {
    const before = await active();
    const m = before.mapping;
    const names = fc.constantFrom('age', 'job', 'hs_lead_status', 'lifecyclestage', 'email', 'no_such', 'crm_signals_lead_score', 'x y', '', '__proto__');
    // a valid mapping costs a quick fit: those are a few of the thousand, the rest are refusals
    const body = fc.oneof(
      { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 4 },
      { arbitrary: fc.record({ mapping: fc.jsonValue({ maxDepth: 3 }) }), weight: 4 },
      { arbitrary: fc.record({ mapping: fc.record({ crm: fc.constantFrom('hubspot', 'salesforce', 'x'), leadScore: fc.jsonValue({ maxDepth: 2 }) }) }), weight: 4 },
      { arbitrary: fc.constantFrom(null, 1, 'x', [], {}).map((v) => ({ mapping: { ...m, leadScore: v } })), weight: 2 },
      { arbitrary: fc.record({ numeric: fc.array(names, { maxLength: 4 }), categorical: fc.array(names, { maxLength: 4 }) }).map((l) => ({ mapping: { ...m, leadScore: { ...m.leadScore, ...l, ranges: {} } } })), weight: 1 },
      { arbitrary: fc.record({ field: names, converted: fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }) }).map((o) => ({ mapping: { ...m, leadScore: { ...m.leadScore, outcome: { ...m.leadScore.outcome, ...o } } } })), weight: 2 },
      { arbitrary: fc.record({ stageField: names, wonStages: fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }) }).map((d) => ({ mapping: { ...m, deals: d } })), weight: 2 },
    );
    let ok = 0;
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await preview(b);
        expect(res.status).toBeLessThan(500);
        if (res.status === 200) {
          ok++;
          return;
        }
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: string }).error).toMatch(/^field \S+: |invalid field mapping: \S+: |does not fit this CRM: \S+: /);
      }),
      { numRuns: 1000, seed: 11 },
    );
    expect(await active()).toEqual(before);
    // the property saw valid mappings too, not only garbage
    expect(ok).toBeGreaterThan(0);
  }, 600_000);
});

describe('the field picker', () => {
  it('shows the CRM fields pre-checked from the active mapping, with the leaks flagged beside them', async () => {
    const html = await (await app.request(pagePath(), { headers: admin.read })).text();
    const { action, fields } = formValues(html, 'picker');
    expect(action).toBe(`${pagePath()}/picker`);
    const inputs = fields.filter(([k]) => k === 'input').map(([, v]) => v);
    const { mapping } = await active();
    expect(inputs.sort()).toEqual([...mapping.leadScore.numeric, ...mapping.leadScore.categorical].sort());
    expect(fields.filter(([k]) => k === 'exclude')).toEqual([['exclude', 'call_duration']]);
    expect(fields).toContainEqual(['outcomeField', 'lifecyclestage']);
    expect(fields).toContainEqual(['converted', 'customer']);
    const row = (name: string) => new RegExp(`<tr[^>]*data-field="${name}"[^>]*>([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
    expect(row('hs_lead_status')).toMatch(/alone predicts the outcome of \d+ labelled contacts \(AUC 1\.000\)/);
    expect(row('lifecyclestage')).toContain('the outcome field');
    expect(row('crm_signals_lead_score')).toContain('own output');
    expect(row('job')).not.toContain('class="flag"');
  });

  it('a picked set of fields saves a new version the validation accepts; an invalid pick is refused naming the field', async () => {
    const before = await active();
    const { fields } = formValues(await (await app.request(pagePath(), { headers: admin.read })).text(), 'picker');
    const untick = fields.filter(([k, v]) => !(k === 'input' && v === 'previous_contacts'));

    const refused = await form(`${pagePath()}/picker`, [...untick, ['input', 'lifecyclestage'], ['action', 'save']]);
    expect(refused.status).toBe(400);
    const page = await refused.text();
    expect(page).toContain('<code>leadScore.outcome.field</code>: the outcome field &quot;lifecyclestage&quot; cannot also be a model input');
    expect(page).toMatch(/<tr class="bad" data-field="lifecyclestage">/);
    // the picks are kept as submitted
    expect(formValues(page, 'picker').fields.filter(([k]) => k === 'input').map(([, v]) => v)).toContain('lifecyclestage');
    expect((await active()).versions).toHaveLength(before.versions.length);

    const previewed = await form(`${pagePath()}/picker`, [...untick, ['action', 'preview']]);
    expect(previewed.status).toBe(200);
    const table = /<table class="preview" id="preview-table">[\s\S]*?<\/table>/.exec(await previewed.text())?.[0] ?? '';
    expect(table.match(/<tr>/g)).toHaveLength(21);
    expect(table).not.toContain('title="previous_contacts"');
    expect((await active()).versions).toHaveLength(before.versions.length);

    const saved = await form(`${pagePath()}/picker`, [...untick, ['note', 'without previous contacts'], ['action', 'save']]);
    expect(saved.status, await saved.clone().text()).toBe(303);
    const after = await active();
    expect(saved.headers.get('location')).toBe(`${pagePath()}?saved=${after.version}`);
    expect(after.version).toBe(before.version + 1);
    expect(after.mapping.leadScore.numeric).toEqual(before.mapping.leadScore.numeric.filter((c) => c !== 'previous_contacts'));
    expect(after.mapping.leadScore.ranges.previous_contacts).toBeUndefined();
    expect(parseMapping(after.mapping)).toEqual(after.mapping);
    expect(await (await app.request(saved.headers.get('location')!, { headers: admin.read })).text()).toContain(`Saved as version ${after.version}`);
  });

  it("the outcome's values follow a newly chosen field (refresh), and a form that is not the picker is a 400 naming the field", async () => {
    const { fields } = formValues(await (await app.request(pagePath(), { headers: admin.read })).text(), 'picker');
    const chosen = fields.filter(([k]) => !['outcomeField', 'converted', 'lost'].includes(k));
    const refreshed = await form(`${pagePath()}/picker`, [...chosen, ['outcomeField', 'hs_lead_status'], ['action', 'refresh']]);
    expect(refreshed.status).toBe(200);
    const html = await refreshed.text();
    const statuses = harness.connector.discover('contact').then((f) => f.find((x) => x.name === 'hs_lead_status')!.options!);
    for (const option of await statuses) expect(html).toContain(`name="converted" value="${option}"`);
    const bad = await form(`${pagePath()}/picker`, [...chosen, ['action', 'delete']]);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<code>form.action</code>: must be save, preview or refresh');
  });
});
