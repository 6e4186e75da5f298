/**
 * What an admin takes away or looks up: the audit of every write (by record, by run, paged), the scores
 * with their reasons as CSV, and the models (metrics per version; the active body as JSON, for the lead
 * score the ml-random-forest forest it scores with). All read from the store, scoped to the tenant.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { formatCsvRecord, spreadsheetSafe } from '../../io/csv.ts';
import { LEAD_SCORE, type LeadScoreValue } from '../../pipeline/signals/leadScore.ts';
import { RECOMMENDATIONS } from '../../pipeline/signals/recommendations.ts';
import { SEGMENT } from '../../pipeline/signals/segments.ts';
import { SENTIMENT_MODEL } from '../../pipeline/signals/sentiment.ts';
import type { AuditRow, Store, Tenant } from '../../store/types.ts';
import type { FastForestModel } from '../../models/forest/forest.ts';
import { toMlRandomForestJSON } from '../../models/forest/mljs.ts';

export const MODEL_KINDS = [LEAD_SCORE, SEGMENT, RECOMMENDATIONS, SENTIMENT_MODEL] as const;
export const ModelKind = z.enum(MODEL_KINDS, { message: `must be one of ${MODEL_KINDS.join(', ')}` });

export const AuditQuery = z
  .object({
    record: z.string().min(1).max(1000).optional(),
    run: z.coerce.number().int('must be a whole number').positive().max(Number.MAX_SAFE_INTEGER).optional(),
    before: z.coerce.number().int('must be a whole number').positive().max(Number.MAX_SAFE_INTEGER).optional(),
    limit: z.coerce.number().int('must be a whole number').min(1).max(1000).default(100),
  })
  .strict();

export async function auditPage(store: Store, tenant: Tenant, query: z.infer<typeof AuditQuery>): Promise<{ rows: AuditRow[]; next: number | null }> {
  const rows = await store.audit(tenant.id, {
    limit: query.limit,
    ...(query.record ? { externalId: query.record } : {}),
    ...(query.run ? { runId: query.run } : {}),
    ...(query.before ? { beforeId: query.before } : {}),
  });
  return { rows, next: rows.length === query.limit ? rows.at(-1)!.id : null };
}

const safeName = (text: string) => text.replace(/[^A-Za-z0-9_.-]/g, '_');

/** A CSV download: a header row, then rows (spreadsheet-safe cells), CRLF line ends. */
export function csvDownload(c: Context, filename: string, header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | null>>): Response {
  const lines = [formatCsvRecord(header), ...rows.map((row) => formatCsvRecord(row.map(spreadsheetSafe)))];
  c.header('content-type', 'text/csv; charset=utf-8');
  c.header('content-disposition', `attachment; filename="${safeName(filename)}"`);
  return c.body(`${lines.join('\r\n')}\r\n`);
}

/** Every scored contact: id, score (1-99), the reasons as the CRM shows them, model version, when. */
export async function scoresCsv(c: Context, store: Store, tenant: Tenant): Promise<Response> {
  const scores = [...(await store.latestSignals(tenant.id, 'contact', LEAD_SCORE)).values()].sort((a, b) => a.externalId.localeCompare(b.externalId));
  const rows = scores.map((row) => {
    const value = row.value as Partial<LeadScoreValue>;
    return [row.externalId, value.score === undefined ? null : String(value.score), value.reasons ?? null, `${LEAD_SCORE} v${row.modelVersion}`, value.scoredAt ?? null];
  });
  return csvDownload(c, `${tenant.id}-lead-scores.csv`, ['record_id', 'score', 'reasons', 'model', 'scored_at'], rows);
}

export async function modelVersions(store: Store, tenant: Tenant) {
  const kinds = await Promise.all(MODEL_KINDS.map(async (kind) => ({ kind, versions: await store.listModels(tenant.id, kind) })));
  return { models: kinds };
}

/** The active model of a kind as a JSON download; null when the tenant has none (yet, or erased). */
export async function activeModelExport(c: Context, store: Store, tenant: Tenant, kind: string): Promise<Response | null> {
  const model = await store.getActiveModel(tenant.id, kind);
  if (!model) return null;
  c.header('content-disposition', `attachment; filename="${safeName(`${tenant.id}-${kind}-v${model.version}.json`)}"`);
  // The lead score's forest also in ml-random-forest's own JSON: RandomForestClassifier.load() reads it.
  const forest = kind === LEAD_SCORE ? (model.model as { forest?: FastForestModel | null } | null)?.forest : null;
  return c.json({
    tenant: tenant.id,
    kind,
    version: model.version,
    createdAt: model.createdAt,
    metrics: model.metrics,
    trainedOn: model.trainedOn,
    model: model.model,
    ...(forest ? { mlRandomForest: toMlRandomForestJSON(forest) } : {}),
  });
}
