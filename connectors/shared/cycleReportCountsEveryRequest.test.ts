/**
 * Issue 13, item 6, end to end: the API calls a cycle's report states are the requests the CRM answered,
 * with short-lived tokens and dying sessions, on both CRMs (long-lived ones: apiUsageCountsEveryRequest).
 */
import { describe, expect, it } from 'vitest';
import { startHarness } from '../../test/helpers/harness.ts';
import { startSalesforceHarness } from '../../test/helpers/salesforceHarness.ts';

describe("a cycle report's API calls equal the requests the CRM answered", () => {
  for (const tokenTtlSeconds of [2]) {
    it(`HubSpot, ${tokenTtlSeconds}-second tokens`, async () => {
      const h = await startHarness({ emulator: { tokenTtlSeconds } });
      try {
        h.emulator.resetStats();
        const summary = await h.cycle();
        expect(h.emulator.stats().calls).toBeGreaterThan(10);
        expect(summary.api.calls).toBe(h.emulator.stats().calls);
      } finally {
        await h.close();
      }
    });
  }

  // 5 s idle: short enough to matter, long enough that a loaded CI machine does not let a session die
  // between a refresh and its replay (two 401s in a row end a cycle as needs_reauth, by design).
  for (const sessionTtlSeconds of [5]) {
    it(`Salesforce, sessions timing out after ${sessionTtlSeconds} s idle`, async () => {
      const h = await startSalesforceHarness({ emulator: { sessionTtlSeconds }, bulkThreshold: 100 });
      try {
        h.emulator.faults.set({ serverErrorRate: 0.05 });
        h.emulator.resetStats();
        // The session dies mid-cycle too: the 401, jsforce's refresh and its replay are all requests.
        setTimeout(() => h.emulator.expireSessions(), 300);
        const summary = await h.cycle();
        expect(summary.status, summary.error ?? '').toBe('succeeded');
        expect(h.emulator.stats().calls).toBeGreaterThan(10);
        expect(summary.api.calls).toBe(h.emulator.stats().calls);
      } finally {
        await h.close();
      }
    });
  }
});
