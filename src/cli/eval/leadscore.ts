/**
 * `crm-signals eval leadscore --csv FILE --label COL ...`: cross-validates the product's lead score on any
 * CSV file (see USAGE). The data preparation (loadLeadScoreData) and the cross-validation
 * (crossValidateLeadScore) are shared with bench/leadScore.ts.
 */
import type { FeatureSpec, RawRow } from '../../features/pipeline.ts';
import { binaryLabels, InputError, readCsvFile, requireColumns } from '../../io/index.ts';
import type { BinaryLabels, CsvTable } from '../../io/index.ts';
import { fitDateFeatures } from '../../features/dates.ts';
import { inferFeatureSpec } from '../../models/evaluate/index.ts';
import type { InferredColumn } from '../../models/evaluate/index.ts';
import { crossValidateLeadScore } from '../../models/evaluate/leadScoreCv.ts';
import type { LeadScoreCvResult } from '../../models/evaluate/leadScoreCv.ts';
import type { EvalIO } from './common.ts';
import { intOption, listOption, logger, parseOptions, rawRows, required, requireRowsPerFold, toJson } from './common.ts';
import { bar, fixed, heading, int, meanSd, percent, reliabilityBar, secs, table } from './format.ts';

export const LEADSCORE_USAGE = `usage: crm-signals eval leadscore --csv FILE --label COLUMN [options]

Cross-validates the lead score (the product's own fitLeadScore / predictLeadScore) on a CSV file.
Columns are numeric when >= 95 % of their non-empty values are numbers, dates (read as days before the
file's latest date) when as many are ISO 8601 dates, categorical otherwise; empty, constant and identifier
columns are left out.

  --csv FILE           the data, with a header row
  --label COLUMN       the outcome column
  --positive VALUE     the outcome value meaning converted (default: yes, 1, true, won or converted)
  --negative V1,V2     the values meaning lost (default: every other value; rows with other values are left out)
  --drop A,B           columns never to use (e.g. ones known only after the outcome, like a call's duration)
  --delimiter C        , ; | or tab (default: detected)
  --folds N            stratified folds (default 5)
  --seed N             seed of the folds and the models (default 42)
  --json               print one JSON object instead of the report
`;

export interface LeadScoreDataOptions {
  csv: string;
  label: string;
  positive?: string;
  negative?: readonly string[];
  drop?: readonly string[];
  delimiter?: string;
}

export interface LeadScoreData {
  file: string;
  table: Pick<CsvTable, 'header' | 'delimiter' | 'delimiterSource' | 'badRows' | 'blankLines'> & { rows: number };
  label: Omit<BinaryLabels, 'labels' | 'rows' | 'warnings'>;
  labels: (0 | 1)[];
  rows: RawRow[];
  spec: FeatureSpec;
  columns: InferredColumn[];
  drop: string[];
  warnings: string[];
}

/** Reads the CSV, the 0/1 outcome and the inferred feature spec. Throws InputError for bad input. */
export async function loadLeadScoreData(options: LeadScoreDataOptions): Promise<LeadScoreData> {
  const table = await readCsvFile(options.csv, options.delimiter === undefined ? {} : { delimiter: options.delimiter });
  const drop = [...(options.drop ?? [])];
  requireColumns(table, [options.label], '--label');
  requireColumns(table, drop, '--drop');
  const label = binaryLabels(table, options.label, {
    ...(options.positive === undefined ? {} : { positive: options.positive }),
    ...(options.negative === undefined ? {} : { negative: options.negative }),
  });
  const keptRows = label.rows.map((i) => table.rows[i] as string[]);
  const inferred = inferFeatureSpec(table.header, keptRows, { exclude: [options.label, ...drop] });
  if (inferred.spec.numeric.length + inferred.spec.categorical.length === 0) {
    const left = inferred.columns.map((c) => `${c.name} (${c.reason ?? c.kind})`).join(', ');
    throw new InputError(`${table.file}: no usable feature column besides ${options.label}${left ? `: ${left}` : ''}`);
  }
  const { labels, rows: _rows, warnings: labelWarnings, ...labelInfo } = label;
  let rows = rawRows(table, [...inferred.spec.numeric, ...inferred.spec.categorical, ...inferred.dates], label.rows);
  const spec = inferred.spec;
  if (inferred.dates.length > 0) {
    // ages in days from the file's latest date (not the clock, so a rerun gives the same figures)
    const dates = fitDateFeatures(rows, { columns: inferred.dates });
    rows = dates.transformRows(rows);
    spec.numeric = [...spec.numeric, ...dates.columnNames];
  }
  return {
    file: table.file,
    table: { header: table.header, delimiter: table.delimiter, delimiterSource: table.delimiterSource, badRows: table.badRows, blankLines: table.blankLines, rows: table.rows.length },
    label: labelInfo,
    labels,
    rows,
    spec,
    columns: inferred.columns,
    drop,
    warnings: [...table.warnings, ...labelWarnings],
  };
}

export interface LeadScoreEvalJson {
  command: 'eval leadscore';
  file: string;
  rows: { read: number; used: number; skippedMalformed: number; leftOutLabel: number };
  delimiter: string;
  label: { column: string; positive: string; negatives: string[]; positives: number; baseRate: number };
  features: { numeric: string[]; categorical: string[]; dropped: Array<{ column: string; reason: string }> };
  protocol: { folds: number; seed: number; stratified: true };
  result: Omit<LeadScoreCvResult, 'outOfFold' | 'models'>;
  warnings: string[];
}

export function leadScoreJson(data: LeadScoreData, result: LeadScoreCvResult, folds: number, seed: number): LeadScoreEvalJson {
  const { outOfFold: _oof, models: _models, ...rest } = result;
  return {
    command: 'eval leadscore',
    file: data.file,
    rows: { read: data.table.rows, used: data.rows.length, skippedMalformed: data.table.badRows.count, leftOutLabel: data.label.blank.count + data.label.excluded.count },
    delimiter: data.table.delimiter,
    label: { column: data.label.column, positive: data.label.positive, negatives: data.label.negatives, positives: data.label.positives, baseRate: result.baseRate },
    features: {
      numeric: data.spec.numeric,
      categorical: data.spec.categorical,
      dropped: [...data.drop.map((column) => ({ column, reason: '--drop' })), ...data.columns.filter((c) => c.kind === 'dropped').map((c) => ({ column: c.name, reason: c.reason ?? '' }))],
    },
    protocol: { folds, seed, stratified: true },
    result: rest,
    warnings: [...data.warnings, ...leakageWarnings(result)],
  };
}

export function leakageWarnings(result: LeadScoreCvResult): string[] {
  return result.leakage.map(
    (l) =>
      `possible leakage: column ${l.column} alone predicts the outcome with ROC AUC ${fixed(l.auc, 3)} (> ${result.leakageThreshold}); if it is known only after the outcome, drop it (--drop ${l.column})`,
  );
}

function describeSettings(settings: unknown): string {
  if (typeof settings !== 'object' || settings === null) return '';
  return Object.entries(settings as Record<string, unknown>)
    .filter(([key, v]) => key !== 'seed' && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
}

/** The readable report. */
export function formatLeadScoreReport(data: LeadScoreData, r: LeadScoreCvResult, folds: number, seed: number): string {
  const out: string[] = [];
  const dropped = [...data.drop.map((c) => `${c} (--drop)`), ...data.columns.filter((c) => c.kind === 'dropped').map((c) => `${c.name} (${c.reason ?? ''})`)];
  out.push(heading(`Lead score evaluation: ${data.file}`));
  out.push(
    `${int(r.rows)} rows used of ${int(data.table.rows)}${data.table.badRows.count > 0 ? ` (+${int(data.table.badRows.count)} malformed, skipped)` : ''}; ` +
      `${data.label.column} = '${data.label.positive}' for ${int(r.positives)} (${percent(r.baseRate)}), negative: ${data.label.negatives.map((v) => `'${v}'`).join(', ')}`,
  );
  out.push(`features: ${data.spec.numeric.length} numeric (${data.spec.numeric.join(', ') || '-'}), ${data.spec.categorical.length} categorical (${data.spec.categorical.join(', ') || '-'})`);
  if (dropped.length > 0) out.push(`left out: ${dropped.join(', ')}`);
  const settings = describeSettings(r.model.settings);
  out.push(`model: ${r.model.forest}${settings ? ` (${settings})` : ''}${r.model.trainRowsPerFold !== null ? `, trained on ${int(r.model.trainRowsPerFold)} rows per fold` : ''}`);
  out.push(`protocol: ${folds}-fold stratified cross-validation, seed ${seed}; every figure below is on out-of-fold predictions`);
  out.push('');

  out.push(
    table(
      ['fold', 'train', 'test', 'positives', 'ROC AUC', 'PR AUC', 'Brier', 'fit', 'predict'],
      r.folds.map((f) => [String(f.fold), int(f.trainRows), int(f.testRows), int(f.testPositives), fixed(f.auc, 4), fixed(f.prAuc, 4), fixed(f.brier, 4), secs(f.fitSeconds), secs(f.predictSeconds)]),
    ),
  );
  out.push(`ROC AUC ${meanSd(r.auc)} (pooled ${fixed(r.auc.pooled, 4)}); PR AUC ${meanSd(r.prAuc)} (base rate ${fixed(r.baseRate, 4)})`);
  out.push(
    `Brier ${fixed(r.brier, 4)}${r.brierUncalibrated !== null ? ` (uncalibrated ${fixed(r.brierUncalibrated, 4)})` : ' (the model does not expose uncalibrated probabilities)'}; ` +
      `expected calibration error ${fixed(r.calibration.ece, 4)}`,
  );
  out.push(`fit ${secs(r.fitSeconds.mean)} per fold; scoring ${int(r.predictRecordsPerSecond)} records/s (without reasons)`);
  out.push('');

  out.push('Classification');
  out.push(
    table(
      ['', 'threshold', 'accuracy', 'precision', 'recall', 'F1', 'tp', 'fp', 'fn', 'tn'],
      [
        ['at 0.5', r.atHalf, false],
        ['best F1 *', r.bestF1, true],
      ].map(([name, m]) => {
        const c = m as LeadScoreCvResult['atHalf'];
        return [name as string, fixed(c.threshold, 3), fixed(c.accuracy, 3), fixed(c.precision, 3), fixed(c.recall, 3), fixed(c.f1, 3), int(c.tp), int(c.fp), int(c.fn), int(c.tn)];
      }),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  out.push('* the threshold is chosen on the same out-of-fold predictions: optimistic');
  out.push('');

  out.push('Lift by decile (highest scores first)');
  const maxLift = Math.max(...r.lift.map((l) => (Number.isNaN(l.lift) ? 0 : l.lift)));
  out.push(
    table(
      ['decile', 'rows', 'positives', 'rate', 'lift', 'cum. gain', 'lift'],
      r.lift.map((l) => [String(l.group), int(l.count), int(l.positives), percent(l.rate), fixed(l.lift, 2), percent(l.cumulativeGain), bar(l.lift, maxLift, 30)]),
      ['right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
  );
  out.push('');

  out.push(`Reliability (█ observed rate of '${data.label.positive}', | mean predicted probability; calibrated when | ends the bar)`);
  const used = r.calibration.bins.filter((b) => b.count > 0);
  const maxRate = Math.max(0.01, ...used.map((b) => Math.max(b.observedRate, b.meanPredicted)));
  out.push(
    table(
      ['predicted', 'rows', 'mean pred.', 'observed', ''],
      used.map((b) => [`${b.lower.toFixed(1)}-${b.upper.toFixed(1)}`, int(b.count), fixed(b.meanPredicted, 3), fixed(b.observedRate, 3), reliabilityBar(b.observedRate, b.meanPredicted, maxRate, 40)]),
      ['left', 'right', 'right', 'right', 'left'],
    ),
  );
  out.push('');

  out.push('Each column alone (cross-validated ROC AUC; 0.5 = no signal)');
  out.push(
    table(
      ['column', 'kind', 'AUC', ''],
      r.singleFeature.slice(0, 10).map((s) => [s.column, s.kind, fixed(s.auc, 3), bar(Math.max(0, s.auc - 0.5), 0.5, 25)]),
      ['left', 'left', 'right', 'left'],
    ),
  );
  if (r.singleFeature.length > 10) out.push(`(${r.singleFeature.length - 10} more columns)`);
  out.push(r.leakage.length === 0 ? `leakage check: no column alone reaches ROC AUC ${r.leakageThreshold}` : leakageWarnings(r).map((w) => `WARNING: ${w}`).join('\n'));
  out.push('');

  if (r.importance === null) {
    out.push(`Feature importance: not exposed by this model (${r.model.forest})`);
  } else {
    out.push("Feature importance (the model's own, summed per column)");
    const max = Math.max(...r.importance.map((i) => i.importance));
    out.push(
      table(
        ['column', 'importance', ''],
        r.importance.slice(0, 15).map((i) => [i.column, fixed(i.importance, 3), bar(i.importance, max, 30)]),
        ['left', 'right', 'left'],
      ),
    );
  }
  if (data.warnings.length > 0) {
    out.push('');
    out.push('Notes');
    for (const w of data.warnings) out.push(`- ${w}`);
  }
  return `${out.join('\n')}\n`;
}

export async function evalLeadScore(args: readonly string[], io: EvalIO): Promise<number> {
  const values = parseOptions(args, {
    csv: { type: 'string' },
    label: { type: 'string' },
    positive: { type: 'string' },
    negative: { type: 'string' },
    drop: { type: 'string', multiple: true },
    delimiter: { type: 'string' },
    folds: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout(LEADSCORE_USAGE);
    return 0;
  }
  const log = logger(io, 'leadscore');
  const csv = required(values.csv, 'csv', 'the CSV file to evaluate on');
  const label = required(values.label, 'label', 'the outcome column');
  const folds = intOption('folds', values.folds, 5, 2, 50);
  const seed = intOption('seed', values.seed, 42, 0, 2 ** 31 - 1);
  log.info(`reading ${csv}`);
  const data = await loadLeadScoreData({
    csv,
    label,
    drop: listOption(values.drop?.join(',')),
    ...(values.positive === undefined ? {} : { positive: values.positive }),
    ...(values.negative === undefined ? {} : { negative: listOption(values.negative) }),
    ...(values.delimiter === undefined ? {} : { delimiter: values.delimiter }),
  });
  for (const w of data.warnings) log.warn(w);
  const positives = data.label.positives;
  const negative = data.label.negatives.length === 1 ? `'${data.label.negatives[0]}'` : 'a negative value';
  requireRowsPerFold(data.file, folds, [
    [positives, `${data.label.column} = '${data.label.positive}'`],
    [data.rows.length - positives, `${data.label.column} = ${negative}`],
  ]);
  log.info(`${int(data.rows.length)} rows, ${data.spec.numeric.length} numeric + ${data.spec.categorical.length} categorical columns; ${folds}-fold cross-validation`);
  const result = await crossValidateLeadScore(data.rows, data.labels, {
    spec: data.spec,
    folds,
    seed,
    onProgress: (e) => {
      if (e.stage === 'fit') log.info(`fold ${e.fold}/${e.folds}: fitting`);
      else log.info(`fold ${e.fold}/${e.folds}: ROC AUC ${fixed(e.auc, 4)}, fit ${secs(e.fitSeconds ?? Number.NaN)}`);
    },
  });
  for (const w of leakageWarnings(result)) log.warn(w);
  io.stdout(values.json ? toJson(leadScoreJson(data, result, folds, seed)) : formatLeadScoreReport(data, result, folds, seed));
  return 0;
}
