/**
 * The model report's figures, per model kind and version, from what training kept (src/models/evaluate/
 * evidence.ts and each stage's metrics): nothing here refits or rescores, so the report of an old version
 * says what that version was measured at, and opening it costs no CRM call.
 */
import { z } from 'zod';
import { atThreshold, rocPoints, scoreDistribution, type ChampionComparison, type ScoreEvidence, type ThresholdRow } from '../../models/evaluate/evidence.ts';
import type { LiftRow, ReliabilityBin } from '../../models/evaluate/metrics.ts';
import type { HoldoutHitRate } from '../../models/recommend/index.ts';
import type { SentimentAccuracy } from '../../models/sentiment/accuracy.ts';
import { tenantMapping } from '../../pipeline/mappings.ts';
import { LEAD_SCORE } from '../../pipeline/signals/leadScore.ts';
import { RECOMMENDATIONS } from '../../pipeline/signals/recommendations.ts';
import { SEGMENT, segmentMap } from '../../pipeline/signals/segments.ts';
import { SENTIMENT_MODEL } from '../../pipeline/signals/sentiment.ts';
import type { ModelStatus, Store, StoredModel, Tenant } from '../../store/types.ts';

/** Contacts drawn on the segment map: enough to see the shapes, few enough for a page. */
export const MAP_POINTS = 1500;

export const ReportQuery = z
  .object({
    version: z.coerce.number().int('must be a whole number').positive('must be positive').max(Number.MAX_SAFE_INTEGER).optional(),
    threshold: z.coerce.number().int('must be a whole number').min(1, 'must be a score from 1 to 99').max(99, 'must be a score from 1 to 99').optional(),
  })
  .strict();
export type ReportQuery = z.infer<typeof ReportQuery>;

export interface LeadScoreReport {
  kind: typeof LEAD_SCORE;
  auc: number;
  components: { forest: number | null; logistic: number | null; boosting: number | null };
  brier: number | null;
  brierUncalibrated: number | null;
  evaluation: string;
  rows: number;
  positives: number;
  baseRate: number;
  warnings: string[];
  importance: Array<{ column: string; label: string; share: number }>;
  champion: ChampionComparison | null;
  /** Absent for versions trained before the evidence was kept: the charts then cannot be drawn. */
  evidence: {
    threshold: ThresholdRow;
    /** The score threshold with the best F1, where the admin's slider starts. */
    suggestedThreshold: number;
    thresholds: ThresholdRow[];
    roc: Array<{ fpr: number; tpr: number; threshold: number | null }>;
    lift: LiftRow[];
    calibration: ReliabilityBin[];
    ece: number;
    distribution: Array<{ from: number; to: number; converted: number; lost: number }>;
  } | null;
}

export interface SegmentsReport {
  kind: typeof SEGMENT;
  rows: number;
  silhouette: number | null;
  explainedVariance: number | null;
  segments: Array<{ id: string; name: string; share: number }>;
  /** Only for the active version (the map needs its body and today's contacts). */
  map: { points: Array<{ x: number; y: number; segment: string }>; explained: number[] } | null;
}

export interface RecommendationsReport {
  kind: typeof RECOMMENDATIONS;
  purchases: number;
  contacts: number;
  products: number;
  holdout: HoldoutHitRate | null;
}

export interface SentimentReport {
  kind: typeof SENTIMENT_MODEL;
  type: string;
  labelled: number;
  accuracy: SentimentAccuracy | null;
}

export interface ModelReport {
  tenantId: string;
  kind: string;
  version: number;
  status: ModelStatus;
  createdAt: string;
  trainedOn: { rows: number | null; reason: string | null };
  versions: Array<{ version: number; status: ModelStatus; createdAt: string }>;
  figures: LeadScoreReport | SegmentsReport | RecommendationsReport | SentimentReport;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function bestF1(evidence: ScoreEvidence): number {
  let best = { f1: -1, threshold: 50 };
  for (let t = 1; t <= 99; t++) {
    const row = atThreshold(evidence, t);
    const f1 = row.tp === 0 ? 0 : (2 * row.tp) / (2 * row.tp + row.fp + row.fn);
    if (f1 > best.f1) best = { f1, threshold: t };
  }
  return best.threshold;
}

function leadScoreFigures(metrics: Record<string, unknown>, threshold: number | undefined): LeadScoreReport {
  const evidence = (metrics.evidence ?? null) as ScoreEvidence | null;
  const suggested = evidence ? bestF1(evidence) : 50;
  return {
    kind: LEAD_SCORE,
    auc: num(metrics.auc) ?? Number.NaN,
    components: { forest: num(metrics.forestAuc), logistic: num(metrics.logisticAuc), boosting: num(metrics.boostingAuc) },
    brier: num(metrics.brier),
    brierUncalibrated: num(metrics.brierUncalibrated),
    evaluation: text(metrics.evaluation) ?? '',
    rows: num(metrics.rows) ?? 0,
    positives: num(metrics.positives) ?? 0,
    baseRate: num(metrics.baseRate) ?? Number.NaN,
    warnings: Array.isArray(metrics.warnings) ? metrics.warnings.filter((w): w is string => typeof w === 'string') : [],
    importance: Array.isArray(metrics.importance) ? (metrics.importance as LeadScoreReport['importance']) : [],
    champion: (metrics.champion ?? null) as ChampionComparison | null,
    evidence: evidence
      ? {
          threshold: atThreshold(evidence, threshold ?? suggested),
          suggestedThreshold: suggested,
          thresholds: Array.from({ length: 19 }, (_, i) => atThreshold(evidence, (i + 1) * 5)),
          roc: rocPoints(evidence),
          lift: evidence.lift,
          calibration: evidence.calibration,
          ece: evidence.ece,
          distribution: scoreDistribution(evidence),
        }
      : null,
  };
}

/** Every n-th contact, so the map shows the whole base rather than its first ids. */
function evenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)]!);
}

async function segmentFigures(store: Store, tenant: Tenant, model: Omit<StoredModel, 'model'>, active: StoredModel | null): Promise<SegmentsReport> {
  const m = model.metrics;
  let map: SegmentsReport['map'] = null;
  if (active && active.version === model.version) {
    const ids = evenly([...(await store.latestSignals(tenant.id, 'contact', SEGMENT)).keys()].sort(), MAP_POINTS);
    const records = ids.length ? await store.getRecords(tenant.id, 'contact', ids) : [];
    const { mapping } = await tenantMapping(store, tenant);
    try {
      map = segmentMap(active.model, records, mapping.leadScore);
    } catch {
      // the mapping changed since the model was fitted (a column it needs is gone): the next cycle refits it
      map = null;
    }
  }
  return {
    kind: SEGMENT,
    rows: num(m.rows) ?? 0,
    silhouette: num(m.silhouette),
    explainedVariance: num(m.explainedVariance),
    segments: Array.isArray(m.segments) ? (m.segments as SegmentsReport['segments']) : [],
    map,
  };
}

/** The report of one version (the active one by default, else the newest); null when there is no such model. */
export async function modelReport(store: Store, tenant: Tenant, kind: string, query: ReportQuery): Promise<ModelReport | null> {
  const versions = await store.listModels(tenant.id, kind);
  const active = await store.getActiveModel(tenant.id, kind);
  const wanted = query.version ?? active?.version ?? versions[0]?.version;
  const model = versions.find((v) => v.version === wanted);
  if (!model) return null;
  const m = model.metrics;
  const figures =
    kind === LEAD_SCORE
      ? leadScoreFigures(m, query.threshold)
      : kind === SEGMENT
        ? await segmentFigures(store, tenant, model, active)
        : kind === RECOMMENDATIONS
          ? { kind: RECOMMENDATIONS, purchases: num(m.purchases) ?? 0, contacts: num(m.contacts) ?? 0, products: num(m.products) ?? 0, holdout: (m.holdout ?? null) as HoldoutHitRate | null }
          : { kind: SENTIMENT_MODEL, type: text(m.type) ?? 'unknown', labelled: num(m.labelled) ?? 0, accuracy: (m.accuracy ?? null) as SentimentAccuracy | null };
  return {
    tenantId: tenant.id,
    kind,
    version: model.version,
    status: model.status,
    createdAt: model.createdAt,
    trainedOn: { rows: num(model.trainedOn.rows), reason: text(model.trainedOn.reason) },
    versions: versions.map((v) => ({ version: v.version, status: v.status, createdAt: v.createdAt })),
    figures: figures as ModelReport['figures'],
  };
}

/** The report's numbers in long form (table, row, measure, value): one file whatever the model kind. */
export function reportRows(report: ModelReport): string[][] {
  const out: string[][] = [];
  const add = (table: string, row: string | number, measure: string, value: unknown) => out.push([table, String(row), measure, value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value)) ? '' : String(value)]);
  add('model', report.kind, 'version', report.version);
  add('model', report.kind, 'status', report.status);
  add('model', report.kind, 'trained_at', report.createdAt);
  add('model', report.kind, 'training_rows', report.trainedOn.rows);
  const f = report.figures;
  if (f.kind === LEAD_SCORE) {
    for (const [k, v] of Object.entries({ auc: f.auc, brier: f.brier, brier_uncalibrated: f.brierUncalibrated, rows: f.rows, positives: f.positives, base_rate: f.baseRate, forest_auc: f.components.forest, logistic_auc: f.components.logistic, boosting_auc: f.components.boosting })) add('summary', 'all', k, v);
    for (const i of f.importance) add('importance', i.column, 'share', i.share);
    if (f.champion) for (const [k, v] of Object.entries(f.champion)) add('champion', f.champion.field, k, v);
    if (f.evidence) {
      for (const row of f.evidence.lift) for (const k of ['count', 'positives', 'rate', 'lift', 'cumulativeGain', 'cumulativeLift'] as const) add('lift', row.group, k, row[k]);
      for (const [b, bin] of f.evidence.calibration.entries()) for (const k of ['lower', 'upper', 'count', 'meanPredicted', 'observedRate'] as const) add('calibration', b + 1, k, bin[k]);
      for (const d of f.evidence.distribution) {
        add('distribution', `${d.from}-${d.to}`, 'converted', d.converted);
        add('distribution', `${d.from}-${d.to}`, 'lost', d.lost);
      }
      for (const t of f.evidence.thresholds) for (const k of ['tp', 'fp', 'fn', 'tn', 'precision', 'recall', 'flagged'] as const) add('threshold', t.threshold, k, t[k]);
      for (const p of f.evidence.roc) {
        add('roc', p.threshold ?? 'none', 'fpr', p.fpr);
        add('roc', p.threshold ?? 'none', 'tpr', p.tpr);
      }
    }
  } else if (f.kind === SEGMENT) {
    add('summary', 'all', 'rows', f.rows);
    add('summary', 'all', 'silhouette', f.silhouette);
    add('summary', 'all', 'explained_variance', f.explainedVariance);
    for (const s of f.segments) {
      add('segment', s.id, 'name', s.name);
      add('segment', s.id, 'share', s.share);
    }
  } else if (f.kind === RECOMMENDATIONS) {
    for (const [k, v] of Object.entries({ purchases: f.purchases, contacts: f.contacts, products: f.products })) add('summary', 'all', k, v);
    if (f.holdout) for (const k of ['k', 'contacts', 'hitRate', 'popularHitRate'] as const) add('holdout', 'all', k, f.holdout[k]);
  } else {
    add('summary', 'all', 'type', f.type);
    add('summary', 'all', 'labelled', f.labelled);
    if (f.accuracy) {
      add('accuracy', 'all', 'trained', f.accuracy.trained);
      add('accuracy', 'all', 'lexicon', f.accuracy.lexicon);
    }
  }
  return out;
}
