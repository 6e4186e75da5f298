/**
 * One cycle for one tenant: sync -> train -> score -> diff -> outbox -> write back.
 * Shadow mode and dry runs stop before anything is written to the CRM; their report says what would be.
 */
import type { ObjectType, RejectedRecord } from '../domain/records.ts';
import type { ApiUsage } from '../../connectors/connector.ts';
import { ConnectorError } from '../../connectors/shared/errors.ts';
import type { OutboxInput } from '../store/types.ts';
import type { PipelineContext } from './context.ts';
import { diffSignals, hubspotFieldName, leadScoreProperties } from './diff.ts';
import { scoreLeads, type ScoreReport } from './score.ts';
import { syncObject, type SyncReport } from './sync.ts';
import { LEAD_SCORE, trainIfNeeded, type TrainReport } from './train.ts';
import { drainOutbox, type WriteReport } from './writeBack.ts';

export const SYNCED_OBJECTS: ObjectType[] = ['contact', 'deal', 'ticket'];

export interface CycleOptions {
  dryRun?: boolean;
  retrain?: boolean;
}

export interface CycleSummary {
  runId: number;
  tenantId: string;
  mode: 'shadow' | 'live';
  dryRun: boolean;
  status: 'succeeded' | 'failed';
  error: string | null;
  startedAt: string;
  durationMs: number;
  synced: Partial<Record<ObjectType, Omit<SyncReport, 'changedIds'>>>;
  model: TrainReport | null;
  scoring: ScoreReport | null;
  /** Writes the diff found (queued in live mode; only reported in shadow mode and dry runs). */
  changes: number;
  preview: OutboxInput[];
  write: WriteReport | null;
  api: ApiUsage;
  rejected: RejectedRecord[];
}

export async function runCycle(ctx: PipelineContext, options: CycleOptions = {}): Promise<CycleSummary> {
  const { store, tenant, connector } = ctx;
  const started = Date.now();
  await store.markInterruptedRuns(tenant.id);
  const runId = await store.startRun(tenant.id, 'cycle');
  const before = connector.usage();
  const dryRun = options.dryRun ?? false;
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
    model: null,
    scoring: null,
    changes: 0,
    preview: [],
    write: null,
    api: { calls: 0, retries: 0, throttled: 0 },
    rejected: [],
  };
  try {
    for (const objectType of SYNCED_OBJECTS) {
      const { changedIds: _ids, ...report } = await syncObject(ctx, runId, objectType);
      summary.synced[objectType] = report;
    }
    summary.model = await trainIfNeeded(ctx, options.retrain ?? false);
    summary.scoring = await scoreLeads(ctx, runId);

    const signals = await store.latestSignals(tenant.id, 'contact', LEAD_SCORE);
    const written = await store.writtenValues(tenant.id, 'contact');
    const changes = diffSignals(signals, written, (row) => leadScoreProperties(row, hubspotFieldName));
    summary.changes = changes.length;
    summary.preview = changes.slice(0, 20);
    if (tenant.mode === 'live' && !dryRun) {
      await store.enqueue(tenant.id, runId, changes);
      summary.write = await drainOutbox(ctx, runId, 'contact');
    }
  } catch (error) {
    summary.status = 'failed';
    summary.error = error instanceof ConnectorError ? `${error.connectionStatus}: ${error.message}` : (error as Error).message;
    ctx.log(`cycle failed: ${summary.error}`);
  }
  const after = connector.usage();
  summary.api = { calls: after.calls - before.calls, retries: after.retries - before.retries, throttled: after.throttled - before.throttled };
  summary.rejected = await store.rejectedRecords(tenant.id, runId);
  summary.durationMs = Date.now() - started;
  const { preview: _preview, ...stored } = summary;
  await store.finishRun(tenant.id, runId, summary.status, stored as unknown as Record<string, unknown>);
  return summary;
}
