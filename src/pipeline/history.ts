/**
 * Timeline entries for significant changes, recorded in the CRM where it has a place for them
 * (Salesforce: Signal_History__c rows shown by the record page component). They are derived from the
 * audit trail with a cursor, so a cycle killed after writing values but before recording history
 * records it on the next cycle, and the idempotency key keeps a replay from duplicating an entry.
 */
import { OUTPUT_FIELDS, crmFieldName } from '../domain/outputFields.ts';
import type { HistoryEntry } from '../../connectors/connector.ts';
import type { Crm } from '../domain/records.ts';
import type { AuditRow } from '../store/types.ts';
import type { PipelineContext } from './context.ts';
import { LEAD_SCORE, type LeadScoreValue } from './signals/index.ts';

/** A score move smaller than this is noise to a rep, not an event. */
export const SIGNIFICANT_SCORE_CHANGE = 5;
/** Output fields whose changes make timeline entries. */
const TRACKED = new Set(['leadScore', 'segment', 'feedbackSentimentLabel', 'ticketSentimentLabel']);
const CURSOR = 'history';

export function isSignificant(key: string, oldValue: string | null, newValue: string): boolean {
  if (!TRACKED.has(key)) return false;
  if (oldValue === null) return true;
  if (key === 'leadScore') return Math.abs(Number(newValue) - Number(oldValue)) >= SIGNIFICANT_SCORE_CHANGE;
  return oldValue !== newValue;
}

export function historyEntries(
  tenantId: string,
  crm: Crm,
  rows: readonly AuditRow[],
  reasons: (externalId: string) => string | null,
  chosen?: Partial<Record<string, string>>,
): HistoryEntry[] {
  // Both names: rows written before an output was moved to a field of the admin's choice keep our own.
  const keyOf = new Map(OUTPUT_FIELDS.flatMap((f) => [[`${f.objectType}/${crmFieldName(crm, f.key)}`, f.key] as const, [`${f.objectType}/${crmFieldName(crm, f.key, chosen)}`, f.key] as const]));
  return rows.flatMap((row) => {
    // An erased person's trail keeps ids only: nothing of it goes back to the CRM as history.
    if (row.erasedAt) return [];
    const key = keyOf.get(`${row.objectType}/${row.property}`);
    if (!key || !isSignificant(key, row.oldValue, row.newValue)) return [];
    return [
      {
        key: `${tenantId}:${row.id}`,
        objectType: row.objectType,
        externalId: row.externalId,
        signal: key,
        oldValue: row.oldValue,
        newValue: row.newValue,
        reasons: key === 'leadScore' ? reasons(row.externalId) : null,
        modelVersion: row.modelVersion === null ? null : `v${row.modelVersion}`,
        changedAt: row.writtenAt,
      },
    ];
  });
}

/** Audit rows read per step: the trail since the cursor is read forward in pages, never whole. */
export const HISTORY_PAGE = 5_000;

export async function recordHistory(ctx: PipelineContext, pageSize = HISTORY_PAGE): Promise<number> {
  const { store, tenant, connector } = ctx;
  if (!connector.recordHistory) return 0;
  let cursor = ((await store.getCursor(tenant.id, CURSOR)) as { lastAuditId?: number } | null)?.lastAuditId ?? 0;
  let written = 0;
  for (;;) {
    const rows = await store.audit(tenant.id, { afterId: cursor, limit: pageSize });
    if (rows.length === 0) return written;
    const scored = [...new Set(rows.filter((r) => r.objectType === 'contact').map((r) => r.externalId))];
    const scores = await store.latestSignals(tenant.id, 'contact', LEAD_SCORE, scored);
    const entries = historyEntries(tenant.id, connector.crm, rows, (id) => (scores.get(id)?.value as LeadScoreValue | undefined)?.reasons ?? null, ctx.mapping?.outputs);
    if (entries.length) written += await connector.recordHistory(entries);
    // Saved per page: a crash re-sends at most this page, whose idempotency keys keep it from doubling.
    cursor = rows.at(-1)!.id;
    await store.saveCursor(tenant.id, CURSOR, { lastAuditId: cursor });
  }
}
