/**
 * SOQL over REST: /query and /queryAll (deleted rows too), paged through nextRecordsUrl
 * (/query/<cursor>-<offset>, a relative URL whose last segment is the locator jsforce keeps).
 * Batches are 2,000 rows unless Sforce-Query-Options: batchSize=N asks for 200..2,000.
 */
import type { Context, Hono } from 'hono';
import { json, type Env, type EmulatorContext } from '../context.ts';
import type { Cursor } from '../cursors.ts';
import { restError } from '../errors.ts';
import { compileSoql } from '../soql/execute.ts';
import { V, versionOf } from './shared.ts';

const DEFAULT_BATCH = 2000;
const MIN_BATCH = 200;

/** The batch size a request asks for: a hint, clamped to Salesforce's 200..2,000. */
function batchSizeOf(c: Context, fallback: number): number {
  const m = /batchSize\s*=\s*(\d+)/i.exec(c.req.header('Sforce-Query-Options') ?? '');
  if (!m) return fallback;
  return Math.min(DEFAULT_BATCH, Math.max(MIN_BATCH, Number(m[1])));
}

export function mountQuery(app: Hono<Env>, ctx: EmulatorContext): void {
  const page = (c: Context, kind: string, cursor: Cursor, offset: number): Response => {
    const cap = ctx.faults.current.queryBatchSizeCap;
    const size = Math.min(batchSizeOf(c, cursor.batchSize), cap ?? Infinity);
    const { execution } = cursor;
    const end = Math.min(execution.rows.length, offset + size);
    const records = execution.rows.slice(offset, end).map((r) => execution.toJson(r));
    const done = end >= execution.rows.length;
    return json({
      totalSize: execution.totalSize,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${versionOf(c)}/${kind}/${cursor.id}-${end}` }),
      records,
    });
  };

  for (const kind of ['query', 'queryAll'] as const) {
    app.get(`${V}/${kind}`, (c) => {
      const q = c.req.query('q');
      if (q === undefined) throw restError(400, 'MALFORMED_QUERY', 'SOQL statements cannot be empty or null');
      const compiled = compileSoql(ctx.state, q);
      const execution = compiled.execute({ includeDeleted: kind === 'queryAll', version: versionOf(c) });
      if (compiled.kind !== 'records') {
        return json({ totalSize: execution.totalSize, done: true, records: execution.aggregates ?? [] });
      }
      const cursor = ctx.cursors.create(execution, batchSizeOf(c, DEFAULT_BATCH));
      return page(c, kind, cursor, 0);
    });

    app.get(`${V}/${kind}/:locator`, (c) => {
      const m = /^([A-Za-z0-9]{18})-(\d+)$/.exec(c.req.param('locator'));
      const cursor = m ? ctx.cursors.get(m[1] as string) : undefined;
      const offset = m ? Number(m[2]) : NaN;
      if (!cursor || offset > cursor.execution.rows.length) throw restError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      return page(c, kind, cursor, offset);
    });
  }
}
