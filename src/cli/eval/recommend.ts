/**
 * `crm-signals eval recommend --train FILE --test FILE`: top-k quality of the recommender (item-CF, the
 * most-popular baseline and the hybrid) on held-out interactions, and rating-prediction error when the
 * files carry ratings.
 */
import { InputError, readCsvFile, requireColumns } from '../../io/index.ts';
import type { CsvTable } from '../../io/index.ts';
import { mae, rankingMetrics, rmse } from '../../models/evaluate/index.ts';
import type { RankingMetrics } from '../../models/evaluate/index.ts';
import { fitRecommender, predictRating, recommend } from '../../models/recommend/index.ts';
import type { Interaction, Strategy } from '../../models/recommend/index.ts';
import type { EvalIO } from './common.ts';
import { intOption, listOption, logger, parseOptions, required, toJson, UsageError } from './common.ts';
import { bar, fixed, heading, int, secs, table } from './format.ts';

export const RECOMMEND_USAGE = `usage: crm-signals eval recommend --train FILE --test FILE [options]

Fits the recommender on the training interactions and, for every user of the test file, compares its
top k with the items the user has in the test file (items the user already had in training are left out).
Reports precision@k, recall@k, nDCG@k and hit rate for item-based CF, the most-popular baseline and the
hybrid; with ratings, also the RMSE and MAE of the predicted ratings.

  --train FILE         interactions to fit on (CSV with a header)
  --test FILE          held-out interactions
  --columns U,I[,R]    the user, item and (optional) rating columns (default user,item,rating; rating only if present)
  --k N                list length (default 10)
  --min-rating R       with ratings: only test items rated at least R count as relevant (default: every test item)
  --delimiter C        , ; | or tab (default: detected)
  --json               print one JSON object instead of the report
`;

const STRATEGIES: Array<{ name: string; strategy: Strategy }> = [
  { name: 'item-CF', strategy: 'itemCF' },
  { name: 'most popular', strategy: 'popular' },
  { name: 'hybrid', strategy: 'hybrid' },
];

interface Interactions {
  interactions: Interaction[];
  skipped: number;
  examples: string[];
}

function interactionsOf(table: CsvTable, user: string, item: string, rating: string | null): Interactions {
  const u = table.header.indexOf(user);
  const it = table.header.indexOf(item);
  const r = rating === null ? -1 : table.header.indexOf(rating);
  const out: Interactions = { interactions: [], skipped: 0, examples: [] };
  table.rows.forEach((row, i) => {
    const line = table.lines[i] ?? i + 2;
    const userId = (row[u] ?? '').trim();
    const itemId = (row[it] ?? '').trim();
    let reason: string | null = userId === '' ? `empty ${user}` : itemId === '' ? `empty ${item}` : null;
    let weight: number | undefined;
    if (reason === null && r >= 0) {
      const text = (row[r] ?? '').trim();
      weight = Number(text);
      if (text === '' || !Number.isFinite(weight)) reason = `${rating} '${text}' is not a number`;
    }
    if (reason !== null) {
      out.skipped++;
      if (out.examples.length < 3) out.examples.push(`line ${line}: ${reason}`);
      return;
    }
    out.interactions.push(weight === undefined ? { user: userId, item: itemId } : { user: userId, item: itemId, weight });
  });
  if (out.interactions.length === 0) throw new InputError(`${table.file}: no usable interaction (${out.examples.join('; ')})`);
  return out;
}

export interface RecommendEvalJson {
  command: 'eval recommend';
  train: string;
  test: string;
  columns: { user: string; item: string; rating: string | null };
  k: number;
  minRating: number | null;
  data: { trainInteractions: number; testInteractions: number; users: number; items: number; testUsers: number; coldStartUsers: number; skipped: number };
  methods: Array<RankingMetrics & { method: string; seconds: number }>;
  ratings: { rmse: number; mae: number; predictions: number; fallbacks: number; seconds: number } | null;
  warnings: string[];
}

export async function evalRecommend(args: readonly string[], io: EvalIO): Promise<number> {
  const values = parseOptions(args, {
    train: { type: 'string' },
    test: { type: 'string' },
    columns: { type: 'string' },
    k: { type: 'string' },
    'min-rating': { type: 'string' },
    delimiter: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout(RECOMMEND_USAGE);
    return 0;
  }
  const log = logger(io, 'recommend');
  const trainFile = required(values.train, 'train', 'the interactions to fit on');
  const testFile = required(values.test, 'test', 'the held-out interactions');
  const k = intOption('k', values.k, 10, 1, 1000);
  const columns = listOption(values.columns);
  if (values.columns !== undefined && (columns.length < 2 || columns.length > 3)) {
    throw new UsageError(`--columns takes 2 or 3 names (user,item[,rating]), got "${values.columns}"`);
  }
  const minRatingRaw = values['min-rating'];
  const minRating = minRatingRaw === undefined ? null : Number(minRatingRaw);
  if (minRating !== null && (minRatingRaw?.trim() === '' || !Number.isFinite(minRating))) throw new UsageError(`--min-rating must be a number, got "${minRatingRaw}"`);
  const readOptions = values.delimiter === undefined ? {} : { delimiter: values.delimiter };
  const train = await readCsvFile(trainFile, readOptions);
  const test = await readCsvFile(testFile, readOptions);
  const [user = 'user', item = 'item'] = columns;
  const rating = columns.length === 3 ? (columns[2] as string) : columns.length === 0 && train.header.includes('rating') && test.header.includes('rating') ? 'rating' : null;
  const option = values.columns === undefined ? '--columns, default user,item' : '--columns';
  if (minRating !== null && rating === null) throw new UsageError('--min-rating needs a rating column (--columns user,item,rating)');
  for (const t of [train, test]) requireColumns(t, rating === null ? [user, item] : [user, item, rating], option);
  const warnings = [...train.warnings, ...test.warnings];

  const trainData = interactionsOf(train, user, item, rating);
  const testData = interactionsOf(test, user, item, rating);
  for (const [name, d] of [
    [train.file, trainData],
    [test.file, testData],
  ] as const) {
    if (d.skipped > 0) warnings.push(`${name}: skipped ${int(d.skipped)} interactions (${d.examples.join('; ')})`);
  }
  for (const w of warnings) log.warn(w);

  log.info(`fitting on ${int(trainData.interactions.length)} interactions`);
  const t0 = performance.now();
  const model = fitRecommender(trainData.interactions, { aggregate: rating === null ? 'sum' : 'mean', userNoun: 'users' });
  const fitSeconds = (performance.now() - t0) / 1000;
  const owned = new Map(model.users.map(([u, row]) => [u, new Set(row.map(([i]) => i))]));
  const relevant = new Map<string, Set<string>>();
  for (const x of testData.interactions) {
    if (owned.get(x.user)?.has(x.item)) continue;
    if (minRating !== null && (x.weight as number) < minRating) continue;
    let set = relevant.get(x.user);
    if (!set) relevant.set(x.user, (set = new Set()));
    set.add(x.item);
  }
  const users = [...relevant.keys()].sort();
  const coldStart = users.filter((u) => !owned.has(u)).length;

  const methods: RecommendEvalJson['methods'] = [];
  for (const { name, strategy } of STRATEGIES) {
    log.info(`top ${k} by ${name} for ${int(users.length)} users`);
    const t = performance.now();
    const cases = users.map((u) => ({ recommended: recommend(model, u, { n: k, strategy }).map((r) => r.item), relevant: relevant.get(u) as Set<string> }));
    methods.push({ method: name, ...rankingMetrics(cases, k), seconds: (performance.now() - t) / 1000 });
  }

  let ratings: RecommendEvalJson['ratings'] = null;
  if (rating !== null) {
    log.info(`predicting ${int(testData.interactions.length)} ratings`);
    const t = performance.now();
    const actual: number[] = [];
    const predicted: number[] = [];
    let fallbacks = 0;
    for (const x of testData.interactions) {
      const p = predictRating(model, x.user, x.item);
      actual.push(x.weight as number);
      predicted.push(p.rating);
      if (p.fallback !== null) fallbacks++;
    }
    ratings = { rmse: rmse(actual, predicted), mae: mae(actual, predicted), predictions: actual.length, fallbacks, seconds: (performance.now() - t) / 1000 };
  }

  const result: RecommendEvalJson = {
    command: 'eval recommend',
    train: train.file,
    test: test.file,
    columns: { user, item, rating },
    k,
    minRating,
    data: {
      trainInteractions: trainData.interactions.length,
      testInteractions: testData.interactions.length,
      users: model.metrics.users,
      items: model.metrics.items,
      testUsers: users.length,
      coldStartUsers: coldStart,
      skipped: trainData.skipped + testData.skipped,
    },
    methods,
    ratings,
    warnings,
  };
  io.stdout(values.json ? toJson(result) : formatRecommendReport(result, fitSeconds));
  return 0;
}

export function formatRecommendReport(r: RecommendEvalJson, fitSeconds: number): string {
  const out: string[] = [];
  out.push(heading(`Recommendation evaluation: ${r.train} -> ${r.test}`));
  out.push(
    `training: ${int(r.data.trainInteractions)} interactions, ${int(r.data.users)} users, ${int(r.data.items)} items (fit ${secs(fitSeconds)}); ` +
      `test: ${int(r.data.testInteractions)} interactions, ${int(r.data.testUsers)} users with new items (${int(r.data.coldStartUsers)} unknown to training)`,
  );
  out.push(`columns: user ${r.columns.user}, item ${r.columns.item}${r.columns.rating !== null ? `, rating ${r.columns.rating}` : ''}; relevant: ${r.minRating !== null ? `test items rated >= ${r.minRating}` : 'every test item the user did not have in training'}`);
  out.push('');
  const best = Math.max(...r.methods.map((m) => (Number.isNaN(m.hitRate) ? 0 : m.hitRate)));
  out.push(
    table(
      ['method', `precision@${r.k}`, `recall@${r.k}`, `nDCG@${r.k}`, `hit rate@${r.k}`, 'time', 'hit rate'],
      r.methods.map((m) => [m.method, fixed(m.precision), fixed(m.recall), fixed(m.ndcg), fixed(m.hitRate), secs(m.seconds), bar(m.hitRate, best, 25)]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
  );
  out.push('item-CF lists only items similar to something the user has, so it may return fewer than k (unknown users get nothing); the hybrid falls back to popularity and content for them.');
  if (r.ratings !== null) {
    out.push('');
    out.push(
      `ratings (user-based kNN with means): RMSE ${fixed(r.ratings.rmse, 4)}, MAE ${fixed(r.ratings.mae, 4)} over ${int(r.ratings.predictions)} test ratings ` +
        `(${int(r.ratings.fallbacks)} fell back to a mean), ${secs(r.ratings.seconds)}`,
    );
  }
  if (r.warnings.length > 0) {
    out.push('');
    out.push('Notes');
    for (const w of r.warnings) out.push(`- ${w}`);
  }
  return `${out.join('\n')}\n`;
}
