/**
 * The one model lifecycle every signal stage goes through: the active model, a reason to retrain (none,
 * format upgraded, spec changed, training rows moved, forced), fit, save, and promote only if no worse
 * where the stage has a quality metric. A stage supplies what differs (its spec, its rows, its fit).
 */
import type { RetrainRequest, StoredModel } from '../../store/types.ts';
import type { PipelineContext } from '../context.ts';

/** Retrain when the training set grew or shrank by this share since the active model was trained. */
export const RETRAIN_SHARE = 0.1;

export interface Fitted {
  model: unknown;
  metrics: Record<string, unknown>;
}

export interface ModelPlan {
  kind: string;
  /** How the log names the model ("lead score"). */
  label: string;
  /**
   * Hash of what the model was fitted on (inputs, outcome definition, placeholders, ranges...): a model
   * fitted on another spec expects other columns, so it must be replaced rather than scored with.
   */
  specHash: string;
  /**
   * The spec of models saved before spec hashes existed: they were fitted on the CRM's built-in mapping,
   * the only one there was. Without it such models count as current.
   */
  legacySpecHash?: string;
  /** Training rows now: a move of RETRAIN_SHARE or more since the active model retrains. */
  rows: number;
  force: boolean;
  /** Null when there is enough data to fit; otherwise why not (kept as the report's reason). */
  cannotFit?: string | null;
  /** A reason only the stage knows that the active model cannot serve (an older format, another kind). */
  unusable?: (active: StoredModel) => string | null;
  /** Higher is better; a stage without one always promotes. */
  quality?: { of: (metrics: Record<string, unknown>) => number | null; tolerance: number; format: (value: number) => string };
  /** The figures the log shows for a fitted model. */
  describe?: (metrics: Record<string, unknown>) => string;
  fit(reason: string): Promise<Fitted>;
}

/**
 * Thrown by a plan's fit when the data turns out unable to make a model only once fitting looks at it
 * (every row alike, too few distinct rows): the stage reports it as it reports too little data, with no
 * model, rather than failing the cycle that a retry would fail the same way.
 */
export class CannotFitError extends Error {
  override name = 'CannotFitError';
}

export interface ModelOutcome {
  /** The model to score with; null when there is none the current spec can use. */
  active: StoredModel | null;
  trained: boolean;
  reason: string;
}

/**
 * Why the active model must be replaced, in the order that explains most: a forced retrain names itself,
 * then a stored request (a privacy deletion: the model was trained on the erased person).
 */
export function retrainReason(
  active: StoredModel | null,
  plan: Pick<ModelPlan, 'specHash' | 'legacySpecHash' | 'rows' | 'force' | 'unusable'>,
  request: RetrainRequest | null = null,
): string | null {
  if (plan.force) return 'retrain requested';
  if (request) return request.reason;
  if (!active) return 'no active model';
  const unusable = plan.unusable?.(active);
  if (unusable) return unusable;
  if (specChanged(active, plan)) return 'mapping changed';
  const before = typeof active.trainedOn.rows === 'number' ? active.trainedOn.rows : 0;
  if (Math.abs(plan.rows - before) >= RETRAIN_SHARE * Math.max(before, 1)) return `training rows moved from ${before} to ${plan.rows}`;
  return null;
}

/** A model saved before spec hashes is compared by the built-in mapping's spec: no retrain on upgrade, one after a change. */
function specChanged(active: StoredModel, plan: Pick<ModelPlan, 'specHash' | 'legacySpecHash'>): boolean {
  const stored = typeof active.trainedOn.specHash === 'string' ? active.trainedOn.specHash : plan.legacySpecHash;
  return stored !== undefined && stored !== plan.specHash;
}

/** Whether the active model can still score under the current spec, whatever the data says. */
function servable(active: StoredModel | null, plan: ModelPlan): active is StoredModel {
  return active !== null && !plan.unusable?.(active) && !specChanged(active, plan);
}

/** The outcome when no model can be fitted now: the active one goes on serving where it still may. */
function withoutFit(active: StoredModel | null, plan: ModelPlan, reason: string, request: RetrainRequest | null, cannotFit: string): ModelOutcome {
  // A model trained on an erased person must not go on scoring; the request waits for enough data.
  if (request) return { active: null, trained: false, reason: `${reason}; ${cannotFit}` };
  if (!active || servable(active, plan)) return { active, trained: false, reason: cannotFit };
  // A model fitted on another spec would fail on every row: no signal is better than a crash.
  return { active: null, trained: false, reason: `${reason}; ${cannotFit}` };
}

export async function ensureModel(ctx: PipelineContext, plan: ModelPlan): Promise<ModelOutcome> {
  const { store, tenant } = ctx;
  const active = await store.getActiveModel(tenant.id, plan.kind);
  const request = (await store.retrainRequests(tenant.id)).get(plan.kind) ?? null;
  const reason = retrainReason(active, plan, request);
  if (!reason) return { active, trained: false, reason: 'model is current' };
  if (plan.cannotFit) return withoutFit(active, plan, reason, request, plan.cannotFit);

  let fitted: Fitted;
  try {
    fitted = await plan.fit(reason);
  } catch (error) {
    if (!(error instanceof CannotFitError)) throw error;
    ctx.log(`${plan.label}: no model fitted: ${error.message}`);
    return withoutFit(active, plan, reason, request, error.message);
  }
  const { model, metrics } = fitted;
  const score = plan.quality?.of(metrics) ?? null;
  // The old model learnt from an erased person: it is no bar, the new one replaces it whatever its metric.
  const bar = !request && servable(active, plan) && plan.quality ? plan.quality.of(active.metrics) : null;
  // a model that cannot serve the current spec is no bar
  const promote = score === null || bar === null || score >= bar - plan.quality!.tolerance;
  const version = await store.saveModel(tenant.id, {
    kind: plan.kind,
    status: promote ? 'candidate' : 'rejected',
    metrics,
    model,
    trainedOn: { rows: plan.rows, reason, specHash: plan.specHash },
  });
  const figures = plan.describe ? `: ${plan.describe(metrics)}` : '';
  if (!promote) {
    const f = plan.quality!.format;
    ctx.log(`${plan.label} model v${version}${figures}, kept v${active!.version} (${f(bar!)})`);
    return { active, trained: true, reason: `${reason}; new model not promoted (${f(score!)})` };
  }
  await store.promoteModel(tenant.id, plan.kind, version);
  if (request) await store.completeRetrainRequest(tenant.id, plan.kind, request.requestedAt);
  ctx.log(`${plan.label} model v${version}${figures}, promoted`);
  return { active: await store.getActiveModel(tenant.id, plan.kind), trained: true, reason };
}
