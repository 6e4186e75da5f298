/**
 * POST /webhooks/hubspot on the app (app.request, no socket): every refusal leaves the store as it was,
 * a valid delivery is stored once per event id and requests one job per tenant, events of unknown or
 * disconnected portals and our own echoes are acknowledged and dropped. Signed with the emulator's
 * signer (connectors/emulators/hubspot/webhookSigner.ts), which is written apart from the verifier.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signedHeaders } from '../../connectors/emulators/hubspot/webhookSigner.ts';
import { createApp } from '../../src/server/app.ts';
import { WEBHOOK_BODY_LIMIT_BYTES } from '../../src/server/webhooks/hubspot.ts';
import { openStoreWithDb, type OpenedStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';

const SECRET = 'webhook-test-secret';
const APP_ID = '3141592';
const PUBLIC_URL = 'https://signals.example.com';
const PATH = '/webhooks/hubspot';
const PORTAL_A = '111';
const PORTAL_B = '222';
const PORTAL_GONE = '333';

let opened: OpenedStore;
let store: Store;
let requested: string[] = [];
const tenants = { a: 'wh-a', b: 'wh-b', gone: 'wh-gone' };
const logs: string[] = [];
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  opened = await openStoreWithDb({ inMemory: true, secret: 'webhook-suite-secret' });
  store = opened.store;
  await store.upsertTenant({ id: tenants.a, crm: 'hubspot', name: 'A', mode: 'live', accountId: PORTAL_A });
  await store.upsertTenant({ id: tenants.b, crm: 'hubspot', name: 'B', mode: 'live', accountId: PORTAL_B });
  await store.upsertTenant({ id: tenants.gone, crm: 'hubspot', name: 'Gone', mode: 'live', accountId: PORTAL_GONE });
  await store.disconnectTenant(tenants.gone, 'uninstalled in a test');
  app = createApp({
    store,
    signer: opened.signer,
    publicUrl: PUBLIC_URL,
    hubspot: { clientSecret: SECRET, appId: APP_ID },
    jobs: { webhooks: { requestProcessing: async (tenantId) => (requested.push(tenantId), `job-${requested.length}`) } },
    log: (m) => void logs.push(m),
  });
});
afterAll(async () => store.close());
beforeEach(() => {
  requested = [];
});


let nextEventId = 1;
function event(portalId: string, extra: Record<string, unknown> = {}) {
  return {
    eventId: nextEventId++,
    subscriptionId: 1000001,
    portalId: Number(portalId),
    appId: Number(APP_ID),
    occurredAt: Date.now() - 1000,
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: 501,
    changeFlag: 'PROPERTY_CHANGE',
    changeSource: 'CRM_UI',
    sourceId: 'userId:7654321',
    propertyName: 'email',
    propertyValue: 'private.person@example.org',
    ...extra,
  };
}

interface Post {
  body: string;
  secret?: string;
  /** The URL the signature is computed over (default: the public URL of the path). */
  signedUrl?: string;
  /** The path and query the request is sent to (default PATH). */
  sentTo?: string;
  timestamp?: number;
  headers?: Record<string, string>;
}

function post(o: Post) {
  const sentTo = o.sentTo ?? PATH;
  const timestamp = o.timestamp ?? Date.now();
  const signed = signedHeaders({ method: 'POST', uri: o.signedUrl ?? `${PUBLIC_URL}${sentTo}`, body: o.body, timestamp, clientSecret: o.secret ?? SECRET });
  return app.request(`http://127.0.0.1:3000${sentTo}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signed, ...o.headers }, body: o.body });
}

async function totalEvents(): Promise<number> {
  let n = 0;
  for (const id of Object.values(tenants)) n += await store.countWebhookEvents(id);
  return n;
}

describe('POST /webhooks/hubspot refusals change nothing', () => {
  const valid = () => JSON.stringify([event(PORTAL_A)]);

  it.each([
    ['a wrong signature', { headers: { 'X-HubSpot-Signature-v3': 'AAAA' } }, /signature does not match/],
    ['a wrong secret', { secret: 'another-apps-secret' }, /signature does not match/],
    ['a stale timestamp', { timestamp: Date.now() - 6 * 60_000 }, /5-minute window/],
    ['a timestamp far ahead', { timestamp: Date.now() + 6 * 60_000 }, /5-minute window/],
    ['a wrong URI (another host)', { signedUrl: `https://evil.example.com${PATH}` }, /signature does not match/],
    ['a wrong URI (another query)', { sentTo: `${PATH}?a=1`, signedUrl: `${PUBLIC_URL}${PATH}?a=2` }, /signature does not match/],
    ['query parameters reordered', { sentTo: `${PATH}?a=1&b=2`, signedUrl: `${PUBLIC_URL}${PATH}?b=2&a=1` }, /signature does not match/],
    ['a missing signature header', { headers: { 'X-HubSpot-Signature-v3': '' } }, /missing x-hubspot-signature-v3/],
    ['a missing timestamp header', { headers: { 'X-HubSpot-Request-Timestamp': '' } }, /missing x-hubspot-request-timestamp/],
  ] as const)('%s: 401, no row, no job', async (_name, o, reason) => {
    const before = await totalEvents();
    const res = await post({ body: valid(), ...o });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toMatch(reason);
    expect(await totalEvents()).toBe(before);
    expect(requested).toEqual([]);
  });

  it('a body that was changed after signing: 401', async () => {
    const body = valid();
    const timestamp = Date.now();
    const headers = signedHeaders({ method: 'POST', uri: `${PUBLIC_URL}${PATH}`, body, timestamp, clientSecret: SECRET });
    const res = await app.request(PATH, { method: 'POST', headers, body: body.replace('501', '502') });
    expect(res.status).toBe(401);
  });

  it('an oversized body: 413 before anything is read into the store', async () => {
    const before = await totalEvents();
    const body = JSON.stringify([event(PORTAL_A, { propertyValue: 'x'.repeat(WEBHOOK_BODY_LIMIT_BYTES) })]);
    const res = await post({ body });
    expect(res.status).toBe(413);
    expect(await totalEvents()).toBe(before);
    expect(requested).toEqual([]);
  });

  it.each([
    ['malformed JSON', '[{"eventId": 1,', /not JSON/],
    ['not an array', JSON.stringify(event(PORTAL_A)), /must be a JSON array/],
    ['an empty array', '[]', /at least one event/],
    ['101 events', JSON.stringify(Array.from({ length: 101 }, () => event(PORTAL_A))), /at most 100 events/],
    ['a bad objectId', JSON.stringify([event(PORTAL_A), event(PORTAL_A, { objectId: 'abc' })]), /\[1\]\.objectId/],
    ['a missing eventId', JSON.stringify([{ ...event(PORTAL_A), eventId: undefined }]), /\[0\]\.eventId/],
    ['a bad subscriptionType', JSON.stringify([event(PORTAL_A, { subscriptionType: 'contact; DROP TABLE' })]), /\[0\]\.subscriptionType/],
    ['a bad objectTypeId', JSON.stringify([event(PORTAL_A, { subscriptionType: 'object.propertyChange', objectTypeId: 'contacts' })]), /\[0\]\.objectTypeId/],
    ['a negative occurredAt', JSON.stringify([event(PORTAL_A, { occurredAt: -5 })]), /\[0\]\.occurredAt/],
  ] as const)('%s: 400 naming it, nothing stored', async (_name, body, reason) => {
    const before = await totalEvents();
    const res = await post({ body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(reason);
    expect(await totalEvents()).toBe(before);
    expect(requested).toEqual([]);
  });

  it('fuzz: random bodies and headers never answer 5xx and never store unless validly signed', async () => {
    const before = await totalEvents();
    const header = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 60 }), fc.base64String({ maxLength: 44 }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 3 }), fc.constant(valid())),
        header,
        fc.oneof(fc.constant(undefined), fc.integer().map(String), fc.string({ maxLength: 20 }), fc.constant(String(Date.now()))),
        async (body, signature, timestamp) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (signature !== undefined) headers['X-HubSpot-Signature-v3'] = signature;
          if (timestamp !== undefined) headers['X-HubSpot-Request-Timestamp'] = timestamp;
          const res = await app.request(PATH, { method: 'POST', headers, body });
          expect(res.status).toBeLessThan(500);
          expect(res.status).toBe(401);
        },
      ),
      { numRuns: 200, seed: 20261202 },
    );
    // Validly signed random bodies: 200 or 400, never 5xx.
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 3 }), fc.array(fc.dictionary(fc.constantFrom('eventId', 'portalId', 'objectId', 'occurredAt', 'subscriptionType'), fc.jsonValue()), { maxLength: 3 }).map((a) => JSON.stringify(a))), async (body) => {
        const res = await post({ body });
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 200, seed: 7 },
    );
    expect(await totalEvents()).toBe(before);
    expect(requested).toEqual([]);
  });
});

describe('POST /webhooks/hubspot accepts', () => {
  it('a batch of 100: stored once, one job for the tenant, and no property value is kept', async () => {
    const before = await store.countWebhookEvents(tenants.a);
    const batch = Array.from({ length: 100 }, (_, i) => event(PORTAL_A, { objectId: 600 + i }));
    const res = await post({ body: JSON.stringify(batch) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 100, stored: 100, duplicates: 0, dropped: 0 });
    expect(requested).toEqual([tenants.a]);
    expect(await store.countWebhookEvents(tenants.a)).toBe(before + 100);
    const { rows } = await opened.db.query('SELECT payload FROM webhook_events WHERE tenant_id = $1', [tenants.a]);
    expect(JSON.stringify(rows)).not.toContain('private.person@example.org');
    expect(JSON.stringify(rows)).toContain('"propertyName":"email"');
  });

  it('a replayed delivery: 200, nothing new stored, no job while nothing is pending', async () => {
    const batch = [event(PORTAL_B), event(PORTAL_B)];
    expect((await post({ body: JSON.stringify(batch) })).status).toBe(200);
    await store.markWebhookEventsProcessed(tenants.b, batch.map((e) => String(e.eventId)));
    requested = [];
    const count = await store.countWebhookEvents(tenants.b);
    const replay = await post({ body: JSON.stringify(batch.map((e) => ({ ...e, attemptNumber: 1 }))) });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ stored: 0, duplicates: 2 });
    expect(await store.countWebhookEvents(tenants.b)).toBe(count);
    expect(await store.countWebhookEvents(tenants.b, { pending: true })).toBe(0);
    expect(requested).toEqual([]);
  });

  it('one delivery for two portals: each tenant gets its own events and one job', async () => {
    const a = await store.countWebhookEvents(tenants.a);
    const b = await store.countWebhookEvents(tenants.b);
    const res = await post({ body: JSON.stringify([event(PORTAL_A), event(PORTAL_B), event(PORTAL_A)]) });
    expect(res.status).toBe(200);
    expect(await store.countWebhookEvents(tenants.a)).toBe(a + 2);
    expect(await store.countWebhookEvents(tenants.b)).toBe(b + 1);
    expect(requested.sort()).toEqual([tenants.a, tenants.b]);
  });

  it('events of an unknown or a disconnected portal: 200, dropped, counted in a log line without personal data', async () => {
    const before = await totalEvents();
    logs.length = 0;
    const res = await post({ body: JSON.stringify([event('999'), event(PORTAL_GONE)]) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 2, stored: 0, dropped: 2 });
    expect(await totalEvents()).toBe(before);
    expect(requested).toEqual([]);
    expect(logs).toEqual(['webhooks: dropped 2 event(s) of 2 portal(s) with no connected tenant']);
  });

  it('our own write echoed back on an output property is ignored; the same change by another app or a user is kept', async () => {
    const before = await store.countWebhookEvents(tenants.a);
    const echo = event(PORTAL_A, { changeSource: 'INTEGRATION', sourceId: APP_ID, propertyName: 'crm_signals_lead_score' });
    const otherApp = event(PORTAL_A, { changeSource: 'INTEGRATION', sourceId: '2931120', propertyName: 'crm_signals_lead_score' });
    const ourInput = event(PORTAL_A, { changeSource: 'INTEGRATION', sourceId: APP_ID, propertyName: 'email' });
    const res = await post({ body: JSON.stringify([echo, otherApp, ourInput]) });
    expect(await res.json()).toMatchObject({ received: 3, stored: 2, echoes: 1 });
    expect(await store.countWebhookEvents(tenants.a)).toBe(before + 2);
  });

  it("a portal's events never land in another tenant, whoever signs (the secret is the app's, the portal the body's)", async () => {
    const b = await store.countWebhookEvents(tenants.b);
    await post({ body: JSON.stringify([event(PORTAL_A), event(PORTAL_A)]) });
    expect(await store.countWebhookEvents(tenants.b)).toBe(b);
  });

  it('signs the external URL: a query is verified exactly as sent', async () => {
    const res = await post({ body: JSON.stringify([event(PORTAL_A)]), sentTo: `${PATH}?note=a%20b&x=%3A` });
    expect(res.status).toBe(200);
  });
});

describe('without the HubSpot app configured', () => {
  it('answers 503 naming the setting and stores nothing', async () => {
    const bare = createApp({ store, signer: opened.signer, publicUrl: PUBLIC_URL });
    const before = await totalEvents();
    const body = JSON.stringify([event(PORTAL_A)]);
    const res = await bare.request(PATH, { method: 'POST', headers: signedHeaders({ method: 'POST', uri: `${PUBLIC_URL}${PATH}`, body, timestamp: Date.now(), clientSecret: SECRET }), body });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/HUBSPOT_CLIENT_SECRET/);
    expect(await totalEvents()).toBe(before);
  });
});
