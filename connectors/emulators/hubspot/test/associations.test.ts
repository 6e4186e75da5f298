import { describe, expect, it } from 'vitest';
import { harness } from './helpers.ts';

interface AssocBatch {
  status: string;
  results: { from: { id: string }; to: { toObjectId: string; associationTypes: { category: string; typeId: number; label: null }[] }[] }[];
  errors?: { subCategory?: string; context: Record<string, string[]> }[];
}

describe('associations v4', () => {
  it('batch-reads deal -> line items and contact -> deals with HubSpot type ids', async () => {
    const h = harness();
    const deals = h.sb.state.list('deals').slice(0, 3);
    const res = await h.json<AssocBatch>('POST', '/crm/v4/associations/deals/line_items/batch/read', { inputs: deals.map((d) => ({ id: d.id })) });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => r.from.id)).toEqual(deals.map((d) => d.id));
    for (const r of res.body.results) {
      expect(r.to.map((t) => t.toObjectId)).toEqual(h.sb.state.associations('deals', r.from.id, 'line_items'));
      expect(r.to.length).toBeGreaterThanOrEqual(1);
      expect(r.to.length).toBeLessThanOrEqual(4);
      expect(r.to[0]?.associationTypes).toEqual([{ category: 'HUBSPOT_DEFINED', typeId: 19, label: null }]);
    }
    const contactId = h.sb.state.associations('deals', deals[0]?.id ?? '', 'contacts')[0] ?? '';
    const back = await h.json<AssocBatch>('POST', '/crm/v4/associations/contacts/deals/batch/read', { inputs: [{ id: contactId }] });
    expect(back.body.results[0]?.to.map((t) => t.toObjectId)).toContain(deals[0]?.id);
    expect(back.body.results[0]?.to[0]?.associationTypes[0]?.typeId).toBe(4);
  });

  it('reports inputs without associations in a 207', async () => {
    const h = harness();
    const res = await h.json<AssocBatch>('POST', '/crm/v4/associations/deals/contacts/batch/read', { inputs: [{ id: h.sb.state.list('deals')[0]?.id }, { id: '1' }] });
    expect(res.status).toBe(207);
    expect(res.body.results).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({ subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND', context: { fromObjectId: ['1'] } });
  });

  it('reads one record\'s associations with GET', async () => {
    const h = harness();
    const ticket = h.sb.state.list('tickets')[0];
    const res = await h.json<{ results: { toObjectId: string; associationTypes: { typeId: number }[] }[] }>('GET', `/crm/v4/objects/tickets/${ticket?.id}/associations/contacts`);
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(1);
    expect(res.body.results[0]?.associationTypes[0]?.typeId).toBe(16);
  });
});
