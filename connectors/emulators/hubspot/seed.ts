/**
 * Builds the demo portal from the shipped CC BY 4.0 data (see data/seed/ATTRIBUTION.md) and a
 * seeded generator. Everything, timestamps included, derives from the seed so two emulators with
 * the same seed are identical; the people and products are the shared plans (../shared/seedPlan.ts)
 * the Salesforce emulator builds its org from too.
 */
import { createRng, deriveSeed, type Rng } from '../../../src/domain/random.mjs';
import { loadSentences } from '../shared/seedData.ts';
import { between, DAY_MS, feedbackSubject, planPeople, planProducts, SEED_BASE_DATE_MS } from '../shared/seedPlan.ts';
import type { EmulatorState, StoredRecord } from './state.ts';
import { DEAL_STAGES, TICKET_STAGES } from './catalog.ts';

export interface SeedOptions {
  seed: number;
  contacts: number;
  openShare: number;
}

export function seedPortal(state: EmulatorState, options: SeedOptions): void {
  const contacts = seedContacts(state, options);
  const products = seedProducts(state, options.seed);
  seedDeals(state, options.seed, contacts, products);
  seedTickets(state, options.seed, contacts);
}

function seedContacts(state: EmulatorState, { seed, contacts, openShare }: SeedOptions): StoredRecord[] {
  return planPeople({ seed, count: contacts, openShare }).map((p) => {
    const outcome: Record<string, string> = p.open
      ? { lifecyclestage: 'lead', hs_lead_status: 'OPEN' }
      : p.row.y === 'yes'
        ? { lifecyclestage: 'customer' }
        : { lifecyclestage: 'other', hs_lead_status: 'UNQUALIFIED' };
    const record = state.insert(
      'contacts',
      { email: p.email, firstname: p.first, lastname: p.last, ...p.row.properties, ...outcome, hubspotscore: manualScore(p.row.properties) },
      { createdAt: p.createdAt, updatedAt: p.updatedAt },
    );
    if (p.open) state.setHiddenOutcome(record.id, p.row.y);
    return record;
  });
}

/**
 * The kind of points rule an admin sets up in HubSpot's manual scoring (no model, no data): what a
 * deployment's existing score looks like before crm-signals, and the champion its report compares with.
 */
function manualScore(row: Record<string, string | null>): string {
  let points = 0;
  if (row['previous_outcome'] === 'success') points += 40;
  if (row['contact_channel'] === 'cellular') points += 15;
  if (row['job'] === 'student' || row['job'] === 'retired') points += 15;
  if (Number(row['campaign_contacts']) > 3) points -= 10;
  if (row['credit_default'] === 'yes') points -= 20;
  return String(Math.max(0, points));
}

interface Product {
  id: string;
  name: string;
  price: number;
}

function seedProducts(state: EmulatorState, seed: number): Product[] {
  return planProducts(seed).map((p) => {
    const record = state.insert(
      'products',
      { name: p.name, price: String(p.price), hs_sku: p.sku, description: p.description },
      { createdAt: p.createdAt },
    );
    return { id: record.id, name: p.name, price: p.price };
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
    const properties: Record<string, string> = {
      subject: feedbackSubject(s.text),
      content: s.text,
      hs_pipeline: '0',
      hs_pipeline_stage: rng.pick(TICKET_STAGES)[0],
    };
    if (rng.chance(0.5)) properties['feedback_label'] = s.label === 1 ? 'positive' : 'negative';
    const ticket = state.insert('tickets', properties, { createdAt, updatedAt });
    state.associate('tickets', ticket.id, 'contacts', contact.id);
  }
}
