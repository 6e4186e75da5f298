/**
 * One cycle for one tenant: sync -> train -> score -> diff -> outbox -> write back.
 * Shadow mode and dry runs stop before anything is written to the CRM; their report says what would be.
 */
import type { ObjectType, RejectedRecord } from '../domain/records.ts';
import type { ApiUsage } from '../../connectors/connector.ts';
import { ConnectorError } from '../../connectors/shared/errors.ts';
import type { OutboxInput } from '../store/types.ts';
import type { PipelineContext } from './context.ts';
import { tenantWritten } from './events.ts';
import { diffPages, fieldsWithCurrentOptions, outputObjectTypes } from './outputs.ts';
import { SIGNAL_STAGES, type StageReport } from './signals/index.ts';
import type { SharedModel, SignalStage, StageOptions } from './signals/stage.ts';
import { runUnlessUnchanged } from './signals/unchanged.ts';
import { hashOf } from './signals/stage.ts';
import { passCompleted, unchangedSince } from './passes.ts';
import { syncObject, type SyncReport } from './sync.ts';
import { drainOutbox, type WriteReport } from './writeBack.ts';
import { recordHistory } from './history.ts';
import { startLeasedRun } from './jobs/runLease.ts';
import { ApiBudgetReachedError, meteredConnector } from './jobs/apiBudget.ts';
import { TokenRefusedError } from '../../connectors/shared/errors.ts';
import { disconnect } from './disconnect.ts';

export const SYNCED_OBJECTS: ObjectType[] = ['contact', 'deal', 'ticket'];

export interface CycleOptions {
  dryRun?: boolean;
  retrain?: boolean;
  /** Stop after the sync (a linked cycle trains across tenants in between). */
  syncOnly?: boolean;
  /** Use this lead score model (trained across a company's CRMs) instead of training one. */
  sharedLeadScore?: SharedModel;
  /** The sync-only run that read for this cycle: its figures are reported (and stored) with this run's. */
  syncedBefore?: CycleSummary;
}

export interface CycleSummary {
  runId: number;
  tenantId: string;
  mode: 'shadow' | 'live';
  dryRun: boolean;
  /** 'paused': the tenant's daily API budget ran out; the next day's cycle goes on from the checkpoints and the outbox. */
  status: 'succeeded' | 'failed' | 'paused';
  error: string | null;
  /** Why the cycle stopped before its end, and when it may go on (set with status 'paused'). */
  paused?: { reason: string; budget: number; resumesAt: string; pendingWrites: number };
  startedAt: string;
  durationMs: number;
  synced: Partial<Record<ObjectType, Omit<SyncReport, 'changedIds'>>>;
  signals: StageReport[];
  /** Records whose values differ from what was last written, per object type (queued in live mode). */
  changes: Partial<Record<ObjectType, number>>;
  /** The first changes, for a dry run or shadow report. */
  preview: OutboxInput[];
  /** Field values a shadow run or dry run would have written, all kept with the run (Store.proposedChanges). */
  proposedChanges?: number;
  /** Per object type; null when nothing was to be written (shadow mode, dry run). */
  write: Partial<Record<ObjectType, WriteReport>> | null;
  /** Timeline entries recorded in the CRM for significant changes. */
  history: number;
  api: ApiUsage;
  rejected: RejectedRecord[];
  /** Set when the CRM refused our refresh token during this cycle: the tenant is now disconnected, for this reason. */
  disconnected?: string;
}

export async function runCycle(given: PipelineContext, options: CycleOptions = {}): Promise<CycleSummary> {
  // Every CRM call of the cycle counts against the tenant's daily API budget, which pauses it at a batch boundary.
  const connector = meteredConnector(given.connector, { store: given.store, tenantId: given.tenant.id, enforce: true, ...(given.now ? { now: given.now } : {}) });
  const ctx: PipelineContext = { ...given, connector };
  const { store, tenant } = ctx;
  const started = Date.now();
  const run = await startLeasedRun(ctx, options.syncOnly ? 'sync' : 'cycle');
  const runId = run.runId;
  const before = connector.usage();
  const dryRun = options.dryRun ?? false;
  const writing = tenant.mode === 'live' && !dryRun;
  const summary: CycleSummary = {
    runId,
    tenantId: tenant.id,
    mode: tenant.mode,
    dryRun,
    status: 'succeeded',
    error: null,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    synced: {},
    signals: [],
    changes: {},
    preview: [],
    write: writing ? {} : null,
    history: 0,
    api: { calls: 0, retries: 0, throttled: 0 },
    rejected: [],
  };
  try {
    for (const objectType of SYNCED_OBJECTS) {
      const { changedIds: _ids, ...report } = await syncObject(ctx, runId, objectType);
      summary.synced[objectType] = report;
    }
    if (options.syncOnly) return await finish();
    const stageOptions = { retrain: options.retrain ?? false, ...(options.sharedLeadScore ? { sharedLeadScore: options.sharedLeadScore } : {}) };
    for (const stage of SIGNAL_STAGES) summary.signals.push(await runStage(ctx, stage, runId, stageOptions));
    tenantWritten(tenant.id);
    const failed = summary.signals.filter((s) => s.error !== undefined);
    if (failed.length) {
      // The run is failed (its work is incomplete and a scheduler may retry it), yet the stages that
      // worked still write below: one broken model must not hold back the other signals.
      summary.status = 'failed';
      summary.error = `${failed.length} of ${summary.signals.length} signal stages failed (${failed.map((s) => `${s.signal}: ${s.error}`).join('; ')}); the other signals were computed and written`;
      ctx.log(`cycle: ${summary.error}`);
    }

    // The last diff found nothing and no signal, written value or record moved since: nothing to diff.
    const inSync = (await unchangedSince(ctx, DIFF_PASS, await diffInputsKey(ctx), isInSync)) !== null;
    // The diff streams a page at a time into the outbox (or the proposals): at a million contacts neither
    // the values nor the changes are ever held whole.
    let diffed = 0;
    let pendingBefore: number | null = null;
    if (!writing) summary.proposedChanges = 0;
    for (const objectType of outputObjectTypes()) {
      summary.changes[objectType] = 0;
      if (inSync) continue;
      for await (const items of diffPages(store, tenant.id, connector.crm, objectType, ctx.mapping.outputs)) {
        if (items.length === 0) continue;
        const shown = summary.preview.filter((p) => p.objectType === objectType).length;
        summary.preview.push(...items.slice(0, Math.max(0, PREVIEW_PER_TYPE - shown)));
        summary.changes[objectType] += items.length;
        diffed += items.length;
        if (!writing) {
          // Shadow mode and dry runs keep the whole list: the admin reads (and downloads) exactly what going live writes.
          summary.proposedChanges! += await store.saveProposedChanges(tenant.id, runId, items, { append: true });
          continue;
        }
        if (pendingBefore === null) {
          // Before the first item is queued: new segments are new enumeration options the CRM refuses
          // values without, and no pending item may outlive a crash without its fields installed.
          await connector.install(await fieldsWithCurrentOptions(store, tenant.id));
          pendingBefore = await store.countPending(tenant.id);
        }
        await store.enqueue(tenant.id, runId, items);
      }
    }
    if (!inSync && diffed === 0) await passCompleted(ctx, DIFF_PASS, await diffInputsKey(ctx), { inSync: true });
    if (writing) {
      for (const objectType of outputObjectTypes()) summary.write![objectType] = await drainOutbox(ctx, runId, objectType);
      // Every change this diff found, and only those, was written: the CRM now holds what the signals say.
      const reports = Object.values(summary.write!);
      if (pendingBefore === 0 && reports.every((r) => r.failed === 0 && r.stillPending === 0) && (await store.countPending(tenant.id)) === 0) {
        await passCompleted(ctx, DIFF_PASS, await diffInputsKey(ctx), { inSync: true });
      }
      summary.history = await recordHistory(ctx);
    }
  } catch (error) {
    if (error instanceof ApiBudgetReachedError) {
      // A pause, not a failure: a retry today could do nothing more (unless a stage failed already).
      if (summary.status !== 'failed') summary.status = 'paused';
      summary.paused = { reason: error.message, budget: error.budget, resumesAt: error.resumesAt, pendingWrites: await store.countPending(tenant.id) };
      ctx.log(`cycle of ${tenant.id} paused: ${error.message}`);
      return finish();
    }
    summary.status = 'failed';
    if (error instanceof TokenRefusedError) {
      // Uninstalled or revoked: the tenant is disconnected (tokens deleted) and no retry follows.
      await disconnect(store, tenant.id, error.message);
      summary.disconnected = error.message;
    }
    const message = error instanceof ConnectorError ? `${error.connectionStatus}: ${error.message}` : (error as Error).message;
    summary.error = summary.error ? `${message}; ${summary.error}` : message;
    ctx.log(`cycle failed: ${summary.error}`);
  }
  return finish();

  async function finish(): Promise<CycleSummary> {
    await connector.flushCalls().catch((error: unknown) => ctx.log(`API calls of ${tenant.id} not counted yet: ${(error as Error).message}`));
    const after = connector.usage();
    summary.api = { calls: after.calls - before.calls, retries: after.retries - before.retries, throttled: after.throttled - before.throttled };
    summary.rejected = await store.rejectedRecords(tenant.id, runId);
    summary.durationMs = Date.now() - started;
    if (options.syncedBefore) Object.assign(summary, withSync(summary, options.syncedBefore));
    const { preview: _preview, ...stored } = summary;
    await run.finish(summary.status, stored as unknown as Record<string, unknown>);
    tenantWritten(tenant.id);
    return summary;
  }
}

const DIFF_PASS = 'write-back diff';
/** Changes per object type a cycle's summary shows; the whole list is in the outbox or the proposals. */
const PREVIEW_PER_TYPE = 10;
const isInSync = (value: unknown): value is { inSync: true } => (value as { inSync?: unknown } | null)?.inSync === true;

/**
 * What the write-back diff reads: the newest signals (a saved signal moves the newest id), what we last
 * wrote (every write adds audit rows), the records (a deletion takes their signals and written values
 * along) and the output fields the mapping chose.
 */
async function diffInputsKey(ctx: PipelineContext): Promise<string> {
  const [ids, records] = await Promise.all([ctx.store.latestIds(ctx.tenant.id), ctx.store.recordGenerations(ctx.tenant.id)]);
  return hashOf({ ids, records, outputs: ctx.mapping.outputs ?? null, crm: ctx.connector.crm });
}

/** One signal stage, on its own: its failure becomes its report instead of ending the cycle. */
async function runStage(ctx: PipelineContext, stage: SignalStage, runId: number, options: StageOptions): Promise<StageReport> {
  try {
    return await runUnlessUnchanged(ctx, stage, runId, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.log(`${stage.name}: stage failed: ${message}`);
    return { signal: stage.outputs[0]?.signal ?? stage.name, trained: false, reason: 'stage failed', modelVersion: null, metrics: {}, computed: 0, eligible: 0, error: message };
  }
}

/** A cycle's summary with what an earlier sync-only run of the same cycle read added in. */
function withSync(full: CycleSummary, sync: CycleSummary): CycleSummary {
  const synced = { ...full.synced };
  for (const [objectType, first] of Object.entries(sync.synced) as Array<[ObjectType, Omit<SyncReport, 'changedIds'>]>) {
    const second = synced[objectType];
    synced[objectType] = second
      ? {
          ...second,
          // the sync-only run read first: its search (and why) is this cycle's
          source: first.source === 'search' ? 'search' : second.source,
          ...(first.why ?? second.why ? { why: (first.why ?? second.why)! } : {}),
          read: first.read + second.read,
          fromWebhooks: first.fromWebhooks + second.fromWebhooks,
          changed: first.changed + second.changed,
          rejected: first.rejected + second.rejected,
          deleted: first.deleted + second.deleted,
          ownWrites: first.ownWrites + second.ownWrites,
          pages: first.pages + second.pages,
        }
      : first;
  }
  const api = { calls: full.api.calls + sync.api.calls, retries: full.api.retries + sync.api.retries, throttled: full.api.throttled + sync.api.throttled };
  return { ...full, synced, api, rejected: [...sync.rejected, ...full.rejected], durationMs: full.durationMs + sync.durationMs };
}
