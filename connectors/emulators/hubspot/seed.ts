/**
 * Builds the demo portal from the shipped CC BY 4.0 data (see data/seed/ATTRIBUTION.md) and a
 * seeded generator. Everything, timestamps included, derives from the seed so two emulators with
 * the same seed are identical.
 */
import { readFileSync } from 'node:fs';
import { createRng, deriveSeed, type Rng } from '../../../src/domain/random.mjs';
import { parseCsvRecords } from '../../../src/io/csv.ts';
import { SEED_BASE_DATE_MS, type EmulatorState, type StoredRecord } from './state.ts';
import { DEAL_STAGES, TICKET_STAGES } from './catalog.ts';

const SEED_DIR = new URL('../../../data/seed/', import.meta.url);
const YEAR_START_MS = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;
/**
 * A month-end bulk update: many records share one hs_lastmodifieddate, as after a HubSpot import.
 * It is there so incremental sync has to break ties by id instead of trusting the timestamp alone.
 */
const BULK_UPDATE_MS = Date.UTC(2026, 5, 30, 22, 0, 0);
const BULK_SHARE = 0.1;

export interface SeedOptions {
  seed: number;
  contacts: number;
  openShare: number;
}

/** Source column -> contact property. */
const BANK_COLUMNS: Record<string, string> = {
  age: 'age', job: 'job', marital: 'marital', education: 'education', default: 'credit_default', housing: 'housing',
  loan: 'loan', contact: 'contact_channel', month: 'last_contact_month', day_of_week: 'last_contact_day',
  duration: 'call_duration', campaign: 'campaign_contacts', pdays: 'days_since_previous_contact',
  previous: 'previous_contacts', poutcome: 'previous_outcome', 'emp.var.rate': 'emp_var_rate',
  'cons.price.idx': 'cons_price_idx', 'cons.conf.idx': 'cons_conf_idx', euribor3m: 'euribor_3m',
  'nr.employed': 'nr_employed',
};

export interface BankRow {
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

export const FIRST_NAMES = [
  'Ana', 'Bruno', 'Carla', 'Diego', 'Elena', 'Filipe', 'Grace', 'Hugo', 'Ines', 'Joao', 'Kofi', 'Lena', 'Marta', 'Nuno',
  'Olga', 'Pedro', 'Quinn', 'Rita', 'Sofia', 'Tiago', 'Uma', 'Vasco', 'Wen', 'Ximena', 'Yara', 'Zeca', 'Amara', 'Ben',
  'Chloe', 'Dev', 'Emil', 'Farah', 'Goran', 'Hana', 'Ivan', 'Julia', 'Kenji', 'Lucia', 'Mateo', 'Nadia',
];
export const LAST_NAMES = [
  'Silva', 'Santos', 'Ferreira', 'Pereira', 'Oliveira', 'Costa', 'Rodrigues', 'Martins', 'Jesus', 'Sousa', 'Fernandes',
  'Goncalves', 'Gomes', 'Lopes', 'Marques', 'Alves', 'Almeida', 'Ribeiro', 'Pinto', 'Carvalho', 'Teixeira', 'Moreira',
  'Correia', 'Mendes', 'Nunes', 'Soares', 'Vieira', 'Monteiro', 'Cardoso', 'Rocha', 'Neves', 'Coelho', 'Cruz', 'Cunha',
  'Pires', 'Ramos', 'Reis', 'Simoes', 'Antunes', 'Matos',
];
export const PRODUCT_ADJECTIVES = ['Premium', 'Smart', 'Flex', 'Secure', 'Green', 'Instant', 'Family', 'Gold', 'Travel', 'Digital', 'Plus', 'Senior'];
export const PRODUCT_NOUNS = ['Savings Account', 'Term Deposit', 'Credit Card', 'Mortgage', 'Personal Loan', 'Insurance', 'Pension Plan', 'Investment Fund', 'Current Account', 'Car Loan'];

export function between(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * Math.max(1, hi - lo));
}

export function seedPortal(state: EmulatorState, options: SeedOptions): void {
  const contacts = seedContacts(state, options);
  const products = seedProducts(state, options.seed);
  seedDeals(state, options.seed, contacts, products);
  seedTickets(state, options.seed, contacts);
}

function seedContacts(state: EmulatorState, { seed, contacts: n, openShare }: SeedOptions): StoredRecord[] {
  const rows = loadBankRows();
  const rng = createRng(deriveSeed(seed, 'contacts'));
  const rowOrder = rng.shuffle(rows.map((_, i) => i));
  const openCount = Math.round(n * Math.min(1, Math.max(0, openShare)));
  const open = new Set(rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, openCount));
  const out: StoredRecord[] = [];
  for (let i = 0; i < n; i++) {
    const row = rows[rowOrder[i % rowOrder.length] as number] as BankRow;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const createdAt = between(rng, YEAR_START_MS, SEED_BASE_DATE_MS - DAY_MS);
    let updatedAt = between(rng, createdAt, SEED_BASE_DATE_MS);
    if (rng.chance(BULK_SHARE) && createdAt < BULK_UPDATE_MS) updatedAt = BULK_UPDATE_MS;
    const outcome: Record<string, string> = open.has(i)
      ? { lifecyclestage: 'lead', hs_lead_status: 'OPEN' }
      : row.y === 'yes'
        ? { lifecyclestage: 'customer' }
        : { lifecyclestage: 'other', hs_lead_status: 'UNQUALIFIED' };
    const record = state.insert(
      'contacts',
      {
        email: `${first}.${last}.${i + 1}@example.com`.toLowerCase(),
        firstname: first,
        lastname: last,
        ...row.properties,
        ...outcome,
      },
      { createdAt, updatedAt },
    );
    if (open.has(i)) state.setHiddenOutcome(record.id, row.y);
    out.push(record);
  }
  return out;
}

interface Product {
  id: string;
  name: string;
  price: number;
}

function seedProducts(state: EmulatorState, seed: number): Product[] {
  const rng = createRng(deriveSeed(seed, 'products'));
  const names = new Set<string>();
  while (names.size < 12) names.add(`${rng.pick(PRODUCT_ADJECTIVES)} ${rng.pick(PRODUCT_NOUNS)}`);
  return [...names].map((name, i) => {
    const price = rng.int(2, 250) * 10;
    const createdAt = between(rng, YEAR_START_MS, YEAR_START_MS + 30 * DAY_MS);
    const record = state.insert(
      'products',
      { name, price: String(price), hs_sku: `SKU-${1001 + i}`, description: `${name} for retail customers.` },
      { createdAt },
    );
    return { id: record.id, name, price };
  });
}

type Stage = (typeof DEAL_STAGES)[number][0];
const OPEN_STAGES: Stage[] = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'];

/** Customers mostly win, others mostly lose; open leads get open deals, never a hint of the hidden outcome. */
function pickStage(rng: Rng, lifecycle: string | undefined): Stage {
  const r = rng.next();
  if (lifecycle === 'customer') return r < 0.7 ? 'closedwon' : r < 0.85 ? 'closedlost' : rng.pick(OPEN_STAGES);
  if (lifecycle === 'lead') return r < 0.1 ? 'closedwon' : r < 0.3 ? 'closedlost' : rng.pick(OPEN_STAGES);
  return r < 0.1 ? 'closedwon' : r < 0.6 ? 'closedlost' : rng.pick(OPEN_STAGES);
}

function money(x: number): string {
  return (Math.round(x * 100) / 100).toFixed(2);
}

function seedDeals(state: EmulatorState, seed: number, contacts: StoredRecord[], products: Product[]): void {
  if (contacts.length === 0) return;
  const rng = createRng(deriveSeed(seed, 'deals'));
  const customers = contacts.filter((c) => c.properties['lifecyclestage'] === 'customer');
  const count = Math.round(contacts.length * 0.3);
  for (let d = 0; d < count; d++) {
    const contact = customers.length > 0 && rng.chance(0.4) ? rng.pick(customers) : rng.pick(contacts);
    const stage = pickStage(rng, contact.properties['lifecyclestage']);
    const createdAt = between(rng, contact.createdAt, SEED_BASE_DATE_MS - DAY_MS);
    const closed = stage === 'closedwon' || stage === 'closedlost';
    const closeAt = closed ? between(rng, createdAt, SEED_BASE_DATE_MS) : SEED_BASE_DATE_MS + rng.int(1, 120) * DAY_MS;
    const updatedAt = closed ? closeAt : between(rng, createdAt, SEED_BASE_DATE_MS);
    const chosen = rng.shuffle(products).slice(0, rng.int(1, 4));
    const lines = chosen.map((p) => {
      const quantity = rng.int(1, 10);
      const price = p.price * (1 - rng.int(0, 4) * 0.05);
      return { p, quantity, price, amount: quantity * price };
    });
    const total = lines.reduce((s, l) => s + l.amount, 0);
    const deal = state.insert(
      'deals',
      {
        dealname: `${contact.properties['lastname'] ?? 'Deal'} - ${chosen[0]?.name ?? 'Services'}`,
        amount: money(total),
        dealstage: stage,
        pipeline: 'default',
        closedate: new Date(closeAt).toISOString(),
      },
      { createdAt, updatedAt },
    );
    state.associate('deals', deal.id, 'contacts', contact.id);
    for (const l of lines) {
      const item = state.insert(
        'line_items',
        { name: l.p.name, hs_product_id: l.p.id, quantity: String(l.quantity), price: money(l.price), amount: money(l.amount) },
        { createdAt, updatedAt: createdAt },
      );
      state.associate('deals', deal.id, 'line_items', item.id);
    }
  }
}

function seedTickets(state: EmulatorState, seed: number, contacts: StoredRecord[]): void {
  if (contacts.length === 0) return;
  const rng = createRng(deriveSeed(seed, 'tickets'));
  for (const s of rng.shuffle(loadSentences())) {
    const contact = rng.pick(contacts);
    const createdAt = between(rng, contact.createdAt, SEED_BASE_DATE_MS - DAY_MS);
    const updatedAt = between(rng, createdAt, SEED_BASE_DATE_MS);
    const words = s.text.split(/\s+/);
    const subject = words.length > 8 ? `${words.slice(0, 8).join(' ')}...` : s.text;
    const properties: Record<string, string> = {
      subject,
      content: s.text,
      hs_pipeline: '0',
      hs_pipeline_stage: rng.pick(TICKET_STAGES)[0],
    };
    if (rng.chance(0.5)) properties['feedback_label'] = s.label === 1 ? 'positive' : 'negative';
    const ticket = state.insert('tickets', properties, { createdAt, updatedAt });
    state.associate('tickets', ticket.id, 'contacts', contact.id);
  }
}
