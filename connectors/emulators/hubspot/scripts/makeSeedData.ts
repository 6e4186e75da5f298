/**
 * Regenerates the shipped seed files from ../shared/datasets (run once; the output is committed):
 *   npx tsx connectors/emulators/hubspot/scripts/makeSeedData.ts [path/to/shared/datasets]
 * The bank-marketing subset is a fixed-seed random sample so the shipped file stays small while
 * keeping the original class balance on average; rows keep their original order and quoting.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createRng } from '../../../../src/domain/random.mjs';

const SUBSET_SEED = 20140601;
const SUBSET_ROWS = 6000;

const datasets = process.argv[2] ?? fileURLToPath(new URL('../../../../../shared/datasets/', import.meta.url));
const seedDir = fileURLToPath(new URL('../../../../data/seed/', import.meta.url));

const csv = readFileSync(join(datasets, 'bank-marketing/bank-additional-full.csv'), 'utf8');
const lines = csv.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.length > 0);
const [header, ...rows] = lines;
if (header === undefined) throw new Error('empty bank-marketing file');
const rng = createRng(SUBSET_SEED);
const chosen = rng
  .shuffle(rows.map((_, i) => i))
  .slice(0, SUBSET_ROWS)
  .sort((a, b) => a - b);
const out = [header, ...chosen.map((i) => rows[i] as string)].join('\n') + '\n';
writeFileSync(join(seedDir, 'bank-marketing-6000.csv'), out);

for (const f of ['amazon_cells_labelled.txt', 'imdb_labelled.txt']) {
  copyFileSync(join(datasets, 'sentiment-sentences', f), join(seedDir, f));
}
const yes = chosen.filter((i) => (rows[i] as string).endsWith('"yes"')).length;
console.log(`wrote ${SUBSET_ROWS} rows (${yes} yes) and the sentiment files to ${seedDir}`);
