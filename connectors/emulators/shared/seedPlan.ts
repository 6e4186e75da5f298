/**
 * The seeded draws both emulators share, so the same person exists in both CRMs: person i (HubSpot
 * contact i, Salesforce lead i) comes from the same bank row, with the same name, email, timestamps and
 * open/closed state, and both catalogues hold the same 12 products at the same prices. Each emulator
 * turns a plan into its own records; only the draws live here, in one order, from the 'contacts' and
 * 'products' streams (connectors/emulators/salesforce/test/seed.test.ts compares both emulators).
 */
import { createRng, deriveSeed, type Rng } from '../../../src/domain/random.mjs';
import { loadBankRows, type BankRow } from './seedData.ts';
import { syntheticPeople, type SyntheticPeople } from './syntheticPeople.ts';

/** Seeded timestamps all fall before this instant; writes through the API always land after it. */
export const SEED_BASE_DATE_MS = Date.UTC(2026, 10, 1);
export const YEAR_START_MS = Date.UTC(2026, 0, 1);

/**
 * The time an emulator stamps on a write: never earlier than the seed base, so "modified since T" queries
 * tell writes apart from seeded history even on a machine whose clock is behind.
 */
export function writeTime(clockNow: number): number {
  return Math.max(clockNow, SEED_BASE_DATE_MS + 1000);
}
export const DAY_MS = 86_400_000;
/**
 * A month-end bulk update: many records share one modification stamp, as after an import. It is there
 * so incremental sync has to break ties by id instead of trusting the timestamp alone.
 */
const BULK_UPDATE_MS = Date.UTC(2026, 5, 30, 22, 0, 0);
const BULK_SHARE = 0.1;

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

/** An instant in [lo, hi) (just lo when the range is empty). */
export function between(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * Math.max(1, hi - lo));
}

/** The demo people's email rule (unique by index, so the same person matches across CRMs). */
export function syntheticEmail(first: string, last: string, index: number): string {
  return `${first}.${last}.${index + 1}@example.com`.toLowerCase();
}

export interface PersonPlan {
  index: number;
  row: BankRow;
  first: string;
  last: string;
  email: string;
  createdAt: number;
  updatedAt: number;
  /** An open lead: its outcome (row.y) is hidden from the API. */
  open: boolean;
}

export interface PeopleOptions {
  seed: number;
  count: number;
  /** Share of people still open (clamped to 0..1). */
  openShare: number;
}

/**
 * The demo people: the bank rows in a seeded order, then (past the 6,000 rows) new people made from them
 * (syntheticPeople.ts); the open set, names and timestamps. Up to 6,000 people the plan is what it always
 * was: the new people draw from their own stream.
 */
export function planPeople({ seed, count, openShare }: PeopleOptions): PersonPlan[] {
  const rows = loadBankRows();
  const rng = createRng(deriveSeed(seed, 'contacts'));
  const beyond = count > rows.length ? syntheticPeople(rows, createRng(deriveSeed(seed, 'synthetic-people'))) : undefined;
  const rowOrder = rng.shuffle(rows.map((_, i) => i));
  const openCount = Math.round(count * Math.min(1, Math.max(0, openShare)));
  const open = new Set(rng.shuffle(Array.from({ length: count }, (_, i) => i)).slice(0, openCount));
  const plans: PersonPlan[] = [];
  for (let i = 0; i < count; i++) {
    const row = i < rows.length ? (rows[rowOrder[i] as number] as BankRow) : (beyond as SyntheticPeople).next();
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const createdAt = between(rng, YEAR_START_MS, SEED_BASE_DATE_MS - DAY_MS);
    let updatedAt = between(rng, createdAt, SEED_BASE_DATE_MS);
    if (rng.chance(BULK_SHARE) && createdAt < BULK_UPDATE_MS) updatedAt = BULK_UPDATE_MS;
    plans.push({ index: i, row, first, last, email: syntheticEmail(first, last, i), createdAt, updatedAt, open: open.has(i) });
  }
  return plans;
}

export interface ProductPlan {
  name: string;
  /** Whole currency units, a multiple of 10. */
  price: number;
  sku: string;
  description: string;
  createdAt: number;
}

/** The 12 demo products, with their prices and creation times, in catalogue order. */
export function planProducts(seed: number): ProductPlan[] {
  const rng = createRng(deriveSeed(seed, 'products'));
  const names = new Set<string>();
  while (names.size < 12) names.add(`${rng.pick(PRODUCT_ADJECTIVES)} ${rng.pick(PRODUCT_NOUNS)}`);
  return [...names].map((name, i) => {
    const price = rng.int(2, 250) * 10;
    const createdAt = between(rng, YEAR_START_MS, YEAR_START_MS + 30 * DAY_MS);
    return { name, price, sku: `SKU-${1001 + i}`, description: `${name} for retail customers.`, createdAt };
  });
}

/** A ticket's or case's subject: the feedback's first eight words. */
export function feedbackSubject(text: string): string {
  const words = text.split(/\s+/);
  return words.length > 8 ? `${words.slice(0, 8).join(' ')}...` : text;
}
