/**
 * RevOps change the mapping while the service runs: the next cycle retrains on the new spec and succeeds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HUBSPOT_MAPPING, parseMapping } from '../../src/mapping/index.ts';
import { signalReport, startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

describe('a mapping changed between two cycles', () => {
  it('repro: dropping one input after a successful cycle still succeeds', async () => {
    harness = await startHarness();
    const first = await harness.cycle();
    expect(first.status, first.error ?? '').toBe('succeeded');
    const lead = DEFAULT_HUBSPOT_MAPPING.leadScore;
    const mapping = parseMapping({ ...DEFAULT_HUBSPOT_MAPPING, leadScore: { ...lead, categorical: lead.categorical.filter((c) => c !== 'job') } });
    const open = harness.emulator.state.openContactIds().slice(0, 5);
    for (const id of open) harness.emulator.state.update('contacts', id, { age: '41' });
    const third = await (await import('../../src/pipeline/cycle.ts')).runCycle({ ...harness.ctx, mapping });
    expect(third.status, third.error ?? '').toBe('succeeded');
    expect(signalReport(third, 'leadScore').trained).toBe(true);
  });
});
