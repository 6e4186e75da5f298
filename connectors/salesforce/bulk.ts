/**
 * Bulk API 2.0 query jobs, paged by hand: create the job, wait for it, then fetch the CSV results one
 * page at a time with the Sforce-Locator header, so each page can carry a checkpoint (job id + locator)
 * and a crash resumes from the last stored page of the same job.
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/queries.htm
 */
import { parseCsvRecords } from '../../src/io/csv.ts';
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

/**
 * One results page as rows by field name. Salesforce writes nulls as empty cells (and every value quoted),
 * so an empty cell is null; the CSV dialect is the one parser of src/io (comma, the default columnDelimiter).
 */
export function parseCsv(text: string): Record<string, string | null>[] {
  let records: string[][];
  try {
    records = parseCsvRecords(text, ',');
  } catch (error) {
    throw new Error(`Bulk API result page is not valid CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
  const [header, ...data] = records;
  if (!header) return [];
  return data.map((values) => Object.fromEntries(header.map((name, i) => [name, values[i] || null])));
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
  return session.callOwnHttp('bulk job results', async (c) => {
    const query = new URLSearchParams({ maxRecords: String(BULK_PAGE_SIZE), ...(locator ? { locator } : {}) });
    const response = await session.fetch(`${c.instanceUrl}/services/data/v${API_VERSION}/jobs/query/${jobId}/results?${query}`, { headers: { Authorization: `Bearer ${c.accessToken}`, Accept: 'text/csv' } });
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
