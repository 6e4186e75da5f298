/**
 * The readable name of each lead score input, for the reasons a rep reads. In order:
 * 1. the mapping's `leadScore.labels` override, by model column, then by the CRM field behind it;
 * 2. the CRM's own field label, from the connector's discover() (HubSpot property `label`, Salesforce
 *    describe `label`);
 * 3. the column name made readable ("emp_var_rate" -> "Emp var rate").
 *
 * Why resolved when scoring, not stored with the model: a label is wording, not a model input, so
 * renaming a field in the CRM or in the mapping must not need a retrain, and a model shared across a
 * company's CRMs (linked.ts) gets each CRM's own labels. The lead score stage asks discover() once per
 * cycle, and only when it has records to score (src/pipeline/signals/leadScore.ts).
 */
import type { FieldInfo } from '../../connectors/connector.ts';
import { humaniseColumn } from '../domain/humanise.ts';
import { own, recordFromEntries } from '../domain/own.ts';
import { crmField, modelInputs, type LeadScoreMapping } from './schema.ts';

/** Model column -> readable label, for every input of the mapping. `discovered` null: the CRM's labels are unknown. */
export function inputLabels(m: LeadScoreMapping, discovered: readonly FieldInfo[] | null): Record<string, string> {
  const crmLabels = new Map((discovered ?? []).filter((f) => typeof f.label === 'string' && f.label.trim() !== '').map((f) => [f.name, f.label.trim()]));
  const { numeric, categorical } = modelInputs(m);
  return recordFromEntries(
    [...numeric, ...categorical].map((column) => {
      const field = crmField(m, column);
      return [column, own(m.labels, column) ?? own(m.labels, field) ?? crmLabels.get(field) ?? humaniseColumn(column)] as const;
    }),
  );
}
