/**
 * One model across both CRMs: a company with HubSpot and Salesforce gets one lead score model trained on
 * the union of its labelled people (each person once), and the same person gets the same score in both.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { runLinkedCycle } from '../../src/pipeline/linked.ts';
import { startHarness } from '../helpers/harness.ts';
import { startSalesforceHarness } from '../helpers/salesforceHarness.ts';

describe('--crm both', () => {
  it('trains one model on both CRMs and writes the same score for the same person in both', async () => {
    const store = await openStore({ inMemory: true });
    const hubspot = await startHarness({ emulator: { seed: 9, contacts: 500, openShare: 0.3 }, store });
    const salesforce = await startSalesforceHarness({ emulator: { seed: 9, leads: 500, openShare: 0.3 }, store });
    try {
      const [h, s] = await runLinkedCycle([hubspot.ctx, salesforce.ctx]);
      expect(h?.status, h?.error ?? '').toBe('succeeded');
      expect(s?.status, s?.error ?? '').toBe('succeeded');
      // The cycle's report (and its stored run) counts what its sync-only run read.
      expect(h?.synced.contact?.read).toBe(500);
      expect(s?.synced.contact?.read).toBe(500);
      expect((await store.listRuns(hubspot.ctx.tenant.id, 1))[0]?.summary).toMatchObject({ synced: { contact: { read: 500 } } });
      const hModel = await store.getActiveModel(hubspot.ctx.tenant.id, 'leadScore');
      const sModel = await store.getActiveModel(salesforce.ctx.tenant.id, 'leadScore');
      expect(hModel?.model).toEqual(sModel?.model);
      // The same people are in both CRMs: counted once.
      const labelledPeople = hubspot.emulator.state.count('contacts') - hubspot.emulator.state.openContactIds().length;
      expect(hModel?.trainedOn.rows).toBe(labelledPeople);

      const hubspotByEmail = new Map(hubspot.emulator.state.list('contacts').map((c) => [c.properties.email?.toLowerCase(), c.properties.crm_signals_lead_score]));
      let compared = 0;
      for (const id of salesforce.emulator.state.openLeadIds()) {
        const lead = salesforce.emulator.state.get('Lead', id)!;
        const score = hubspotByEmail.get(String(lead.Email).toLowerCase());
        expect(score, String(lead.Email)).toBeDefined();
        expect(String(lead.Signals_Lead_Score__c)).toBe(score);
        compared++;
      }
      expect(compared).toBe(150);
    } finally {
      await hubspot.close();
      await salesforce.close();
      await store.close();
    }
  });
});
