/**
 * Bulk API 2.0 query jobs. The query runs when the job is created (so a bad query fails the
 * create call); the job then reports UploadComplete, InProgress for a configurable wall-clock
 * delay, and JobComplete (or Failed/Aborted). Results are served in pages addressed by opaque
 * locators (base64 of the next row offset, like Salesforce's "MjAwMDAw").
 */
import { KEY_PREFIX, makeId } from './ids.ts';
import type { Execution } from './soql/execute.ts';

export type JobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

export interface QueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  object: string;
  query: string;
  createdById: string;
  createdDate: number;
  systemModstamp: number;
  apiVersion: number;
  lineEnding: 'LF' | 'CRLF';
  columnDelimiter: string;
  execution: Execution;
  /** Wall-clock ms when processing ends (performance.now() scale). */
  doneAt: number;
  fails: boolean;
  aborted: boolean;
  polled: boolean;
}

export class BulkJobs {
  private readonly jobs = new Map<string, QueryJob>();
  private counter = 2_000_000;

  create(fields: Omit<QueryJob, 'id' | 'aborted' | 'polled'>): QueryJob {
    const job: QueryJob = { ...fields, id: makeId(KEY_PREFIX.BulkJob, this.counter++), aborted: false, polled: false };
    this.jobs.set(job.id, job);
    return job;
  }

  get(id: string): QueryJob | undefined {
    return this.jobs.get(id);
  }

  delete(id: string): boolean {
    return this.jobs.delete(id);
  }

  all(): QueryJob[] {
    return [...this.jobs.values()];
  }

  /** The state a GET sees now: UploadComplete until first polled, then InProgress until done. */
  stateOf(job: QueryJob): JobState {
    if (job.aborted) return 'Aborted';
    if (performance.now() >= job.doneAt) return job.fails ? 'Failed' : 'JobComplete';
    return job.polled ? 'InProgress' : 'UploadComplete';
  }
}

export function encodeLocator(offset: number): string {
  return Buffer.from(String(offset)).toString('base64').replace(/=+$/, '');
}

export function decodeLocator(locator: string): number | undefined {
  if (!/^[A-Za-z0-9+/]+$/.test(locator)) return undefined;
  const text = Buffer.from(locator, 'base64').toString('utf8');
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
