/**
 * Shadow mode keeps what it would write, and going live writes exactly that: a shadow cycle on the
 * emulator stores every record and field with old and new value; the console routes page through it
 * and download it as CSV; going live must confirm the run and its count; the next cycle then writes
 * exactly the proposed values into the emulated portal. Bad queries and bodies (fuzzed, 1,000 each) are
 * 4xx naming the field.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseCsvRecords } from '../../src/io/csv.ts';
import { createApp } from '../../src/server/app.ts';
import { createSigner } from '../../src/store/crypto.ts';
import type { ProposedChanges } from '../../src/store/types.ts';
import { signIn, signInFor, type SignedIn } from '../helpers/adminSession.ts';
import { startHarness, totalWritten, type Harness } from '../helpers/harness.ts';

let harness: Harness;
let app: ReturnType<typeof createApp>;
let admin: SignedIn;
let runId: number;
let proposed: number;
const logs: string[] = [];

beforeAll(async () => {
  harness = await startHarness({ mode: 'shadow' });
  const summary = await harness.cycle();
  expect(summary.status, summary.error ?? '').toBe('succeeded');
  runId = summary.runId;
  proposed = summary.proposedChanges!;
  app = createApp({ store: harness.store, signer: createSigner([randomBytes(32)]), log: (m) => void logs.push(m) });
  admin = await signInFor(app, harness.store, harness.ctx.tenant.id);
});
afterAll(async () => harness?.close());

const base = () => `/api/tenants/${harness.ctx.tenant.id}`;
const changes = async (query = ''): Promise<ProposedChanges> => {
  const res = await app.request(`${base()}/runs/${runId}/changes${query}`, { headers: admin.read });
  expect(res.status).toBe(200);
  return (await res.json()) as ProposedChanges;
};
const setMode = (body: unknown, headers = admin.write) => app.request(`${base()}/mode`, { method: 'POST', body: JSON.stringify(body), headers: { ...headers, 'content-type': 'application/json' } });

describe('what a shadow cycle would write', () => {
  it('is kept whole: every field of every record with old and new value, and the portal got nothing', async () => {
    expect(proposed).toBeGreaterThan(600);
    expect(harness.emulator.stats().writeCalls).toBe(0);
    const all = await changes('?limit=10000');
    expect(all.total).toBe(proposed);
    expect(all.changes).toHaveLength(proposed);
    expect(all.counts['contact.crm_signals_lead_score']).toBe(harness.emulator.state.openContactIds().length);
    expect(all.changes.every((c) => c.oldValue === null)).toBe(true);
    const one = await changes(`?record=${all.changes[0]!.externalId}`);
    expect(one.changes.every((c) => c.externalId === all.changes[0]!.externalId)).toBe(true);
    const paged = await changes('?property=crm_signals_lead_score&limit=5&offset=5');
    expect(paged).toMatchObject({ matching: all.counts['contact.crm_signals_lead_score'] });
    expect(paged.changes).toHaveLength(5);
  });

  it('downloads as CSV, every row, formulas neutralised', async () => {
    const res = await app.request(`${base()}/runs/${runId}/changes.csv`, { headers: admin.read });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename=".*-changes\.csv"/);
    const rows = parseCsvRecords(await res.text());
    expect(rows[0]).toEqual(['object_type', 'record_id', 'field', 'old_value', 'new_value']);
    expect(rows.filter((r) => r.length > 1)).toHaveLength(proposed + 1);

    const store = harness.store;
    const tenantId = harness.ctx.tenant.id;
    const other = await store.startRun(tenantId, 'cycle');
    await store.saveProposedChanges(tenantId, other, [{ objectType: 'contact', externalId: '1', properties: { crm_signals_score_reasons: '=HYPERLINK("http://x")' }, previous: { crm_signals_score_reasons: '@SUM(A1)' }, modelVersion: 1 }, { objectType: 'contact', externalId: '2', properties: { crm_signals_feedback_sentiment: '-0.95' }, previous: {}, modelVersion: 1 }]);
    const injected = await app.request(`${base()}/runs/${other}/changes.csv`, { headers: admin.read });
    const [, formula, number] = parseCsvRecords(await injected.text());
    expect(formula).toEqual(['contact', '1', 'crm_signals_score_reasons', "'@SUM(A1)", `'=HYPERLINK("http://x")`]);
    // A negative number is no formula: it stays a number.
    expect(number).toEqual(['contact', '2', 'crm_signals_feedback_sentiment', '', '-0.95']);
    await store.finishRun(tenantId, other, 'failed', { error: 'a test run' });
  });
});

describe('going live', () => {
  it('refuses without a confirmation, or with counts other than the run shows, naming the real ones', async () => {
    const none = await setMode({ mode: 'live' });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: string }).error).toMatch(/^field confirm: is required to go live/);
    const wrong = await setMode({ mode: 'live', confirm: { runId, changes: proposed - 1 } });
    expect(wrong.status).toBe(409);
    expect(((await wrong.json()) as { error: string }).error).toContain(`the latest run is #${runId}, which would write ${proposed} values`);
    const noCsrf = await setMode({ mode: 'live', confirm: { runId, changes: proposed } }, admin.read);
    expect(noCsrf.status).toBe(403);
    expect((await harness.store.getTenant(harness.ctx.tenant.id))?.mode).toBe('shadow');
  });

  it("another tenant's admin cannot read the changes or change the mode", async () => {
    await harness.store.upsertTenant({ id: 'other-tenant', crm: 'hubspot', name: 'Other', mode: 'shadow', accountId: '9' });
    const other = await signInFor(app, harness.store, 'other-tenant');
    expect((await app.request(`${base()}/runs/${runId}/changes`, { headers: other.read })).status).toBe(404);
    expect((await app.request(`${base()}/runs/${runId}/changes.csv`, { headers: other.read })).status).toBe(404);
    expect((await setMode({ mode: 'live', confirm: { runId, changes: proposed } }, other.write)).status).toBe(404);
    expect((await harness.store.getTenant(harness.ctx.tenant.id))?.mode).toBe('shadow');
  });

  it('with the shown counts: live, and the next cycle writes exactly the proposed values into the portal', async () => {
    const all = await changes('?limit=10000');
    const res = await setMode({ mode: 'live', confirm: { runId, changes: proposed } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ mode: 'live', confirmed: { runId, changes: proposed } });
    const summary = await harness.cycle();
    expect(summary.status, summary.error ?? '').toBe('succeeded');
    expect(totalWritten(summary)).toBeGreaterThan(0);
    const type = { contact: 'contacts', ticket: 'tickets' } as const;
    for (const change of all.changes) {
      const record = harness.emulator.state.get(type[change.objectType as 'contact' | 'ticket'], change.externalId);
      expect(record?.properties[change.property], `${change.objectType} ${change.externalId} ${change.property}`).toBe(change.newValue);
    }
    expect(logs).toContain(`tenant ${harness.ctx.tenant.id}: live, confirmed run #${runId} with ${proposed} changes`);
  });
});

describe('the status page', () => {
  const form = (fields: Record<string, string>, headers: Record<string, string>) =>
    app.request(`${base()}/mode`, { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } });

  it('back in shadow mode, a new shadow run is shown with its counts, its CSV and a button that goes live with exactly them', async () => {
    expect((await setMode({ mode: 'shadow' })).status).toBe(200);
    const shadow = await harness.cycle();
    expect(shadow.status, shadow.error ?? '').toBe('succeeded');
    const page = await (await app.request('/', { headers: { ...admin.read, accept: 'text/html' } })).text();
    expect(page).toContain(`Run #${shadow.runId} would write <strong>${shadow.proposedChanges!.toLocaleString('en-US')}</strong> values`);
    expect(page).toContain(`href="${base()}/runs/${shadow.runId}/changes.csv"`);
    expect(page).toContain(`name="confirm_run" value="${shadow.runId}"`);
    expect(page).toContain(`name="_csrf" value="${admin.csrf}"`);

    const stale = await form({ _csrf: admin.csrf, mode: 'live', confirm_run: String(runId), confirm_changes: String(proposed) }, admin.read);
    expect(stale.status).toBe(409);
    expect(await stale.text()).toContain(`the latest run is #${shadow.runId}`);
    const noCsrf = await form({ mode: 'live', confirm_run: String(shadow.runId), confirm_changes: String(shadow.proposedChanges) }, admin.read);
    expect(noCsrf.status).toBe(403);
    const bad = await form({ _csrf: admin.csrf, mode: 'live', confirm_run: 'x', confirm_changes: '1' }, admin.read);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/field confirm\.runId: /);
    expect((await harness.store.getTenant(harness.ctx.tenant.id))?.mode).toBe('shadow');

    const ok = await form({ _csrf: admin.csrf, mode: 'live', confirm_run: String(shadow.runId), confirm_changes: String(shadow.proposedChanges) }, admin.read);
    expect(ok.status).toBe(303);
    expect((await harness.store.getTenant(harness.ctx.tenant.id))?.mode).toBe('live');
  });

  it("counts the latest run's proposed changes once per store write, not on every view (a GROUP BY over millions of rows at scale)", async () => {
    const counted = vi.spyOn(harness.store, 'proposedChanges');
    const view = async () => expect((await app.request('/', { headers: { ...admin.read, accept: 'text/html' } })).status).toBe(200);
    for (let i = 0; i < 4; i++) await view();
    expect(counted).toHaveBeenCalledTimes(1);
    expect((await setMode({ mode: 'shadow' })).status).toBe(200);
    await view();
    expect(counted).toHaveBeenCalledTimes(2);
    counted.mockRestore();
  });
});

describe('console routes fuzzed', () => {
  it('1,000 random queries of the changes route: 200 or a 400 naming the query parameter', async () => {
    const key = fc.constantFrom('property', 'record', 'limit', 'offset', 'other', '');
    const value = fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constantFrom('-1', '1e9', '0', '10001', 'NaN', '%00'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 4 }), async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        const res = await app.request(`${base()}/runs/${runId}/changes?${query}`, { headers: admin.read });
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) expect(((await res.json()) as { error: string }).error).toMatch(/^query parameter \S+: /);
      }),
      { numRuns: 1000 },
    );
  });

  it('1,000 random bodies of the mode route: never a 5xx; a refusal names the field', async () => {
    const admin2 = await signIn(app, harness.store);
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ mode: fc.constantFrom('live', 'shadow', 'LIVE', ''), confirm: fc.option(fc.record({ runId: fc.oneof(fc.integer(), fc.string()), changes: fc.oneof(fc.integer(), fc.double()) }), { nil: undefined }) }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const res = await app.request(`${base()}/mode`, { method: 'POST', body: JSON.stringify(value), headers: { ...admin2.write, 'content-type': 'application/json' } });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(((await res.json()) as { error: string }).error).toMatch(/^field \S+: |^confirm: /);
      }),
      { numRuns: 1000 },
    );
  });
});
