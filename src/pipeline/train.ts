/**
 * Train the lead score on contacts whose outcome is known, evaluate it on a holdout and register it as a
 * new model version. A new version is promoted only when it is no worse than the active one; retraining
 * happens when there is no model or the labelled data moved enough to matter.
 */
import { fitLeadScore, leadScoreToJSON } from '../models/leadScore.ts';
import { modelInputs, modelRow, outcomeOf } from '../mapping/index.ts';
import type { PipelineContext } from './context.ts';

export const LEAD_SCORE = 'leadScore';
/** Retrain when the labelled set grew or shrank by this share since the active model was trained. */
const RETRAIN_SHARE = 0.1;
/** "No worse": the holdout AUC may dip by sampling noise alone. */
const PROMOTION_TOLERANCE = 0.005;

export interface TrainReport {
  trained: boolean;
  reason: string;
  activeVersion: number | null;
  auc: number | null;
  labelled: number;
  promoted: boolean;
}

export async function trainIfNeeded(ctx: PipelineContext, force = false): Promise<TrainReport> {
  const { store, tenant, mapping } = ctx;
  const contacts = (await store.getRecords(tenant.id, 'contact')).sort((a, b) => a.externalId.localeCompare(b.externalId));
  const labelled = contacts.filter((c) => outcomeOf(c, mapping.leadScore) !== 'open');
  const active = await store.getActiveModel(tenant.id, LEAD_SCORE);
  const activeAuc = typeof active?.metrics.auc === 'number' ? active.metrics.auc : null;
  const trainedOn = typeof active?.trainedOn.labelled === 'number' ? active.trainedOn.labelled : 0;

  let reason: string;
  if (force) reason = 'retrain requested';
  else if (!active) reason = 'no active model';
  else if (Math.abs(labelled.length - trainedOn) >= RETRAIN_SHARE * Math.max(trainedOn, 1)) reason = `labelled contacts moved from ${trainedOn} to ${labelled.length}`;
  else return { trained: false, reason: 'model is current', activeVersion: active.version, auc: activeAuc, labelled: labelled.length, promoted: false };

  ctx.onProgress?.({ stage: 'train', message: `training on ${labelled.length} labelled contacts (${reason})` });
  const labels = labelled.map((c) => (outcomeOf(c, mapping.leadScore) === 'converted' ? 1 : 0) as 0 | 1);
  const { numeric, categorical } = modelInputs(mapping.leadScore);
  const { model, metrics } = fitLeadScore(
    labelled.map((c) => modelRow(c.properties, mapping.leadScore)),
    labels,
    { spec: { numeric, categorical, placeholders: mapping.leadScore.placeholders }, seed: ctx.seed },
  );
  const promote = activeAuc === null || metrics.auc >= activeAuc - PROMOTION_TOLERANCE;
  const version = await store.saveModel(tenant.id, {
    kind: LEAD_SCORE,
    status: promote ? 'candidate' : 'rejected',
    metrics: { ...metrics },
    model: leadScoreToJSON(model),
    trainedOn: { labelled: labelled.length, reason },
  });
  if (promote) await store.promoteModel(tenant.id, LEAD_SCORE, version);
  ctx.log(`lead score model v${version}: holdout AUC ${metrics.auc.toFixed(3)}${promote ? ', promoted' : `, kept v${active?.version} (AUC ${activeAuc?.toFixed(3)})`}`);
  return { trained: true, reason, activeVersion: promote ? version : (active?.version ?? null), auc: promote ? metrics.auc : activeAuc, labelled: labelled.length, promoted: promote };
}
