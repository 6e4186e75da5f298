/**
 * The lead score: trained on contacts whose outcome is known, evaluated out-of-sample, promoted only when
 * no worse than the active model, and computed for open contacts whose inputs or model changed.
 */
import { fitLeadScore, formatReasons, LEAD_SCORE_VERSION, leadScoreFromJSON, leadScoreToJSON, predictLeadScore } from '../../models/leadScore/index.ts';
import type { Confidence, Reason } from '../../models/leadScore/index.ts';
import { defaultMapping, leadScoreSpecHash, modelInputs, modelRow, outcomeOf } from '../../mapping/index.ts';
import type { SignalRow } from '../../store/types.ts';
import type { PipelineContext } from '../context.ts';
import { ensureModel, type ModelOutcome } from './lifecycle.ts';
import { byId, due, type SharedModel, type SignalStage, type StageReport } from './stage.ts';

export const LEAD_SCORE = 'leadScore';
/** "No worse": the out-of-sample AUC may dip by sampling noise alone. */
const PROMOTION_TOLERANCE = 0.005;
const SCORE_BATCH = 500;

export interface LeadScoreValue {
  score: number;
  probability: number;
  /** The readable sentence written to the CRM. */
  reasons: string;
  /** The same reasons as stable codes (column, bucket, direction, weight, model id), for cards and audits. */
  reasonCodes?: Array<Pick<Reason, 'code' | 'column' | 'bucketKey' | 'direction' | 'weight' | 'modelVersion'>>;
  confidence?: Confidence;
}

/**
 * The shared model is fitted across tenants (linked.ts), so this tenant's lifecycle is only: adopt it
 * once per training set. Its key hashes the training rows, which change with the spec.
 */
async function adopt(ctx: PipelineContext, shared: SharedModel): Promise<ModelOutcome> {
  const { store, tenant } = ctx;
  const active = await store.getActiveModel(tenant.id, LEAD_SCORE);
  const request = (await store.retrainRequests(tenant.id)).get(LEAD_SCORE) ?? null;
  if (active?.trainedOn.sharedKey === shared.key && !request) return { active, trained: false, reason: 'shared model is current' };
  const reason = request ? `${request.reason}: shared model trained on ${shared.rows} labelled records across CRMs` : `shared model trained on ${shared.rows} labelled records across CRMs`;
  const trainedOn = { rows: shared.rows, sharedKey: shared.key, reason, specHash: leadScoreSpecHash(ctx.mapping) };
  const version = await store.saveModel(tenant.id, { kind: LEAD_SCORE, status: 'candidate', metrics: shared.metrics, model: shared.model, trainedOn });
  await store.promoteModel(tenant.id, LEAD_SCORE, version);
  if (request) await store.completeRetrainRequest(tenant.id, LEAD_SCORE, request.requestedAt);
  return { active: await store.getActiveModel(tenant.id, LEAD_SCORE), trained: true, reason };
}

/** Labelled training rows of one tenant: model inputs (by model column) and the outcome. */
export async function labelledRows(ctx: PipelineContext): Promise<Labelled[]> {
  const { store, tenant, mapping } = ctx;
  const contacts = byId(await store.getRecords(tenant.id, 'contact'));
  return contacts.flatMap((c) => {
    const outcome = outcomeOf(c, mapping.leadScore);
    if (outcome === 'open') return [];
    const email = c.properties[mapping.leadScore.emailField]?.trim().toLowerCase() || null;
    return [{ email, row: modelRow(c.properties, mapping.leadScore), label: (outcome === 'converted' ? 1 : 0) as 0 | 1 }];
  });
}

type Labelled = { email: string | null; row: Record<string, string | null>; label: 0 | 1 };

/** Training rows with each person once: the same email twice (two contacts, or two CRMs) keeps the first. */
export function onePerPerson(items: Iterable<Labelled>): { rows: Array<Record<string, string | null>>; labels: Array<0 | 1> } {
  const seen = new Set<string>();
  const rows: Array<Record<string, string | null>> = [];
  const labels: Array<0 | 1> = [];
  for (const item of items) {
    if (item.email) {
      if (seen.has(item.email)) continue;
      seen.add(item.email);
    }
    rows.push(item.row);
    labels.push(item.label);
  }
  return { rows, labels };
}

/** Fits the lead score; the model JSON and its out-of-sample metrics. Leakage and low-data warnings are logged. */
export async function fitLeadScoreModel(
  ctx: PipelineContext,
  rows: Array<Record<string, string | null>>,
  labels: Array<0 | 1>,
): Promise<{ model: unknown; metrics: Record<string, unknown>; auc: number }> {
  const { numeric, categorical } = modelInputs(ctx.mapping.leadScore);
  const { placeholders } = ctx.mapping.leadScore;
  // an excluded column keeps its range in the mapping but is no model input
  const ranges = Object.fromEntries(Object.entries(ctx.mapping.leadScore.ranges).filter(([c]) => numeric.includes(c)));
  const { model, metrics } = await fitLeadScore(rows, labels, { spec: { numeric, categorical, placeholders }, ranges, seed: ctx.seed });
  for (const warning of metrics.warnings) ctx.log(`lead score: ${warning}`);
  return { model: leadScoreToJSON(model), metrics: { ...metrics }, auc: metrics.auc };
}

/** A stored model this build cannot read (an older format) must be replaced, not scored with. */
function outdated(active: { model: unknown } | null): boolean {
  const version = (active?.model as { version?: unknown } | null)?.version;
  return active !== null && version !== LEAD_SCORE_VERSION;
}

async function train(ctx: PipelineContext, force: boolean): Promise<ModelOutcome> {
  const { rows, labels } = onePerPerson(await labelledRows(ctx));
  return ensureModel(ctx, {
    kind: LEAD_SCORE,
    label: 'lead score',
    specHash: leadScoreSpecHash(ctx.mapping),
    legacySpecHash: leadScoreSpecHash(defaultMapping(ctx.mapping.crm)),
    rows: rows.length,
    force,
    unusable: (model) => (outdated(model) ? 'model format upgraded' : null),
    quality: { of: (m) => (typeof m.auc === 'number' ? m.auc : null), tolerance: PROMOTION_TOLERANCE, format: (auc) => `AUC ${auc.toFixed(3)}` },
    describe: (m) => `out-of-sample AUC ${Number(m.auc).toFixed(3)}`,
    fit: async (why) => {
      ctx.onProgress?.({ stage: 'train', message: `lead score: training on ${rows.length} labelled contacts (${why})` });
      return fitLeadScoreModel(ctx, rows, labels);
    },
  });
}

export const leadScoreStage: SignalStage = {
  name: LEAD_SCORE,
  outputs: [
    {
      signal: LEAD_SCORE,
      objectType: 'contact',
      values: (row: SignalRow) => {
        const value = row.value as LeadScoreValue;
        return { leadScore: String(value.score), leadScoreReasons: value.reasons, leadScoreModel: `leadScore v${row.modelVersion}` };
      },
    },
  ],
  async run(ctx, runId, { retrain, sharedLeadScore }) {
    const { store, tenant, mapping } = ctx;
    const { active, trained, reason } = sharedLeadScore ? await adopt(ctx, sharedLeadScore) : await train(ctx, retrain);
    const contacts = await store.getRecords(tenant.id, 'contact');
    const open = byId(contacts.filter((c) => outcomeOf(c, mapping.leadScore) === 'open'));
    const report: StageReport = { signal: LEAD_SCORE, trained, reason, metrics: {}, modelVersion: active?.version ?? null, computed: 0, eligible: open.length };
    if (!active) return report;
    report.metrics = active.metrics;

    const todo = due(open, await store.latestSignals(tenant.id, 'contact', LEAD_SCORE), active.version, (c) => c.inputHash);
    const model = leadScoreFromJSON(active.model);
    for (let i = 0; i < todo.length; i += SCORE_BATCH) {
      const batch = todo.slice(i, i + SCORE_BATCH);
      const predictions = predictLeadScore(model, batch.map((c) => modelRow(c.properties, mapping.leadScore)));
      const rows: SignalRow[] = batch.map((c, j) => {
        const p = predictions[j]!;
        const value: LeadScoreValue = {
          score: p.score,
          probability: p.probability,
          reasons: formatReasons(p.reasons),
          reasonCodes: p.reasons.map(({ code, column, bucketKey, direction, weight, modelVersion }) => ({ code, column, bucketKey, direction, weight, modelVersion })),
          confidence: p.confidence,
        };
        return { objectType: 'contact', externalId: c.externalId, signal: LEAD_SCORE, modelVersion: active.version, value, inputHash: c.inputHash };
      });
      await store.saveSignals(tenant.id, runId, rows);
      ctx.onProgress?.({ stage: 'score', done: Math.min(i + SCORE_BATCH, todo.length), total: todo.length });
    }
    report.computed = todo.length;
    return report;
  },
};
