/**
 * A stage whose inputs did not change since its last complete pass has nothing to do: every signal it
 * would compute is stored already. Besides code (src/pipeline/passes.ts), a stage's results depend on the
 * records of the types it reads (their generations: count and highest change number), its mapping, its
 * active model version, a pending retrain request and an adopted shared model. When all of them are as
 * they were after the last pass, the stage is skipped without paging a single record: a no-change cycle
 * costs a few indexed queries whatever the portal's size.
 */
import type { ObjectType } from '../../domain/records.ts';
import type { StoredRecord } from '../../store/types.ts';
import type { PipelineContext } from '../context.ts';
import { passCompleted, unchangedSince } from '../passes.ts';
import { hashOf, type SignalStage, type StageOptions, type StageReport } from './stage.ts';

/** Everything besides code a stage's results depend on, as one hash. */
export async function stageInputsKey(ctx: PipelineContext, stage: SignalStage, options: StageOptions): Promise<string> {
  const { store, tenant } = ctx;
  const [records, models, requests] = await Promise.all([store.recordGenerations(tenant.id), store.activeModelVersions(tenant.id), store.retrainRequests(tenant.id)]);
  // A stage's model kind is its name; another stage's new model does not change this one's results.
  return hashOf({
    stage: stage.name,
    records: stage.reads.map((type) => [type, records[type] ?? null]),
    model: models[stage.name] ?? null,
    request: requests.get(stage.name) ?? null,
    mapping: ctx.mapping,
    shared: options.sharedLeadScore?.key ?? null,
  });
}

const isReport = (value: unknown): value is StageReport => typeof value === 'object' && value !== null && typeof (value as StageReport).signal === 'string';

/**
 * Runs the stage unless nothing it reads changed since its last complete pass; then its previous report
 * stands, with nothing computed this cycle. A forced retrain always runs; a failed pass stores nothing.
 */
export async function runUnlessUnchanged(ctx: PipelineContext, stage: SignalStage, runId: number, options: StageOptions): Promise<StageReport> {
  const pass = `stage:${stage.name}`;
  const last = options.retrain ? null : await unchangedSince(ctx, pass, await stageInputsKey(ctx, stage, options), isReport);
  if (last) return { ...last, trained: false, reason: 'model is current (nothing changed since the last pass)', computed: 0 };
  const report = await stage.run(ctx, runId, options);
  // The key after the pass: a model it trained and promoted is part of what the next pass will see.
  await passCompleted(ctx, pass, await stageInputsKey(ctx, stage, options), report);
  return report;
}

export interface RecordsToCheck {
  pages: AsyncIterable<StoredRecord[]>;
  /** Only the records changed since the last complete pass (false: every record). */
  changedOnly: boolean;
  /** After the pass went through every page: the next one starts after the records seen now. */
  completed(): Promise<void>;
}

const isChangeSeq = (value: unknown): value is { changeSeq: string } => typeof (value as { changeSeq?: unknown } | null)?.changeSeq === 'string';

/**
 * The records a stage's scoring pass must check. Stored signals stay current while their record and
 * what they were computed with (`scope`: the model version, the mapping, the wording) stay the same, so a
 * pass with the scope of the last complete one reads only the records changed since (a cycle with 100 edits
 * checks 100 records, not the portal); any other pass reads every record.
 */
export async function recordsToCheck(ctx: PipelineContext, stage: string, objectType: ObjectType, scope: unknown): Promise<RecordsToCheck> {
  const { store, tenant } = ctx;
  const pass = `checked:${stage}`;
  const key = hashOf(scope);
  // Taken before the pass: a record changed while it runs has a higher number and is checked next time.
  const through = (await store.recordGenerations(tenant.id))[objectType]?.changeSeq ?? '0';
  const last = await unchangedSince(ctx, pass, key, isChangeSeq);
  return {
    pages: last ? store.recordPagesChangedSince(tenant.id, objectType, last.changeSeq) : store.recordPages(tenant.id, objectType),
    changedOnly: last !== null,
    completed: () => passCompleted(ctx, pass, key, { changeSeq: through }),
  };
}
