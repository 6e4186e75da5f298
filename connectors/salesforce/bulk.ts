/**
 * Bulk API 2.0 query jobs, paged by hand: create the job, wait for it, then fetch the CSV results one
 * page at a time with the Sforce-Locator header, so each page can carry a checkpoint (job id + locator)
 * and a crash resumes from the last stored page of the same job.
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/queries.htm
 */
import { ConnectorError } from '../shared/errors.ts';
import { API_VERSION, type SalesforceSession } from './session.ts';

/** Rows per results page: large pages keep a first sync to a few calls; each page is one checkpoint. */
export const BULK_PAGE_SIZE = 10_000;
const POLL_MS = 250;
const POLL_LIMIT_MS = 10 * 60_000;

interface JobInfo {
  id: string;
  state: 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  errorMessage?: string;
}

/** RFC 4180: quoted fields, doubled quotes, CRLF or LF. Salesforce writes nulls as empty fields. */
export function parseCsv(text: string): Record<string, string | null>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  const [header, ...data] = rows;
  if (!header) return [];
  return data.map((values) => Object.fromEntries(header.map((name, i) => [name, values[i] === '' || values[i] === undefined ? null : values[i]!])));
}

async function createJob(session: SalesforceSession, soql: string): Promise<string> {
  const job = await session.call('bulk query job', (c) =>
    c.request<JobInfo>({ method: 'POST', url: `/services/data/v${API_VERSION}/jobs/query`, body: JSON.stringify({ operation: 'query', query: soql }), headers: { 'Content-Type': 'application/json' } }),
  );
  return job.id;
}

async function waitForJob(session: SalesforceSession, jobId: string): Promise<void> {
  const deadline = Date.now() + POLL_LIMIT_MS;
  for (;;) {
    const job = await session.call('bulk job status', (c) => c.request<JobInfo>(`/services/data/v${API_VERSION}/jobs/query/${jobId}`));
    if (job.state === 'JobComplete') return;
    if (job.state === 'Failed' || job.state === 'Aborted') throw new ConnectorError('unavailable', `bulk query job ${jobId} ${job.state.toLowerCase()}: ${job.errorMessage ?? 'no reason given'}`);
    if (Date.now() > deadline) throw new ConnectorError('unavailable', `bulk query job ${jobId} still running after ${POLL_LIMIT_MS / 60_000} min`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function resultsPage(session: SalesforceSession, jobId: string, locator: string | null): Promise<{ rows: Record<string, string | null>[]; next: string | null }> {
  return session.call('bulk job results', async (c) => {
    const query = new URLSearchParams({ maxRecords: String(BULK_PAGE_SIZE), ...(locator ? { locator } : {}) });
    const response = await fetch(`${c.instanceUrl}/services/data/v${API_VERSION}/jobs/query/${jobId}/results?${query}`, { headers: { Authorization: `Bearer ${c.accessToken}`, Accept: 'text/csv' } });
    const body = await response.text();
    if (!response.ok) {
      const [error] = (() => { try { return JSON.parse(body) as Array<{ errorCode?: string; message?: string }>; } catch { return [{ message: body }]; } })();
      throw Object.assign(new Error(error?.message ?? `HTTP ${response.status}`), { errorCode: error?.errorCode ?? `ERROR_HTTP_${response.status}` });
    }
    const next = response.headers.get('sforce-locator');
    return { rows: parseCsv(body), next: next && next !== 'null' ? next : null };
  });
}

/** Pages of the job's results; `resume` continues an earlier job at its locator. */
export async function* bulkQuery(session: SalesforceSession, soql: string, resume?: { jobId: string; locator: string | null }): AsyncGenerator<{ rows: Record<string, string | null>[]; jobId: string; next: string | null }> {
  let jobId = resume?.jobId;
  let locator = resume?.locator ?? null;
  if (!jobId) {
    jobId = await createJob(session, soql);
    await waitForJob(session, jobId);
  }
  for (;;) {
    const page = await resultsPage(session, jobId, locator);
    yield { rows: page.rows, jobId, next: page.next };
    if (!page.next) return;
    locator = page.next;
  }
}
