/**
 * The lead score: trained on contacts whose outcome is known, evaluated out-of-sample, promoted only when
 * no worse than the active model, and computed for open contacts whose inputs or model changed.
 */
import type { FieldInfo } from '../../../connectors/connector.ts';
import { maxValueLength, outputField } from '../../domain/outputFields.ts';
import {
  fitLeadScore,
  LEAD_SCORE_VERSION,
  leadScoreFromJSON,
  leadScoreToJSON,
  predictLeadScore,
  readableReasons,
  REASON_CODES_VERSION,
  reasonCodes,
  reasonCodesText,
  reasonSentence,
} from '../../models/leadScore/index.ts';
import type { Confidence, LeadScoreModel, ReadableReason, Reason, ReasonCodes } from '../../models/leadScore/index.ts';
import { championComparison } from '../../models/evaluate/evidence.ts';
import { defaultMapping, inputLabels, leadScoreFitSpec, leadScoreSpecHash, modelRow, outcomeOf, type LeadScoreMapping } from '../../mapping/index.ts';
import type { SignalRow, StoredRecord } from '../../store/types.ts';
import type { PipelineContext } from '../context.ts';
import { ensureModel, type ModelOutcome } from './lifecycle.ts';
import { byId, due, hashOf, type SharedModel, type SignalStage, type StageReport } from './stage.ts';
import { recordsToCheck } from './unchanged.ts';

export const LEAD_SCORE = 'leadScore';
/** "No worse": the out-of-sample AUC may dip by sampling noise alone. */
const PROMOTION_TOLERANCE = 0.005;
const SCORE_BATCH = 500;

/** Reason codes as values scored before the codes were versioned hold them. */
type LegacyReasonCodes = Array<Pick<Reason, 'code' | 'column' | 'bucketKey' | 'direction' | 'weight' | 'modelVersion'>>;

export interface LeadScoreValue {
  score: number;
  probability: number;
  /** The readable sentence written to the CRM ("Label: value — raises the score by N points; ..."). */
  reasons: string;
  /** The same reasons in parts, for the app card. Absent in values scored before reasons were worded. */
  readable?: ReadableReason[];
  /** The same reasons as versioned codes (the reason codes field); an array in values scored before. */
  reasonCodes?: ReasonCodes | LegacyReasonCodes;
  /** Which label overrides the reasons were worded with: changed overrides reword them. */
  labelsKey?: string;
  /** ISO time of scoring. */
  scoredAt?: string;
  confidence?: Confidence;
}

const REASONS_MAX_LENGTH = maxValueLength(outputField('leadScoreReasons'));
const CODES_MAX_LENGTH = maxValueLength(outputField('leadScoreReasonCodes'));

/** The mapping's label overrides, as a key that changes when any of them does. */
function labelsKeyOf(m: LeadScoreMapping): string {
  return hashOf(Object.entries(m.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Whether a stored value has today's reasons (worded, versioned codes, the current label overrides). */
function currentReasons(value: unknown, labelsKey: string): boolean {
  const v = value as LeadScoreValue | null | undefined;
  const codes = v?.reasonCodes;
  return Array.isArray(v?.readable) && codes !== undefined && !Array.isArray(codes) && codes.v === REASON_CODES_VERSION && v?.labelsKey === labelsKey;
}

/** The reason codes field of a stored value, whichever format it was scored in. */
export function reasonCodesOf(value: LeadScoreValue, modelVersion: number): ReasonCodes {
  const codes = value.reasonCodes;
  if (codes === undefined) return reasonCodes([], `leadScore v${modelVersion}`);
  return Array.isArray(codes) ? reasonCodes(codes, `leadScore v${modelVersion}`) : codes;
}

/**
 * The CRM's contact field labels, once per cycle that scores. A CRM that does not answer costs the
 * reasons their CRM labels (readable column names instead), never the scores.
 */
async function discoveredContactFields(ctx: PipelineContext): Promise<FieldInfo[] | null> {
  try {
    return await ctx.connector.discover('contact');
  } catch (error) {
    ctx.log(`lead score: field labels unavailable (${error instanceof Error ? error.message : String(error)}); reasons use readable column names`);
    return null;
  }
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
  // page by page: only the labelled contacts' model inputs are kept, never the whole table
  const labelled: Array<Labelled & { externalId: string }> = [];
  for await (const page of store.recordPages(tenant.id, 'contact')) {
    for (const c of page) {
      const outcome = outcomeOf(c, mapping.leadScore);
      if (outcome === 'open') continue;
      const email = c.properties[mapping.leadScore.emailField]?.trim().toLowerCase() || null;
      const champion = championValue(c.properties, mapping.leadScore);
      labelled.push({ externalId: c.externalId, email, row: modelRow(c.properties, mapping.leadScore), label: outcome === 'converted' ? 1 : 0, champion });
    }
  }
  return byId(labelled).map(({ externalId: _, ...item }) => item);
}

/** The CRM's existing score of a record as a number; null where the mapping names none or it is empty. */
function championValue(properties: Record<string, string | null>, m: LeadScoreMapping): number | null {
  const raw = m.championField ? properties[m.championField]?.trim() : undefined;
  if (!raw) return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}

type Labelled = { email: string | null; row: Record<string, string | null>; label: 0 | 1; champion: number | null };

/** Training rows with each person once: the same email twice (two contacts, or two CRMs) keeps the first. */
export function onePerPerson(items: Iterable<Labelled>): TrainingSet {
  const seen = new Set<string>();
  const rows: Array<Record<string, string | null>> = [];
  const labels: Array<0 | 1> = [];
  const champion: Array<number | null> = [];
  for (const item of items) {
    if (item.email) {
      if (seen.has(item.email)) continue;
      seen.add(item.email);
    }
    rows.push(item.row);
    labels.push(item.label);
    champion.push(item.champion);
  }
  return { rows, labels, champion };
}

export interface TrainingSet {
  rows: Array<Record<string, string | null>>;
  labels: Array<0 | 1>;
  /** The CRM's existing score per row (null without one), for the champion/challenger comparison. */
  champion: Array<number | null>;
}

/** Fits the lead score; the model JSON and its out-of-sample metrics. Leakage and low-data warnings are logged. */
export async function fitLeadScoreModel(ctx: PipelineContext, { rows, labels, champion }: TrainingSet): Promise<{ model: unknown; metrics: Record<string, unknown>; auc: number }> {
  const { model, metrics, outOfSample } = await fitLeadScore(rows, labels, { ...leadScoreFitSpec(ctx.mapping.leadScore), seed: ctx.seed });
  for (const warning of metrics.warnings) ctx.log(`lead score: ${warning}`);
  const field = ctx.mapping.leadScore.championField;
  const comparison = field ? championComparison(field, labels, outOfSample, champion) : null;
  return { model: leadScoreToJSON(model), metrics: { ...metrics, importance: model.importance, ...(comparison ? { champion: comparison } : {}) }, auc: metrics.auc };
}

/** A stored model this build cannot read (an older format) must be replaced, not scored with. */
function outdated(active: { model: unknown } | null): boolean {
  const version = (active?.model as { version?: unknown } | null)?.version;
  return active !== null && version !== LEAD_SCORE_VERSION;
}

/** Labelled contacts, one per person, counted in SQL: the retrain decision reads no record. */
async function countLabelled(ctx: PipelineContext): Promise<number> {
  const { outcome, emailField } = ctx.mapping.leadScore;
  return ctx.store.countWithValue(ctx.tenant.id, 'contact', outcome.field, [...outcome.converted, ...outcome.lost].filter(Boolean), { onePerValueOf: emailField });
}

async function train(ctx: PipelineContext, force: boolean): Promise<ModelOutcome> {
  return ensureModel(ctx, {
    kind: LEAD_SCORE,
    label: 'lead score',
    specHash: leadScoreSpecHash(ctx.mapping),
    legacySpecHash: leadScoreSpecHash(defaultMapping(ctx.mapping.crm)),
    rows: await countLabelled(ctx),
    force,
    unusable: (model) => (outdated(model) ? 'model format upgraded' : null),
    quality: { of: (m) => (typeof m.auc === 'number' ? m.auc : null), tolerance: PROMOTION_TOLERANCE, format: (auc) => `AUC ${auc.toFixed(3)}` },
    describe: (m) => `out-of-sample AUC ${Number(m.auc).toFixed(3)}`,
    fit: async (why) => {
      const training = onePerPerson(await labelledRows(ctx));
      ctx.onProgress?.({ stage: 'train', message: `lead score: training on ${training.rows.length} labelled contacts (${why})` });
      return fitLeadScoreModel(ctx, training);
    },
  });
}

export const leadScoreStage: SignalStage = {
  name: LEAD_SCORE,
  reads: ['contact'],
  outputs: [
    {
      signal: LEAD_SCORE,
      objectType: 'contact',
      values: (row: SignalRow) => {
        const value = row.value as LeadScoreValue;
        return {
          leadScore: String(value.score),
          leadScoreReasons: value.reasons,
          leadScoreModel: `leadScore v${row.modelVersion}`,
          leadScoreReasonCodes: reasonCodesText(reasonCodesOf(value, row.modelVersion), CODES_MAX_LENGTH),
        };
      },
    },
  ],
  async run(ctx, runId, { retrain, sharedLeadScore }) {
    const { store, tenant, mapping } = ctx;
    const { active, trained, reason } = sharedLeadScore ? await adopt(ctx, sharedLeadScore) : await train(ctx, retrain);
    const report: StageReport = { signal: LEAD_SCORE, trained, reason, metrics: active?.metrics ?? {}, modelVersion: active?.version ?? null, computed: 0, eligible: 0 };
    const total = await store.countRecords(tenant.id, 'contact');
    const { outcome } = mapping.leadScore;
    report.eligible = total - (await store.countWithValue(tenant.id, 'contact', outcome.field, [...outcome.converted, ...outcome.lost].filter(Boolean)));
    if (!active) return report;
    const model = leadScoreFromJSON(active.model);
    const labelsKey = labelsKeyOf(mapping.leadScore);
    let labels: Record<string, string> | null = null;
    let checked = 0;
    const toCheck = await recordsToCheck(ctx, LEAD_SCORE, 'contact', { version: active.version, labelsKey, mapping: mapping.leadScore });
    // one page of contacts and their newest scores at a time: memory stays at a page whatever the portal's size
    for await (const page of toCheck.pages) {
      checked += page.length;
      const open = page.filter((c) => outcomeOf(c, mapping.leadScore) === 'open');
      if (open.length === 0) continue;
      const latest = await store.latestSignals(tenant.id, 'contact', LEAD_SCORE, open.map((c) => c.externalId));
      // values scored before reasons were worded, or with other label overrides, are reworded too
      const stale = new Set(due(open, latest, active.version, (c) => c.inputHash).map((c) => c.externalId));
      const todo = open.filter((c) => stale.has(c.externalId) || !currentReasons(latest.get(c.externalId)?.value, labelsKey));
      if (todo.length > 0) labels ??= inputLabels(mapping.leadScore, await discoveredContactFields(ctx));
      await scoreContacts(ctx, runId, { version: active.version, model, labelsKey, labels: labels ?? {} }, todo);
      report.computed += todo.length;
      ctx.onProgress?.({ stage: 'score', done: checked, total: Math.max(toCheck.changedOnly ? checked : total, checked) });
    }
    await toCheck.completed();
    return report;
  },
};

/** Scores contacts in batches and saves each batch's values with their reasons. */
async function scoreContacts(
  ctx: PipelineContext,
  runId: number,
  { version, model, labelsKey, labels }: { version: number; model: LeadScoreModel; labelsKey: string; labels: Record<string, string> },
  todo: readonly StoredRecord[],
): Promise<void> {
  const { store, tenant, mapping } = ctx;
  const labelOf = (column: string) => (Object.hasOwn(labels, column) ? labels[column] : undefined);
  const modelName = `leadScore v${version}`;
  for (let i = 0; i < todo.length; i += SCORE_BATCH) {
    const batch = todo.slice(i, i + SCORE_BATCH);
    const predictions = predictLeadScore(model, batch.map((c) => modelRow(c.properties, mapping.leadScore)));
    const scoredAt = new Date().toISOString();
    const rows: SignalRow[] = batch.map((c, j) => {
      const p = predictions[j]!;
      const readable = readableReasons(p.reasons, labelOf, REASONS_MAX_LENGTH);
      const value: LeadScoreValue = {
        score: p.score,
        probability: p.probability,
        reasons: reasonSentence(readable),
        readable,
        reasonCodes: reasonCodes(p.reasons, modelName),
        labelsKey,
        scoredAt,
        confidence: p.confidence,
      };
      return { objectType: 'contact', externalId: c.externalId, signal: LEAD_SCORE, modelVersion: version, value, inputHash: c.inputHash };
    });
    await store.saveSignals(tenant.id, runId, rows);
  }
}
