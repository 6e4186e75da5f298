/**
 * `crm-signals eval segments --csv FILE`: fits the segment model (feature pipeline -> PCA + k-means) on any
 * CSV file, reports the chosen k, silhouette, segment names and sizes, and whether a second fit on the
 * same data gives the same segment ids.
 */
import { fitFeaturePipeline, MISSING, OTHER } from '../../features/pipeline.ts';
import { readCsvFile, requireColumns } from '../../io/index.ts';
import { InputError } from '../../io/index.ts';
import { inferFeatureSpec } from '../../models/evaluate/index.ts';
import { fitSegments } from '../../models/segments/index.ts';
import type { OneHotSource, SegmentModel, SegmentOptions } from '../../models/segments/index.ts';
import type { EvalIO } from './common.ts';
import { intOption, listOption, logger, parseOptions, rawRows, required, toJson } from './common.ts';
import { bar, fixed, heading, int, percent, secs, table } from './format.ts';
import { nullRecord } from '../../domain/own.ts';

export const SEGMENTS_USAGE = `usage: crm-signals eval segments --csv FILE [options]

Fits the segment model (feature pipeline, PCA, k-means with k chosen by silhouette) on a CSV file and
reports k, the silhouette, the segments' names and sizes, and whether a second fit gives the same ids.

  --csv FILE           the data, with a header row
  --drop A,B           columns never to use (an outcome, identifiers...)
  --k N                a fixed number of segments (default: chosen by silhouette over 2..8)
  --delimiter C        , ; | or tab (default: detected)
  --seed N             seed (default 42)
  --json               print one JSON object instead of the report
`;

export interface SegmentsEvalJson {
  command: 'eval segments';
  file: string;
  rows: number;
  features: { numeric: string[]; categorical: string[]; dropped: Array<{ column: string; reason: string }>; encoded: number };
  seed: number;
  k: number;
  silhouette: number | null;
  silhouetteByK: Array<{ k: number; silhouette: number }>;
  components: number;
  explainedVariance: number;
  segments: Array<{ id: string; name: string; size: number; share: number }>;
  stability: { identicalIds: boolean; rowsWithSameId: number };
  fitSeconds: number[];
  warnings: string[];
}

export async function evalSegments(args: readonly string[], io: EvalIO): Promise<number> {
  const values = parseOptions(args, {
    csv: { type: 'string' },
    drop: { type: 'string', multiple: true },
    k: { type: 'string' },
    delimiter: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout(SEGMENTS_USAGE);
    return 0;
  }
  const log = logger(io, 'segments');
  const csv = required(values.csv, 'csv', 'the CSV file to segment');
  const seed = intOption('seed', values.seed, 42, 0, 2 ** 31 - 1);
  const k = values.k === undefined ? undefined : intOption('k', values.k, 2, 2, 50);
  const drop = listOption(values.drop?.join(','));
  const table_ = await readCsvFile(csv, values.delimiter === undefined ? {} : { delimiter: values.delimiter });
  requireColumns(table_, drop, '--drop');
  for (const w of table_.warnings) log.warn(w);
  if (table_.rows.length < 3) throw new InputError(`${table_.file}: ${table_.rows.length} rows: segments need at least 3`);
  const inferred = inferFeatureSpec(table_.header, table_.rows, { exclude: drop });
  const columns = [...inferred.spec.numeric, ...inferred.spec.categorical];
  if (columns.length === 0) throw new InputError(`${table_.file}: no usable column to segment on`);
  const raw = rawRows(table_, columns);
  const pipeline = fitFeaturePipeline(raw, inferred.spec);
  const matrix = pipeline.transform(raw);
  const featureNames = [...pipeline.featureNames];
  const oneHot = nullRecord<OneHotSource>();
  featureNames.forEach((feature, i) => {
    const source = pipeline.featureSources[i] as string;
    if (feature === source) return;
    const level = feature.slice(source.length + 1);
    oneHot[feature] = { column: source, level: level === OTHER ? 'other' : level === MISSING ? 'missing' : level };
  });
  // Rows the features cannot tell apart are one point to the clustering: refused here, naming the file.
  const distinct = new Set(matrix.map((row) => row.join(','))).size;
  const needed = k ?? 2;
  if (distinct < needed) {
    throw new InputError(`${table_.file}: ${distinct === 1 ? 'every row has the same values' : `only ${distinct} distinct rows`} in the columns used (${columns.join(', ')}): ${needed} segments need at least ${needed} rows that differ`);
  }
  const options: SegmentOptions = { featureNames, oneHot, seed, ...(k === undefined ? {} : { k }) };
  log.info(`fitting on ${int(matrix.length)} rows x ${featureNames.length} features`);
  const fit = (): [SegmentModel, number] => {
    const t0 = performance.now();
    const model = fitSegments(matrix, options);
    return [model, (performance.now() - t0) / 1000];
  };
  const [first, firstSeconds] = fit();
  log.info(`k = ${first.metrics.k}, silhouette ${fixed(first.metrics.silhouette)}; fitting again for stability`);
  const [second, secondSeconds] = fit();
  const a = first.training?.segmentIds ?? [];
  const b = second.training?.segmentIds ?? [];
  const same = a.filter((id, i) => id === b[i]).length;
  const identical =
    a.length === b.length && same === a.length && JSON.stringify(first.segments.map((s) => [s.id, s.name])) === JSON.stringify(second.segments.map((s) => [s.id, s.name]));

  const result: SegmentsEvalJson = {
    command: 'eval segments',
    file: table_.file,
    rows: matrix.length,
    features: {
      numeric: inferred.spec.numeric,
      categorical: inferred.spec.categorical,
      dropped: [...drop.map((column) => ({ column, reason: '--drop' })), ...inferred.columns.filter((c) => c.kind === 'dropped').map((c) => ({ column: c.name, reason: c.reason ?? '' }))],
      encoded: featureNames.length,
    },
    seed,
    k: first.metrics.k,
    silhouette: first.metrics.silhouette,
    silhouetteByK: first.metrics.silhouetteByK.map(({ k: kk, silhouette }) => ({ k: kk, silhouette })),
    components: first.pca.nComponents,
    explainedVariance: first.metrics.explainedVariance,
    segments: [
      ...first.segments.map((s) => ({ id: s.id, name: s.name, size: s.size, share: s.share })),
      ...(first.outliers ? [{ id: first.outliers.id, name: first.outliers.name, size: first.outliers.size, share: first.outliers.share }] : []),
    ],
    stability: { identicalIds: identical, rowsWithSameId: a.length === 0 ? Number.NaN : same / a.length },
    fitSeconds: [firstSeconds, secondSeconds],
    warnings: table_.warnings,
  };
  io.stdout(values.json ? toJson(result) : formatSegmentsReport(result));
  return 0;
}

export function formatSegmentsReport(r: SegmentsEvalJson): string {
  const out: string[] = [];
  out.push(heading(`Segments evaluation: ${r.file}`));
  out.push(`${int(r.rows)} rows; ${r.features.numeric.length} numeric and ${r.features.categorical.length} categorical columns -> ${r.features.encoded} features; seed ${r.seed}`);
  if (r.features.dropped.length > 0) out.push(`left out: ${r.features.dropped.map((d) => `${d.column} (${d.reason})`).join(', ')}`);
  out.push(`PCA: ${r.components} components (${percent(r.explainedVariance)} of the variance); k = ${r.k}, silhouette ${fixed(r.silhouette)}`);
  out.push('');
  if (r.silhouetteByK.length > 0) {
    const max = Math.max(...r.silhouetteByK.map((s) => s.silhouette));
    out.push(
      table(
        ['k', 'silhouette', ''],
        r.silhouetteByK.map((s) => [String(s.k), fixed(s.silhouette), `${bar(s.silhouette, max, 30)}${s.k === r.k ? '  <- chosen' : ''}`]),
        ['right', 'right', 'left'],
      ),
    );
    out.push('');
  }
  const maxShare = Math.max(...r.segments.map((s) => s.share));
  out.push(
    table(
      ['id', 'name', 'rows', 'share', ''],
      r.segments.map((s) => [s.id, s.name, int(s.size), percent(s.share), bar(s.share, maxShare, 25)]),
      ['left', 'left', 'right', 'right', 'left'],
    ),
  );
  out.push('');
  out.push(
    `stability: a second fit on the same data gives ${r.stability.identicalIds ? 'identical segment ids and names' : `the same id for ${percent(r.stability.rowsWithSameId)} of the rows (NOT identical)`}; fit ${r.fitSeconds.map(secs).join(', ')}`,
  );
  if (r.warnings.length > 0) {
    out.push('');
    out.push('Notes');
    for (const w of r.warnings) out.push(`- ${w}`);
  }
  return `${out.join('\n')}\n`;
}
