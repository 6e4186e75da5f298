import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HUBSPOT_MAPPING } from '../../mapping/index.ts';
import { openStore } from '../../store/index.ts';
import type { Store } from '../../store/types.ts';
import type { PipelineContext } from '../context.ts';
import { CannotFitError, ensureModel, type ModelPlan } from './lifecycle.ts';

let store: Store;
beforeAll(async () => {
  store = await openStore({ inMemory: true });
});
afterAll(async () => {
  await store.close();
});

async function context(): Promise<PipelineContext & { logs: string[] }> {
  const tenant = await store.upsertTenant({ id: `t-${randomUUID()}`, crm: 'hubspot', name: 'T', mode: 'shadow', accountId: null });
  const logs: string[] = [];
  // the lifecycle never calls the CRM
  return { store, tenant, connector: null as never, mapping: DEFAULT_HUBSPOT_MAPPING, seed: 1, log: (m) => void logs.push(m), logs };
}

/** A plan whose fit returns a model with the given quality and counts its calls. */
function plan(overrides: Partial<ModelPlan> & { auc?: number } = {}): ModelPlan & { fits: string[] } {
  const fits: string[] = [];
  const { auc = 0.8, ...rest } = overrides;
  return {
    kind: 'demo',
    label: 'demo',
    specHash: 'spec-a',
    rows: 100,
    force: false,
    quality: { of: (m) => (typeof m.auc === 'number' ? m.auc : null), tolerance: 0.005, format: (v) => `AUC ${v.toFixed(3)}` },
    fit: async (reason) => {
      fits.push(reason);
      return { model: { fittedFor: reason, auc }, metrics: { auc } };
    },
    fits,
    ...rest,
  };
}

describe('ensureModel', () => {
  it('a fit that finds the data cannot make a model reports why, saves nothing and keeps a servable model; other errors still throw', async () => {
    const ctx = await context();
    const alike = () => plan({ force: true, fit: async () => { throw new CannotFitError('every row is alike'); } });
    expect(await ensureModel(ctx, alike())).toEqual({ active: null, trained: false, reason: 'every row is alike' });
    expect(await store.listModels(ctx.tenant.id, 'demo')).toEqual([]);

    const first = await ensureModel(ctx, plan());
    const kept = await ensureModel(ctx, alike());
    expect(kept).toMatchObject({ trained: false, reason: 'every row is alike' });
    expect(kept.active?.version).toBe(first.active?.version);
    // Fitted on another spec, the old model could not score: no model rather than a crash.
    expect(await ensureModel(ctx, { ...alike(), specHash: 'spec-b' })).toEqual({ active: null, trained: false, reason: 'retrain requested; every row is alike' });
    expect(ctx.logs.some((l) => l.includes('no model fitted: every row is alike'))).toBe(true);

    await expect(ensureModel(ctx, plan({ force: true, fit: async () => { throw new Error('a bug'); } }))).rejects.toThrow('a bug');
  });

  it('fits, saves with the spec hash and promotes the first model; a current one is kept without fitting', async () => {
    const ctx = await context();
    const first = await ensureModel(ctx, plan());
    expect(first).toMatchObject({ trained: true, reason: 'no active model' });
    expect(first.active?.trainedOn).toEqual({ rows: 100, reason: 'no active model', specHash: 'spec-a' });
    expect(first.active?.status).toBe('active');

    const again = plan({ rows: 109 });
    const second = await ensureModel(ctx, again);
    expect(second).toMatchObject({ trained: false, reason: 'model is current' });
    expect(second.active?.version).toBe(first.active?.version);
    expect(again.fits).toEqual([]);
  });

  it('retrains when the rows moved by 10 %, when forced, and when the stage finds the model unusable', async () => {
    const ctx = await context();
    await ensureModel(ctx, plan());
    expect((await ensureModel(ctx, plan({ rows: 110 }))).reason).toBe('training rows moved from 100 to 110');
    expect((await ensureModel(ctx, plan({ rows: 110, force: true }))).reason).toBe('retrain requested');
    expect((await ensureModel(ctx, plan({ rows: 110, unusable: () => 'model format upgraded' }))).reason).toBe('model format upgraded');
  });

  it('a changed spec retrains and promotes even a worse model: the old one cannot score the new columns', async () => {
    const ctx = await context();
    const old = await ensureModel(ctx, plan({ auc: 0.9 }));
    const next = await ensureModel(ctx, plan({ specHash: 'spec-b', auc: 0.7 }));
    expect(next).toMatchObject({ trained: true, reason: 'mapping changed' });
    expect(next.active?.version).toBeGreaterThan(old.active!.version);
    expect(next.active?.trainedOn.specHash).toBe('spec-b');
  });

  it('under the same spec a worse model is saved as rejected and the active one kept', async () => {
    const ctx = await context();
    const old = await ensureModel(ctx, plan({ auc: 0.8 }));
    const worse = await ensureModel(ctx, plan({ auc: 0.79, force: true }));
    expect(worse).toMatchObject({ trained: true, reason: 'retrain requested; new model not promoted (AUC 0.790)' });
    expect(worse.active?.version).toBe(old.active?.version);
    expect((await store.listModels(ctx.tenant.id, 'demo')).map((m) => m.status)).toEqual(['rejected', 'active']);
    expect(ctx.logs.at(-1)).toMatch(/kept v1 \(AUC 0\.800\)/);
    // within the tolerance counts as no worse
    const noise = await ensureModel(ctx, plan({ auc: 0.796, force: true }));
    expect(noise.active?.version).toBeGreaterThan(old.active!.version);
  });

  it('without data to fit: keeps a model that still fits the spec, drops one that does not', async () => {
    const ctx = await context();
    const old = await ensureModel(ctx, plan());
    const moved = await ensureModel(ctx, plan({ rows: 5, cannotFit: 'too few rows' }));
    expect(moved).toMatchObject({ trained: false, reason: 'too few rows' });
    expect(moved.active?.version).toBe(old.active?.version);
    const respecified = await ensureModel(ctx, plan({ specHash: 'spec-b', cannotFit: 'too few rows' }));
    expect(respecified).toEqual({ active: null, trained: false, reason: 'mapping changed; too few rows' });
    const none = await ensureModel(await context(), plan({ cannotFit: 'too few rows' }));
    expect(none).toEqual({ active: null, trained: false, reason: 'too few rows' });
  });

  it("a model saved before spec hashes counts as fitted on the built-in mapping's spec", async () => {
    const ctx = await context();
    const version = await store.saveModel(ctx.tenant.id, { kind: 'demo', status: 'candidate', metrics: { auc: 0.8 }, model: {}, trainedOn: { rows: 100, reason: 'older build' } });
    await store.promoteModel(ctx.tenant.id, 'demo', version);
    // the tenant still runs the built-in mapping: nothing to retrain on upgrade
    expect(await ensureModel(ctx, plan({ specHash: 'built-in', legacySpecHash: 'built-in' }))).toMatchObject({ trained: false, reason: 'model is current' });
    // the tenant changed it: the old model cannot be trusted with the new columns
    expect(await ensureModel(ctx, plan({ specHash: 'edited', legacySpecHash: 'built-in' }))).toMatchObject({ trained: true, reason: 'mapping changed' });
  });

  /** A person the tenant's models learnt from, erased: every kind gets a retrain request. */
  async function erasePersonOf(ctx: PipelineContext): Promise<void> {
    const run = await store.startRun(ctx.tenant.id, 'cycle');
    await store.savePage(ctx.tenant.id, {
      runId: run,
      objectType: 'contact',
      records: [{ objectType: 'contact', externalId: 'gone', modifiedAt: '2024-01-01T00:00:00.000Z', properties: { email: 'gone@example.org' }, associations: {}, inputHash: 'h' }],
      rejected: [],
      checkpoint: undefined,
    });
    await store.erasePerson(ctx.tenant.id, { objectType: 'contact', externalIds: ['gone'], emails: ['gone@example.org'] }, new Date());
  }

  it('after a privacy deletion: retrains with that reason, replaces the old model even when its metric is lower, once', async () => {
    const ctx = await context();
    const old = await ensureModel(ctx, plan({ auc: 0.9 }));
    await erasePersonOf(ctx);
    const worse = plan({ auc: 0.7 });
    const retrained = await ensureModel(ctx, worse);
    expect(retrained).toMatchObject({ trained: true, reason: 'person erased (privacy deletion)' });
    expect(worse.fits).toEqual(['person erased (privacy deletion)']);
    expect(retrained.active?.version).toBeGreaterThan(old.active!.version);
    expect(retrained.active?.metrics).toEqual({ auc: 0.7 });
    expect((await store.retrainRequests(ctx.tenant.id)).size).toBe(0);
    expect(await ensureModel(ctx, plan({ auc: 0.7 }))).toMatchObject({ trained: false, reason: 'model is current' });
  });

  it('after a privacy deletion without data to fit: the old model no longer serves, and the request waits', async () => {
    const ctx = await context();
    await ensureModel(ctx, plan());
    await erasePersonOf(ctx);
    const none = await ensureModel(ctx, plan({ cannotFit: 'too few rows' }));
    expect(none).toEqual({ active: null, trained: false, reason: 'person erased (privacy deletion); too few rows' });
    expect((await store.retrainRequests(ctx.tenant.id)).has('demo')).toBe(true);
  });
});
