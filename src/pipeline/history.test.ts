import { describe, expect, it } from 'vitest';
import type { Connector, HistoryEntry } from '../../connectors/connector.ts';
import { crmFieldName } from '../domain/outputFields.ts';
import { openStore } from '../store/index.ts';
import type { AuditRow } from '../store/types.ts';
import type { PipelineContext } from './context.ts';
import { historyEntries, recordHistory } from './history.ts';
import { LEAD_SCORE } from './signals/index.ts';

const row = (id: number, externalId: string, extra: Partial<AuditRow> = {}): AuditRow => ({
  id,
  runId: 1,
  objectType: 'contact',
  externalId,
  property: crmFieldName('salesforce', 'leadScore'),
  oldValue: null,
  newValue: '70',
  modelVersion: 1,
  writtenAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

describe('historyEntries', () => {
  it("sends nothing of an erased person's trail back to the CRM", () => {
    const rows = [row(1, 'kept'), row(2, 'erased', { oldValue: null, newValue: 'erased on 2026-02-01', erasedAt: '2026-02-01T00:00:00.000Z' })];
    const entries = historyEntries('t', 'salesforce', rows, () => null);
    expect(entries.map((e) => e.externalId)).toEqual(['kept']);
  });
});

describe('recordHistory', () => {
  it('reads the trail forward from its cursor in pages: every entry once, with the reasons of its record, and none again', async () => {
    const store = await openStore({ inMemory: true });
    try {
      const tenant = { id: 't1', crm: 'salesforce' as const, name: 'T', mode: 'live' as const, accountId: 'org' };
      await store.upsertTenant(tenant);
      const run = await store.startRun(tenant.id, 'cycle');
      const score = crmFieldName('salesforce', 'leadScore');
      const ids = Array.from({ length: 7 }, (_, i) => `00Q${i}`);
      await store.enqueue(tenant.id, run, ids.map((id) => ({ objectType: 'contact', externalId: id, properties: { [score]: '70' }, previous: { [score]: null }, modelVersion: 1 })));
      const pending = await store.pendingOutbox(tenant.id, 'contact', 100);
      await store.completeOutbox(tenant.id, run, pending.map((p) => ({ id: p.id, modifiedAt: null })));
      await store.saveSignals(tenant.id, run, ids.map((id) => ({ objectType: 'contact', externalId: id, signal: LEAD_SCORE, modelVersion: 1, value: { score: 70, reasons: `why ${id}` }, inputHash: 'h' })));
      const sent: HistoryEntry[][] = [];
      const connector = { crm: 'salesforce', recordHistory: async (entries: HistoryEntry[]) => (sent.push(entries), entries.length) } as unknown as Connector;
      const ctx = { store, tenant, connector } as unknown as PipelineContext;

      expect(await recordHistory(ctx, 3)).toBe(7);
      expect(sent.map((page) => page.length)).toEqual([3, 3, 1]);
      expect(sent.flat().map((e) => [e.externalId, e.reasons])).toEqual(ids.map((id) => [id, `why ${id}`]));
      expect(await recordHistory(ctx, 3)).toBe(0);
      expect(sent).toHaveLength(3);
    } finally {
      await store.close();
    }
  });
});
