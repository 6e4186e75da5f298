/**
 * What each model is fitted on, as far as the mapping decides it. A model stores the hash of its spec:
 * a mapping change that alters a spec is a reason to retrain that model (and only that one), never a
 * cycle that fails on columns the model expects.
 */
import { createHash } from 'node:crypto';
import { crmField, leadScoreFitSpec, modelInputs, type Mapping } from './schema.ts';

const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22);

/** Model columns with the CRM field behind each: remapping a column changes what the model sees. */
function inputs(mapping: Mapping) {
  const lead = mapping.leadScore;
  const { numeric, categorical } = modelInputs(lead);
  return {
    numeric: numeric.map((c) => [c, crmField(lead, c)]),
    categorical: categorical.map((c) => [c, crmField(lead, c)]),
    placeholders: [...lead.placeholders].sort(),
  };
}

/** Inputs, value ranges of the inputs, and the outcome definition (which records are labelled, and how). */
export function leadScoreSpecHash(mapping: Mapping): string {
  const lead = mapping.leadScore;
  const fit = leadScoreFitSpec(lead);
  const ranges = Object.fromEntries(Object.entries(fit.ranges).sort(([a], [b]) => a.localeCompare(b)));
  const outcome = { field: lead.outcome.field, converted: [...lead.outcome.converted].sort(), lost: [...lead.outcome.lost].sort() };
  // only when set, so that the hashes of mappings without a champion (every model trained before) stay
  const champion = lead.championField ? { championField: lead.championField } : {};
  const monotone = Object.keys(fit.monotone).length > 0 ? { monotone: Object.fromEntries(Object.entries(fit.monotone).sort(([a], [b]) => a.localeCompare(b))) } : {};
  return hash({ ...inputs(mapping), ranges, outcome, emailField: lead.emailField, ...champion, ...monotone });
}

/** Segments cluster the same inputs, without an outcome. */
export function segmentSpecHash(mapping: Mapping): string {
  return hash(inputs(mapping));
}

export function recommendationsSpecHash(mapping: Mapping): string {
  return hash({ stageField: mapping.deals.stageField, wonStages: [...mapping.deals.wonStages].sort() });
}

/** The ticket time only weighs the roll-up, which is recomputed whenever it changes: not part of the model. */
export function sentimentSpecHash(mapping: Mapping): string {
  const { text, label, language } = mapping.sentiment;
  return hash({ text, label: label ? { field: label.field, positive: [...label.positive].sort(), negative: [...label.negative].sort() } : null, language });
}
