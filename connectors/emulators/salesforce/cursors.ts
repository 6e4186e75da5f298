/**
 * Server-side query cursors behind nextRecordsUrl. The matching rows are fixed when the query
 * runs; each page is rendered when fetched. Since API v56.0 cursors live two days and there is no
 * limit on open cursors; an expired or unknown locator answers INVALID_QUERY_LOCATOR.
 */
import { KEY_PREFIX, makeId } from './ids.ts';
import type { Execution } from './soql/execute.ts';

export const CURSOR_TTL_MS = 2 * 86_400_000;
/**
 * Not a Salesforce limit (it has none since v56.0): a long-running emulator would otherwise keep
 * every result set in memory for two days. The oldest cursor goes first.
 */
const MAX_OPEN_CURSORS = 2000;

export interface Cursor {
  id: string;
  execution: Execution;
  batchSize: number;
  createdAt: number;
}

export class Cursors {
  private readonly open = new Map<string, Cursor>();
  private counter = 1_000_000;

  constructor(private readonly clock: () => number) {}

  create(execution: Execution, batchSize: number): Cursor {
    this.prune();
    const cursor: Cursor = { id: makeId(KEY_PREFIX.QueryLocator, this.counter++), execution, batchSize, createdAt: this.clock() };
    this.open.set(cursor.id, cursor);
    if (this.open.size > MAX_OPEN_CURSORS) this.open.delete(this.open.keys().next().value as string);
    return cursor;
  }

  get(id: string): Cursor | undefined {
    this.prune();
    return this.open.get(id);
  }

  private prune(): void {
    const now = this.clock();
    for (const [id, c] of this.open) if (now - c.createdAt > CURSOR_TTL_MS) this.open.delete(id);
  }
}
