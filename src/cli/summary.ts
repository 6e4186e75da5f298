/**
 * The cycle summary as the terminal shows it: plain lines and a bar chart of the score distribution.
 */
import type { CycleSummary } from '../pipeline/cycle.ts';
import type { ScoreBand } from '../pipeline/report.ts';
import { signalLine } from '../pipeline/report.ts';

const n = (value: number) => value.toLocaleString('en-US');
const plural = (objectType: string) => `${objectType}s`;
/** A value on one terminal line: reasons can be long. */
const clip = (value: string) => (value.length > 70 ? `${value.slice(0, 67)}...` : value).replace(/\s+/g, ' ');

export function formatSummary(summary: CycleSummary, bands: ScoreBand[]): string {
  const lines: string[] = [];
  lines.push(`crm-signals cycle #${summary.runId} for ${summary.tenantId}: ${summary.status}${summary.error ? ` (${summary.error})` : ''}`);
  lines.push(`  mode: ${summary.mode}${summary.dryRun ? ' (dry run)' : ''}`);
  for (const [objectType, r] of Object.entries(summary.synced)) {
    lines.push(
      `  synced ${plural(objectType)}: ${n(r.read)} read, ${n(r.changed)} new or changed, ${n(r.rejected)} skipped` +
        (r.ownWrites ? `, ${n(r.ownWrites)} only touched by our own write-back` : '') +
        (r.deleted ? `, ${n(r.deleted)} deleted in the CRM` : '') +
        (r.source === 'webhooks' ? ` (only the ${n(r.fromWebhooks)} webhooks named)` : r.why ? ` (searched: ${r.why})` : ''),
    );
  }
  for (const s of summary.signals) lines.push(`  ${signalLine(s)}`);
  const changes = Object.entries(summary.changes).map(([objectType, count]) => `${n(count)} ${plural(objectType)}`);
  if (summary.write) {
    const writes = Object.entries(summary.write);
    const updated = writes.map(([objectType, w]) => `${n(w.written)} ${plural(objectType)}`).join(', ') || 'nothing';
    const failed = writes.reduce((sum, [, w]) => sum + w.failed, 0);
    const pending = Math.max(0, ...writes.map(([, w]) => w.stillPending));
    lines.push(`  written back: ${updated} updated, ${n(failed)} rejected by the CRM, ${n(pending)} still queued`);
    if (summary.history) lines.push(`  timeline: ${n(summary.history)} history entries for significant changes`);
  } else {
    lines.push(`  would write: ${changes.join(', ') || 'nothing'} (nothing written in ${summary.dryRun ? 'a dry run' : 'shadow mode'})`);
    for (const item of summary.preview.slice(0, 5)) {
      for (const [property, value] of Object.entries(item.properties)) {
        lines.push(`    ${item.objectType} ${item.externalId} ${property}: ${clip(item.previous[property] ?? '(empty)')} -> ${clip(value === '' ? '(cleared)' : value)}`);
      }
    }
    if (summary.proposedChanges !== undefined && summary.preview.length > 0) {
      lines.push(`    ... ${n(summary.proposedChanges)} field values in all: GET /api/tenants/${summary.tenantId}/runs/${summary.runId}/changes.csv on the status page's server`);
    }
  }
  lines.push(`  API calls: ${n(summary.api.calls)} (${n(summary.api.retries)} retries, ${n(summary.api.throttled)} throttled)`);
  lines.push(`  time: ${(summary.durationMs / 1000).toFixed(1)} s`);
  if (summary.rejected.length) {
    lines.push(`  skipped records (${summary.rejected.length}):`);
    for (const r of summary.rejected.slice(0, 10)) lines.push(`    ${r.objectType} ${r.externalId ?? '(no id)'}: ${r.reason}`);
  }
  const max = Math.max(1, ...bands.map((b) => b.count));
  if (bands.some((b) => b.count > 0)) {
    lines.push('  lead score distribution (open contacts):');
    for (const b of bands) {
      const bar = '#'.repeat(Math.round((b.count / max) * 40));
      lines.push(`    ${String(b.from).padStart(2)}-${String(b.to).padEnd(2)} ${bar} ${n(b.count)}`);
    }
  }
  return lines.join('\n');
}
