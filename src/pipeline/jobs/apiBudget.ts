/**
 * The admin's daily API budget per tenant. Every CRM call a tenant's connector makes is counted (the
 * connector's own usage counter, which sees retries, token refreshes and Bulk result pages) and added to
 * the tenant's count for the UTC day in the store at the end of each connector operation (a page run, a
 * write of one outbox chunk, a discover), not once per call.
 *
 * A run (cycle, rollback) works through an enforcing view: before each operation and between the pages
 * of a read or the batches of a write it compares the day's count with the budget and, once it is used up,
 * throws ApiBudgetReachedError before the next call. Sync pages are stored with their checkpoint and each
 * confirmed write batch is marked done before that point, so the run pauses with nothing lost and the
 * next day's run goes on from there. Console views only count: an admin's own look at the CRM's fields
 * is not held back by the scheduler's budget.
 *
 * Views are cheap and may be made per run: what has been added to the store is tracked per underlying
 * connector, so two views of one connector (the worker's and the console's) never count a call twice.
 */
import type { Checkpoint, Connector, Page, ReadOptions, RecordUpdate, WriteBatchConfirmed } from '../../../connectors/connector.ts';
import type { ObjectType } from '../../domain/records.ts';
import type { ApiUsageDay, Store } from '../../store/types.ts';

/** The UTC day of an instant, as the store keys it (YYYY-MM-DD). */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** When the next UTC day begins: a used-up budget is available again from then. */
export function nextUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
}

export const budgetReason = (budget: number, resumesAt: string): string =>
  `daily API budget of ${budget.toLocaleString('en-US')} calls reached; resumes at 00:00 UTC (${resumesAt})`;

/** The tenant's budget for today is used up: the run stops here, before its next call. */
export class ApiBudgetReachedError extends Error {
  override readonly name = 'ApiBudgetReachedError';
  constructor(
    readonly tenantId: string,
    readonly budget: number,
    readonly used: number,
    /** ISO: the next 00:00 UTC. */
    readonly resumesAt: string,
  ) {
    super(budgetReason(budget, resumesAt));
  }
}

export interface BudgetStatus extends ApiUsageDay {
  /** Calls left today; null without a budget. */
  remaining: number | null;
  exhausted: boolean;
  /** The next 00:00 UTC when exhausted, else null. */
  resumesAt: string | null;
}

export function budgetStatusOf(usage: ApiUsageDay, at: Date): BudgetStatus {
  const remaining = usage.budget === null ? null : Math.max(0, usage.budget - usage.calls);
  const exhausted = remaining === 0;
  return { ...usage, remaining, exhausted, resumesAt: exhausted ? nextUtcDay(at).toISOString() : null };
}

export async function budgetStatus(store: Store, tenantId: string, at: Date = new Date()): Promise<BudgetStatus> {
  return budgetStatusOf(await store.apiUsage(tenantId, utcDay(at)), at);
}

export interface MeterOptions {
  store: Store;
  tenantId: string;
  /** Whether reaching the budget stops the work (runs) or is only counted (the console). */
  enforce: boolean;
  /** The clock that decides the UTC day (tests move it to the next day). */
  now?: () => Date;
}

export interface MeteredConnector extends Connector {
  /** Adds the calls not yet counted to the store; returns the day's budget and count. */
  flushCalls(): Promise<ApiUsageDay>;
}

const RAW = Symbol('metered connector');
type Viewed = Connector & { [RAW]?: Connector };

/** Calls of each underlying connector already added to the store (its usage counter only grows). */
const counted = new WeakMap<Connector, { calls: number }>();

/** A counting (and, for runs, enforcing) view of the connector; a view of a view wraps the same connector. */
export function meteredConnector(connector: Connector, options: MeterOptions): MeteredConnector {
  const raw = (connector as Viewed)[RAW] ?? connector;
  let counter = counted.get(raw);
  if (!counter) counted.set(raw, (counter = { calls: 0 }));
  const flushedCounter = counter;
  const { store, tenantId, enforce } = options;
  const now = options.now ?? (() => new Date());
  /** The store's count when this view last added to it. */
  let known: ApiUsageDay | null = null;

  const flushCalls = async (): Promise<ApiUsageDay> => {
    const calls = raw.usage().calls;
    const delta = Math.max(0, calls - flushedCounter.calls);
    // Claimed before the await: a flush of another view meanwhile adds only what came after.
    flushedCounter.calls += delta;
    try {
      known = await store.addApiCalls(tenantId, utcDay(now()), delta);
    } catch (error) {
      flushedCounter.calls -= delta;
      throw error;
    }
    return known;
  };
  /** After an operation: a failed count is kept for the next flush, and must not hide the operation's own outcome. */
  const settle = async (): Promise<void> => {
    await flushCalls().catch(() => undefined);
  };
  const check = async (): Promise<void> => {
    if (!enforce) return;
    const at = now();
    if (!known || known.day !== utcDay(at)) await flushCalls();
    const { budget, calls } = known!;
    const used = calls + Math.max(0, raw.usage().calls - flushedCounter.calls);
    if (budget !== null && used >= budget) throw new ApiBudgetReachedError(tenantId, budget, used, nextUtcDay(at).toISOString());
  };
  async function op<T>(work: () => Promise<T>, guarded = true): Promise<T> {
    await flushCalls();
    if (guarded) await check();
    try {
      return await work();
    } finally {
      await settle();
    }
  }

  const view: MeteredConnector & { [RAW]: Connector } = {
    [RAW]: raw,
    get crm() {
      return raw.crm;
    },
    flushCalls,
    usage: () => raw.usage(),
    check: () => op(() => raw.check()),
    // Counted, never stopped: the lead score asks for the field labels its reasons are written with, and a
    // scoring cut off there would write column names the next day's run then writes again with labels.
    discover: (objectType) => op(() => raw.discover(objectType), false),
    install: (fields) => op(() => raw.install(fields)),
    readValues: (objectType, ids, properties) => op(() => raw.readValues(objectType, ids, properties)),
    ...(raw.readByIds ? { readByIds: (objectType: ObjectType, ids: readonly string[]) => op(() => raw.readByIds!(objectType, ids)) } : {}),
    ...(raw.canExcludeOwnWrites ? { canExcludeOwnWrites: true } : {}),
    read: (objectType: ObjectType, checkpoint: Checkpoint | null, options?: ReadOptions): AsyncIterable<Page> => ({
      async *[Symbol.asyncIterator]() {
        await flushCalls();
        const pages = raw.read(objectType, checkpoint, options)[Symbol.asyncIterator]();
        try {
          for (;;) {
            // Between pages: the page before is stored with its checkpoint by now.
            await check();
            const next = await pages.next();
            if (next.done) return;
            yield next.value;
          }
        } finally {
          await pages.return?.();
          await settle();
        }
      },
    }),
    write: (objectType: ObjectType, updates: RecordUpdate[], onBatch?: WriteBatchConfirmed) =>
      op(() => {
        // Without onBatch the caller learns results only at the end: stopping half-way would lose them.
        if (!onBatch) return raw.write(objectType, updates);
        let answered = 0;
        return raw.write(objectType, updates, async (results) => {
          await onBatch(results);
          answered += results.length;
          // The caller recorded this batch: stop before the next request, not after the last one.
          if (answered < updates.length) await check();
        });
      }),
    ...(raw.deleted ? { deleted: (objectType: ObjectType, since: string | null) => op(() => raw.deleted!(objectType, since)) } : {}),
    ...(raw.recordHistory ? { recordHistory: (entries: Parameters<NonNullable<Connector['recordHistory']>>[0]) => op(() => raw.recordHistory!(entries)) } : {}),
  };
  return view;
}
