import { describe, expect, it } from 'vitest';
import { crmFieldName } from '../domain/outputFields.ts';
import type { AuditRow } from '../store/types.ts';
import { historyEntries } from './history.ts';

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
