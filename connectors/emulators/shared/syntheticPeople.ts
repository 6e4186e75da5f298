/**
 * People beyond the 6,000 shipped bank rows, for portals of 100,000 or a million contacts: each one is
 * new, not a copy, so a scale run's model figures are not inflated by the same row sitting in both the
 * training and the test side.
 *
 * A synthetic person draws an outcome from a real row (the real base rate), then takes each block of
 * related columns from a different real row with that outcome: the call context (month, weekday, channel
 * and the economic indicators of that day, which only make sense together), the person (age, job,
 * marital status, education), credit (default, housing, loan), contact history (previous campaign,
 * its outcome, days since, call duration) and this campaign's contact count. Each block keeps its own
 * correlations and its link to the outcome; the combination is new. Combinations already drawn (real or
 * synthetic) are drawn again, so no two people share every input.
 */
import type { Rng } from '../../../src/domain/random.mjs';
import type { BankRow } from './seedData.ts';

const BLOCKS: readonly (readonly string[])[] = [
  ['last_contact_month', 'last_contact_day', 'contact_channel', 'emp_var_rate', 'cons_price_idx', 'cons_conf_idx', 'euribor_3m', 'nr_employed'],
  ['age', 'job', 'marital', 'education'],
  ['credit_default', 'housing', 'loan'],
  ['days_since_previous_contact', 'previous_contacts', 'previous_outcome', 'call_duration'],
  ['campaign_contacts'],
];

/** After this many draws of one person that all repeat someone, the bank rows are too few to go on. */
const MAX_TRIES = 50;

/** 53-bit FNV-style hash of a row's values (a Set of numbers stays small at a million people). */
function rowKey(properties: Record<string, string>): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (const block of BLOCKS) {
    for (const name of block) {
      const value = properties[name] ?? '';
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        a = Math.imul(a ^ c, 0x01000193) >>> 0;
        b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
      }
      a = Math.imul(a ^ 0x1f, 0x01000193) >>> 0;
      b = Math.imul(b ^ 0x1f, 0x5bd1e995) >>> 0;
    }
  }
  return (a & 0x1fffff) * 0x100000000 + b;
}

export interface SyntheticPeople {
  /** The next new person (distinct inputs from every real row and every person drawn before). */
  next(): BankRow;
}

export function syntheticPeople(rows: readonly BankRow[], rng: Rng): SyntheticPeople {
  const byOutcome = { yes: rows.filter((r) => r.y === 'yes'), no: rows.filter((r) => r.y === 'no') };
  if (byOutcome.yes.length === 0 || byOutcome.no.length === 0) throw new Error('synthetic people need bank rows of both outcomes');
  const seen = new Set(rows.map((r) => rowKey(r.properties)));
  return {
    next() {
      for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
        const y = rng.pick(rows).y;
        const donors = byOutcome[y];
        const properties: Record<string, string> = {};
        for (const block of BLOCKS) {
          const donor = rng.pick(donors).properties;
          for (const name of block) {
            const value = donor[name];
            if (value !== undefined) properties[name] = value;
          }
        }
        const key = rowKey(properties);
        if (seen.has(key)) continue;
        seen.add(key);
        return { properties, y };
      }
      throw new Error(`no new person after ${MAX_TRIES} draws: the bank rows cannot make this many distinct people`);
    },
  };
}
