/**
 * The shipped demo data both emulators are seeded from (CC BY 4.0, see data/seed/ATTRIBUTION.md): the
 * bank-marketing rows behind every demo person and the labelled sentences behind every ticket/case.
 * Read once per process.
 */
import { readFileSync } from 'node:fs';
import { parseCsvRecords } from '../../../src/io/csv.ts';

const SEED_DIR = new URL('../../../data/seed/', import.meta.url);

/** Source column -> HubSpot contact property (the Salesforce schema maps these names to its fields). */
const BANK_COLUMNS: Record<string, string> = {
  age: 'age', job: 'job', marital: 'marital', education: 'education', default: 'credit_default', housing: 'housing',
  loan: 'loan', contact: 'contact_channel', month: 'last_contact_month', day_of_week: 'last_contact_day',
  duration: 'call_duration', campaign: 'campaign_contacts', pdays: 'days_since_previous_contact',
  previous: 'previous_contacts', poutcome: 'previous_outcome', 'emp.var.rate': 'emp_var_rate',
  'cons.price.idx': 'cons_price_idx', 'cons.conf.idx': 'cons_conf_idx', euribor3m: 'euribor_3m',
  'nr.employed': 'nr_employed',
};

export interface BankRow {
  /** The row's values under HubSpot contact property names. */
  properties: Record<string, string>;
  y: 'yes' | 'no';
}

export interface Sentence {
  text: string;
  label: 0 | 1;
  source: 'amazon' | 'imdb';
}

let bankCache: BankRow[] | undefined;
let sentenceCache: Sentence[] | undefined;

export function loadBankRows(): BankRow[] {
  if (bankCache) return bankCache;
  // `;`-separated with double-quoted strings.
  const [header, ...rest] = parseCsvRecords(readFileSync(new URL('bank-marketing-6000.csv', SEED_DIR), 'utf8'), ';');
  if (!header) throw new Error('bank-marketing seed file is empty');
  const yIndex = header.indexOf('y');
  bankCache = rest.map((fields) => {
    const properties: Record<string, string> = {};
    header.forEach((col, i) => {
      const prop = BANK_COLUMNS[col];
      const value = fields[i];
      if (prop && value !== undefined) properties[prop] = value;
    });
    return { properties, y: fields[yIndex] === 'yes' ? 'yes' : 'no' };
  });
  return bankCache;
}

/**
 * `sentence<TAB>label` per line. Split on '\n' only (imdb holds U+0085, which some readers treat as
 * a line break) and never treat '"' as a quote.
 */
export function loadSentences(): Sentence[] {
  if (sentenceCache) return sentenceCache;
  const out: Sentence[] = [];
  for (const [file, source] of [['amazon_cells_labelled.txt', 'amazon'], ['imdb_labelled.txt', 'imdb']] as const) {
    const text = readFileSync(new URL(file, SEED_DIR), 'utf8');
    for (const line of text.split('\n')) {
      const tab = line.lastIndexOf('\t');
      if (tab < 0) continue;
      const label = line.slice(tab + 1).trim();
      const sentence = line.slice(0, tab).trim();
      if ((label !== '0' && label !== '1') || sentence === '') continue;
      out.push({ text: sentence, label: label === '1' ? 1 : 0, source });
    }
  }
  sentenceCache = out;
  return out;
}
