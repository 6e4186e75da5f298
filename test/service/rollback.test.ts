/**
 * Rolling back a live run through the console route, against the HubSpot emulator: every value the run
 * wrote goes back to what it was before, except where a person changed it since (left alone, reported);
 * the rollback is a run with its own audit rows, and the tenant is in shadow mode after it, so the next
 * cycle writes nothing. Refusals (no such run, a run that wrote nothing, no CSRF, another tenant) name why.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RollbackReport } from '../../src/pipeline/rollback.ts';
import { createApp } from '../../src/server/app.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { signInFor, type SignedIn } from '../helpers/adminSession.ts';
import { emulatorOutputs, SCORE, startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness;
let app: ReturnType<typeof createApp>;
let admin: SignedIn;
let liveRun: number;
let before: Record<string, Record<string, string>>;
const logs: string[] = [];

beforeAll(async () => {
  harness = await startHarness();
  before = emulatorOutputs(harness.emulator);
  const summary = await harness.cycle();
  expect(summary.status, summary.error ?? '').toBe('succeeded');
  liveRun = summary.runId;
  app = createApp({ store: harness.store, signer: createSigner([randomBytes(32)]), log: (m) => void logs.push(m), connectorOf: async () => harness.connector });
  admin = await signInFor(app, harness.store, harness.ctx.tenant.id);
});
afterAll(async () => harness?.close());

const rollback = (runId: number | string, headers = admin.write) => app.request(`/api/tenants/${harness.ctx.tenant.id}/runs/${runId}/rollback`, { method: 'POST', headers });

describe('rolling back a run', () => {
  it('refuses without CSRF, for another tenant, an unknown run, or a run that wrote nothing', async () => {
    expect((await rollback(liveRun, admin.read)).status).toBe(403);
    await harness.store.upsertTenant({ id: 'not-yours', crm: 'hubspot', name: 'N', mode: 'live', accountId: '3' });
    expect((await rollback(liveRun, (await signInFor(app, harness.store, 'not-yours')).write)).status).toBe(404);
    const unknown = await rollback(999_999);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/has no run #999999/);
    const empty = await harness.store.startRun(harness.ctx.tenant.id, 'cycle');
    await harness.store.finishRun(harness.ctx.tenant.id, empty, 'succeeded', {});
    expect(((await (await rollback(empty)).json()) as { error: string }).error).toMatch(/wrote nothing into the CRM/);
    expect((await rollback('x')).status).toBe(400);
    expect((await harness.store.getTenant(harness.ctx.tenant.id))?.mode).toBe('live');
  });

  it('restores every value the run wrote, leaves a value a person changed since, and goes to shadow mode', async () => {
    const written = emulatorOutputs(harness.emulator);
    expect(Object.keys(written).length).toBeGreaterThan(100);
    const touched = harness.emulator.state.openContactIds()[0]!;
    harness.emulator.edit(touched, { [SCORE]: '77' });
    // A cycle's score still queued for a record the run did not write (its send failed): the rollback, which
    // leaves the tenant in shadow mode, must not send it.
    const tenantId = harness.ctx.tenant.id;
    const newcomer = harness.emulator.state.insert('contacts', { email: 'newcomer@example.com', lifecyclestage: 'lead' }).id;
    const failedCycle = await harness.store.startRun(tenantId, 'cycle');
    await harness.store.enqueue(tenantId, failedCycle, [{ objectType: 'contact', externalId: newcomer, properties: { [SCORE]: '55' }, previous: {}, modelVersion: null }]);
    await harness.store.finishRun(tenantId, failedCycle, 'failed', {});

    const res = await rollback(liveRun);
    expect(res.status, await res.clone().text()).toBe(200);
    const report = (await res.json()) as RollbackReport;
    expect(report.skipped).toEqual([{ objectType: 'contact', externalId: touched, property: SCORE, reason: 'changed since the run (now "77")' }]);
    const audit = await harness.store.audit(harness.ctx.tenant.id, { runId: liveRun, limit: 1_000_000 });
    expect(report.restored).toBe(audit.length - 1);

    // Before the run these records held none of our values: the rollback cleared them, but the edited one.
    const after = emulatorOutputs(harness.emulator);
    expect(after).toEqual({ ...before, [`contacts/${touched}`]: { [SCORE]: '77' } });
    expect(await harness.store.countPending(tenantId, 'contact')).toBe(1);
    const rollbackAudit = await harness.store.audit(harness.ctx.tenant.id, { runId: report.runId, limit: 1_000_000 });
    expect(rollbackAudit).toHaveLength(report.restored);
    expect(rollbackAudit.every((r) => r.newValue === '')).toBe(true);
    expect((await harness.store.getTenant(harness.ctx.tenant.id))?.mode).toBe('shadow');
    expect((await harness.store.listRuns(harness.ctx.tenant.id, 1))[0]).toMatchObject({ id: report.runId, kind: 'rollback', status: 'succeeded' });
    expect(logs.some((l) => l.startsWith(`rollback of run #${liveRun}: ${report.restored} values restored, 1 left alone`))).toBe(true);
  });

  it('the next cycle writes nothing (shadow mode); a second rollback of the same run finds nothing of it left', async () => {
    const writes = harness.emulator.stats().writeCalls;
    const next = await harness.cycle();
    expect(next.write).toBeNull();
    expect(harness.emulator.stats().writeCalls).toBe(writes);
    const again = (await (await rollback(liveRun)).json()) as RollbackReport;
    expect(again.restored).toBe(0);
    expect(again.skipped.length).toBeGreaterThan(0);
  });
});

describe('rolling back a Salesforce run', () => {
  it('restores the Lead and Case fields the run wrote, read back through SOQL', async () => {
    const { startSalesforceHarness, orgOutputs } = await import('../helpers/salesforceHarness.ts');
    const { rollbackRun } = await import('../../src/pipeline/rollback.ts');
    const sf = await startSalesforceHarness();
    try {
      const beforeRun = orgOutputs(sf.emulator);
      const summary = await sf.cycle();
      expect(summary.status, summary.error ?? '').toBe('succeeded');
      expect(Object.keys(orgOutputs(sf.emulator)).length).toBeGreaterThan(Object.keys(beforeRun).length);
      const report = await rollbackRun({ ...sf.ctx, tenant: (await sf.store.getTenant(sf.ctx.tenant.id))! }, summary.runId);
      expect(report.skipped).toEqual([]);
      expect(report.restored).toBe((await sf.store.audit(sf.ctx.tenant.id, { runId: summary.runId, limit: 1_000_000 })).length);
      expect(orgOutputs(sf.emulator)).toEqual(beforeRun);
    } finally {
      await sf.close();
    }
  });
});
