/**
 * The record card's backend: GET /cards/hubspot/contact (signed by HubSpot, tenant from the signed
 * portalId, the contact checked against that tenant) and the per-org admin route, both answering the one
 * ContactCardPayload type, both through the card cache (invalidated when the tenant's data is written).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { signedHeaders } from '../../connectors/emulators/hubspot/webhookSigner.ts';
import type { ContactCardPayload } from '../../src/domain/card.ts';
import { tenantWritten } from '../../src/pipeline/events.ts';
import { createApp } from '../../src/server/app.ts';
import { createCardCache } from '../../src/server/cards/cardCache.ts';
import { openStoreWithDb, type OpenedStore } from '../../src/store/index.ts';
import { rec } from '../../src/store/store.suite.ts';
import type { Store } from '../../src/store/types.ts';
import { signIn, signInFor } from '../helpers/adminSession.ts';

/** The payload type as a schema: the route's answers must parse with nothing left over. */
const Reason = z.object({ text: z.string(), label: z.string(), value: z.string(), direction: z.enum(['raises', 'lowers']), points: z.number() }).strict();
const Signals = z
  .object({
    leadScore: z.object({ score: z.number(), reasons: z.array(Reason), codesVersion: z.number(), modelVersion: z.string(), scoredAt: z.string() }).strict().nullable(),
    segment: z.object({ id: z.string(), name: z.string() }).strict().nullable(),
    recommendations: z.array(z.object({ item: z.string(), reason: z.string() }).strict()),
    feedbackSentiment: z.object({ score: z.number(), label: z.enum(['positive', 'neutral', 'negative']), tickets: z.number() }).strict().nullable(),
  })
  .strict();
const Payload: z.ZodType<ContactCardPayload> = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ready'), signals: Signals }).strict(),
  z.object({ status: z.literal('empty'), message: z.string() }).strict(),
  z.object({ status: z.literal('error'), message: z.string() }).strict(),
]);

const SECRET = 'card-test-secret';
const PUBLIC = 'https://signals.example.com';
const PATH = '/cards/hubspot/contact';
const A = { id: 'card-a', portal: '111' };
const B = { id: 'card-b', portal: '222' };
const GONE = { id: 'card-gone', portal: '333' };

let opened: OpenedStore;
let store: Store;
/** Store reads of the card, counted (the cache must spare them). */
const reads = { n: 0 };
let app: ReturnType<typeof createApp>;

function counting(inner: Store): Store {
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (key === 'getRecords' || key === 'signalsOfRecords' || key === 'latestSignals') reads.n++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

beforeAll(async () => {
  opened = await openStoreWithDb({ inMemory: true, secret: 'card-suite-secret' });
  store = opened.store;
  for (const t of [A, B, GONE]) await store.upsertTenant({ id: t.id, crm: 'hubspot', name: t.id, mode: 'live', accountId: t.portal });
  await store.disconnectTenant(GONE.id, 'uninstalled in a test');
  const seed = async (tenantId: string, contacts: string[], scored: string[]) => {
    const runId = await store.startRun(tenantId, 'cycle');
    await store.savePage(tenantId, { runId, objectType: 'contact', records: contacts.map((id) => rec(id, `h${id}`)), rejected: [], checkpoint: undefined });
    await store.saveSignals(tenantId, runId, scored.map((id) => ({ objectType: 'contact', externalId: id, signal: 'leadScore', modelVersion: 3, value: { score: 72, scoredAt: '2026-12-01T00:00:00.000Z' }, inputHash: `h${id}` })));
  };
  await seed(A.id, ['1', '2'], ['1']);
  await seed(B.id, ['3'], ['3']);
  await seed(GONE.id, ['4'], ['4']);
  app = createApp({ store: counting(store), signer: opened.signer, publicUrl: PUBLIC, hubspot: { clientSecret: SECRET }, cardCache: createCardCache() });
});
afterAll(async () => store.close());

/** A hubspot.fetch call as HubSpot makes it: the card's query, then userId, portalId, userEmail, appId; signed. */
function cardCall(o: { objectId: string; portalId: string; sendPortalId?: string; secret?: string; timestamp?: number; extra?: string }) {
  const query = (portal: string) => `?objectId=${o.objectId}&userId=42&portalId=${portal}&userEmail=rep%40example.com&appId=3141592${o.extra ?? ''}`;
  const signedFor = `${PUBLIC}${PATH}${query(o.portalId)}`;
  const headers = signedHeaders({ method: 'GET', uri: signedFor, body: '', timestamp: o.timestamp ?? Date.now(), clientSecret: o.secret ?? SECRET });
  return app.request(`${PATH}${query(o.sendPortalId ?? o.portalId)}`, { headers });
}

async function answer(res: Response): Promise<ContactCardPayload> {
  return Payload.parse(await res.json());
}

describe('GET /cards/hubspot/contact', () => {
  it('ready: the signed portal\'s contact with its signals, exactly the payload type', async () => {
    const res = await cardCall({ objectId: '1', portalId: A.portal });
    expect(res.status).toBe(200);
    const payload = await answer(res);
    expect(payload.status).toBe('ready');
    if (payload.status === 'ready') expect(payload.signals.leadScore?.score).toBe(72);
  });

  it('empty: a known contact with nothing computed yet', async () => {
    const res = await cardCall({ objectId: '2', portalId: A.portal });
    expect(res.status).toBe(200);
    expect(await answer(res)).toMatchObject({ status: 'empty' });
  });

  it("error 404: another portal's contact, asked with this portal's valid signature", async () => {
    const res = await cardCall({ objectId: '3', portalId: A.portal });
    expect(res.status).toBe(404);
    expect(await answer(res)).toEqual({ status: 'error', message: 'contact not found in this portal' });
  });

  it("a signature made for one portal, sent with another portal's id: 401, the other portal's card is not read", async () => {
    const before = reads.n;
    const res = await cardCall({ objectId: '3', portalId: A.portal, sendPortalId: B.portal });
    expect(res.status).toBe(401);
    expect(await answer(res)).toEqual({ status: 'error', message: 'signature does not match' });
    expect(reads.n).toBe(before);
  });

  it.each([
    ['a wrong secret', { secret: 'nope' }, 401, /signature does not match/],
    ['a stale timestamp', { timestamp: Date.now() - 10 * 60_000 }, 401, /5-minute window/],
    ['an unknown portal', { portalId: '999' }, 403, /portal not connected/],
    ['a disconnected portal', { portalId: GONE.portal, objectId: '4' }, 403, /portal not connected/],
    ['a portalId given twice', { extra: '&portalId=222' }, 400, /portalId is given 2 times/],
    ['an objectId that is no id', { objectId: 'abc' }, 400, /objectId must be a HubSpot id/],
  ] as const)('%s: %i with an error payload', async (_name, o, status, message) => {
    const res = await cardCall({ objectId: '1', portalId: A.portal, ...o });
    expect(res.status).toBe(status);
    const payload = await answer(res);
    expect(payload.status).toBe('error');
    if (payload.status === 'error') expect(payload.message).toMatch(message);
  });

  it('missing signature headers: 401', async () => {
    const res = await app.request(`${PATH}?objectId=1&portalId=${A.portal}`);
    expect(res.status).toBe(401);
    expect(await answer(res)).toMatchObject({ status: 'error' });
  });

  it('fuzz: unsigned or badly signed calls with random queries never answer 5xx, never 200', async () => {
    await fc.assert(
      fc.asyncProperty(fc.webQueryParameters(), fc.option(fc.base64String({ maxLength: 44 })), fc.option(fc.oneof(fc.string({ maxLength: 16 }), fc.constant(String(Date.now())))), async (query, signature, timestamp) => {
        const headers: Record<string, string> = {};
        if (signature !== null) headers['X-HubSpot-Signature-v3'] = signature;
        if (timestamp !== null) headers['X-HubSpot-Request-Timestamp'] = timestamp;
        const res = await app.request(`${PATH}?${query}`, { headers });
        expect(res.status).toBe(401);
        Payload.parse(await res.json());
      }),
      { numRuns: 200, seed: 99 },
    );
    // Validly signed random queries: 400, 403 or 404 with an error payload (or a real card), never 5xx.
    await fc.assert(
      fc.asyncProperty(fc.webQueryParameters(), async (query) => {
        const url = `${PUBLIC}${PATH}?${query}`;
        const res = await app.request(`${PATH}?${query}`, { headers: signedHeaders({ method: 'GET', uri: url, body: '', timestamp: Date.now(), clientSecret: SECRET }) });
        expect(res.status).toBeLessThan(500);
        Payload.parse(await res.json());
      }),
      { numRuns: 200, seed: 100 },
    );
  });

  it('cache: a second read is served without the store; a write to the tenant invalidates it, another tenant\'s write does not', async () => {
    await cardCall({ objectId: '1', portalId: A.portal });
    const warm = reads.n;
    expect((await cardCall({ objectId: '1', portalId: A.portal })).status).toBe(200);
    expect(reads.n).toBe(warm);
    tenantWritten(B.id);
    await cardCall({ objectId: '1', portalId: A.portal });
    expect(reads.n).toBe(warm);
    // A cycle writes new signals (it fires tenantWritten after saving them): the card shows them at once.
    const runId = await store.startRun(A.id, 'cycle');
    await store.saveSignals(A.id, runId, [{ objectType: 'contact', externalId: '1', signal: 'leadScore', modelVersion: 4, value: { score: 31, scoredAt: '2026-12-02T00:00:00.000Z' }, inputHash: 'h1' }]);
    tenantWritten(A.id);
    const fresh = await answer(await cardCall({ objectId: '1', portalId: A.portal }));
    expect(reads.n).toBeGreaterThan(warm);
    expect(fresh.status === 'ready' && fresh.signals.leadScore?.score).toBe(31);
  });
});

describe('GET /api/tenants/:id/contacts/:contactId/card (Salesforce record page, per org)', () => {
  it("answers the tenant's contact with the same payload for its admin", async () => {
    const admin = await signInFor(app, store, A.id);
    const res = await app.request(`/api/tenants/${A.id}/contacts/1/card`, { headers: admin.read });
    expect(res.status).toBe(200);
    expect(await answer(res)).toMatchObject({ status: 'ready' });
    const empty = await app.request(`/api/tenants/${A.id}/contacts/2/card`, { headers: admin.read });
    expect(await answer(empty)).toMatchObject({ status: 'empty' });
  });

  it("another tenant's card is 404 for this admin, exactly like a tenant that does not exist", async () => {
    const admin = await signInFor(app, store, A.id);
    const other = await app.request(`/api/tenants/${B.id}/contacts/3/card`, { headers: admin.read });
    const missing = await app.request(`/api/tenants/no-such-tenant/contacts/3/card`, { headers: admin.read });
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(JSON.stringify(await other.json())).not.toContain('72');
    // And B's contact id under A's tenant is not B's contact.
    const crossed = await app.request(`/api/tenants/${A.id}/contacts/3/card`, { headers: admin.read });
    expect(crossed.status).toBe(404);
    expect(await answer(crossed)).toMatchObject({ status: 'error' });
  });

  it('needs a session; a bad contact id is 400 naming it; the operator sees every tenant', async () => {
    expect((await app.request(`/api/tenants/${A.id}/contacts/1/card`)).status).toBe(401);
    const operator = await signIn(app, store);
    expect((await app.request(`/api/tenants/${B.id}/contacts/3/card`, { headers: operator.read })).status).toBe(200);
    const bad = await app.request(`/api/tenants/${A.id}/contacts/${'x'.repeat(1001)}/card`, { headers: operator.read });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/contactId/);
  });
});
