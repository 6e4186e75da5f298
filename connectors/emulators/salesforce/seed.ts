/**
 * Builds the demo org from the same shipped data as the HubSpot emulator (data/seed, see
 * ATTRIBUTION.md), so the same person exists in both CRMs: lead i is HubSpot contact i, built from
 * the same bank-marketing row, with the same name, email and timestamps (the shared plans of
 * ../shared/seedPlan.ts). Everything derives from the seed, so two emulators with the same seed are
 * identical.
 */
import { createRng, deriveSeed, type Rng } from '../../../src/domain/random.mjs';
import { loadSentences, type BankRow } from '../shared/seedData.ts';
import { between, DAY_MS, feedbackSubject, planPeople, planProducts, PRODUCT_NOUNS, type PersonPlan } from '../shared/seedPlan.ts';
import { BANK_FIELDS, INDUSTRIES, LEAD_SOURCES, RATINGS, CASE_ORIGINS, CASE_PRIORITIES, CASE_STATUSES } from './schema.ts';
import { SEED_BASE_DATE_MS, type SalesforceState } from './state.ts';
import { formatDate, type StoredRecord, type Value } from './values.ts';

export interface SeedOptions {
  seed: number;
  leads: number;
  openShare: number;
  /** A fixed id for the integration user (the connected app's user). */
  integrationUserId?: string | undefined;
}

const COMPANY_WORDS = ['Atlantic', 'Lisbon', 'Porto', 'Tagus', 'Douro', 'Minho', 'Algarve', 'Coastal', 'Northern', 'Iberian', 'Harbor', 'Summit', 'Granite', 'Cedar', 'Meridian'];
const COMPANY_KINDS = ['Logistics', 'Textiles', 'Foods', 'Consulting', 'Builders', 'Pharma', 'Motors', 'Media', 'Energy', 'Software', 'Hotels', 'Retail'];
const REP_NAMES = [['Marta', 'Lopes'], ['Kenji', 'Sato'], ['Farah', 'Haddad'], ['Tom', 'Becker'], ['Ines', 'Duarte'], ['Omar', 'Ali']] as const;
const OPEN_STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Perception Analysis', 'Proposal/Price Quote', 'Negotiation/Review'];
const PRODUCT_FAMILY: Record<string, string> = {
  'Savings Account': 'Accounts', 'Current Account': 'Accounts', 'Term Deposit': 'Investments', 'Investment Fund': 'Investments',
  'Pension Plan': 'Investments', 'Credit Card': 'Cards', Mortgage: 'Loans', 'Personal Loan': 'Loans', 'Car Loan': 'Loans', Insurance: 'Insurance',
};
/** Users exist long before the seeded year. */
const USERS_CREATED_MS = Date.UTC(2024, 2, 4, 9, 0, 0);

interface Product {
  id: string;
  entryId: string;
  name: string;
  code: string;
  price: number;
}

export function seedOrg(state: SalesforceState, options: SeedOptions): void {
  seedUsers(state, options.seed, options.integrationUserId);
  const products = seedProducts(state, options.seed);
  const people = planPeople({ seed: options.seed, count: options.leads, openShare: options.openShare });
  const contacts = seedLeads(state, options.seed, people, products);
  seedCases(state, options.seed, contacts);
}

function seedUsers(state: SalesforceState, seed: number, integrationUserId: string | undefined): void {
  const user = (first: string, last: string, username: string, title: string, id?: string) =>
    state.insert('User', {
      FirstName: first, LastName: last, Username: username, Email: username, Alias: `${first.slice(0, 1)}${last.slice(0, 4)}`.toLowerCase(),
      Title: title, IsActive: true,
    }, { createdAt: USERS_CREATED_MS, ...(id ? { id } : {}) });
  const admin = user('Ada', 'Admin', `admin@org${seed}.sandbox.example.com`, 'Salesforce Administrator');
  // The admin created the org's users, itself included.
  admin['CreatedById'] = admin['Id'] as string;
  admin['LastModifiedById'] = admin['Id'] as string;
  state.users.admin = admin['Id'] as string;
  const integration = user('Signals', 'Integration', `integration@org${seed}.sandbox.example.com`, 'crm-signals integration user', integrationUserId);
  state.users.integration = integration['Id'] as string;
  state.users.reps = REP_NAMES.map(([f, l]) => user(f, l, `${f}.${l}@org${seed}.sandbox.example.com`.toLowerCase(), 'Account Executive')['Id'] as string);
}

/** The shared product plan: the same 12 products, prices and order as the HubSpot emulator. */
function seedProducts(state: SalesforceState, seed: number): Product[] {
  const book = state.insert('Pricebook2', { Name: 'Standard Price Book', IsActive: true, IsStandard: true }, { createdAt: USERS_CREATED_MS });
  return planProducts(seed).map(({ name, price, sku: code, description, createdAt }) => {
    const noun = PRODUCT_NOUNS.find((n) => name.endsWith(n)) ?? '';
    const product = state.insert('Product2', {
      Name: name, ProductCode: code, Description: description, Family: PRODUCT_FAMILY[noun] ?? null, IsActive: true,
    }, { createdAt });
    const entry = state.insert('PricebookEntry', {
      Name: name, Pricebook2Id: book['Id'] as string, Product2Id: product['Id'] as string, UnitPrice: price, IsActive: true,
      UseStandardPrice: false, ProductCode: code,
    }, { createdAt });
    return { id: product['Id'] as string, entryId: entry['Id'] as string, name, code, price };
  });
}

const bankCache = new WeakMap<BankRow, Record<string, Value>>();

/** Bank columns as typed custom-field values (numbers for the Number fields); one object per row. */
function bankValues(row: BankRow): Record<string, Value> {
  let out = bankCache.get(row);
  if (out) return out;
  out = {};
  for (const b of BANK_FIELDS) {
    const raw = row.properties[b.hubspot];
    if (raw === undefined) continue;
    out[b.name] = b.precision !== undefined ? Number(raw) : raw;
  }
  bankCache.set(row, out);
  return out;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function money(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Leads, and for each converted one the Account, Contact and Opportunity the conversion made
 * (plus some later opportunities). Leads are inserted in HubSpot order, so lead ids ascend with i.
 */
function seedLeads(state: SalesforceState, seed: number, plans: PersonPlan[], products: Product[]): StoredRecord[] {
  const rng = createRng(deriveSeed(seed, 'sf-leads'));
  const conv = createRng(deriveSeed(seed, 'sf-conversions'));
  const { reps, admin } = state.users;
  const contacts: StoredRecord[] = [];
  for (const p of plans) {
    const owner = rng.pick(reps);
    const company = `${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_KINDS)}`;
    const source = rng.pick(LEAD_SOURCES);
    // Bank values first: copying the cached row object is cheap, and 60,000 leads must seed fast.
    const lead: Record<string, Value> = { ...bankValues(p.row) };
    lead['FirstName'] = p.first;
    lead['LastName'] = p.last;
    lead['Email'] = p.email;
    lead['Company'] = company;
    lead['LeadSource'] = source;
    lead['Industry'] = rng.pick(INDUSTRIES);
    lead['Rating'] = rng.pick(RATINGS);
    lead['OwnerId'] = owner;
    const createdById = rng.chance(0.7) ? owner : admin;
    if (p.open) {
      lead['Status'] = rng.chance(0.5) ? 'Open - Not Contacted' : 'Working - Contacted';
    } else if (p.row.y === 'no') {
      lead['Status'] = 'Closed - Not Converted';
    } else {
      // Converted when the lead was last touched.
      const at = p.updatedAt;
      const account = state.insert('Account', {
        Name: company, Type: 'Customer - Direct', Industry: lead['Industry'] ?? null,
        Website: `https://www.${slug(company)}.example.com`, OwnerId: owner,
      }, { createdAt: at, modifiedAt: between(conv, at, SEED_BASE_DATE_MS), createdById: owner });
      const contact = state.insert('Contact', {
        AccountId: account['Id'] as string, FirstName: p.first, LastName: p.last, Email: lead['Email'] as string,
        LeadSource: source, OwnerId: owner, ...bankValues(p.row),
      }, { createdAt: at, modifiedAt: between(conv, at, SEED_BASE_DATE_MS), createdById: owner });
      contacts.push(contact);
      const deals = 1 + conv.int(0, 2);
      let convertedOpportunity: string | undefined;
      for (let d = 0; d < deals; d++) {
        const opp = seedOpportunity(state, conv, products, { account, contact, company, source, owner, first: d === 0, at });
        convertedOpportunity ??= opp;
      }
      Object.assign(lead, {
        Status: 'Closed - Converted', IsConverted: true, ConvertedDate: formatDate(at),
        ConvertedAccountId: account['Id'] as string, ConvertedContactId: contact['Id'] as string,
        ConvertedOpportunityId: convertedOpportunity ?? null,
      });
    }
    const rec = state.insert('Lead', lead, { createdAt: p.createdAt, modifiedAt: p.updatedAt, createdById });
    if (p.open) state.setHiddenOutcome(rec['Id'] as string, p.row.y);
  }
  return contacts;
}

interface OppContext {
  account: StoredRecord;
  contact: StoredRecord;
  company: string;
  source: string;
  owner: string;
  /** The opportunity the lead conversion created (mostly won); later ones are a mix. */
  first: boolean;
  at: number;
}

function pickStage(rng: Rng, first: boolean): string {
  const r = rng.next();
  if (first) return r < 0.7 ? 'Closed Won' : r < 0.85 ? 'Closed Lost' : rng.pick(OPEN_STAGES);
  return r < 0.4 ? 'Closed Won' : r < 0.7 ? 'Closed Lost' : rng.pick(OPEN_STAGES);
}

function seedOpportunity(state: SalesforceState, rng: Rng, products: Product[], ctx: OppContext): string {
  const stage = pickStage(rng, ctx.first);
  const createdAt = ctx.first ? ctx.at : between(rng, ctx.at, SEED_BASE_DATE_MS - DAY_MS);
  const closed = stage === 'Closed Won' || stage === 'Closed Lost';
  const closeAt = closed ? between(rng, createdAt, SEED_BASE_DATE_MS) : SEED_BASE_DATE_MS + rng.int(1, 120) * DAY_MS;
  const modifiedAt = closed ? Math.max(closeAt, createdAt) : between(rng, createdAt, SEED_BASE_DATE_MS);
  const chosen = rng.shuffle(products).slice(0, rng.int(1, 4));
  const lines = chosen.map((p) => {
    const quantity = rng.int(1, 10);
    const unitPrice = money(p.price * (1 - rng.int(0, 4) * 0.05));
    return { p, quantity, unitPrice, total: money(quantity * unitPrice) };
  });
  const name = `${ctx.company} - ${chosen[0]?.name ?? 'Services'}`;
  const audit = { createdAt, modifiedAt, createdById: ctx.owner };
  const opp = state.insert('Opportunity', {
    Name: name, AccountId: ctx.account['Id'] as string, ContactId: ctx.contact['Id'] as string, StageName: stage,
    Amount: money(lines.reduce((s, l) => s + l.total, 0)), CloseDate: formatDate(closeAt),
    Type: ctx.first ? 'New Customer' : 'Existing Customer - Upgrade', LeadSource: ctx.source, OwnerId: ctx.owner,
    Pricebook2Id: null,
  }, audit);
  for (const l of lines) {
    state.insert('OpportunityLineItem', {
      OpportunityId: opp['Id'] as string, Name: `${name} ${l.p.name}`, PricebookEntryId: l.p.entryId, Product2Id: l.p.id,
      ProductCode: l.p.code, Quantity: l.quantity, UnitPrice: l.unitPrice, ListPrice: l.p.price, TotalPrice: l.total,
    }, { createdAt, modifiedAt: createdAt, createdById: ctx.owner });
  }
  state.insert('OpportunityContactRole', {
    OpportunityId: opp['Id'] as string, ContactId: ctx.contact['Id'] as string, Role: 'Decision Maker', IsPrimary: true,
  }, { createdAt, createdById: ctx.owner });
  return opp['Id'] as string;
}

/** One case per sentiment sentence, on a random contact; about half carry the sentence's label. */
function seedCases(state: SalesforceState, seed: number, contacts: StoredRecord[]): void {
  if (contacts.length === 0) return;
  const rng = createRng(deriveSeed(seed, 'sf-cases'));
  for (const s of rng.shuffle(loadSentences())) {
    const contact = rng.pick(contacts);
    const createdAt = between(rng, contact['CreatedDate'] as number, SEED_BASE_DATE_MS - DAY_MS);
    const modifiedAt = between(rng, createdAt, SEED_BASE_DATE_MS);
    const fields: Record<string, Value> = {
      ContactId: contact['Id'] as string,
      AccountId: contact['AccountId'] ?? null,
      Subject: feedbackSubject(s.text),
      Description: s.text,
      Status: rng.pick(CASE_STATUSES),
      Origin: rng.pick(CASE_ORIGINS),
      Priority: rng.pick(CASE_PRIORITIES),
      OwnerId: rng.pick(state.users.reps),
    };
    if (rng.chance(0.5)) fields['Feedback_Label__c'] = s.label === 1 ? 'positive' : 'negative';
    state.insert('Case', fields, { createdAt, modifiedAt, createdById: fields['OwnerId'] as string });
  }
}
