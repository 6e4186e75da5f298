/**
 * Bulk API 2.0 query jobs: create (POST /jobs/query), poll (GET /jobs/query/<id>), results as
 * CSV pages linked by the Sforce-Locator header (the literal "null" on the last page), abort
 * (PATCH state=Aborted) and delete. Every request counts against the daily allocation. Orgs
 * without Bulk API 2.0 (Group/Professional editions) refuse every /jobs call.
 */
import type { Context, Hono } from 'hono';
import { formatCsvRecord } from '../../../../src/io/csv.ts';
import { decodeLocator, encodeLocator, type QueryJob } from '../bulkJobs.ts';
import { json, type Env, type EmulatorContext } from '../context.ts';
import { notFound, restError } from '../errors.ts';
import { compileSoql } from '../soql/execute.ts';
import { formatDateTime } from '../values.ts';
import { isObject, readJson, V, versionOf } from './shared.ts';

/** The job's columnDelimiter and lineEnding names and what they stand for. */
const COLUMN_DELIMITERS: Record<string, string> = {
  COMMA: ',', TAB: '\t', SEMICOLON: ';', PIPE: '|', CARET: '^', BACKQUOTE: '`',
};
const LINE_ENDINGS: Record<string, string> = { LF: '\n', CRLF: '\r\n' };

export function mountBulk(app: Hono<Env>, ctx: EmulatorContext, options: { resultPageSize: number }): void {
  const { jobs, faults, state } = ctx;

  app.use(`${V}/jobs/*`, async (_c, next) => {
    if (!faults.current.bulkApiEnabled) {
      if (faults.current.bulkDisabledAs === 'NOT_FOUND') throw notFound();
      throw restError(403, 'API_DISABLED_FOR_ORG', 'API is not enabled for this Organization or Partner');
    }
    await next();
  });

  const info = (job: QueryJob, detail: boolean): Record<string, unknown> => {
    const st = jobs.stateOf(job);
    const base: Record<string, unknown> = {
      id: job.id, operation: job.operation, object: job.object, createdById: job.createdById,
      createdDate: formatDateTime(job.createdDate), systemModstamp: formatDateTime(job.systemModstamp), state: st,
      concurrencyMode: 'Parallel', contentType: 'CSV', apiVersion: job.apiVersion, lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
    };
    if (!detail) return base;
    const complete = st === 'JobComplete';
    return {
      ...base,
      jobType: 'V2Query',
      numberRecordsProcessed: complete ? job.execution.rows.length : 0,
      retries: 0,
      totalProcessingTime: complete ? Math.max(1, Math.round(job.execution.rows.length / 50)) : 0,
      isPkChunkingSupported: true,
      ...(st === 'Failed' ? { errorMessage: 'Query job failed (injected by the emulator fault switch)' } : {}),
    };
  };

  const jobOf = (c: Context): QueryJob => {
    const job = jobs.get(c.req.param('id') ?? '');
    if (!job) throw notFound();
    return job;
  };

  app.post(`${V}/jobs/query`, async (c) => {
    const { value } = await readJson(c);
    if (!isObject(value)) throw restError(400, 'INVALIDJOB', 'Invalid job request: expected a JSON object');
    const operation = value['operation'];
    if (operation !== 'query' && operation !== 'queryAll') throw restError(400, 'INVALIDJOB', `Invalid operation: ${String(operation)}`);
    if (typeof value['query'] !== 'string') throw restError(400, 'INVALIDJOB', 'The query field is required');
    const delimiterName = typeof value['columnDelimiter'] === 'string' ? value['columnDelimiter'] : 'COMMA';
    const lineEnding = value['lineEnding'] === 'CRLF' ? 'CRLF' : 'LF';
    if (!COLUMN_DELIMITERS[delimiterName]) throw restError(400, 'INVALIDJOB', `Invalid column delimiter: ${delimiterName}`);
    const compiled = compileSoql(state, value['query']);
    // Bulk API 2.0 queries take no aggregates, no OFFSET and no parent-to-child subqueries.
    if (compiled.kind !== 'records') throw restError(400, 'INVALIDJOB', 'Aggregate queries are not supported by Bulk API 2.0');
    if (compiled.hasSubqueries) throw restError(400, 'INVALIDJOB', 'Aggregate Relationships not supported in Bulk Query');
    if (compiled.query.offset !== undefined) throw restError(400, 'INVALIDJOB', 'OFFSET is not supported in Bulk API 2.0 queries');
    const version = versionOf(c);
    const now = state.now();
    const job = jobs.create({
      operation, object: compiled.object.name, query: value['query'], createdById: c.get('session').userId, createdDate: now,
      systemModstamp: now, apiVersion: Number(version), lineEnding, columnDelimiter: delimiterName,
      execution: compiled.execute({ includeDeleted: operation === 'queryAll', version }),
      doneAt: performance.now() + faults.current.bulkJobDelayMs, fails: faults.current.bulkJobsFail,
    });
    ctx.stats.bulkJobs++;
    return json(info(job, false));
  });

  app.get(`${V}/jobs/query`, () => json({ done: true, records: jobs.all().map((j) => info(j, false)), nextRecordsUrl: null }));

  app.get(`${V}/jobs/query/:id`, (c) => {
    const job = jobOf(c);
    // The create response said UploadComplete; by the first poll the job is queued and running.
    job.polled = true;
    return json(info(job, true));
  });

  app.patch(`${V}/jobs/query/:id`, async (c) => {
    const job = jobOf(c);
    const { value } = await readJson(c);
    if (!isObject(value) || value['state'] !== 'Aborted') throw restError(400, 'INVALIDJOBSTATE', 'Only state Aborted can be set on a query job');
    const st = jobs.stateOf(job);
    if (st === 'JobComplete' || st === 'Failed') throw restError(400, 'INVALIDJOBSTATE', `Aborting already ${st === 'Failed' ? 'Failed' : 'Completed'} Job not allowed`);
    job.aborted = true;
    job.systemModstamp = state.now();
    return json(info(job, false));
  });

  app.delete(`${V}/jobs/query/:id`, (c) => {
    const job = jobOf(c);
    jobs.delete(job.id);
    return c.body(null, 204);
  });

  app.get(`${V}/jobs/query/:id/results`, (c) => {
    const job = jobOf(c);
    const st = jobs.stateOf(job);
    if (st !== 'JobComplete') throw restError(400, 'INVALIDJOBSTATE', `Query job ${job.id} is in state ${st}; results are available once it is JobComplete`);
    const locator = c.req.query('locator');
    const offset = locator === undefined || locator === '' ? 0 : decodeLocator(locator);
    const rows = job.execution.rows;
    if (offset === undefined || offset > rows.length) throw restError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator ?? ''}`);
    const maxParam = Number(c.req.query('maxRecords'));
    const max = Number.isInteger(maxParam) && maxParam > 0 ? maxParam : options.resultPageSize;
    const end = Math.min(rows.length, offset + max);
    const delimiter = COLUMN_DELIMITERS[job.columnDelimiter] ?? ',';
    const eol = LINE_ENDINGS[job.lineEnding] ?? '\n';
    const header = formatCsvRecord(job.execution.csvHeader, delimiter);
    const lines = [header];
    for (let i = offset; i < end; i++) lines.push(formatCsvRecord(job.execution.toCsv(rows[i] as (typeof rows)[number]), delimiter));
    return new Response(lines.join(eol) + eol, {
      status: 200,
      headers: {
        'Content-Type': 'text/csv',
        'Sforce-Locator': end < rows.length ? encodeLocator(end) : 'null',
        'Sforce-NumberOfRecords': String(end - offset),
      },
    });
  });
}
