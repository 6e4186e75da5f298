/**
 * The field mapping through the console routes, against the HubSpot emulator: read the active version
 * and the CRM's fields, save a change (a field the portal lacks is refused by path and name, a leaky
 * field before any training), restore an earlier version; writes need the CSRF token, another tenant's
 * admin gets 404, and 1,000 fuzzed bodies are 400s naming what is wrong. The page leads with the field
 * picker (test/service/mappingPreview.test.ts walks it after a sync).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldInfo } from '../../connectors/connector.ts';
import { sameMapping, type Mapping } from '../../src/mapping/index.ts';
import { createApp } from '../../src/server/app.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { signInFor, type SignedIn } from '../helpers/adminSession.ts';
import { formValues } from '../helpers/browser.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness;
let app: ReturnType<typeof createApp>;
let admin: SignedIn;
let other: SignedIn;

beforeAll(async () => {
  harness = await startHarness();
  app = createApp({ store: harness.store, signer: createSigner([randomBytes(32)]), log: () => undefined, connectorOf: async () => harness.connector });
  admin = await signInFor(app, harness.store, harness.ctx.tenant.id);
  await harness.store.upsertTenant({ id: 'another-portal', crm: 'hubspot', name: 'Another', mode: 'live', accountId: '55' });
  other = await signInFor(app, harness.store, 'another-portal');
});
afterAll(async () => harness?.close());

const base = () => `/api/tenants/${harness.ctx.tenant.id}`;
const post = (path: string, body: unknown, who = admin.write) => app.request(`${base()}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { ...who, 'content-type': 'application/json' } });
const state = async () => (await (await app.request(`${base()}/mapping`, { headers: admin.read })).json()) as { active: { version: number; mapping: Mapping }; versions: Array<{ version: number; note: string | null; author: string | null }> };

describe('the field mapping in the console', () => {
  it("shows the active version and the portal's fields with labels and types", async () => {
    const { active, versions } = await state();
    expect(active.version).toBe(1);
    expect(versions.map((v) => v.version)).toEqual([1]);
    const res = await app.request(`${base()}/fields/contact`, { headers: admin.read });
    expect(res.status).toBe(200);
    const { fields } = (await res.json()) as { fields: FieldInfo[] };
    const labels = new Map(harness.emulator.state.properties('contacts').map((p) => [p.name, p.label]));
    expect(fields.length).toBe(labels.size);
    for (const f of fields.slice(0, 20)) expect(f.label).toBe(labels.get(f.name));
    expect((await app.request(`${base()}/fields/lead`, { headers: admin.read })).status).toBe(400);
  });

  it('refuses a field the portal lacks, naming its path, and keeps the active version', async () => {
    const { active } = await state();
    const bad = { ...active.mapping, leadScore: { ...active.mapping.leadScore, numeric: [...active.mapping.leadScore.numeric, 'no_such_property'] } };
    const res = await post('/mapping', { mapping: bad });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; problems: Array<{ path: string; message: string }> };
    expect(body.problems.some((p) => p.path.startsWith('leadScore.numeric') && p.message.includes('no_such_property'))).toBe(true);
    expect((await state()).active.version).toBe(1);
  });

  it('saves a fixed change as version 2 with its author and note, and restores version 1 as version 3', async () => {
    const { active } = await state();
    const renamed = { ...active.mapping, leadScore: { ...active.mapping.leadScore, labels: { ...active.mapping.leadScore.labels, age: 'Age in years' } } };
    const saved = await post('/mapping', { mapping: renamed, note: 'clearer label' });
    expect(saved.status, await saved.clone().text()).toBe(200);
    expect(await saved.json()).toEqual({ version: 2 });
    const after = await state();
    expect(after.active.mapping.leadScore.labels?.age).toBe('Age in years');
    expect(after.versions[0]).toMatchObject({ version: 2, note: 'clearer label', author: `admin of ${harness.ctx.tenant.id}` });

    const restored = await post('/mapping/versions/1/restore', {});
    expect(await restored.json()).toEqual({ version: 3, restored: 1 });
    const final = await state();
    expect(sameMapping(final.active.mapping, active.mapping)).toBe(true);
    expect(final.versions.map((v) => v.version)).toEqual([3, 2, 1]);
    expect((await post('/mapping/versions/99/restore', {})).status).toBe(404);
  });

  it("needs the CSRF token to write; another tenant's admin can neither read nor change it", async () => {
    const { active } = await state();
    expect((await post('/mapping', { mapping: active.mapping }, admin.read)).status).toBe(403);
    expect((await app.request(`${base()}/mapping`, { headers: other.read })).status).toBe(404);
    expect((await app.request(`${base()}/fields/contact`, { headers: other.read })).status).toBe(404);
    expect((await post('/mapping', { mapping: active.mapping }, other.write)).status).toBe(404);
    expect((await post('/mapping/versions/1/restore', {}, other.write)).status).toBe(404);
    expect((await state()).versions).toHaveLength(3);
  });

  it('1,000 fuzzed bodies: 400 naming the field or the mapping path, never a 5xx, nothing saved', async () => {
    const { active } = await state();
    const mutated = fc.record({
      mapping: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.record({ crm: fc.constantFrom('hubspot', 'salesforce', 'x'), leadScore: fc.jsonValue({ maxDepth: 2 }) }),
        fc.constantFrom(null, 1, 'x', []).map((v) => ({ ...active.mapping, leadScore: v })),
      ),
      note: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated, fc.jsonValue({ maxDepth: 2 })), async (body) => {
        const res = await post('/mapping', body);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: string }).error).toMatch(/^field \S+: |invalid field mapping: \S+: |does not fit this CRM: \S+: /);
      }),
      { numRuns: 1000 },
    );
    expect((await state()).versions).toHaveLength(3);
  });

  it("the mapping page's forms: a restore button answers with the page's address, a text that is not JSON is shown back with the problem", async () => {
    const form = (path: string, fields: Record<string, string>) =>
      app.request(`${base()}${path}`, { method: 'POST', body: new URLSearchParams({ _csrf: admin.csrf, ...fields }).toString(), headers: { ...admin.read, 'content-type': 'application/x-www-form-urlencoded' } });
    const restored = await form('/mapping/versions/2/restore', {});
    expect(restored.status).toBe(303);
    expect(restored.headers.get('location')).toBe(`/tenants/${harness.ctx.tenant.id}/mapping?saved=4`);
    const page = await app.request(restored.headers.get('location')!, { headers: admin.read });
    expect(await page.text()).toContain('Saved as version 4');
    const notJson = await form('/mapping', { mapping: '{"crm": "hubspot",' });
    expect(notJson.status).toBe(400);
    const text = await notJson.text();
    expect(text).toContain('<code>mapping</code>: is not valid JSON');
    expect(text).toContain('{&quot;crm&quot;: &quot;hubspot&quot;,</textarea>');
    expect((await state()).versions).toHaveLength(4);
  });

  it('the page leads with the field picker; its posts need the CSRF token; a preview before the first sync says why there is none', async () => {
    const { active } = await state();
    const page = await (await app.request(`/tenants/${harness.ctx.tenant.id}/mapping`, { headers: admin.read })).text();
    // as the page has it, less the CSRF token it carries
    const fields = formValues(page, 'picker').fields.filter(([k]) => k !== '_csrf');
    expect(fields.filter(([k]) => k === 'input').map(([, v]) => v).sort()).toEqual([...active.mapping.leadScore.numeric, ...active.mapping.leadScore.categorical].sort());
    // no labelled contacts stored yet: the leak screen says it cannot judge, the mapping's own flags stay
    expect(page).toContain('the leak screen needs 20 stored converted and lost contacts each (has 0 and 0)');
    expect(page).toContain('the outcome field: as an input it gives the answer away');
    const post = (path: string, body: Array<[string, string]>, headers: Record<string, string>) =>
      app.request(`/tenants/${harness.ctx.tenant.id}/mapping${path}`, { method: 'POST', body: new URLSearchParams(body).toString(), headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await post('/picker', [...fields, ['action', 'save']], admin.read)).status).toBe(403);
    expect((await post('/preview', [['mapping', JSON.stringify(active.mapping)]], admin.read)).status).toBe(403);
    const before = (await state()).versions.length;
    const previewed = await post('/preview', [['_csrf', admin.csrf], ['mapping', JSON.stringify(active.mapping)]], admin.read);
    expect(previewed.status).toBe(200);
    expect(await previewed.text()).toContain(`tenant ${harness.ctx.tenant.id} has no stored contacts yet: the first cycle syncs them, then the preview shows 20`);
    const json = await app.request(`${base()}/mapping/preview`, { headers: admin.read });
    expect(json.status).toBe(409);
    expect((await state()).versions).toHaveLength(before);
  });
});
