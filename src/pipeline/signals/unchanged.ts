/**
 * A stage whose inputs did not change since its last complete pass has nothing to do: every signal it
 * would compute is stored already. Besides code (src/pipeline/passes.ts), a stage's results depend on the
 * tenant's records (their generations: count and highest change number per object type), its mapping, its
 * active model version, a pending retrain request and an adopted shared model. When all of them are as
 * they were after the last pass, the stage is skipped without paging a single record: a no-change cycle
 * costs a few indexed queries whatever the portal's size.
 */
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
    records,
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
