/**
 * The admin route for privacy deletion (Salesforce has no privacy webhook): POST
 * /api/tenants/:id/privacy-deletions erases the person named by email or id, needs the session's CSRF
 * token, answers another tenant's admin 404, refuses bad bodies naming the problem, and never echoes the
 * email it was sent. The erasure itself is tested in test/integration/privacyDeletion.test.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { openStoreWithDb, type OpenedStore } from '../../src/store/index.ts';
import { rec } from '../../src/store/store.suite.ts';
import type { Store } from '../../src/store/types.ts';
import { signInFor, type SignedIn } from '../helpers/adminSession.ts';
import { dumpStore, tablesMentioning } from '../helpers/storeDump.ts';

const ORG = 'salesforce-00D000000000001';
const OTHER = 'hubspot-42';
const path = (tenantId: string) => `/api/tenants/${tenantId}/privacy-deletions`;

let opened: OpenedStore;
let store: Store;
let app: ReturnType<typeof createApp>;
let admin: SignedIn;
let otherAdmin: SignedIn;

beforeAll(async () => {
  opened = await openStoreWithDb({ inMemory: true, secret: 'privacy-route-secret' });
  store = opened.store;
  await store.upsertTenant({ id: ORG, crm: 'salesforce', name: 'Org', mode: 'live', accountId: '00D000000000001' });
  await store.upsertTenant({ id: OTHER, crm: 'hubspot', name: 'Portal', mode: 'live', accountId: '42' });
  for (const tenantId of [ORG, OTHER]) {
    const runId = await store.startRun(tenantId, 'cycle');
    const people = ['00Q1', '00Q2', '00Q3'].map((id) => rec(id, `h${id}`, { properties: { Email: `${id.toLowerCase()}.person@example.org`, email: `${id.toLowerCase()}.person@example.org`, LastName: `Lastname${id}` } }));
    await store.savePage(tenantId, { runId, objectType: 'contact', records: people, rejected: [], checkpoint: undefined });
  }
  app = createApp({ store, signer: opened.signer, log: () => undefined });
  admin = await signInFor(app, store, ORG);
  otherAdmin = await signInFor(app, store, OTHER);
});
afterAll(async () => store.close());

const post = (tenantId: string, body: string, headers: Record<string, string>) => app.request(path(tenantId), { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
const ids = async (tenantId: string) => (await store.getRecords(tenantId, 'contact')).map((r) => r.externalId).sort();

describe('POST /api/tenants/:id/privacy-deletions', () => {
  it('without the CSRF token: 403, nothing erased', async () => {
    const res = await post(ORG, JSON.stringify({ emails: ['00q1.person@example.org'] }), admin.read);
    expect(res.status).toBe(403);
    expect(await ids(ORG)).toEqual(['00Q1', '00Q2', '00Q3']);
  });

  it("another tenant's admin: 404, nothing erased", async () => {
    const res = await post(ORG, JSON.stringify({ emails: ['00q1.person@example.org'] }), otherAdmin.write);
    expect(res.status).toBe(404);
    expect(await ids(ORG)).toEqual(['00Q1', '00Q2', '00Q3']);
  });

  it.each([
    ['not JSON', '{"emails": [', 400, /not valid JSON/],
    ['no person named', '{}', 400, /needs ids, emails or linkedIds/],
    ['an email without @', '{"emails": ["nope"]}', 400, /emails\[0\] is not an email address/],
    ['ids not a list', '{"ids": "00Q1"}', 400, /ids must be a list of strings/],
    ['too many ids', JSON.stringify({ ids: Array.from({ length: 101 }, (_, i) => `00Q${i}`) }), 400, /at most 100 per request/],
    ['a body over 512 KiB', JSON.stringify({ ids: ['x'.repeat(600 * 1024)] }), 413, /larger than 512 KiB/],
  ])('%s: %i naming the problem, nothing erased', async (_name, body, status, message) => {
    const res = await post(ORG, body, admin.write);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
    expect(await ids(ORG)).toEqual(['00Q1', '00Q2', '00Q3']);
  });

  it('another content type: 415', async () => {
    const res = await app.request(path(ORG), { method: 'POST', body: 'emails=a@b.c', headers: { ...admin.write, 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
  });

  it('fuzzed JSON bodies: 200 or 400, never a 5xx; no other tenant touched', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
        const res = await post(ORG, JSON.stringify(value), admin.write);
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
    expect(await ids(OTHER)).toEqual(['00Q1', '00Q2', '00Q3']);
  });

  it('by email: the person is erased, the answer names ids and counts but not the email, the other tenant keeps its namesake', async () => {
    const email = '00q2.person@example.org';
    const res = await post(ORG, JSON.stringify({ emails: [email.toUpperCase()] }), admin.write);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.toLowerCase()).not.toContain(email);
    expect(JSON.parse(text)).toMatchObject({ found: true, ids: ['00Q2'], records: { contact: 1 } });
    expect(await ids(ORG)).not.toContain('00Q2');
    expect(await ids(OTHER)).toContain('00Q2');
    const dump = await dumpStore(opened.db);
    const orgRows = Object.values(dump.tables).flat().filter((row) => String(row).includes(ORG));
    expect(orgRows.some((row) => String(row).toLowerCase().includes(email)), `rows of ${ORG} holding the email: ${tablesMentioning(dump, email).join(', ')}`).toBe(false);
  });
});
