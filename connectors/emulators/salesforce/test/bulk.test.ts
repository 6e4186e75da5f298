/** Bulk API 2.0 query jobs, through jsforce's bulk2 and directly for the wire details. */
import { Connection, OAuth2 } from 'jsforce';
import { describe, expect, it } from 'vitest';
import { parseCsvRecords } from '../../../../src/io/csv.ts';
import { parseCsv } from '../../../salesforce/bulk.ts';
import { createSalesforceEmulator } from '../index.ts';
import { connect, errorOf, harness, serveWithJsforce, API, type ErrorBody } from './helpers.ts';

type Row = Record<string, string>;

async function bulkRows(conn: Connection, soql: string): Promise<Row[]> {
  const stream = await conn.bulk2.query(soql, { pollInterval: 10, pollTimeout: 20_000 });
  const rows: Row[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('record', (r: Row) => rows.push(r));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  return rows;
}

describe('Bulk API 2.0 query with 60,000 leads through jsforce', () => {
  const sb = createSalesforceEmulator({ seed: 6, leads: 60_000, bulkJobDelayMs: 30, bulkResultPageSize: 25_000 });
  const live = serveWithJsforce(sb);

  it('pages the CSV by Sforce-Locator and matches the REST query row for row', async () => {
    const soql = 'SELECT Id, Email, Age__c, Status, ConvertedDate, Owner.Name FROM Lead ORDER BY Id';
    sb.resetStats();
    const bulk = await bulkRows(live.conn, soql);
    // 3 result pages. jsforce 3.10.16 concatenates them, so each later page's header row shows
    // up as a record: a connector must drop those (or read pages itself).
    const headers = bulk.filter((r) => r['Id'] === 'Id');
    expect(headers).toHaveLength(2);
    const records = bulk.filter((r) => r['Id'] !== 'Id');
    expect(records).toHaveLength(60_000);
    const stats = sb.stats();
    expect(stats.bulkJobs).toBe(1);
    expect(stats.byRoute['GET /services/data/vXX.X/jobs/query/{id}/results']).toBe(3);
    // Every bulk request counts against the allocation: create, polls, result pages.
    expect(stats.apiUsed).toBe(stats.calls);

    const rest = await live.conn.query<Record<string, unknown>>(soql, { autoFetch: true, maxFetch: 100_000 });
    expect(rest.records).toHaveLength(60_000);
    // Same rows in the same order; numbers as their decimal text, nulls as empty cells.
    const fromRest = rest.records.map((r) => [r['Id'], r['Email'], String(r['Age__c']), (r['ConvertedDate'] as string | null) ?? '', (r['Owner'] as { Name: string }).Name]);
    const fromBulk = records.map((b) => [b['Id'], b['Email'], b['Age__c'], b['ConvertedDate'], b['Owner.Name']]);
    expect(JSON.stringify(fromBulk)).toBe(JSON.stringify(fromRest));
    expect(fromBulk.filter((b) => b[3] === '').length).toBeGreaterThan(50_000);
  });

  it('serves pages by locator and maxRecords, with Sforce-Locator "null" on the last', async () => {
    const token = sb.issueAccessToken();
    const api = (path: string, init: RequestInit = {}) => fetch(`${live.url}/services/data/v62.0${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
    // Long enough that the early results call below lands while the job runs, even on a busy machine.
    sb.faults.set({ bulkJobDelayMs: 400 });
    const created = await (await api('/jobs/query', { method: 'POST', body: JSON.stringify({ operation: 'query', query: "SELECT Id, Name FROM Lead WHERE Status = 'Closed - Converted'" }) })).json() as Record<string, unknown>;
    expect(created).toMatchObject({ operation: 'query', object: 'Lead', state: 'UploadComplete', contentType: 'CSV', apiVersion: 62, lineEnding: 'LF', columnDelimiter: 'COMMA' });
    const id = created['id'] as string;
    expect(id).toMatch(/^750[A-Za-z0-9]{15}$/);
    const early = await api(`/jobs/query/${id}/results`);
    expect(early.status).toBe(400);
    let info: Record<string, unknown> = {};
    for (let i = 0; i < 1000 && info['state'] !== 'JobComplete'; i++) {
      info = await (await api(`/jobs/query/${id}`)).json() as Record<string, unknown>;
      if (info['state'] !== 'JobComplete') {
        expect(info['state']).toBe('InProgress');
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    sb.faults.reset();
    const converted = sb.state.list('Lead').filter((l) => l['Status'] === 'Closed - Converted');
    expect(info).toMatchObject({ state: 'JobComplete', jobType: 'V2Query', numberRecordsProcessed: converted.length, retries: 0 });

    const seen: string[] = [];
    let locator: string | null = '';
    let pages = 0;
    while (locator !== 'null') {
      const res = await api(`/jobs/query/${id}/results?maxRecords=2000${locator ? `&locator=${locator}` : ''}`);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/100000$/);
      const rows = parseCsvRecords(await res.text());
      expect(rows[0]).toEqual(['Id', 'Name']);
      expect(Number(res.headers.get('sforce-numberofrecords'))).toBe(rows.length - 1);
      seen.push(...rows.slice(1).map((r) => r[0] as string));
      locator = res.headers.get('sforce-locator');
      pages++;
    }
    expect(pages).toBe(Math.ceil(converted.length / 2000));
    expect(seen).toEqual(converted.map((l) => l['Id']));
    // A locator is stable: fetching a page again gives the same rows.
    const again = await api(`/jobs/query/${id}/results?maxRecords=2000&locator=MjAwMA`);
    expect(parseCsvRecords(await again.text())[1]?.[0]).toBe(seen[2000]);

    const list = await (await api('/jobs/query')).json() as { done: boolean; records: { id: string }[] };
    expect(list.records.map((j) => j.id)).toContain(id);
    expect((await api(`/jobs/query/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/jobs/query/${id}`)).status).toBe(404);
  });
});

describe('Bulk API 2.0 details', () => {
  it('quotes per RFC 4180, leaves nulls empty and honours columnDelimiter/lineEnding', async () => {
    const h = harness({ leads: 20, bulkJobDelayMs: 0 });
    const id = h.sb.state.insert('Lead', { LastName: 'He said "hi", then\nleft', Company: 'Comma, Inc.', Email: null })['Id'] as string;
    const job = await h.json<Record<string, string>>('POST', `${API}/jobs/query`, { operation: 'query', query: `SELECT Id, LastName, Company, Email FROM Lead WHERE Id = '${id}'` });
    await h.json('GET', `${API}/jobs/query/${job.body['id']}`);
    const res = await h.call('GET', `${API}/jobs/query/${job.body['id']}/results`);
    expect(res.headers.get('sforce-locator')).toBe('null');
    const body = await res.text();
    expect(body).toBe(`"Id","LastName","Company","Email"\n"${id}","He said ""hi"", then\nleft","Comma, Inc.",\n`);
    // The connector's Bulk reader gets the values back, the null as null.
    expect(parseCsv(body)).toEqual([{ Id: id, LastName: 'He said "hi", then\nleft', Company: 'Comma, Inc.', Email: null }]);

    const piped = await h.json<Record<string, string>>('POST', `${API}/jobs/query`, { operation: 'query', query: `SELECT Id, Company FROM Lead WHERE Id = '${id}'`, columnDelimiter: 'PIPE', lineEnding: 'CRLF' });
    const text = await (await h.call('GET', `${API}/jobs/query/${piped.body['id']}/results`)).text();
    expect(text).toBe(`"Id"|"Company"\r\n"${id}"|"Comma, Inc."\r\n`);
    expect(parseCsvRecords(text, '|')).toEqual([['Id', 'Company'], [id, 'Comma, Inc.']]);

    // queryAll includes deleted rows.
    h.sb.state.delete('Lead', id);
    const all = await h.json<Record<string, string>>('POST', `${API}/jobs/query`, { operation: 'queryAll', query: `SELECT Id, IsDeleted FROM Lead WHERE Id = '${id}'` });
    expect(await (await h.call('GET', `${API}/jobs/query/${all.body['id']}/results`)).text()).toBe(`"Id","IsDeleted"\n"${id}","true"\n`);
  });

  it('refuses bad queries at job creation and can abort a running job', async () => {
    const h = harness({ leads: 20, bulkJobDelayMs: 60_000 });
    const bad = async (query: string) => (await h.json<ErrorBody>('POST', `${API}/jobs/query`, { operation: 'query', query })).body[0]?.errorCode;
    expect(await bad('SELECT Id FROM Nope')).toBe('INVALID_TYPE');
    expect(await bad('SELECT Id; FROM Lead')).toBe('MALFORMED_QUERY');
    expect(await bad('SELECT COUNT() FROM Lead')).toBe('INVALIDJOB');
    expect(await bad('SELECT Id, (SELECT Id FROM Contacts) FROM Account')).toBe('INVALIDJOB');
    expect((await h.json<ErrorBody>('POST', `${API}/jobs/query`, { operation: 'insert', query: 'SELECT Id FROM Lead' })).body[0]?.errorCode).toBe('INVALIDJOB');
    const job = await h.json<Record<string, string>>('POST', `${API}/jobs/query`, { operation: 'query', query: 'SELECT Id FROM Lead' });
    const aborted = await h.json<Record<string, string>>('PATCH', `${API}/jobs/query/${job.body['id']}`, { state: 'Aborted' });
    expect(aborted.body['state']).toBe('Aborted');
    expect((await h.json<ErrorBody>('GET', `${API}/jobs/query/${job.body['id']}/results`)).status).toBe(400);
  });

  it('is refused when the org has no Bulk API 2.0 (Group/Professional editions)', async () => {
    const sb = createSalesforceEmulator({ seed: 3, leads: 50, bulkApiEnabled: false });
    const { url, close } = await sb.listen(0);
    try {
      const conn = connect(url, sb.issueAccessToken());
      const err = await errorOf(conn.bulk2.query('SELECT Id FROM Lead', { pollInterval: 10 }));
      expect(err.errorCode).toBe('API_DISABLED_FOR_ORG');
      // The REST path still works.
      expect((await conn.query('SELECT Id FROM Lead')).totalSize).toBe(50);
      sb.faults.set({ bulkDisabledAs: 'NOT_FOUND' });
      const res = await fetch(`${url}/services/data/v62.0/jobs/query`, { method: 'POST', headers: { authorization: `Bearer ${sb.issueAccessToken()}`, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
      sb.faults.set({ bulkApiEnabled: true });
      expect(await bulkRows(conn, 'SELECT Id FROM Lead')).toHaveLength(50);
    } finally {
      await close();
    }
  });

  it('refreshes an expired session during a bulk query (401 body carries INVALID_SESSION_ID)', async () => {
    const sb = createSalesforceEmulator({ seed: 3, leads: 30, bulkJobDelayMs: 0 });
    const { url, close } = await sb.listen(0);
    try {
      const oauth2 = new OAuth2({ clientId: sb.clientId, clientSecret: sb.clientSecret, redirectUri: 'https://app.example.com/cb', loginUrl: url });
      const first = new Connection({ oauth2, version: '62.0' });
      await first.authorize(sb.issueAuthCode());
      const conn = new Connection({ oauth2, instanceUrl: url, accessToken: first.accessToken as string, refreshToken: first.refreshToken as string, version: '62.0' });
      sb.expireSessions();
      expect(await bulkRows(conn, 'SELECT Id FROM Lead')).toHaveLength(30);
      expect(conn.accessToken).not.toBe(first.accessToken);
    } finally {
      await close();
    }
  });
});
