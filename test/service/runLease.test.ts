/**
 * A cycle's run lease from the pipeline's side: the heartbeat extends it while the run runs, a taken-over
 * lease is reported, and a cycle does not start while another process holds the tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../connectors/connector.ts';
import { DEFAULT_HUBSPOT_MAPPING } from '../../src/mapping/index.ts';
import { runCycle } from '../../src/pipeline/cycle.ts';
import { processLease, startLeasedRun } from '../../src/pipeline/jobs/index.ts';
import { openStoreWithDb, RunLeaseHeldError, type OpenedStore } from '../../src/store/index.ts';
import type { Tenant } from '../../src/store/types.ts';

let opened: OpenedStore;
let tenantNo = 0;
beforeAll(async () => {
  opened = await openStoreWithDb({ inMemory: true });
});
afterAll(() => opened.store.close());

async function tenant(): Promise<Tenant> {
  return opened.store.upsertTenant({ id: `lease-${++tenantNo}`, crm: 'hubspot', name: 'Lease test', mode: 'live', accountId: null });
}

const expiresAt = async (t: Tenant, runId: number) =>
  Date.parse(String((await opened.db.query(`SELECT lease_expires_at::text AS at FROM runs WHERE tenant_id = $1 AND id = $2`, [t.id, runId])).rows[0]?.at));

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('startLeasedRun', () => {
  it('heartbeats extend the lease until the run finishes', async () => {
    const t = await tenant();
    const logs: string[] = [];
    const run = await startLeasedRun({ store: opened.store, tenant: t, lease: { ...processLease('beating'), heartbeatMs: 5 }, log: (m) => void logs.push(m) }, 'cycle');
    const first = await expiresAt(t, run.runId);
    await until(async () => (await expiresAt(t, run.runId)) > first);
    await run.finish('succeeded', { ok: true });
    expect((await opened.store.listRuns(t.id, 1))[0]).toMatchObject({ status: 'succeeded', summary: { ok: true } });
    expect(logs).toEqual([]);
  });

  it('reports a lease another process took over after it expired', async () => {
    const t = await tenant();
    const logs: string[] = [];
    const run = await startLeasedRun({ store: opened.store, tenant: t, lease: { ...processLease('slow'), heartbeatMs: 5 }, log: (m) => void logs.push(m) }, 'cycle');
    await opened.db.query(`UPDATE runs SET lease_expires_at = now() - interval '1 minute' WHERE tenant_id = $1`, [t.id]);
    const other = await startLeasedRun({ store: opened.store, tenant: t, lease: processLease('fast'), log: (m) => void logs.push(m) }, 'cycle');
    await until(async () => logs.some((l) => l.includes('lost its lease')));
    expect(logs).toEqual([
      `marked interrupted (their process stopped): run #${run.runId} of ${t.id}`,
      `run #${run.runId} of ${t.id} lost its lease (another process took the tenant over)`,
    ]);
    await run.finish('failed', {});
    await other.finish('succeeded', {});
  });
});

describe('runCycle', () => {
  it('does not start while another process holds a live lease on the tenant', async () => {
    const t = await tenant();
    const held = await startLeasedRun({ store: opened.store, tenant: t, lease: processLease('worker-elsewhere'), log: () => undefined }, 'cycle');
    // The connector is never reached: the lease is taken first.
    const ctx = { store: opened.store, tenant: t, connector: {} as Connector, mapping: DEFAULT_HUBSPOT_MAPPING, seed: 42, log: () => undefined, lease: processLease('worker-here') };
    await expect(runCycle(ctx)).rejects.toThrow(RunLeaseHeldError);
    expect((await opened.store.listRuns(t.id, 10)).map((r) => [r.id, r.status])).toEqual([[held.runId, 'running']]);
    await held.finish('succeeded', {});
  });
});
