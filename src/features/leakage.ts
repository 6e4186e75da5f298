/**
 * The leakage guard: how well each column ALONE predicts the outcome, cross-validated. A column that
 * predicts it almost perfectly (AUC above 0.95) was most likely filled in after the outcome was known
 * ("lost reason", "closed date") and would make a model that looks excellent and fails on open leads.
 * Columns excluded by the mapping never get here; this catches the ones nobody thought of.
 */
import { rocAuc } from '../models/evaluate.ts';
import { own } from '../domain/own.ts';
import { parseNumber } from './pipeline.ts';
import type { FeatureSpec, RawRow } from './pipeline.ts';

export const LEAKAGE_AUC_THRESHOLD = 0.95;

export interface SingleFeatureAuc {
  column: string;
  kind: 'numeric' | 'categorical';
  /** Cross-validated AUC of the column alone, oriented so that 0.5 = no signal and 1 = perfect (mean over folds). */
  auc: number;
}

function orient(auc: number): number {
  return Number.isNaN(auc) ? auc : Math.max(auc, 1 - auc);
}

function placeholdersOf(spec: FeatureSpec, column: string): Set<string> {
  return new Set([...(spec.placeholders ?? []), ...(own(spec.columnPlaceholders, column) ?? [])].map((p) => p.trim().toLowerCase()));
}

function cleaned(value: string | null | undefined, placeholders: Set<string>): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  return text === '' || placeholders.has(text.toLowerCase()) ? null : text;
}

/**
 * Cross-validated AUC of each column alone: a numeric column's raw value (missing values take the
 * training fold's median), a categorical column's target rate by level on the training fold (unseen and
 * rare levels take the fold's base rate). Oriented: max(AUC, 1 - AUC). Mean over the folds.
 */
export function singleFeatureAucs(
  rows: readonly RawRow[],
  labels: readonly (0 | 1)[],
  spec: FeatureSpec,
  folds: ReadonlyArray<{ train: readonly number[]; test: readonly number[] }>,
): SingleFeatureAuc[] {
  const out: SingleFeatureAuc[] = [];
  const columns: Array<[string, 'numeric' | 'categorical']> = [...spec.numeric.map((c): [string, 'numeric'] => [c, 'numeric']), ...spec.categorical.map((c): [string, 'categorical'] => [c, 'categorical'])];
  for (const [column, kind] of columns) {
    const placeholders = placeholdersOf(spec, column);
    const aucs: number[] = [];
    for (const { train, test } of folds) {
      const testLabels = test.map((i) => labels[i] as number);
      let scores: number[];
      if (kind === 'numeric') {
        const value = (i: number) => {
          const text = cleaned(rows[i]?.[column], placeholders);
          return text === null ? null : parseNumber(text);
        };
        const seen = train.map(value).filter((v): v is number => v !== null).sort((a, b) => a - b);
        const median = seen.length === 0 ? 0 : (seen[Math.floor((seen.length - 1) / 2)] as number);
        scores = test.map((i) => value(i) ?? median);
      } else {
        const stats = new Map<string, { n: number; y: number }>();
        let positives = 0;
        for (const i of train) {
          const level = cleaned(rows[i]?.[column], placeholders) ?? '\u0000missing';
          const s = stats.get(level) ?? { n: 0, y: 0 };
          s.n++;
          s.y += labels[i] as number;
          positives += labels[i] as number;
          stats.set(level, s);
        }
        const base = train.length === 0 ? 0 : positives / train.length;
        // a little smoothing towards the base rate so a level seen once does not look perfect
        const rate = (level: string) => {
          const s = stats.get(level);
          return s === undefined ? base : (s.y + 2 * base) / (s.n + 2);
        };
        scores = test.map((i) => rate(cleaned(rows[i]?.[column], placeholders) ?? '\u0000missing'));
      }
      aucs.push(orient(rocAuc(testLabels, scores)));
    }
    out.push({ column, kind, auc: aucs.reduce((s, a) => s + a, 0) / aucs.length });
  }
  return out.sort((a, b) => b.auc - a.auc || (a.column < b.column ? -1 : 1));
}


/** The columns above the threshold, as readable warnings. */
export function leakageWarnings(aucs: readonly SingleFeatureAuc[], threshold = LEAKAGE_AUC_THRESHOLD): string[] {
  return aucs
    .filter((a) => a.auc > threshold)
    .map((a) => `column "${a.column}" alone predicts the outcome (cross-validated AUC ${a.auc.toFixed(3)} > ${threshold}): it is probably filled in after the outcome is known; exclude it in the mapping unless it is truly known for open leads`);
}
