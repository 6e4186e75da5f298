/**
 * Segments of contacts: the feature pipeline's encoding, then PCA and k-means (k by silhouette). A retrain
 * matches new segments to the previous model's so a segment that persists keeps its id, and the CRM's
 * enumeration options are the segment ids labelled with their names.
 */
import { fitFeaturePipeline, FeaturePipeline, type FeaturePipelineJson } from '../../features/index.ts';
import { assign, fitSegments, project, SegmentDataError, segmentsFromJSON, segmentsToJSON, type SegmentModel } from '../../models/segments/index.ts';
import { defaultMapping, leadScoreFitSpec, modelRow, segmentSpecHash, type LeadScoreMapping } from '../../mapping/index.ts';
import type { SignalRow, StoredRecord } from '../../store/types.ts';
import type { PipelineContext } from '../context.ts';
import { CannotFitError, ensureModel } from './lifecycle.ts';
import { spreadSample } from '../spreadSample.ts';
import { byId, due, type SignalStage, type StageReport } from './stage.ts';
import { recordsToCheck } from './unchanged.ts';

export const SEGMENT = 'segment';
/** Fewer contacts than this make no segments worth naming. */
const MIN_CONTACTS = 20;

export interface SegmentValue {
  id: string;
  name: string;
}

interface StoredSegments {
  pipeline: FeaturePipelineJson;
  segments: SegmentModel;
}

/** One-hot features read as "column = level" in segment names. */
function oneHotSources(pipeline: FeaturePipeline): Record<string, { column: string; level: string }> {
  const out: Record<string, { column: string; level: string }> = {};
  pipeline.featureNames.forEach((name, i) => {
    const column = pipeline.featureSources[i]!;
    if (name.startsWith(`${column}=`)) out[name] = { column, level: name.slice(column.length + 1) };
  });
  return out;
}

export function segmentOptions(stored: unknown): Array<{ value: string; label: string }> {
  const { segments } = stored as StoredSegments;
  const model = segmentsFromJSON(segments);
  const options = model.segments.map((s) => ({ value: s.id, label: s.name }));
  if (model.outliers) options.push({ value: model.outliers.id, label: model.outliers.name });
  return options;
}

/**
 * The segment map: records placed on the model's first two principal components, each with the segment
 * the model assigns it (not the stored one, which may come from an earlier version).
 */
export function segmentMap(stored: unknown, records: readonly StoredRecord[], m: LeadScoreMapping): { points: Array<{ x: number; y: number; segment: string }>; explained: number[] } {
  const { pipeline: json, segments } = stored as StoredSegments;
  const pipeline = FeaturePipeline.fromJSON(json);
  const model = segmentsFromJSON(segments);
  const rows = pipeline.transform(records.map((r) => modelRow(r.properties, m)));
  const ids = assign(model, rows, pipeline.featureNames);
  const xy = project(model, rows, pipeline.featureNames);
  return { points: xy.map(([x, y], i) => ({ x, y, segment: ids[i]! })), explained: model.pca.explainedVariance.slice(0, 2) };
}

/** The options, or null when the stored model cannot be read (the stage reports why). */
export function readableSegmentOptions(stored: unknown): Array<{ value: string; label: string }> | null {
  try {
    return segmentOptions(stored);
  } catch {
    return null;
  }
}

export const segmentStage: SignalStage = {
  name: SEGMENT,
  reads: ['contact'],
  outputs: [{ signal: SEGMENT, objectType: 'contact', values: (row: SignalRow) => ({ segment: (row.value as SegmentValue).id }) }],
  async run(ctx, runId, { retrain }) {
    const { store, tenant, mapping } = ctx;
    const count = await store.countRecords(tenant.id, 'contact');
    const previous = await store.getActiveModel(tenant.id, SEGMENT);
    const { active, trained, reason } = await ensureModel(ctx, {
      kind: SEGMENT,
      label: 'segments',
      specHash: segmentSpecHash(mapping),
      legacySpecHash: segmentSpecHash(defaultMapping(mapping.crm)),
      rows: Math.min(count, SEGMENT_TRAINING_ROWS),
      force: retrain,
      cannotFit: count >= MIN_CONTACTS ? null : 'too few contacts',
      describe: (m) => `${(m.segments as unknown[]).length} segments, silhouette ${Number(m.silhouette).toFixed(3)}`,
      fit: async (why) => {
        const rows = (await trainingSample(ctx, count)).map((c) => modelRow(c.properties, mapping.leadScore));
        ctx.onProgress?.({ stage: 'train', message: `segments: clustering ${rows.length}${rows.length < count ? ` of ${count}` : ''} contacts (${why})` });
        const pipeline = fitFeaturePipeline(rows, leadScoreFitSpec(mapping.leadScore).spec);
        const before = previous ? segmentsFromJSON((previous.model as StoredSegments).segments) : undefined;
        let model: SegmentModel;
        try {
          model = fitSegments(
            pipeline.transform(rows),
            { featureNames: pipeline.featureNames, oneHot: oneHotSources(pipeline), seed: ctx.seed, keepTrainingRows: false },
            // Matching to the previous model only makes sense over the same features.
            before && before.featureNames.join('|') === pipeline.featureNames.join('|') ? before : undefined,
          );
        } catch (error) {
          // Contacts all alike in the mapped fields: as too few contacts, no segments until the data differs.
          if (error instanceof SegmentDataError) throw new CannotFitError(`the contacts cannot make segments (${error.message.replace(/^fitSegments: /, '')})`);
          throw error;
        }
        const stored: StoredSegments = { pipeline: pipeline.toJSON(), segments: segmentsToJSON(model) };
        return { model: stored, metrics: { ...model.metrics, segments: model.segments.map((s) => ({ id: s.id, name: s.name, share: s.share })) } };
      },
    });
    const report: StageReport = { signal: SEGMENT, trained, reason, modelVersion: null, metrics: {}, computed: 0, eligible: count };
    if (!active) return report;
    report.modelVersion = active.version;
    report.metrics = active.metrics;

    const stored = active.model as StoredSegments;
    const pipeline = FeaturePipeline.fromJSON(stored.pipeline);
    const model = segmentsFromJSON(stored.segments);
    const names = new Map(segmentOptions(stored).map((o) => [o.value, o.label]));
    const toCheck = await recordsToCheck(ctx, SEGMENT, 'contact', { version: active.version, mapping: mapping.leadScore });
    // assigned page by page, each against the page's newest segments only
    for await (const page of toCheck.pages) {
      const latest = await store.latestSignals(tenant.id, 'contact', SEGMENT, page.map((c) => c.externalId));
      const todo = due(page, latest, active.version, (c) => c.inputHash);
      if (todo.length === 0) continue;
      const ids = assign(model, pipeline.transform(todo.map((c) => modelRow(c.properties, mapping.leadScore))), pipeline.featureNames);
      await store.saveSignals(
        tenant.id,
        runId,
        todo.map((c, i) => ({ objectType: 'contact', externalId: c.externalId, signal: SEGMENT, modelVersion: active.version, inputHash: c.inputHash, value: { id: ids[i]!, name: names.get(ids[i]!) ?? ids[i]! } satisfies SegmentValue })),
      );
      report.computed += todo.length;
    }
    await toCheck.completed();
    return report;
  },
};

/**
 * Most contacts the clustering is fitted on. Segments describe the portal's shape, which a spread sample
 * of 50,000 shows as well as a million rows do, at a twentieth of the memory (a dense row is ~60 numbers).
 */
export const SEGMENT_TRAINING_ROWS = 50_000;

/** Every contact up to SEGMENT_TRAINING_ROWS, else every k-th by id: spread over the whole portal, the same on every run. */
async function trainingSample(ctx: PipelineContext, count: number): Promise<StoredRecord[]> {
  return byId(await spreadSample(ctx.store, ctx.tenant.id, 'contact', count, SEGMENT_TRAINING_ROWS, (c) => c));
}
