/** Edge cases over app.request: auth, versions, describe caching, single-record errors, faults. */
import { describe, expect, it } from 'vitest';
import { createSalesforceEmulator } from '../index.ts';
import { API, connect, harness, START, type ErrorBody, type QueryBody } from './helpers.ts';

describe('REST edges', () => {
  it('needs a live session for every /services/data/vXX.X call, but not for the versions list', async () => {
    const h = harness({ leads: 10 });
    const missing = await h.call('GET', `${API}/sobjects`, undefined, { token: null });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    expect((await h.call('GET', `${API}/sobjects`, undefined, { token: 'bogus' })).status).toBe(401);
    // Any vNN.N is served.
    expect((await h.call('GET', '/services/data/v45.0/sobjects')).status).toBe(200);
    expect((await h.call('GET', '/services/data/v99.0/limits')).status).toBe(200);
    const versions = await h.json<{ label: string; url: string; version: string }[]>('GET', '/services/data/');
    expect(versions.body[0]).toEqual({ label: "Summer '14", url: '/services/data/v31.0', version: '31.0' });
    expect(versions.body.find((v) => v.version === '60.0')?.label).toBe("Spring '24");
    expect(versions.body.at(-1)).toEqual({ label: "Spring '26", url: '/services/data/v66.0', version: '66.0' });
    expect(versions.headers.get('sforce-limit-info')).toBeNull();
    const root = await h.json<Record<string, string>>('GET', API);
    expect(root.body['query']).toBe('/services/data/v62.0/query');
    expect(h.sb.stats().apiUsed).toBe(3);
    h.clock.advance(7200 * 1000);
    expect((await h.call('GET', `${API}/limits`)).status).toBe(401);
  });

  it('answers unknown resources and objects with NOT_FOUND, bad JSON with JSON_PARSER_ERROR', async () => {
    const h = harness({ leads: 10 });
    const nf = [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }];
    expect((await h.json('GET', `${API}/sobjects/Foo/describe`)).body).toEqual(nf);
    expect((await h.json('GET', `${API}/nothing-here`)).body).toEqual(nf);
    expect((await h.json('GET', `${API}/sobjects/Lead/00Q8c000000AAAAAAA`)).status).toBe(404);
    expect((await h.json('GET', `${API}/jobs/query//750000000000000AAA`)).status).toBe(404);
    const bad = await h.json<ErrorBody>('PATCH', `${API}/composite/sobjects`, '{"records": [');
    expect(bad.status).toBe(400);
    expect(bad.body[0]?.errorCode).toBe('JSON_PARSER_ERROR');
    const locator = await h.json<ErrorBody>('GET', `${API}/query/01g8c0000000000AAA-2000`);
    expect(locator.body).toEqual([{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
  });

  it('describes globally and per object, with If-Modified-Since', async () => {
    const h = harness({ leads: 10 });
    const global = await h.json<{ maxBatchSize: number; sobjects: { name: string; keyPrefix: string }[] }>('GET', `${API}/sobjects`);
    expect(global.body.maxBatchSize).toBe(200);
    expect(global.body.sobjects.map((o) => `${o.name}:${o.keyPrefix}`)).toEqual(expect.arrayContaining(['Lead:00Q', 'Contact:003', 'Account:001', 'Opportunity:006', 'OpportunityLineItem:00k', 'Product2:01t', 'Case:500']));
    const first = await h.call('GET', `${API}/sobjects/Lead/describe`);
    const lastModified = first.headers.get('last-modified') ?? '';
    expect((await h.call('GET', `${API}/sobjects/Lead/describe`, undefined, { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);
    h.clock.advance(60_000);
    h.sb.state.addCustomField('Lead', { name: 'Fit__c', type: 'picklist', picklistValues: ['A', 'B'], restricted: true });
    const changed = await h.call('GET', `${API}/sobjects/Lead/describe`, undefined, { headers: { 'If-Modified-Since': lastModified } });
    expect(changed.status).toBe(200);
    const fit = ((await changed.json()) as { fields: Record<string, unknown>[] }).fields.find((f) => f['name'] === 'Fit__c');
    expect(fit).toMatchObject({ type: 'picklist', restrictedPicklist: true, picklistValues: [expect.objectContaining({ value: 'A', active: true }), expect.objectContaining({ value: 'B' })] });
    // A restricted picklist refuses other values.
    const id = h.sb.state.list('Lead')[0]?.['Id'] as string;
    const res = await h.json<ErrorBody>('PATCH', `${API}/sobjects/Lead/${id}`, { Fit__c: 'C' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual([{ message: 'Fit: bad value for restricted picklist field: C', errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['Fit__c'] }]);
    expect(() => h.sb.state.addCustomField('Lead', { name: 'Fit__c', type: 'string' })).toThrow(/already exists/);
    expect(() => h.sb.state.addCustomField('Lead', { name: 'NoSuffix', type: 'string' })).toThrow(/__c/);
  });

  it('writes single records with 204, errors as REST arrays, and stamps the calling user', async () => {
    const h = harness({ leads: 10 });
    const id = h.sb.state.list('Lead')[3]?.['Id'] as string;
    const res = await h.call('PATCH', `${API}/sobjects/Lead/${id}`, { Rating: 'Hot', LastName: 'Nguyen' });
    expect(res.status).toBe(204);
    const rec = h.sb.state.get('Lead', id) ?? {};
    expect(rec).toMatchObject({ Rating: 'Hot', LastModifiedById: h.sb.integrationUserId, SystemModstamp: START, LastModifiedDate: START });
    const rep = h.sb.state.users.reps[0] as string;
    await h.call('PATCH', `${API}/sobjects/Lead/${id}`, { Rating: 'Cold' }, { token: h.sb.issueAccessToken(rep) });
    expect(h.sb.state.get('Lead', id)?.['LastModifiedById']).toBe(rep);
    const ro = await h.json<ErrorBody>('PATCH', `${API}/sobjects/Lead/${id}`, { Name: 'x' });
    expect(ro.body[0]).toMatchObject({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['Name'] });
    const long = await h.json<ErrorBody>('PATCH', `${API}/sobjects/Lead/${id}`, { FirstName: 'x'.repeat(41) });
    expect(long.body[0]).toMatchObject({ errorCode: 'STRING_TOO_LONG', fields: ['FirstName'] });
    const got = await h.json<Record<string, unknown>>('GET', `${API}/sobjects/Lead/${id}?fields=Name,Rating,SystemModstamp`);
    expect(got.body).toEqual({
      attributes: { type: 'Lead', url: `/services/data/v62.0/sobjects/Lead/${id}` },
      Name: rec['Name'], Rating: 'Cold', SystemModstamp: '2026-11-20T12:00:00.000+0000',
    });
    const lookup = await h.json<ErrorBody>('POST', `${API}/sobjects/Contact`, { LastName: 'X', AccountId: id });
    expect(lookup.body[0]).toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['AccountId'] });
  });

  it('injects 503s (jsforce retries GETs), latency and per-record lock failures', async () => {
    const sb = createSalesforceEmulator({ seed: 8, leads: 30 });
    const { url, close } = await sb.listen(0);
    try {
      const conn = connect(url, sb.issueAccessToken());
      sb.faults.failNext(1);
      const raw = await fetch(`${url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${sb.issueAccessToken()}` } });
      expect(raw.status).toBe(503);
      expect(await raw.json()).toEqual([{ errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable' }]);
      sb.faults.failNext(1);
      expect((await conn.query('SELECT Id FROM Lead')).totalSize).toBe(30);
      // POST/PATCH are not retried by jsforce: the 503 reaches the caller.
      sb.faults.failNext(1);
      await expect(conn.sobject('Lead').update([{ Id: sb.state.list('Lead')[0]?.['Id'] as string, Rating: 'Hot' }])).rejects.toMatchObject({ errorCode: 'SERVER_UNAVAILABLE' });

      sb.faults.set({ latencyMs: 40 });
      const t0 = performance.now();
      await conn.query('SELECT Id FROM Lead LIMIT 1');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
      sb.faults.set({ latencyMs: 0, serverErrorRate: 1 });
      expect((await fetch(`${url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${sb.issueAccessToken()}` } })).status).toBe(503);
      sb.faults.reset();

      const ids = sb.state.list('Lead').slice(0, 3).map((l) => l['Id'] as string);
      sb.faults.failRecordIds([ids[1] as string]);
      const first = (await conn.sobject('Lead').update(ids.map((Id) => ({ Id, Rating: 'Warm' })))) as { success: boolean; errors: { statusCode: string; message: string }[] }[];
      expect(first.map((r) => r.success)).toEqual([true, false, true]);
      expect(first[1]?.errors[0]).toEqual({ statusCode: 'UNABLE_TO_LOCK_ROW', message: `unable to obtain exclusive access to this record or 1 records: ${ids[1] as string}`, fields: [] });
      // Retryable: the next attempt goes through.
      const retry = (await conn.sobject('Lead').update([{ Id: ids[1] as string, Rating: 'Warm' }])) as { success: boolean }[];
      expect(retry[0]?.success).toBe(true);
    } finally {
      await close();
    }
  });

  it('inserts malformed leads that a connector must skip, served as stored', async () => {
    const h = harness({ leads: 10 });
    const ids = h.sb.faults.insertMalformedLead();
    expect(ids).toHaveLength(7);
    const res = await h.soql<QueryBody>(`SELECT Id, LastName, Company, Age__c, Job__c, Email FROM Lead WHERE Id IN ('${ids.join("','")}') ORDER BY Id`);
    expect(res.status).toBe(200);
    const byId = new Map(res.body.records.map((r) => [r['Id'], r]));
    expect(byId.get(ids[0])?.['Age__c']).toBe('forty');
    expect(byId.get(ids[1])?.['LastName']).toBeNull();
    expect((byId.get(ids[2])?.['LastName'] as string).length).toBe(100 * 1024);
    expect(byId.get(ids[4])?.['Job__c']).toBe('astronaut');
    expect(byId.get(ids[6])?.['Email']).toBe('not-an-email');
  });

  it('counts calls per route shape and write calls', async () => {
    const h = harness({ leads: 10 });
    const id = h.sb.state.list('Lead')[0]?.['Id'] as string;
    await h.call('GET', `${API}/sobjects/Lead/${id}`);
    await h.call('PATCH', `${API}/sobjects/Lead/${id}`, { Rating: 'Hot' });
    await h.call('PATCH', `${API}/composite/sobjects`, { records: [{ attributes: { type: 'Lead' }, id, Rating: 'Cold' }] });
    await h.soql('SELECT Id FROM Lead');
    const stats = h.sb.stats();
    expect(stats.byRoute).toEqual({
      'GET /services/data/vXX.X/sobjects/Lead/{id}': 1,
      'PATCH /services/data/vXX.X/sobjects/Lead/{id}': 1,
      'PATCH /services/data/vXX.X/composite/sobjects': 1,
      'GET /services/data/vXX.X/query': 1,
    });
    expect([stats.calls, stats.writeCalls, stats.apiUsed]).toEqual([4, 2, 4]);
    h.sb.resetStats();
    expect(h.sb.stats()).toEqual({ calls: 0, byRoute: {}, writeCalls: 0, bulkJobs: 0, apiUsed: 0 });
  });
});
