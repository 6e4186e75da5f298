/**
 * RevOps send a signal to a field of their own (`outputs` in the mapping) instead of crm-signals' own:
 * the cycle writes the score there, audits it under that field, and leaves our own field alone; a field
 * that cannot hold the signal is refused at save, naming it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OutputField } from '../../src/domain/outputFields.ts';
import { DEFAULT_HUBSPOT_MAPPING, MappingError, type Mapping } from '../../src/mapping/index.ts';
import { runCycle } from '../../src/pipeline/cycle.ts';
import { saveTenantMapping } from '../../src/pipeline/mappings.ts';
import { LEAD_SCORE } from '../../src/pipeline/signals/index.ts';
import { SCORE, startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A number property the portal's own team created (a point score they already read). */
const LEAD_RATING: OutputField = { key: 'leadRating', objectType: 'contact', label: 'Lead rating', description: "the sales team's own field", type: 'number', names: { hubspot: 'lead_rating', salesforce: 'Lead_Rating__c' } };

describe('a signal sent to a field the admin chose', () => {
  it('writes the lead score into that field, audits it there, and leaves our own field empty', async () => {
    harness = await startHarness();
    await harness.connector.install([LEAD_RATING]);
    const mapping: Mapping = { ...DEFAULT_HUBSPOT_MAPPING, outputs: { leadScore: 'lead_rating' } };
    const summary = await runCycle({ ...harness.ctx, mapping });
    expect(summary.status, summary.error ?? '').toBe('succeeded');

    const scores = await harness.store.latestSignals(harness.ctx.tenant.id, 'contact', LEAD_SCORE);
    expect(scores.size).toBeGreaterThan(100);
    for (const [id, row] of scores) {
      const properties = harness.emulator.state.get('contacts', id)?.properties ?? {};
      expect(properties.lead_rating, id).toBe(String((row.value as { score: number }).score));
      expect(properties[SCORE], id).toBeUndefined();
    }
    const audit = await harness.store.audit(harness.ctx.tenant.id, { runId: summary.runId, limit: 1_000_000 });
    expect(audit.some((r) => r.property === 'lead_rating')).toBe(true);
    expect(audit.some((r) => r.property === SCORE)).toBe(false);
  });

  it('refuses at save a chosen field that is missing, read-only, of the wrong type or read by the model, naming it', async () => {
    harness = await startHarness();
    const { store, ctx, connector } = harness;
    const save = async (outputs: Record<string, string>) => {
      const error = await saveTenantMapping(store, ctx.tenant, connector, { ...DEFAULT_HUBSPOT_MAPPING, outputs }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(MappingError);
      return (error as MappingError).problems;
    };
    expect(await save({ leadScore: 'no_such_field' })).toContainEqual(expect.objectContaining({ path: 'outputs.leadScore', field: 'no_such_field' }));
    expect(await save({ leadScore: 'hubspotscore' })).toContainEqual(expect.objectContaining({ path: 'outputs.leadScore', message: expect.stringContaining('read-only') }));
    expect(await save({ leadScoreReasons: 'age' })).toContainEqual(expect.objectContaining({ path: 'outputs.leadScoreReasons', message: expect.stringContaining('needs a text field') }));
    expect(await save({ leadScore: 'age' })).toContainEqual(expect.objectContaining({ path: 'outputs.leadScore', message: expect.stringContaining('feeds the lead score') }));
    expect(await save({ segment: 'firstname', leadScoreReasons: 'firstname' })).toContainEqual(expect.objectContaining({ path: 'outputs.segment', message: expect.stringContaining('one field holds one signal') }));
    const unknownKey = await saveTenantMapping(store, ctx.tenant, connector, { ...DEFAULT_HUBSPOT_MAPPING, outputs: { notAnOutput: 'firstname' } }).then(() => null, (e: unknown) => e);
    expect(String(unknownKey)).toMatch(/outputs/);
  });
});
