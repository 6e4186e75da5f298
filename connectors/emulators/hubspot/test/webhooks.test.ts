/** Signed webhooks for the portal's changes: payloads, signature, batching, retries, and the new write routes. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_LIFECYCLE_EVENT, APP_UNINSTALL_EVENT_TYPE_ID, createHubSpotEmulator, type EmulatorOptions, type WebhookEvent } from '../index.ts';
import { manualClock } from '../../shared/testClock.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const NO_WAIT = Array.from({ length: 10 }, () => 0);

/**
 * An independent v3 check, written from HubSpot's page rather than from the signer: decode the 12
 * listed escapes one by one, HMAC method+uri+body+timestamp, compare in constant time.
 */
function verifyV3(secret: string, method: string, url: string, body: string, timestamp: string, signature: string): boolean {
  let uri = url;
  for (const [esc, ch] of [['%3A', ':'], ['%2F', '/'], ['%3F', '?'], ['%40', '@'], ['%21', '!'], ['%24', '$'], ['%27', "'"], ['%28', '('], ['%29', ')'], ['%2A', '*'], ['%2C', ','], ['%3B', ';']] as const) {
    uri = uri.split(esc).join(ch).split(esc.toLowerCase()).join(ch);
  }
  const expected = createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(options: EmulatorOptions = {}, targetPath?: string) {
  const receiver = await startReceiver();
  const clock = manualClock();
  const target = targetPath === undefined ? receiver.url : `${receiver.url}${targetPath}`;
  const sb = createHubSpotEmulator({ seed: 5, contacts: 300, clock: () => clock.now, ...options, webhooks: { targetUrl: target, retryDelaysMs: NO_WAIT, ...options.webhooks } });
  const token = sb.issueAccessToken();
  cleanup.push(async () => sb.webhooks.stop(), () => receiver.close());
  const api = async (method: string, path: string, body?: unknown, tok = token) => {
    const res = await sb.app.request(path, {
      method, headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  const events = (r: Receiver = receiver) => r.received.flatMap((x) => JSON.parse(x.body) as WebhookEvent[]);
  return { sb, receiver, clock, token, api, events };
}

describe('HubSpot webhooks', () => {
  it('signs each delivery with v3 over the URI as called, and marks API writes INTEGRATION with our appId', async () => {
    const { sb, receiver, clock, api, events } = await setup({ appId: 777 }, '?app=crm%3Asignals&note=a%20b%2Bc');
    const id = sb.state.ids('contacts')[0] as string;
    expect((await api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { firstname: 'Zoë' } })).status).toBe(200);
    await sb.webhooks.flush();
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.url).toContain('crm%3Asignals');
    const signature = String(got.headers['x-hubspot-signature-v3']);
    const timestamp = String(got.headers['x-hubspot-request-timestamp']);
    expect(timestamp).toBe(String(clock.now));
    expect(verifyV3(sb.clientSecret, 'POST', got.url, got.body, timestamp, signature)).toBe(true);
    expect(verifyV3('another-apps-secret', 'POST', got.url, got.body, timestamp, signature)).toBe(false);
    expect(verifyV3(sb.clientSecret, 'POST', got.url, got.body.replace('Zo', 'Zu'), timestamp, signature)).toBe(false);

    const [event] = events();
    expect(event).toMatchObject({
      portalId: sb.portalId, appId: 777, occurredAt: clock.now, subscriptionType: 'contact.propertyChange', attemptNumber: 0,
      objectId: Number(id), changeFlag: 'PROPERTY_CHANGE', changeSource: 'INTEGRATION', sourceId: '777', propertyName: 'firstname', propertyValue: 'Zoë',
    });
    expect(typeof event?.eventId).toBe('number');
    expect(typeof event?.subscriptionId).toBe('number');
    // Writing the same value again is no change: nothing more is sent.
    await api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { firstname: 'Zoë' } });
    await sb.webhooks.flush();
    expect(receiver.received).toHaveLength(1);
  });

  it('sends one delivery per API batch write, at most 100 events each (250 changes: 100/100/50)', async () => {
    const { sb, receiver, api } = await setup();
    const ids = sb.state.ids('contacts').slice(0, 100);
    const res = await api('POST', '/crm/v3/objects/contacts/batch/update', { inputs: ids.map((id) => ({ id, properties: { firstname: `F${id}` } })) });
    expect(res.status).toBe(200);
    await sb.webhooks.flush();
    expect(receiver.received.map((r) => (JSON.parse(r.body) as unknown[]).length)).toEqual([100]);

    receiver.received.length = 0;
    const many = sb.state.ids('contacts').slice(0, 250);
    for (const id of many) sb.edit(id, { lastname: `L${id}` });
    await sb.webhooks.flush();
    const sizes = receiver.received.map((r) => (JSON.parse(r.body) as unknown[]).length).sort((a, b) => b - a);
    expect(sizes).toEqual([100, 100, 50]);
    const all = receiver.received.flatMap((r) => JSON.parse(r.body) as WebhookEvent[]);
    expect(new Set(all.map((e) => e.objectId)).size).toBe(250);
    expect(new Set(all.map((e) => e.eventId)).size).toBe(250);
    // A user's edit in the UI says so.
    expect(all.every((e) => e.changeSource === 'CRM_UI' && e.sourceId === 'userId:7654321')).toBe(true);
  });

  it('retries after a 500: the second attempt carries the same events with attemptNumber 1', async () => {
    const { sb, receiver } = await setup();
    receiver.answers.push(500);
    sb.edit(sb.state.ids('contacts')[1] as string, { firstname: 'Retry' });
    await sb.webhooks.flush();
    expect(sb.webhooks.deliveries.map((d) => [d.status, d.attemptNumber, d.willRetry])).toEqual([[500, 0, true], [200, 1, false]]);
    const [first, second] = receiver.received.map((r) => JSON.parse(r.body) as WebhookEvent[]);
    expect(first?.[0]?.attemptNumber).toBe(0);
    expect(second?.[0]?.attemptNumber).toBe(1);
    expect(second?.[0]?.eventId).toBe(first?.[0]?.eventId);
  });

  it('retries after a timeout, a dropped connection and a 4xx', async () => {
    // Only the hanging answer should take longer than this; the others come back at once.
    const { sb, receiver } = await setup({ webhooks: { timeoutMs: 1000 } });
    receiver.answers.push('hang', 'drop', 404);
    sb.edit(sb.state.ids('contacts')[2] as string, { firstname: 'Slow' });
    await sb.webhooks.flush();
    expect(sb.webhooks.deliveries.map((d) => d.status)).toEqual(['timeout', 'connection-failed', 404, 200]);
    expect(sb.webhooks.deliveries.map((d) => d.attemptNumber)).toEqual([0, 1, 2, 3]);
  });

  it('gives up after 10 retries', async () => {
    const { sb, receiver } = await setup();
    receiver.fallback = 503;
    sb.edit(sb.state.ids('contacts')[3] as string, { firstname: 'Never' });
    await sb.webhooks.flush();
    expect(sb.webhooks.deliveries).toHaveLength(11);
    expect(sb.webhooks.deliveries.map((d) => d.attemptNumber)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(sb.webhooks.deliveries.at(-1)).toMatchObject({ ok: false, willRetry: false });
  });

  it('spreads retries out over the schedule given (flush can stop at scheduled retries)', async () => {
    const { sb, receiver } = await setup({ webhooks: { retryDelaysMs: [3_600_000] } });
    receiver.answers.push(500);
    sb.edit(sb.state.ids('contacts')[4] as string, { firstname: 'Later' });
    await sb.webhooks.flush({ retries: false });
    expect(sb.webhooks.deliveries.map((d) => [d.status, d.willRetry])).toEqual([[500, true]]);
    expect(receiver.received).toHaveLength(1);
  });

  it('limits requests in flight to maxConcurrentRequests', async () => {
    const { sb, receiver } = await setup({ webhooks: { maxConcurrentRequests: 2, timeoutMs: 200, retryDelaysMs: [] } });
    receiver.fallback = 'hang';
    const ids = sb.state.ids('contacts').slice(0, 300);
    for (const id of ids) sb.edit(id, { firstname: `C${id}` });
    // Three batches; with two in flight the third waits for a slot, so the receiver never holds more than two.
    let peak = 0;
    const watch = setInterval(() => {
      peak = Math.max(peak, receiver.received.length - sb.webhooks.deliveries.length);
    }, 5);
    await sb.webhooks.flush();
    clearInterval(watch);
    expect(sb.webhooks.deliveries.map((d) => d.status)).toEqual(['timeout', 'timeout', 'timeout']);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('reports creation, merge and deletion made through the API', async () => {
    const { sb, api, events } = await setup({ appId: 42 });
    const created = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'new@example.com', firstname: 'New' } });
    expect(created.status).toBe(201);
    const newId = String(created.body['id']);
    const batch = await api('POST', '/crm/v3/objects/deals/batch/create', { inputs: [{ properties: { dealname: 'D1' } }, { properties: { dealname: 'D2' } }] });
    expect(batch.status).toBe(201);
    const [primary, other] = sb.state.ids('contacts') as [string, string];
    const merged = await api('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: primary, objectIdToMerge: other });
    expect(merged.status).toBe(200);
    expect(merged.body['id']).toBe(primary);
    expect((await api('GET', `/crm/v3/objects/contacts/${other}`)).status).toBe(404);
    expect((await api('DELETE', `/crm/v3/objects/contacts/${newId}`)).status).toBe(204);
    const ticket = sb.state.ids('tickets')[0] as string;
    expect((await api('POST', '/crm/v3/objects/tickets/batch/archive', { inputs: [{ id: ticket }] })).status).toBe(204);
    await sb.webhooks.flush();
    const seen = events().map((e) => [e.subscriptionType, e.changeFlag, String(e.objectId)]);
    expect(seen).toEqual([
      ['contact.creation', 'NEW', newId],
      ['deal.creation', 'NEW', String((batch.body['results'] as { id: string }[])[0]?.id)],
      ['deal.creation', 'NEW', String((batch.body['results'] as { id: string }[])[1]?.id)],
      ['contact.merge', 'MERGED', primary],
      ['contact.deletion', 'DELETED', newId],
      ['ticket.deletion', 'DELETED', ticket],
    ]);
    expect(events().find((e) => e.subscriptionType === 'contact.merge')).toMatchObject({ primaryObjectId: Number(primary), mergedObjectIds: [Number(other)] });
    expect(events().every((e) => e.changeSource === 'INTEGRATION' && e.sourceId === '42')).toBe(true);
  });

  it('sends both contact.privacyDeletion and contact.deletion for a GDPR delete, and the contact is gone', async () => {
    const { sb, api, events } = await setup();
    const id = sb.state.ids('contacts')[5] as string;
    const email = sb.state.get('contacts', id)?.properties['email'] as string;
    expect((await api('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: email, idProperty: 'email' })).status).toBe(204);
    await sb.webhooks.flush();
    expect(events().map((e) => [e.subscriptionType, e.objectId])).toEqual([['contact.privacyDeletion', Number(id)], ['contact.deletion', Number(id)]]);
    expect(sb.state.get('contacts', id)).toBeUndefined();
    expect((await api('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: id })).status).toBe(404);
  });

  it('announces an uninstall with the lifecycle event and revokes every token', async () => {
    const { sb, api, events } = await setup();
    sb.uninstall();
    await sb.webhooks.flush();
    expect(events()).toEqual([expect.objectContaining({
      subscriptionType: APP_LIFECYCLE_EVENT, eventTypeId: APP_UNINSTALL_EVENT_TYPE_ID, changeFlag: 'APP_UNINSTALL', portalId: sb.portalId, appId: sb.appId, objectId: sb.portalId,
    })]);
    expect((await api('GET', '/crm/v3/objects/contacts')).status).toBe(401);
  });

  it('sends only what the app subscribes to, and nothing without a target', async () => {
    const { sb, receiver, events } = await setup({ webhooks: { subscriptions: [{ subscriptionType: 'contact.propertyChange', propertyName: 'firstname' }] } });
    const id = sb.state.ids('contacts')[6] as string;
    sb.edit(id, { lastname: 'Ignored', firstname: 'Heard' });
    sb.state.remove('contacts', sb.state.ids('contacts')[7] as string);
    await sb.webhooks.flush();
    expect(events().map((e) => e.propertyName)).toEqual(['firstname']);

    sb.webhooks.setTarget(null);
    sb.edit(id, { firstname: 'Unheard' });
    await sb.webhooks.flush();
    expect(receiver.received).toHaveLength(1);
    sb.webhooks.setTarget(receiver.url);
    sb.edit(id, { firstname: 'Heard again' });
    await sb.webhooks.flush();
    expect(receiver.received).toHaveLength(2);

    expect(() => createHubSpotEmulator({ contacts: 1, webhooks: { subscriptions: [{ subscriptionType: 'contact.teleport' }] } })).toThrow(/unknown webhook subscriptionType "contact.teleport"/);
    expect(() => createHubSpotEmulator({ contacts: 1, webhooks: { targetUrl: 'not a url' } })).toThrow(/not a URL/);
    expect(() => sb.webhooks.setTarget('ftp://x')).toThrow(/not http/);
    expect(() => sb.edit('999999999', { firstname: 'x' })).toThrow(/no contacts record 999999999/);
  });

  it('answers bad input on the write routes with HubSpot errors and changes nothing', async () => {
    const { sb, api, receiver } = await setup();
    const [a, b] = sb.state.ids('contacts') as [string, string];
    const bad: [string, string, unknown, number][] = [
      ['POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: a }, 400],
      ['POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: a, objectIdToMerge: a }, 400],
      ['POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: a, objectIdToMerge: '1' }, 404],
      ['POST', '/crm/v3/objects/products/merge', { primaryObjectId: a, objectIdToMerge: b }, 400],
      ['POST', '/crm/v3/objects/contacts/gdpr-delete', {}, 400],
      ['POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: a, idProperty: 'firstname' }, 400],
      ['POST', '/crm/v3/objects/contacts', { properties: { firstname: { nested: true } } }, 400],
      ['POST', '/crm/v3/objects/contacts', [], 400],
      ['POST', '/crm/v3/objects/contacts/batch/create', { inputs: Array.from({ length: 101 }, () => ({ properties: {} })) }, 400],
      ['POST', '/crm/v3/objects/contacts/batch/archive', { inputs: [{}] }, 400],
      ['POST', '/crm/v3/objects/widgets', { properties: {} }, 404],
    ];
    const before = sb.state.count('contacts');
    for (const [method, path, body, status] of bad) {
      const res = await api(method, path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect(res.body).toMatchObject({ status: 'error', message: expect.any(String), category: expect.any(String) });
    }
    expect(sb.state.count('contacts')).toBe(before);

    // Another portal's token is no token here.
    const other = createHubSpotEmulator({ seed: 9, contacts: 1, portalId: 555, clientId: 'x', clientSecret: 'y' });
    for (const path of ['/crm/v3/objects/contacts/merge', '/crm/v3/objects/contacts/gdpr-delete', '/crm/v3/objects/contacts']) {
      expect((await api('POST', path, { primaryObjectId: a, objectIdToMerge: b, objectId: a, properties: {} }, other.issueAccessToken())).status).toBe(401);
    }
    expect(sb.state.get('contacts', b)).toBeDefined();

    // Bounded fuzz: random bodies never crash a route (no 5xx) and never delete without a 2xx.
    const routes = ['/crm/v3/objects/contacts/merge', '/crm/v3/objects/contacts/gdpr-delete', '/crm/v3/objects/contacts', '/crm/v3/objects/deals/batch/create', '/crm/v3/objects/contacts/batch/archive'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.jsonValue({ maxDepth: 3 }), async (path, body) => {
        const count = sb.state.count('contacts');
        const res = await api('POST', path, body);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(sb.state.count('contacts')).toBe(count);
      }),
      { numRuns: 150, seed: 11 },
    );
    await sb.webhooks.flush();
    expect(receiver.received.every((r) => r.headers['x-hubspot-signature-v3'])).toBe(true);
  });
});
