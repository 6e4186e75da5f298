/**
 * `crm-signals eval recommend --train FILE --test FILE`: top-k quality of the product's recommender (the
 * model it selects on a validation split of the training file) beside the baselines fitted in the same
 * run (most popular, item-kNN, user-kNN, EASE), on held-out interactions; with ratings, the RMSE and MAE
 * of the product's rating model beside the bias baseline and user-kNN with means.
 */
import { InputError, readCsvFile, requireColumns } from '../../io/index.ts';
import type { CsvTable } from '../../io/index.ts';
import { mae, rankingMetrics, rmse } from '../../models/evaluate/index.ts';
import type { RankingMetrics } from '../../models/evaluate/index.ts';
import { fitRecommender, predictRating, recommend } from '../../models/recommend/index.ts';
import type { Interaction, RecommenderModel, RecommenderOptions, Strategy } from '../../models/recommend/index.ts';
import type { EvalIO } from './common.ts';
import { intOption, listOption, logger, parseOptions, required, toJson, UsageError } from './common.ts';
import { bar, fixed, heading, int, secs, table } from './format.ts';

export const RECOMMEND_USAGE = `usage: crm-signals eval recommend --train FILE --test FILE [options]

Fits the product's recommender on the training interactions (it selects among popularity, item-kNN,
user-kNN, EASE and implicit ALS, blended with popularity, on a validation split of the training file
only) and, in the same run, the baselines most popular, item-kNN (cosine, 50 neighbours), user-kNN
(cosine, 50) and EASE (lambda 500). For every user of the test file it compares each top k with the
items the user has in the test file (items the user already had in training are left out): precision@k,
recall@k, nDCG@k and hit rate. With ratings, also the RMSE and MAE of the product's rating model (biases,
matrix factorisation or SVD++, selected on validation) beside the bias baseline and user-kNN with means.

  --train FILE         interactions to fit on (CSV with a header)
  --test FILE          held-out interactions
  --columns U,I[,R]    the user, item and (optional) rating columns (default user,item,rating; rating only if present)
  --time COLUMN        when each interaction happened (a date): the product validates by time
  --k N                list length (default 10)
  --min-rating R       with ratings: only test items rated at least R count as relevant (default: every test item)
  --delimiter C        , ; | or tab (default: detected)
  --json               print one JSON object instead of the report
`;

/** The baselines, each fitted alone (no selection, no blend) with the textbook settings. */
export const BASELINES: Array<{ name: string; options: RecommenderOptions; strategy: Strategy }> = [
  { name: 'most popular', options: { models: ['popular'] }, strategy: 'popular' },
  { name: 'item-kNN (cosine, 50)', options: { models: ['itemKNN'], itemKNN: { neighbours: 50, shrink: 0 }, blend: 'none' }, strategy: 'model' },
  { name: 'user-kNN (cosine, 50)', options: { models: ['userKNN'], userKNN: { neighbours: 50, shrink: 0 }, blend: 'none' }, strategy: 'model' },
  { name: 'EASE (lambda 500)', options: { models: ['ease'], ease: { lambda: 500 }, blend: 'none' }, strategy: 'model' },
];

/** "EASE (lambda 200, dense) + popularity (w 0.3)", for reports. */
export function describeSelected(model: RecommenderModel): string {
  const s = model.selected;
  const params = Object.entries(s.params)
    .filter(([k]) => k !== 'halfLifeDays')
    .map(([k, v]) => `${k} ${v}`);
  if (s.variant) params.push(s.variant);
  const popularity = s.halfLifeDays > 0 ? `popularity (half-life ${s.halfLifeDays} days)` : 'popularity';
  if (s.model === 'popular' || s.blend.weight === 0) return popularity;
  const name = `${s.model}${params.length > 0 ? ` (${params.join(', ')})` : ''}`;
  if (s.blend.weight >= 1 && s.blend.shrink === 0) return name;
  return `${name} + ${popularity}, w ${s.blend.weight}${s.blend.shrink > 0 ? ` x n/(n+${s.blend.shrink})` : ''}`;
}

interface Interactions {
  interactions: Interaction[];
  skipped: number;
  examples: string[];
}

function interactionsOf(table: CsvTable, user: string, item: string, rating: string | null, time: string | null): Interactions {
  const u = table.header.indexOf(user);
  const it = table.header.indexOf(item);
  const r = rating === null ? -1 : table.header.indexOf(rating);
  const tm = time === null ? -1 : table.header.indexOf(time);
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
    let at: string | undefined;
    if (reason === null && tm >= 0) {
      at = (row[tm] ?? '').trim();
      if (at === '' || !Number.isFinite(Date.parse(at))) reason = `${time} '${at}' is not a date`;
    }
    if (reason !== null) {
      out.skipped++;
      if (out.examples.length < 3) out.examples.push(`line ${line}: ${reason}`);
      return;
    }
    out.interactions.push({ user: userId, item: itemId, ...(weight === undefined ? {} : { weight }), ...(at === undefined ? {} : { at }) });
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
  time: string | null;
  data: { trainInteractions: number; testInteractions: number; users: number; items: number; testUsers: number; coldStartUsers: number; skipped: number };
  /** What the product selected on validation, and how. */
  selected: { description: string; model: string; params: Record<string, number>; blend: { weight: number; shrink: number }; halfLifeDays: number; validation: string | null };
  /** The product's model first, then the baselines; fitSeconds is each one's fit, seconds its top-k lists. */
  methods: Array<RankingMetrics & { method: string; product: boolean; fitSeconds: number; seconds: number }>;
  /** With ratings: the product's rating model first, then the bias baseline and user-kNN with means. */
  ratings: Array<{ method: string; product: boolean; rmse: number; mae: number; predictions: number; fallbacks: number; fitSeconds: number; seconds: number }> | null;
  warnings: string[];
}

export async function evalRecommend(args: readonly string[], io: EvalIO): Promise<number> {
  const values = parseOptions(args, {
    train: { type: 'string' },
    test: { type: 'string' },
    columns: { type: 'string' },
    k: { type: 'string' },
    'min-rating': { type: 'string' },
    time: { type: 'string' },
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
  const time = values.time === undefined ? null : values.time.trim();
  if (time === '') throw new UsageError('--time takes a column name');
  if (time !== null) requireColumns(train, [time], '--time');
  const warnings = [...train.warnings, ...test.warnings];

  const trainData = interactionsOf(train, user, item, rating, time);
  const testData = interactionsOf(test, user, item, rating, null);
  for (const [name, d] of [
    [train.file, trainData],
    [test.file, testData],
  ] as const) {
    if (d.skipped > 0) warnings.push(`${name}: skipped ${int(d.skipped)} interactions (${d.examples.join('; ')})`);
  }
  for (const w of warnings) log.warn(w);

  const aggregate = rating === null ? 'sum' : 'mean';
  const fitTimed = (options: RecommenderOptions): { model: RecommenderModel; seconds: number } => {
    const t0 = performance.now();
    const model = fitRecommender(trainData.interactions, { aggregate, userNoun: 'users', ...options });
    return { model, seconds: (performance.now() - t0) / 1000 };
  };
  log.info(`fitting the product's model on ${int(trainData.interactions.length)} interactions (selection on a validation split)`);
  const product = fitTimed({ ratings: rating !== null });
  const model = product.model;
  const fitSeconds = product.seconds;
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
  const description = describeSelected(model);
  log.info(`selected: ${description}`);

  const methods: RecommendEvalJson['methods'] = [];
  const rank = (name: string, m: RecommenderModel, strategy: Strategy, isProduct: boolean, fitted: number) => {
    log.info(`top ${k} by ${name} for ${int(users.length)} users`);
    const t = performance.now();
    const cases = users.map((u) => ({ recommended: recommend(m, u, { n: k, strategy }).map((r) => r.item), relevant: relevant.get(u) as Set<string> }));
    methods.push({ method: name, product: isProduct, ...rankingMetrics(cases, k), fitSeconds: fitted, seconds: (performance.now() - t) / 1000 });
  };
  rank(`product model: ${description}`, model, 'model', true, fitSeconds);
  for (const b of BASELINES) {
    if (b.strategy === 'popular') rank(b.name, model, 'popular', false, 0);
    else {
      const fitted = fitTimed(b.options);
      rank(b.name, fitted.model, b.strategy, false, fitted.seconds);
    }
  }

  let ratings: RecommendEvalJson['ratings'] = null;
  if (rating !== null) {
    ratings = [];
    const bias = fitTimed({ models: ['popular'], ratings: true, ratingModels: ['bias'] });
    const knn = fitTimed({ models: ['popular'] });
    for (const [name, m, isProduct, fitted] of [
      [`product rating model: ${model.rating?.kind ?? 'none'}`, model, true, fitSeconds],
      ['bias baseline (mu + b_u + b_i)', bias.model, false, bias.seconds],
      ['user-kNN with means', knn.model, false, knn.seconds],
    ] as const) {
      log.info(`predicting ${int(testData.interactions.length)} ratings by ${name}`);
      const t = performance.now();
      const actual: number[] = [];
      const predicted: number[] = [];
      let fallbacks = 0;
      for (const x of testData.interactions) {
        const p = predictRating(m, x.user, x.item);
        actual.push(x.weight as number);
        predicted.push(p.rating);
        if (p.fallback !== null) fallbacks++;
      }
      ratings.push({ method: name, product: isProduct, rmse: rmse(actual, predicted), mae: mae(actual, predicted), predictions: actual.length, fallbacks, fitSeconds: fitted, seconds: (performance.now() - t) / 1000 });
    }
  }

  const result: RecommendEvalJson = {
    command: 'eval recommend',
    train: train.file,
    test: test.file,
    columns: { user, item, rating },
    time,
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
    selected: { description, model: model.selected.model, params: model.selected.params, blend: model.selected.blend, halfLifeDays: model.selected.halfLifeDays, validation: model.selected.validation?.protocol ?? null },
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
  out.push(`product's choice (validation ${r.selected.validation ?? 'not needed: fixed by the options'}): ${r.selected.description}`);
  out.push('');
  const best = Math.max(...r.methods.map((m) => (Number.isNaN(m.hitRate) ? 0 : m.hitRate)));
  out.push(
    table(
      ['method', `precision@${r.k}`, `recall@${r.k}`, `nDCG@${r.k}`, `hit rate@${r.k}`, 'fit', 'lists', 'hit rate'],
      r.methods.map((m) => [m.method, fixed(m.precision), fixed(m.recall), fixed(m.ndcg), fixed(m.hitRate), secs(m.fitSeconds), secs(m.seconds), bar(m.hitRate, best, 25)]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
  );
  out.push('The baselines are fitted alone with their textbook settings; the product model is selected and blended on a validation split of the training file only. Unknown users get popularity from every method.');
  if (r.ratings !== null) {
    out.push('');
    out.push(
      table(
        ['rating model', 'RMSE', 'MAE', 'predictions', 'fell back to a mean', 'fit', 'predict'],
        r.ratings.map((m) => [m.method, fixed(m.rmse, 4), fixed(m.mae, 4), int(m.predictions), int(m.fallbacks), secs(m.fitSeconds), secs(m.seconds)]),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
    );
  }
  if (r.warnings.length > 0) {
    out.push('');
    out.push('Notes');
    for (const w of r.warnings) out.push(`- ${w}`);
  }
  return `${out.join('\n')}\n`;
}
