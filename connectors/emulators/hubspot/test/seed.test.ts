import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateValue } from '../catalog.ts';
import { createHubSpotEmulator, SEED_BASE_DATE_MS } from '../index.ts';
import { loadBankRows, loadSentences } from '../../shared/seedData.ts';

describe('seed data', () => {
  it('the same seed builds the same portal; another seed does not', () => {
    const a = createHubSpotEmulator({ seed: 7 });
    const b = createHubSpotEmulator({ seed: 7 });
    const c = createHubSpotEmulator({ seed: 8, contacts: 5000 });
    expect(JSON.stringify(b.state.snapshot())).toBe(JSON.stringify(a.state.snapshot()));
    expect(JSON.stringify(c.state.snapshot())).not.toBe(JSON.stringify(a.state.snapshot()));
  });

  it('ships the bank-marketing subset with its header and both sentiment files', () => {
    const csv = readFileSync(new URL('../../../../data/seed/bank-marketing-6000.csv', import.meta.url), 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(6001);
    expect(csv[0]).toMatch(/^"age";"job";/);
    expect(loadBankRows()).toHaveLength(6000);
    // 1,000 + 1,000 sentences; a '"'-as-quote reader would lose imdb rows.
    expect(loadSentences()).toHaveLength(2000);
    expect(loadSentences().filter((s) => s.label === 1)).toHaveLength(1000);
  });

  it('builds contacts from bank rows with outcomes mapped to lifecycle stages', () => {
    const sb = createHubSpotEmulator({ seed: 3, contacts: 2000, openShare: 0.25 });
    const contacts = sb.state.list('contacts');
    expect(contacts).toHaveLength(2000);
    expect(new Set(contacts.map((c) => c.properties['email'])).size).toBe(2000);
    const open = contacts.filter((c) => c.properties['lifecyclestage'] === 'lead');
    expect(open).toHaveLength(500);
    expect(open.every((c) => c.properties['hs_lead_status'] === 'OPEN' && sb.state.hiddenOutcome(c.id) !== undefined)).toBe(true);
    const lost = contacts.filter((c) => c.properties['lifecyclestage'] === 'other');
    expect(lost.every((c) => c.properties['hs_lead_status'] === 'UNQUALIFIED' && sb.state.hiddenOutcome(c.id) === undefined)).toBe(true);
    const won = contacts.filter((c) => c.properties['lifecyclestage'] === 'customer');
    expect(won.length + lost.length + open.length).toBe(2000);
    const yesShare = (won.length + open.filter((c) => sb.state.hiddenOutcome(c.id) === 'yes').length) / 2000;
    expect(yesShare).toBeGreaterThan(0.08);
    expect(yesShare).toBeLessThan(0.15);
    // Every seeded value is valid for its property, and nothing names the outcome.
    const catalogue = sb.state.catalogue('contacts').properties;
    for (const c of contacts.slice(0, 300)) {
      for (const [k, v] of Object.entries(c.properties)) {
        if (catalogue.get(k)?.readOnlyValue) continue;
        expect(validateValue(catalogue, k, v), `${k}=${v}`).toBeUndefined();
      }
    }
    expect([...catalogue.keys()].filter((k) => k === 'y' || k.includes('outcome'))).toEqual(['previous_outcome']);
    for (const c of contacts) {
      expect(c.createdAt).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1));
      expect(c.updatedAt).toBeLessThanOrEqual(SEED_BASE_DATE_MS);
      expect(c.updatedAt).toBeGreaterThanOrEqual(c.createdAt);
    }
  });

  it('builds products, deals with line items, and tickets linked to contacts', () => {
    const sb = createHubSpotEmulator({ seed: 5, contacts: 5000 });
    const { state } = sb;
    expect(state.count('products')).toBe(12);
    expect(state.count('deals')).toBe(1500);
    expect(state.count('tickets')).toBe(2000);
    let lineItems = 0;
    for (const d of state.list('deals')) {
      const items = state.associations('deals', d.id, 'line_items');
      expect(items.length).toBeGreaterThanOrEqual(1);
      expect(items.length).toBeLessThanOrEqual(4);
      lineItems += items.length;
      const sum = items.reduce((s, id) => s + Number(state.get('line_items', id)?.properties['amount']), 0);
      expect(Number(d.properties['amount'])).toBeCloseTo(sum, 1);
      expect(state.associations('deals', d.id, 'contacts')).toHaveLength(1);
      expect(state.associations('line_items', items[0] ?? '', 'deals')).toEqual([d.id]);
      expect(state.get('products', state.get('line_items', items[0] ?? '')?.properties['hs_product_id'] ?? '')).toBeDefined();
    }
    expect(state.count('line_items')).toBe(lineItems);
    const wonRate = (lc: string) => {
      const deals = state.list('deals').filter((d) => state.get('contacts', state.associations('deals', d.id, 'contacts')[0] ?? '')?.properties['lifecyclestage'] === lc);
      return deals.filter((d) => d.properties['dealstage'] === 'closedwon').length / deals.length;
    };
    expect(wonRate('customer')).toBeGreaterThan(wonRate('other') + 0.3);

    const labelOf = new Map(loadSentences().map((s) => [s.text, s.label]));
    const tickets = state.list('tickets');
    const labelled = tickets.filter((t) => t.properties['feedback_label'] !== undefined);
    expect(labelled.length / tickets.length).toBeGreaterThan(0.4);
    expect(labelled.length / tickets.length).toBeLessThan(0.6);
    for (const t of labelled) {
      expect(t.properties['feedback_label']).toBe(labelOf.get(t.properties['content'] ?? '') === 1 ? 'positive' : 'negative');
    }
    expect(tickets.every((t) => state.associations('tickets', t.id, 'contacts').length === 1)).toBe(true);
  });
});
