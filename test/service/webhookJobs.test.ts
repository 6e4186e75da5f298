/**
 * The webhook job: stored events applied to the store (deletion, merge, privacy deletion, uninstall) and
 * turned into at most one cycle job per tenant; then the same on pg-boss behind the real receiver, where a
 * delivery of 100 property changes ends as exactly one cycle.
 */
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '../../connectors/emulators/hubspot/webhookSigner.ts';
import { onTenantWritten } from '../../src/pipeline/events.ts';
import {
  CYCLE_QUEUE,
  openBoss,
  processWebhookEvents,
  registerCycleJobs,
  registerWebhookJobs,
  WEBHOOK_QUEUE,
  webhookQueue,
  type WebhookJobDeps,
} from '../../src/pipeline/jobs/index.ts';
import { createApp } from '../../src/server/app.ts';
import { openStoreWithDb, type OpenedStore } from '../../src/store/index.ts';
import { rec } from '../../src/store/store.suite.ts';
import type { Store, Tenant, WebhookEventInput } from '../../src/store/types.ts';
import { cheapCycle, untilRuns } from './jobSuite.ts';

let opened: OpenedStore;
let store: Store;

beforeAll(async () => {
  opened = await openStoreWithDb({ inMemory: true, secret: 'webhook-jobs-secret' });
  store = opened.store;
});
afterAll(async () => store.close());

let seq = 0;
async function tenantWith(contacts: string[], portal = String(900 + ++seq)): Promise<Tenant> {
  const tenant = await store.upsertTenant({ id: `whj-${seq}`, crm: 'hubspot', name: `T${seq}`, mode: 'live', accountId: portal });
  const runId = await store.startRun(tenant.id, 'sync');
  await store.savePage(tenant.id, { runId, objectType: 'contact', records: contacts.map((id) => rec(id, `h-${id}`)), rejected: [], checkpoint: undefined });
  await store.saveSignals(tenant.id, runId, contacts.map((id) => ({ objectType: 'contact', externalId: id, signal: 'leadScore', modelVersion: 1, value: { score: 50 }, inputHash: `h-${id}` })));
  return tenant;
}

let eventSeq = 0;
const ev = (subscriptionType: string, objectId: string, payload: Record<string, unknown> = {}, at = 1_700_000_000_000 + eventSeq): WebhookEventInput => ({
  eventId: String(++eventSeq),
  subscriptionType,
  objectId,
  occurredAt: new Date(at).toISOString(),
  payload,
});

function deps(cycles: string[]): WebhookJobDeps {
  return { store, log: () => undefined, requestCycle: async (t) => (cycles.push(t.id), cycles.length === 1 ? 'cycle-1' : null), now: () => new Date('2026-12-02T10:00:00Z') };
}

const storedIds = async (tenantId: string) => (await store.getRecords(tenantId, 'contact')).map((r) => r.externalId).sort();

describe('processWebhookEvents', () => {
  it('100 property changes and creations: one cycle requested, every event processed; a second run does nothing', async () => {
    const tenant = await tenantWith(['1']);
    await store.saveWebhookEvents(tenant.id, [
      ...Array.from({ length: 99 }, (_, i) => ev('contact.propertyChange', String(100 + i), { propertyName: 'email' })),
      ev('deal.creation', '7'),
    ]);
    const cycles: string[] = [];
    const out = await processWebhookEvents(deps(cycles), tenant.id);
    expect(out).toMatchObject({ events: 100, cycleRequested: true, cycleJob: 'cycle-1', deleted: 0 });
    expect(cycles).toEqual([tenant.id]);
    expect(await store.countWebhookEvents(tenant.id, { pending: true })).toBe(0);
    const again = await processWebhookEvents(deps(cycles), tenant.id);
    expect(again).toMatchObject({ events: 0, cycleRequested: false });
    expect(cycles).toEqual([tenant.id]);
  });

  it('deletion forgets the record with its signals; merge forgets the merged ids and keeps the primary for the next sync', async () => {
    const tenant = await tenantWith(['10', '11', '12', '13']);
    const written: string[] = [];
    const off = onTenantWritten((id) => void written.push(id));
    await store.saveWebhookEvents(tenant.id, [
      ev('contact.deletion', '10'),
      ev('contact.merge', '12', { primaryObjectId: '12', mergedObjectIds: ['11'], newObjectId: '12' }),
      // Generic object.* subscriptions (the manifest's) name the type by id: 0-1 is contacts.
      ev('object.deletion', '13', { objectTypeId: '0-1' }),
      // Companies are not stored: heard, ignored.
      ev('company.deletion', '5'),
      ev('object.deletion', '5', { objectTypeId: '0-2' }),
    ]);
    const cycles: string[] = [];
    const out = await processWebhookEvents(deps(cycles), tenant.id);
    off();
    expect(out).toMatchObject({ events: 5, deleted: 3, ignored: 2, cycleRequested: true });
    expect(await storedIds(tenant.id)).toEqual(['12']);
    expect([...(await store.latestSignals(tenant.id, 'contact', 'leadScore')).keys()].sort()).toEqual(['12']);
    expect(written).toContain(tenant.id);
    expect(cycles).toEqual([tenant.id]);
  });

  it('contact.privacyDeletion (and the deletion HubSpot sends with it) erases the person once; no cycle is needed', async () => {
    const tenant = await tenantWith(['20', '21']);
    await store.saveWebhookEvents(tenant.id, [ev('contact.privacyDeletion', '20'), ev('contact.deletion', '20')]);
    const cycles: string[] = [];
    const out = await processWebhookEvents(deps(cycles), tenant.id);
    expect(out).toMatchObject({ erased: 1, cycleRequested: false });
    expect(await storedIds(tenant.id)).toEqual(['21']);
    const { rows } = await opened.db.query(`SELECT count(*)::int AS n FROM records WHERE tenant_id = $1 AND properties::text LIKE '%20@example.com%'`, [tenant.id]);
    expect(rows[0]?.n).toBe(0);
    // Replaying the same events (HubSpot retried the delivery with new ids) is harmless.
    await store.saveWebhookEvents(tenant.id, [ev('contact.privacyDeletion', '20')]);
    expect(await processWebhookEvents(deps(cycles), tenant.id)).toMatchObject({ erased: 1 });
    expect(await storedIds(tenant.id)).toEqual(['21']);
  });

  it('the uninstall lifecycle event disconnects the tenant with the portal and date; no cycle after it', async () => {
    const tenant = await tenantWith(['30'], '4242');
    await store.saveCredentials(tenant.id, { accessToken: 'a', refreshToken: 'r' });
    await store.saveWebhookEvents(tenant.id, [ev('contact.propertyChange', '30', { propertyName: 'email' }), ev('APP_LIFECYCLE_EVENT', '4242', { eventTypeId: '4-1916193' })]);
    const cycles: string[] = [];
    const out = await processWebhookEvents(deps(cycles), tenant.id);
    expect(out).toMatchObject({ disconnected: true, cycleRequested: false });
    expect(cycles).toEqual([]);
    expect(await store.getTenant(tenant.id)).toMatchObject({ status: 'disconnected', statusReason: 'the app was uninstalled from HubSpot portal 4242 on 2026-12-02' });
    expect(await store.loadCredentials(tenant.id)).toBeNull();
  });

  it('notes the records that changed for the change feed: mapped properties, creations, merge primaries; unmapped properties are ignored', async () => {
    const tenant = await tenantWith(['50', '51', '52']);
    await store.saveWebhookEvents(tenant.id, [
      ev('contact.propertyChange', '50', { propertyName: 'age' }),
      ev('contact.propertyChange', '50', { propertyName: 'lifecyclestage' }),
      // not read by the mapping: no note, no cycle
      ev('contact.propertyChange', '51', { propertyName: 'firstname' }),
      ev('object.creation', '60', { objectTypeId: '0-1' }),
      ev('contact.merge', '52', { primaryObjectId: '52', mergedObjectIds: ['51'], newObjectId: '52' }),
      ev('deal.propertyChange', '7', { propertyName: 'dealstage' }),
      ev('deal.propertyChange', '8', { propertyName: 'dealname' }),
      ev('object.associationChange', '9', { objectTypeId: '0-5' }),
    ]);
    const cycles: string[] = [];
    const out = await processWebhookEvents(deps(cycles), tenant.id);
    expect(out).toMatchObject({ events: 8, ignored: 2, deleted: 1, cycleRequested: true });
    const noted = async (type: 'contact' | 'deal' | 'ticket') => (await store.changedRecords(tenant.id, type, 10)).map((n) => n.externalId).sort();
    expect(await noted('contact')).toEqual(['50', '52', '60']);
    expect(await noted('deal')).toEqual(['7']);
    expect(await noted('ticket')).toEqual(['9']);
    expect(out.noted).toBe(5);

    // Changes only to properties no model reads: nothing to read, no cycle.
    const quiet = await tenantWith(['70']);
    await store.saveWebhookEvents(quiet.id, [ev('contact.propertyChange', '70', { propertyName: 'firstname' }), ev('contact.propertyChange', '70', { propertyName: 'hs_lead_status' })]);
    const none: string[] = [];
    expect(await processWebhookEvents(deps(none), quiet.id)).toMatchObject({ events: 2, ignored: 2, noted: 0, cycleRequested: false });
    expect(none).toEqual([]);
    expect(await store.countChanged(quiet.id, 'contact')).toBe(0);
  });

  it("only touches its own tenant's events and records", async () => {
    const a = await tenantWith(['40']);
    const b = await tenantWith(['40']);
    await store.saveWebhookEvents(a.id, [ev('contact.deletion', '40')]);
    await processWebhookEvents(deps([]), b.id);
    expect(await storedIds(a.id)).toEqual(['40']);
    expect(await store.countWebhookEvents(a.id, { pending: true })).toBe(1);
    await processWebhookEvents(deps([]), a.id);
    expect(await storedIds(a.id)).toEqual([]);
    expect(await storedIds(b.id)).toEqual(['40']);
  });
});

describe('on pg-boss behind the receiver', () => {
  let boss: PgBoss;
  const SECRET = 'boss-webhook-secret';
  const PUBLIC = 'https://signals.example.com';

  beforeAll(async () => {
    boss = await openBoss(opened.db, { schema: 'webhook_jobs', schedule: false, supervise: false });
  });
  afterAll(async () => boss?.stop({ graceful: false, wait: true }));

  it('a valid batch of 100 property changes: one webhook job, exactly one cycle job, one run', async () => {
    const tenant = await tenantWith(['50'], '5050');
    const logs: string[] = [];
    await registerCycleJobs(boss, { store, runUnit: cheapCycle(store), units: async () => [[tenant.id]], log: (m) => void logs.push(m), rounds: false });
    await registerWebhookJobs(boss, { store, log: (m) => void logs.push(m) });
    const app = createApp({ store, signer: opened.signer, publicUrl: PUBLIC, hubspot: { clientSecret: SECRET }, jobs: { webhooks: webhookQueue(boss) } });
    const post = (events: unknown[]) => {
      const body = JSON.stringify(events);
      return app.request('/webhooks/hubspot', { method: 'POST', headers: signedHeaders({ method: 'POST', uri: `${PUBLIC}/webhooks/hubspot`, body, timestamp: Date.now(), clientSecret: SECRET }), body });
    };
    const batch = Array.from({ length: 100 }, (_, i) => ({
      eventId: 70_000 + i, portalId: 5050, occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', objectId: 50 + i,
      propertyName: 'lifecyclestage', propertyValue: 'lead', changeSource: 'CRM_UI', sourceId: 'userId:1',
    }));
    expect((await post(batch)).status).toBe(200);
    // HubSpot's retry of the same delivery (say our answer was lost) adds nothing.
    expect((await post(batch.map((e) => ({ ...e, attemptNumber: 1 })))).status).toBe(200);
    const [run] = await untilRuns(store, tenant.id, 1);
    expect(run).toMatchObject({ status: 'succeeded', summary: { round: 'webhook' } });
    expect(await store.countWebhookEvents(tenant.id)).toBe(100);
    // Let pg-boss settle, then count: one cycle job and one run for the whole burst.
    for (;;) {
      const pending = await store.countWebhookEvents(tenant.id, { pending: true });
      const { rows } = await opened.db.query(`SELECT count(*)::int AS n FROM webhook_jobs.job WHERE name = $1 AND state NOT IN ('completed', 'failed', 'cancelled')`, [WEBHOOK_QUEUE]);
      if (pending === 0 && rows[0]?.n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { rows: cycleJobs } = await opened.db.query(`SELECT count(*)::int AS n FROM webhook_jobs.job WHERE name = $1`, [CYCLE_QUEUE]);
    expect(cycleJobs[0]?.n).toBe(1);
    expect((await store.listRuns(tenant.id, 10)).filter((r) => r.kind === 'cycle')).toHaveLength(1);
  });
});
