/** The connector's real client against the real server: shapes must deserialise and errors must throw. */
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotEmulator } from '../index.ts';

describe('through @hubspot/api-client', () => {
  const sb = createHubSpotEmulator({ seed: 11, contacts: 400 });
  let server: { url: string; close(): Promise<void> };
  let client: Client;

  beforeAll(async () => {
    server = await sb.listen(0);
    const tokens = await new Client({ basePath: server.url, numberOfApiCallRetries: 0 }).oauth.tokensApi.create(
      'authorization_code', sb.issueAuthCode(), 'http://localhost/cb', sb.clientId, sb.clientSecret,
    );
    expect(tokens.expiresIn).toBe(1800);
    client = new Client({ accessToken: tokens.accessToken, basePath: server.url, numberOfApiCallRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists, searches and batch-reads', async () => {
    const page = await client.crm.contacts.basicApi.getPage(100, undefined, ['age', 'job']);
    expect(page.results).toHaveLength(100);
    expect(page.results[0]?.createdAt).toBeInstanceOf(Date);
    expect(page.results[0]?.properties['age']).toMatch(/^\d+$/);
    const second = await client.crm.contacts.basicApi.getPage(100, page.paging?.next?.after, ['age']);
    expect(second.results[0]?.id).toBe(sb.state.list('contacts')[100]?.id);

    const found = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE' as never, value: '0' }] }],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' } as never],
      properties: ['email'],
      limit: 200,
      after: '0',
    });
    expect(found.total).toBe(400);
    expect(found.paging?.next?.after).toBe('200');

    const read = await client.crm.deals.batchApi.read({ inputs: [{ id: sb.state.list('deals')[0]?.id ?? '' }], properties: ['amount'], propertiesWithHistory: [] });
    expect(read.results[0]?.properties['amount']).toBe(sb.state.list('deals')[0]?.properties['amount']);
  });

  it('resolves a 207 and throws on a 400', async () => {
    const [a, b] = sb.state.list('contacts');
    const partial = await client.crm.contacts.batchApi.update({
      inputs: [
        { id: a?.id ?? '', properties: { job: 'astronaut' }, objectWriteTraceId: 't-a' },
        { id: b?.id ?? '', properties: { job: 'student' }, objectWriteTraceId: 't-b' },
      ],
    });
    expect('numErrors' in partial ? partial.numErrors : 0).toBe(1);
    expect(partial.results[0]?.updatedAt).toBeInstanceOf(Date);
    await expect(
      client.crm.contacts.batchApi.update({ inputs: [{ id: a?.id ?? '', properties: { job: 'astronaut' } }] }),
    ).rejects.toMatchObject({ code: 400, body: { category: 'VALIDATION_ERROR' } });
  });

  it('creates properties (409 on repeat) and reads associations', async () => {
    const input = { name: 'crm_signals_score', label: 'Score', type: 'number', fieldType: 'number', groupName: 'contactinformation' };
    const created = await client.crm.properties.coreApi.create('contacts', input as never);
    expect(created.name).toBe('crm_signals_score');
    await expect(client.crm.properties.coreApi.create('contacts', input as never)).rejects.toMatchObject({ code: 409 });

    const deal = sb.state.list('deals')[0]?.id ?? '';
    const assoc = await client.crm.associations.v4.batchApi.getPage('deals', 'line_items', { inputs: [{ id: deal }] });
    expect(assoc.results[0]?.to.map((t) => t.toObjectId)).toEqual(sb.state.associations('deals', deal, 'line_items'));
  });

  it('surfaces 429 with its headers', async () => {
    sb.faults.set({ rateLimit: { max: 1, intervalMs: 60_000 } });
    sb.resetRateLimits();
    await client.crm.products.basicApi.getPage(10);
    await expect(client.crm.products.basicApi.getPage(10)).rejects.toMatchObject({
      code: 429,
      body: { policyName: 'TEN_SECONDLY_ROLLING' },
      headers: { 'retry-after': '60' },
    });
    sb.faults.reset();
    sb.resetRateLimits();
  });
});
