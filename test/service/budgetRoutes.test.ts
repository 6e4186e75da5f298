/**
 * The daily API budget in the console: GET and POST /api/tenants/:id/budget (JSON and the status page's
 * form), and the status page's "API calls today: used / budget" with its notice once the budget is used
 * up and a paused run's reason. Bad bodies are 400s naming the field (1,000 fuzzed ones too, checked
 * against what the route must accept), writes need the CSRF token, another tenant's admin gets 404.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetAnswer } from '../../src/server/console/budgetRoutes.ts';
import { createApp } from '../../src/server/app.ts';
import { openApiDocument } from '../../src/server/openapi.ts';
import { dateFormatter } from '../../src/server/status/page.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { signInFor, type SignedIn } from '../helpers/adminSession.ts';

let store: Store;
let app: ReturnType<typeof createApp>;
let admin: SignedIn;
let other: SignedIn;

beforeAll(async () => {
  store = await openStore({ inMemory: true });
  await store.upsertTenant({ id: 'portal-a', crm: 'hubspot', name: 'Portal A', mode: 'live', accountId: '1' });
  await store.upsertTenant({ id: 'portal-b', crm: 'hubspot', name: 'Portal B', mode: 'live', accountId: '2' });
  app = createApp({ store, signer: createSigner([randomBytes(32)]), log: () => undefined });
  admin = await signInFor(app, store, 'portal-a');
  other = await signInFor(app, store, 'portal-b');
});
afterAll(() => store?.close());

const PATH = '/api/tenants/portal-a/budget';
const get = async (who = admin.read) => app.request(PATH, { headers: who });
const budget = async () => (await (await get()).json()) as BudgetAnswer;
const post = (body: unknown, who = admin.write) => app.request(PATH, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { ...who, 'content-type': 'application/json' } });
const form = (fields: Record<string, string>, who = admin) =>
  app.request(PATH, { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { ...who.read, 'content-type': 'application/x-www-form-urlencoded' } });
const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

describe('the daily API budget route', () => {
  it('has no limit at first, is set, counted against, and removed again', async () => {
    const first = await budget();
    expect(first).toEqual({ tenantId: 'portal-a', dailyCalls: null, today: { day: first.today.day, calls: 0 }, remaining: null, exhausted: false, resumesAt: null });
    expect(first.today.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const set = await post({ dailyCalls: 500 });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ dailyCalls: 500, remaining: 500, exhausted: false });
    await store.addApiCalls('portal-a', first.today.day, 120);
    expect(await budget()).toMatchObject({ dailyCalls: 500, today: { calls: 120 }, remaining: 380, exhausted: false, resumesAt: null });

    await store.addApiCalls('portal-a', first.today.day, 380);
    const spent = await budget();
    const midnight = new Date(Date.parse(`${spent.today.day}T00:00:00.000Z`) + 86_400_000).toISOString();
    expect(spent).toMatchObject({ remaining: 0, exhausted: true, resumesAt: midnight });

    expect(await (await post({ dailyCalls: null })).json()).toMatchObject({ dailyCalls: null, remaining: null, exhausted: false });
    expect(await (await post({ dailyCalls: 10_000_000 })).json()).toMatchObject({ dailyCalls: 10_000_000 });
  });

  it('refuses bad bodies naming the field, and keeps the budget', async () => {
    await post({ dailyCalls: 700 });
    const cases: Array<[unknown, string | RegExp]> = [
      [{}, /^field dailyCalls: must be a whole number of calls per day, or null for no limit$/],
      [{ dailyCalls: 0 }, 'field dailyCalls: must be at least 1 (null for no limit)'],
      [{ dailyCalls: -3 }, 'field dailyCalls: must be at least 1 (null for no limit)'],
      [{ dailyCalls: 2.5 }, 'field dailyCalls: must be a whole number'],
      [{ dailyCalls: 10_000_001 }, 'field dailyCalls: must be at most 10,000,000'],
      [{ dailyCalls: '100' }, /^field dailyCalls: must be a whole number of calls per day/],
      [{ dailyCalls: [5] }, /^field dailyCalls: /],
      [{ dailyCalls: 5, extra: true }, /^field body: .*"extra"/],
      [[], /^field body: /],
      [null, /^field body: /],
      ['{"dailyCalls": ', 'field body: is not valid JSON'],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = await errorOf(res);
      if (typeof message === 'string') expect(error, JSON.stringify(body)).toBe(message);
      else expect(error, JSON.stringify(body)).toMatch(message);
    }
    expect((await app.request(PATH, { method: 'POST', body: 'dailyCalls=5', headers: { ...admin.write, 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await budget()).dailyCalls).toBe(700);
  });

  it('1,000 fuzzed bodies: exactly the valid ones are taken, every other one is a 400 naming the field, never a 5xx', async () => {
    const valid = (sent: unknown) => {
      if (typeof sent !== 'object' || sent === null || Array.isArray(sent)) return false;
      const keys = Object.keys(sent);
      const value = (sent as Record<string, unknown>).dailyCalls;
      return keys.length === 1 && keys[0] === 'dailyCalls' && (value === null || (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 10_000_000));
    };
    const calls = fc.oneof(fc.integer({ min: -5, max: 20_000_000 }), fc.double(), fc.string({ maxLength: 12 }), fc.constant(null), fc.boolean(), fc.jsonValue({ maxDepth: 2 }));
    const bodies = fc.oneof(
      fc.record({ dailyCalls: calls }),
      fc.record({ dailyCalls: calls, extra: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const text = JSON.stringify(body) ?? 'null';
        const sent: unknown = JSON.parse(text);
        const res = await post(text);
        expect(res.status).toBeLessThan(500);
        if (valid(sent)) {
          expect(res.status).toBe(200);
          expect(((await res.json()) as BudgetAnswer).dailyCalls).toBe((sent as { dailyCalls: number | null }).dailyCalls);
          taken++;
        } else {
          expect(res.status).toBe(400);
          expect(await errorOf(res)).toMatch(/^field (dailyCalls|body): \S/);
        }
      }),
      { numRuns: 1000 },
    );
    expect(taken).toBeGreaterThan(0);
  });

  it("needs the CSRF token to change it; another tenant's admin can neither see nor change it", async () => {
    await post({ dailyCalls: 800 });
    expect((await post({ dailyCalls: 5 }, admin.read)).status).toBe(403);
    expect((await form({ dailyCalls: '5' })).status).toBe(403);
    expect((await get(other.read)).status).toBe(404);
    const foreign = await post({ dailyCalls: 5 }, other.write);
    expect(foreign.status).toBe(404);
    expect(await errorOf(foreign)).not.toContain('dailyCalls');
    expect((await post({ dailyCalls: 'bad' }, other.write)).status).toBe(404);
    expect((await form({ _csrf: other.csrf, dailyCalls: '5' }, other)).status).toBe(404);
    expect((await budget()).dailyCalls).toBe(800);
  });

  it('is described in the OpenAPI document', () => {
    const paths = openApiDocument(undefined).paths as Record<string, Record<string, { requestBody?: unknown }>>;
    expect(Object.keys(paths['/api/tenants/{id}/budget'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(JSON.stringify(paths['/api/tenants/{id}/budget']?.post?.requestBody)).toContain('dailyCalls');
  });
});

describe('the budget on the status page', () => {
  it('shows calls today against the budget with a field to set it, the notice once used up, and a paused run', async () => {
    await post({ dailyCalls: 1000 });
    const { today } = await budget();
    await store.addApiCalls('portal-b', today.day, 7);
    const page = async () => (await app.request('/', { headers: { ...admin.read, 'accept-language': 'de-DE' } })).text();
    let html = await page();
    expect(html).toContain(`API calls today (UTC): <strong>${today.calls.toLocaleString('en-US')} / 1,000</strong>`);
    expect(html).toContain(`<form method="post" action="/api/tenants/portal-a/budget" class="budget-form">`);
    expect(html).toContain(`name="_csrf" value="${admin.csrf}"`);
    expect(html).toContain('name="dailyCalls" inputmode="numeric" pattern="[0-9,]*" size="12" value="1000"');
    expect(html).not.toContain('Daily API budget used up');
    expect(html).not.toContain('portal-b');

    // The form: a number (thousands separators allowed), empty for no limit, anything else refused by name.
    const set = await form({ _csrf: admin.csrf, dailyCalls: '1,200' });
    expect(set.status).toBe(303);
    expect(set.headers.get('location')).toBe('/');
    expect((await budget()).dailyCalls).toBe(1200);
    const refused = await form({ _csrf: admin.csrf, dailyCalls: 'lots' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('field dailyCalls: must be a whole number of calls per day, or null for no limit');
    expect((await form({ _csrf: admin.csrf, dailyCalls: '' })).status).toBe(303);
    expect((await budget()).dailyCalls).toBeNull();
    expect(await page()).toContain(`API calls today (UTC): <strong>${today.calls.toLocaleString('en-US')} / no limit</strong>`);

    await form({ _csrf: admin.csrf, dailyCalls: String(today.calls) });
    const spent = await budget();
    expect(spent.exhausted).toBe(true);
    const resumes = '2031-01-02T00:00:00.000Z';
    const run = await store.startRun('portal-a', 'cycle');
    await store.finishRun('portal-a', run, 'paused', { paused: { reason: `daily API budget of 1,000 calls reached; resumes at 00:00 UTC (${resumes})`, budget: 1000, resumesAt: resumes, pendingWrites: 3 }, durationMs: 1500 });
    html = await page();
    const date = dateFormatter('de-DE');
    expect(html).toContain(`<strong>Daily API budget used up.</strong> No cycle starts until ${date(spent.resumesAt)}`);
    expect(html).toContain(`Paused: daily API budget of 1,000 calls reached; goes on from ${date(resumes)}`);
    expect(html).toContain(`<td>paused <small>(daily API budget of 1,000 calls reached; goes on from ${date(resumes)})</small></td>`);
  });
});
