/**
 * A 429 storm: the portal allows only a few requests per window. The cycle slows down but ends in the
 * same state as an unthrottled one, with no write lost.
 */
import { describe, expect, it } from 'vitest';
import { emulatorOutputs, startHarness } from '../helpers/harness.ts';

const SMALL = { seed: 11, contacts: 250, openShare: 0.3 };

describe('a 429 storm', () => {
  it('is survived: same final state as without throttling, no write lost', async () => {
    const calm = await startHarness({ emulator: SMALL });
    const reference = await calm.cycle();
    const expected = emulatorOutputs(calm.emulator);
    await calm.close();
    expect(reference.status).toBe('succeeded');

    // The connector believes it may send 110 per 10 s; the portal allows 4 per second.
    const stormy = await startHarness({ emulator: SMALL });
    stormy.emulator.faults.set({ rateLimit: { max: 4, intervalMs: 1_000 }, searchPerSecond: 1 });
    try {
      const summary = await stormy.cycle();
      expect(summary.status).toBe('succeeded');
      expect(stormy.emulator.stats().throttled).toBeGreaterThan(0);
      expect(summary.api.throttled).toBeGreaterThan(0);
      expect(summary.write?.contact?.stillPending).toBe(0);
      expect(summary.write?.ticket?.stillPending).toBe(0);
      expect(emulatorOutputs(stormy.emulator)).toEqual(expected);
    } finally {
      await stormy.close();
    }
  });

  it('survives 5xx answers the same way', async () => {
    const harness = await startHarness({ emulator: SMALL });
    harness.emulator.faults.set({ serverErrorRate: 0.15 });
    try {
      const summary = await harness.cycle();
      expect(summary.status).toBe('succeeded');
      expect(summary.api.retries).toBeGreaterThan(0);
      for (const id of harness.emulator.state.openContactIds()) {
        expect(harness.emulator.state.get('contacts', id)?.properties.crm_signals_lead_score).toMatch(/^\d+$/);
      }
    } finally {
      await harness.close();
    }
  });
});
