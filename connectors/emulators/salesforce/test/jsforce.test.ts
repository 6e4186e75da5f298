/** The connector's real client (jsforce 3.10.16) against the real server on 127.0.0.1. */
import { describe, expect, it } from 'vitest';
import { createSalesforceEmulator, SEED_BASE_DATE_MS } from '../index.ts';
import { formatDateTime } from '../values.ts';
import { connect, errorOf, serveWithJsforce } from './helpers.ts';
import { manualClock } from '../../shared/testClock.ts';

interface SaveResult {
  id?: string;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
}

describe('through jsforce', () => {
  const clock = manualClock();
  // The clock jumps weeks ahead below; a long session timeout keeps the one token alive.
  const sb = createSalesforceEmulator({ seed: 11, leads: 4500, clock: () => clock.now, sessionTtlSeconds: 365 * 86_400 });
  const live = serveWithJsforce(sb);

  it('pages every lead exactly once with queryMore and with autoFetch', async () => {
    const ids: string[] = [];
    let page = await live.conn.query<{ Id: string }>('SELECT Id, Email FROM Lead');
    expect(page.totalSize).toBe(4500);
    expect(page.records).toHaveLength(2000);
    // jsforce keeps the last segment (the locator) and rebuilds the URL on its own base.
    expect(page.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]{15}-2000$/);
    ids.push(...page.records.map((r) => r.Id));
    while (!page.done && page.nextRecordsUrl) {
      page = await live.conn.queryMore<{ Id: string }>(page.nextRecordsUrl);
      ids.push(...page.records.map((r) => r.Id));
    }
    expect(page.nextRecordsUrl).toBeUndefined();
    expect(ids).toHaveLength(4500);
    expect(new Set(ids)).toEqual(new Set(sb.state.list('Lead').map((l) => l['Id'] as string)));

    const auto = await live.conn.query<{ Id: string }>('SELECT Id FROM Lead', { autoFetch: true, maxFetch: 100_000 });
    expect(auto.done).toBe(true);
    expect(auto.records.map((r) => r.Id)).toEqual(sb.state.list('Lead').map((l) => l['Id']));

    // Sforce-Query-Options: batchSize is honoured within 200..2000.
    const small = await live.conn.query('SELECT Id FROM Lead', { headers: { 'Sforce-Query-Options': 'batchSize=500' } } as never);
    expect(small.records).toHaveLength(500);
    const tiny = await live.conn.query('SELECT Id FROM Lead', { headers: { 'Sforce-Query-Options': 'batchSize=10' } } as never);
    expect(tiny.records).toHaveLength(200);
  });

  it('returns exactly the changed records, in order, for WHERE SystemModstamp > literal ORDER BY SystemModstamp, Id', async () => {
    const watermark = formatDateTime(SEED_BASE_DATE_MS);
    const before = await live.conn.query(`SELECT Id FROM Lead WHERE SystemModstamp > ${watermark}`);
    expect(before.totalSize).toBe(0);
    const leads = sb.state.list('Lead');
    // Two reps edit three leads in the same second, a third a second later (ties broken by Id).
    clock.now = SEED_BASE_DATE_MS + 10 * 86_400_000;
    const [a, b, c, d] = [leads[30], leads[7], leads[100], leads[2]].map((l) => l?.['Id'] as string) as [string, string, string, string];
    sb.state.update('Lead', a, { Rating: 'Hot' }, { userId: sb.state.users.reps[0] });
    sb.state.update('Lead', b, { Rating: 'Warm' }, { userId: sb.state.users.reps[1] });
    sb.state.update('Lead', c, { Rating: 'Cold' });
    clock.now += 1000;
    sb.state.update('Lead', d, { Rating: 'Hot' });
    const changed = await live.conn.query<{ Id: string; SystemModstamp: string; LastModifiedById: string }>(
      `SELECT Id, SystemModstamp, LastModifiedById FROM Lead WHERE SystemModstamp > ${watermark} ORDER BY SystemModstamp, Id`,
    );
    expect(changed.records.map((r) => r.Id)).toEqual([...[a, b, c].sort(), d]);
    expect(changed.records[0]?.SystemModstamp).toBe(formatDateTime(clock.now - 1000));
    // The next cursor resumes after the last row's stamp (>=, de-duplicating by Id, because stamps tie).
    const last = changed.records[2]?.SystemModstamp as string;
    const resumed = await live.conn.query<{ Id: string }>(`SELECT Id FROM Lead WHERE SystemModstamp >= ${last} ORDER BY SystemModstamp, Id`);
    expect(resumed.records.map((r) => r.Id)).toEqual([...[a, b, c].sort(), d]);
  });

  it('describes Lead, and sees package fields only after addCustomField', async () => {
    const before = await live.conn.sobject('Lead').describe();
    expect(before.keyPrefix).toBe('00Q');
    const names = before.fields.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['Id', 'Email', 'Status', 'SystemModstamp', 'Age__c', 'Nr_Employed__c', 'ConvertedContactId']));
    expect(names).not.toContain('Signals_Lead_Score__c');
    const status = before.fields.find((f) => f.name === 'Status');
    expect(status?.type).toBe('picklist');
    expect(status?.picklistValues?.map((p) => p.value)).toEqual(['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted']);
    const age = before.fields.find((f) => f.name === 'Age__c');
    expect([age?.type, age?.precision, age?.scale, age?.custom]).toEqual(['double', 3, 0, true]);
    expect(before.fields.find((f) => f.name === 'ConvertedContactId')).toMatchObject({ type: 'reference', referenceTo: ['Contact'], relationshipName: 'ConvertedContact', updateable: false });
    await expect(live.conn.query('SELECT Signals_Lead_Score__c FROM Lead LIMIT 1')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });

    sb.state.installSignalsPackage();
    const after = await live.conn.sobject('Lead').describe();
    const score = after.fields.find((f) => f.name === 'Signals_Lead_Score__c');
    expect(score).toMatchObject({ type: 'double', precision: 3, scale: 0, custom: true, updateable: true, createable: true, nillable: true });
    expect(after.fields.find((f) => f.name === 'Signals_Score_Reasons__c')).toMatchObject({ type: 'textarea', length: 32768, filterable: false });
    const history = await live.conn.sobject('Signal_History__c').describe();
    expect(history.custom).toBe(true);
    expect(history.fields.find((f) => f.name === 'External_Id__c')).toMatchObject({ externalId: true, unique: true });
    expect(after.childRelationships.find((r) => r.childSObject === 'Signal_History__c')).toMatchObject({ field: 'Lead__c' });

    // Field-level security: readable but not editable for the integration user.
    sb.state.setFieldAccess('Lead', 'Signals_Model_Version__c', { editable: false });
    const fls = await live.conn.sobject('Lead').describe();
    expect(fls.fields.find((f) => f.name === 'Signals_Model_Version__c')).toMatchObject({ updateable: false, createable: false });
    const id = sb.state.list('Lead')[0]?.['Id'] as string;
    const res = (await live.conn.sobject('Lead').update([{ Id: id, Signals_Model_Version__c: 'v1' }])) as SaveResult[];
    expect(res[0]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['Signals_Model_Version__c'] }] });
    // ...and invisible: gone from describe, INVALID_FIELD in SOQL.
    sb.state.setFieldAccess('Lead', 'Signals_Model_Version__c', { readable: false });
    expect((await live.conn.sobject('Lead').describe()).fields.map((f) => f.name)).not.toContain('Signals_Model_Version__c');
    await expect(live.conn.query('SELECT Signals_Model_Version__c FROM Lead')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    sb.state.setFieldAccess('Lead', 'Signals_Model_Version__c', { readable: true, editable: true });
  });

  it('updates through sObject Collections: 200 with per-record failures, stamped with the integration user', async () => {
    sb.state.installSignalsPackage();
    clock.now = SEED_BASE_DATE_MS + 20 * 86_400_000;
    const [l1, l2, l3] = sb.state.list('Lead').slice(200, 203).map((l) => l['Id'] as string) as [string, string, string];
    const contactId = sb.state.list('Contact')[0]?.['Id'] as string;
    const results = (await live.conn.sobject('Lead').update([
      { Id: l1, Signals_Lead_Score__c: 87.4, Signals_Score_Reasons__c: '+ age\n- euribor' },
      { Id: l2, Signals_Lead_Score__c: 1000 },
      { Id: contactId, Signals_Lead_Score__c: 5 },
      { Id: l3, Nope__c: 1 },
      { Id: l3, Email: 'not an email' },
    ])) as SaveResult[];
    expect(results).toEqual([
      { id: l1, success: true, errors: [] },
      { id: l2, success: false, errors: [{ statusCode: 'NUMBER_OUTSIDE_VALID_RANGE', message: 'Lead Score: value outside of valid range on numeric field: 1000', fields: ['Signals_Lead_Score__c'] }] },
      { success: false, errors: [{ statusCode: 'MALFORMED_ID', message: `Lead ID: id value of incorrect type: ${contactId}`, fields: ['Id'] }] },
      { id: l3, success: false, errors: [{ statusCode: 'INVALID_FIELD', message: "No such column 'Nope__c' on sobject of type Lead", fields: [] }] },
      { id: l3, success: false, errors: [{ statusCode: 'INVALID_EMAIL_ADDRESS', message: 'Email: invalid email address: not an email', fields: ['Email'] }] },
    ]);
    const stored = sb.state.get('Lead', l1) ?? {};
    // Rounded to the field's scale; stamped now, by the integration user.
    expect(stored['Signals_Lead_Score__c']).toBe(87);
    expect(stored['LastModifiedById']).toBe(sb.integrationUserId);
    expect(stored['SystemModstamp']).toBe(clock.now);
    expect(sb.state.get('Lead', l2)?.['SystemModstamp']).toBeLessThan(clock.now);
    const mine = await live.conn.query<{ Id: string }>(`SELECT Id FROM Lead WHERE LastModifiedById = '${sb.integrationUserId}'`);
    expect(mine.records.map((r) => r.Id)).toEqual([l1]);

    // A value the JSON parser cannot read fails the whole request.
    const bad = await errorOf(live.conn.sobject('Lead').update([{ Id: l1, Signals_Lead_Score__c: 'high' }]));
    expect(bad.errorCode).toBe('JSON_PARSER_ERROR');
    expect(bad.message).toMatch(/Cannot deserialize instance of double from VALUE_STRING value high/);
    // Read-only system fields and unknown/deleted ids are per-record failures.
    const gone = sb.state.list('Lead')[250]?.['Id'] as string;
    sb.state.delete('Lead', gone);
    const ro = (await live.conn.sobject('Lead').update([{ Id: l1, IsConverted: true, CreatedDate: '2026-01-01T00:00:00Z' }, { Id: gone, Rating: 'Hot' }, { Id: '00Q8c000000AAAAAAA', Rating: 'Hot' }])) as SaveResult[];
    expect(ro[0]?.errors[0]).toMatchObject({ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['IsConverted', 'CreatedDate'] });
    expect(ro[1]).toMatchObject({ id: gone, success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }] });
    expect(ro[2]?.errors[0]?.statusCode).toMatch(/MALFORMED_ID|INVALID_CROSS_REFERENCE_KEY/);
  });

  it('rolls everything back with allOrNone, and refuses more than 200 records', async () => {
    sb.state.installSignalsPackage();
    const ids = sb.state.list('Lead').slice(300, 303).map((l) => l['Id'] as string);
    const before = ids.map((id) => ({ ...sb.state.get('Lead', id) }));
    const results = (await live.conn.sobject('Lead').update(
      ids.map((id, i) => ({ Id: id, Signals_Lead_Score__c: i === 1 ? 1000 : 50 })),
      { allOrNone: true },
    )) as SaveResult[];
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'NUMBER_OUTSIDE_VALID_RANGE', 'ALL_OR_NONE_OPERATION_ROLLED_BACK']);
    expect(results[0]?.errors[0]?.message).toBe('Record rolled back because not all records were valid and the request was using AllOrNone header');
    expect(results.every((r) => !r.success)).toBe(true);
    expect(ids.map((id) => ({ ...sb.state.get('Lead', id) }))).toEqual(before);

    const many = sb.state.list('Lead').slice(0, 201).map((l) => ({ Id: l['Id'] as string, Rating: 'Warm' }));
    const err = await errorOf(live.conn.sobject('Lead').update(many));
    expect(err.errorCode).toBe('EXCEEDED_ID_LIMIT');
    expect(err.message).toBe('record limit reached. cannot submit more than 200 records into this call');
    // jsforce splits into 200s itself when asked to.
    const split = (await live.conn.sobject('Lead').update(many, { allowRecursive: true })) as SaveResult[];
    expect(split.filter((r) => r.success)).toHaveLength(201);
    // Also via a raw PATCH, as a connector building its own requests would.
    const raw = await live.conn.requestPatch<SaveResult[]>('/services/data/v62.0/composite/sobjects', {
      allOrNone: false, records: [{ attributes: { type: 'Lead' }, id: ids[0], Rating: 'Cold' }],
    });
    expect(raw).toEqual([{ id: ids[0], success: true, errors: [] }]);
  });

  it('creates, reads, updates and deletes single records and collections', async () => {
    const created = (await live.conn.sobject('Lead').create({ LastName: 'Novak', Company: 'Acme', Email: 'novak@example.com' })) as SaveResult;
    expect(created).toMatchObject({ success: true, errors: [] });
    const rec = await live.conn.sobject('Lead').retrieve(created.id as string);
    expect(rec).toMatchObject({ Id: created.id, Name: 'Novak', Status: 'Open - Not Contacted', IsConverted: false, OwnerId: sb.integrationUserId, CreatedById: sb.integrationUserId });
    await live.conn.sobject('Lead').update({ Id: created.id as string, FirstName: 'Ada' });
    expect(sb.state.get('Lead', created.id as string)?.['Name']).toBe('Ada Novak');
    const missing = await errorOf(live.conn.sobject('Lead').create({ FirstName: 'No', Company: 'Acme' }));
    expect(missing.errorCode).toBe('REQUIRED_FIELD_MISSING');
    expect(missing.message).toBe('Required fields are missing: [LastName]');

    const many = (await live.conn.sobject('Signal_History__c').create([
      { Lead__c: created.id, Score__c: 42, External_Id__c: 'run-1:lead-1', Scored_At__c: '2026-11-20T12:00:00.000+0000' },
      { Lead__c: created.id, Score__c: 43, External_Id__c: 'run-1:lead-2' },
    ])) as SaveResult[];
    expect(many.every((r) => r.success && r.id?.startsWith('a00'))).toBe(true);
    const upserted = (await live.conn.sobject('Signal_History__c').upsert(
      [{ External_Id__c: 'run-1:lead-1', Score__c: 50 }, { External_Id__c: 'run-1:lead-3', Score__c: 51 }],
      'External_Id__c',
    )) as (SaveResult & { created: boolean })[];
    expect(upserted.map((r) => [r.success, r.created])).toEqual([[true, false], [true, true]]);
    expect(upserted[0]?.id).toBe(many[0]?.id);
    const history = await live.conn.query<{ Name: string; Score__c: number }>('SELECT Name, Score__c FROM Signal_History__c ORDER BY Name');
    expect(history.records.map((r) => [r.Name, r.Score__c])).toEqual([['SH-0000001', 50], ['SH-0000002', 43], ['SH-0000003', 51]]);

    const fetched = await live.conn.sobject('Lead').retrieve([created.id as string, '00Q8c000000AAAAAAA'], { fields: ['Name'] } as never);
    expect(fetched).toEqual([expect.objectContaining({ Name: 'Ada Novak' }), null]);
    const destroyed = (await live.conn.sobject('Lead').destroy([created.id as string])) as SaveResult[];
    expect(destroyed).toEqual([{ id: created.id, success: true, errors: [] }]);
    await expect(live.conn.sobject('Lead').retrieve(created.id as string)).rejects.toMatchObject({ errorCode: 'ENTITY_IS_DELETED' });
  });

  it('lists deleted records in a window with /deleted', async () => {
    clock.now = SEED_BASE_DATE_MS + 25 * 86_400_000;
    const start = new Date(clock.now - 3_600_000);
    const victims = sb.state.list('Contact').slice(0, 3).map((c) => c['Id'] as string);
    for (const id of victims) sb.state.delete('Contact', id);
    clock.now += 120_000;
    const res = await live.conn.sobject('Contact').deleted(start, new Date(clock.now));
    expect(res.deletedRecords.map((d) => d.id)).toEqual(victims);
    expect(res.deletedRecords[0]?.deletedDate).toBe(formatDateTime(clock.now - 120_000));
    expect(res.latestDateCovered).toMatch(/^2026-11-\d\dT\d\d:\d\d:00\.000\+0000$/);
    expect(typeof res.earliestDateAvailable).toBe('string');
    const updated = await live.conn.sobject('Contact').updated(start, new Date(clock.now));
    expect(updated.ids).toEqual([]);
    const tooOld = await errorOf(live.conn.sobject('Contact').deleted(new Date(clock.now - 40 * 86_400_000), new Date(clock.now)));
    expect(tooOld.errorCode).toBe('INVALID_REPLICATION_DATE');
  });

  it('reports Sforce-Limit-Info on every call and REQUEST_LIMIT_EXCEEDED once the allocation is spent', async () => {
    const small = createSalesforceEmulator({ seed: 2, leads: 50, dailyApiLimit: 5 });
    const s = await small.listen(0);
    try {
      const c = connect(s.url, small.issueAccessToken());
      await c.query('SELECT Id FROM Lead LIMIT 1');
      expect(c.limitInfo).toEqual({ apiUsage: { used: 1, limit: 5 } });
      const limits = await c.limits();
      expect(limits.DailyApiRequests).toEqual({ Max: 5, Remaining: 3 });
      await c.sobject('Lead').describe();
      await c.query('SELECT Id FROM Lead LIMIT 1');
      await c.query('SELECT Id FROM Lead LIMIT 1');
      expect(c.limitInfo).toEqual({ apiUsage: { used: 5, limit: 5 } });
      const err = await errorOf(c.query('SELECT Id FROM Lead LIMIT 1'));
      expect(err.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
      expect(err.message).toBe('TotalRequests Limit exceeded.');
      // The versions list costs nothing and needs no session.
      const versions = await fetch(`${s.url}/services/data/`);
      expect(versions.status).toBe(200);
      expect(versions.headers.get('sforce-limit-info')).toBeNull();
      expect(small.stats().apiUsed).toBe(5);
      small.faults.set({ dailyApiLimit: 10 });
      await c.query('SELECT Id FROM Lead LIMIT 1');
      expect(c.limitInfo).toEqual({ apiUsage: { used: 6, limit: 10 } });
      expect(small.stats().byRoute['GET /services/data/vXX.X/query']).toBe(5);
    } finally {
      await s.close();
    }
  });
});
