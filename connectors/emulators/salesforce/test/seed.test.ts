import { describe, expect, it } from 'vitest';
import { createHubSpotEmulator } from '../../hubspot/index.ts';
import { loadSentences } from '../../shared/seedData.ts';
import { createSalesforceEmulator, SEED_BASE_DATE_MS } from '../index.ts';
import { normalizeId } from '../ids.ts';

const ID_RE = /^[a-zA-Z0-9]{18}$/;

describe('seeded org', () => {
  it('the same seed builds the same org; another seed does not', () => {
    const a = createSalesforceEmulator({ seed: 7, leads: 800 });
    const b = createSalesforceEmulator({ seed: 7, leads: 800 });
    const c = createSalesforceEmulator({ seed: 8, leads: 800 });
    expect(JSON.stringify(b.state.snapshot())).toBe(JSON.stringify(a.state.snapshot()));
    expect(JSON.stringify(c.state.snapshot())).not.toBe(JSON.stringify(a.state.snapshot()));
    expect(a.orgId).toBe(b.orgId);
  });

  it('lead i is HubSpot contact i: same email, name, bank row and timestamps (to the second)', () => {
    const sf = createSalesforceEmulator({ seed: 3, leads: 2000, openShare: 0.25 });
    const hs = createHubSpotEmulator({ seed: 3, contacts: 2000, openShare: 0.25 });
    const leads = sf.state.list('Lead');
    const contacts = hs.state.list('contacts');
    expect(leads).toHaveLength(2000);
    for (let i = 0; i < contacts.length; i++) {
      const l = leads[i] ?? {};
      const p = contacts[i]?.properties ?? {};
      expect(l['Email']).toBe(p['email']);
      expect(l['FirstName']).toBe(p['firstname']);
      expect(l['Age__c']).toBe(Number(p['age']));
      expect(l['Job__c']).toBe(p['job']);
      expect(l['Euribor_3m__c']).toBe(Number(p['euribor_3m']));
      expect(l['CreatedDate']).toBe(Math.floor((contacts[i]?.createdAt ?? 0) / 1000) * 1000);
      expect(l['SystemModstamp']).toBe(Math.floor((contacts[i]?.updatedAt ?? 0) / 1000) * 1000);
      // Open in one CRM means open in the other, with the same hidden outcome.
      const open = l['Status'] === 'Open - Not Contacted' || l['Status'] === 'Working - Contacted';
      expect(open).toBe(p['lifecyclestage'] === 'lead');
      expect(sf.state.hiddenOutcome(l['Id'] as string)).toBe(hs.state.hiddenOutcome(contacts[i]?.id ?? ''));
      expect(l['Status'] === 'Closed - Converted').toBe(p['lifecyclestage'] === 'customer');
    }
    // Same 12 products with the same prices.
    const products = sf.state.list('Product2').map((p) => p['Name']);
    expect(products).toEqual(hs.state.list('products').map((p) => p.properties['name']));
    const prices = sf.state.list('PricebookEntry').map((e) => String(e['UnitPrice']));
    expect(prices).toEqual(hs.state.list('products').map((p) => p.properties['price']));
  });

  it('converted leads have their account, contact and opportunities; statuses follow the outcome', () => {
    const sb = createSalesforceEmulator({ seed: 5, leads: 3000 });
    const { state } = sb;
    const leads = state.list('Lead');
    const converted = leads.filter((l) => l['IsConverted'] === true);
    const open = leads.filter((l) => state.hiddenOutcome(l['Id'] as string) !== undefined);
    expect(open).toHaveLength(600);
    expect(open.every((l) => l['Status'] === 'Open - Not Contacted' || l['Status'] === 'Working - Contacted')).toBe(true);
    expect(leads.filter((l) => l['Status'] === 'Closed - Not Converted').length + converted.length + open.length).toBe(3000);
    expect(converted.length / 2400).toBeGreaterThan(0.07);
    expect(converted.length / 2400).toBeLessThan(0.16);
    expect(state.count('Contact')).toBe(converted.length);
    expect(state.count('Account')).toBe(converted.length);
    for (const l of converted) {
      expect(l['Status']).toBe('Closed - Converted');
      const contact = state.get('Contact', l['ConvertedContactId'] as string);
      expect(contact?.['Email']).toBe(l['Email']);
      expect(contact?.['AccountId']).toBe(l['ConvertedAccountId']);
      expect(contact?.['Age__c']).toBe(l['Age__c']);
      expect(state.get('Account', l['ConvertedAccountId'] as string)?.['Name']).toBe(l['Company']);
      const opp = state.get('Opportunity', l['ConvertedOpportunityId'] as string);
      expect(opp?.['AccountId']).toBe(l['ConvertedAccountId']);
      expect(l['ConvertedDate']).toMatch(/^2026-\d{2}-\d{2}$/);
    }
    // Opportunities: amounts add up from their line items; stages drive IsWon/IsClosed/Probability.
    const lines = new Map<string, number>();
    for (const li of state.list('OpportunityLineItem')) {
      const oid = li['OpportunityId'] as string;
      lines.set(oid, (lines.get(oid) ?? 0) + (li['TotalPrice'] as number));
      expect(li['TotalPrice']).toBeCloseTo((li['Quantity'] as number) * (li['UnitPrice'] as number), 2);
      expect(state.get('Product2', li['Product2Id'] as string)).toBeDefined();
      expect(state.get('PricebookEntry', li['PricebookEntryId'] as string)?.['Product2Id']).toBe(li['Product2Id']);
    }
    for (const o of state.list('Opportunity')) {
      expect(o['Amount']).toBeCloseTo(lines.get(o['Id'] as string) ?? -1, 2);
      expect(o['IsWon']).toBe(o['StageName'] === 'Closed Won');
      expect(o['IsClosed']).toBe(o['StageName'] === 'Closed Won' || o['StageName'] === 'Closed Lost');
      if (o['StageName'] === 'Closed Won') expect(o['Probability']).toBe(100);
    }
    expect(state.list('OpportunityContactRole')).toHaveLength(state.count('Opportunity'));

    // Cases: one per sentence, labelled about half the time, with the sentence's own label.
    const labelOf = new Map(loadSentences().map((s) => [s.text, s.label]));
    const cases = state.list('Case');
    expect(cases).toHaveLength(2000);
    const labelled = cases.filter((c) => c['Feedback_Label__c'] !== null);
    expect(labelled.length / cases.length).toBeGreaterThan(0.4);
    expect(labelled.length / cases.length).toBeLessThan(0.6);
    for (const c of labelled) expect(c['Feedback_Label__c']).toBe(labelOf.get(c['Description'] as string) === 1 ? 'positive' : 'negative');
    for (const c of cases) expect(state.get('Contact', c['ContactId'] as string)).toBeDefined();
  });

  it('uses real-looking 18-character ids with the right key prefixes, and 2026 timestamps before the base date', () => {
    const sb = createSalesforceEmulator({ seed: 9, leads: 500 });
    const prefixes: Record<string, string> = {
      Lead: '00Q', Contact: '003', Account: '001', Opportunity: '006', OpportunityLineItem: '00k', Product2: '01t', Case: '500', User: '005',
    };
    for (const [object, prefix] of Object.entries(prefixes)) {
      for (const r of sb.state.list(object)) {
        const id = r['Id'] as string;
        expect(id).toMatch(ID_RE);
        expect(id.startsWith(prefix)).toBe(true);
        // The suffix is the checksum of the 15-character id.
        expect(normalizeId(id.slice(0, 15))).toBe(id);
      }
    }
    expect(sb.orgId.startsWith('00D')).toBe(true);
    for (const object of ['Lead', 'Contact', 'Opportunity', 'Case']) {
      for (const r of sb.state.list(object)) {
        expect(r['CreatedDate']).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1));
        expect(r['SystemModstamp']).toBeLessThanOrEqual(SEED_BASE_DATE_MS);
        expect(r['SystemModstamp']).toBeGreaterThanOrEqual(r['CreatedDate'] as number);
        expect((r['SystemModstamp'] as number) % 1000).toBe(0);
        expect(r['LastModifiedById']).not.toBe(sb.integrationUserId);
      }
    }
  });
});

describe('ids', () => {
  it('normalises 15- and 18-character ids, restoring case from the suffix', () => {
    const sb = createSalesforceEmulator({ seed: 1, leads: 5 });
    const id = sb.state.list('Lead')[0]?.['Id'] as string;
    expect(normalizeId(id)).toBe(id);
    expect(normalizeId(id.slice(0, 15))).toBe(id);
    expect(normalizeId(id.toLowerCase())).toBe(id);
    expect(sb.state.get('Lead', id.toUpperCase())).toBe(sb.state.get('Lead', id));
    expect(normalizeId('00Q')).toBeUndefined();
    expect(normalizeId(`${id.slice(0, 15)}999`)).toBeUndefined();
    expect(normalizeId("00Q8c000000AAA'; --")).toBeUndefined();
  });
});
