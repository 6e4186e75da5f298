/**
 * A large first sync goes through one Bulk API 2.0 query job, not dozens of REST pages.
 */
import { describe, expect, it } from 'vitest';
import { createSalesforceEmulator } from '../emulators/salesforce/index.ts';
import { SalesforceConnector } from './index.ts';
import { exchangeSalesforceCode } from './oauth.ts';

describe('Salesforce first sync of 60,000 Leads', () => {
  it('reads every Lead exactly once through Bulk API 2.0, with a handful of API calls', async () => {
    const emulator = createSalesforceEmulator({ seed: 2, leads: 60_000, clientId: 'c', clientSecret: 's' });
    const { url, close } = await emulator.listen(0);
    try {
      const app = { loginUrl: url, clientId: 'c', clientSecret: 's', redirectUri: 'http://localhost/cb' };
      const tokens = await exchangeSalesforceCode(app, emulator.issueAuthCode(app.redirectUri));
      const connector = new SalesforceConnector({ tokens, app });
      emulator.resetStats();
      const ids = new Set<string>();
      let pages = 0;
      let last = null;
      for await (const page of connector.read('contact', null)) {
        for (const r of page.records) ids.add(r.externalId);
        pages++;
        last = page.checkpoint;
      }
      expect(ids.size).toBe(60_000);
      expect(emulator.stats().bulkJobs).toBe(1);
      const restQueries = Object.entries(emulator.stats().byRoute).filter(([route]) => /vXX\.X\/query/.test(route)).reduce((a, [, n]) => a + n, 0);
      // COUNT() before choosing the path, and one REST query after the job for changes made meanwhile.
      expect(restQueries).toBeLessThanOrEqual(3);
      // Job create, status polls, 6 result pages of 10,000: far fewer than REST's 30 pages of 2,000.
      expect(emulator.stats().calls).toBeLessThan(20);
      expect(pages).toBeGreaterThanOrEqual(6);
      expect(last).toMatchObject({ phase: 'incremental' });
    } finally {
      await close();
    }
  });
});
