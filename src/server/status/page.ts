/**
 * The status page: the latest cycle summary, a chart of the score distribution and the last runs.
 * Server-rendered HTML with an inline SVG chart, so it needs no script and no asset pipeline.
 */
import { html, raw } from 'hono/html';
import type { ScoreBand } from '../../pipeline/report.ts';
import type { RunRow, Tenant } from '../../store/types.ts';
import type { CycleSummary } from '../../pipeline/cycle.ts';
import type { BudgetStatus } from '../../pipeline/jobs/apiBudget.ts';
import { signalLine } from '../../pipeline/report.ts';

export interface TenantStatus {
  tenant: Tenant;
  runs: RunRow[];
  bands: ScoreBand[];
  /** What the newest shadow run or dry run would write (its run and counts), when there is one. */
  proposal?: { runId: number; total: number; records: number; counts: Record<string, number> } | null;
  /** The daily API budget and today's calls. */
  budget?: BudgetStatus;
}

/** While a run is running the page reloads itself this often (no script: a meta refresh). */
export const LIVE_REFRESH_SECONDS = 3;

/** "API calls today: used / budget", a notice once it is used up, and the field that sets it. */
function budgetSection(s: TenantStatus, session: PageSession | null, date: FormatDate) {
  const b = s.budget;
  if (!b) return '';
  const action = `/api/tenants/${encodeURIComponent(s.tenant.id)}/budget`;
  return html`<p class="budget">API calls today (UTC): <strong>${n(b.calls)} / ${b.budget === null ? 'no limit' : n(b.budget)}</strong>${b.remaining !== null && !b.exhausted ? ` (${n(b.remaining)} left)` : ''}</p>
  ${b.exhausted
    ? html`<p class="paused" role="status"><strong>Daily API budget used up.</strong> No cycle starts until ${date(b.resumesAt)}; a cycle under way pauses at its next batch and the next day's goes on from there.</p>`
    : ''}
  ${session
    ? html`<form method="post" action="${action}" class="budget-form">
    <input type="hidden" name="_csrf" value="${session.csrfToken}">
    <label>Daily API budget (calls per UTC day, empty for no limit) <input name="dailyCalls" inputmode="numeric" pattern="[0-9,]*" size="12" value="${b.budget === null ? '' : String(b.budget)}"></label>
    <button type="submit">Set budget</button>
  </form>`
    : ''}`;
}

/** The run's pause in the viewer's dates (its stored reason names the instant in ISO). */
const pausedText = (p: NonNullable<CycleSummary['paused']>, date: FormatDate) => `daily API budget of ${n(p.budget)} calls reached; goes on from ${date(p.resumesAt)}`;

/** How long a run took, or how long it has been running. */
function duration(run: RunRow, now: number): string {
  const s = run.summary as Partial<CycleSummary>;
  if (run.status === 'running') return `running for ${n(Math.max(0, Math.round((now - Date.parse(run.startedAt)) / 1000)))} s`;
  return `${((s.durationMs ?? 0) / 1000).toFixed(1)} s`;
}

/** Per-session: the status page's forms carry it (a cross-site form cannot). */
export interface PageSession {
  csrfToken: string;
}

/** What going live writes, with the download and (in shadow mode) the confirmation that names the counts. */
function proposalSection(s: TenantStatus, session: PageSession | null) {
  const p = s.proposal;
  if (!p) return '';
  const base = `/api/tenants/${encodeURIComponent(s.tenant.id)}`;
  return html`<h3>${s.tenant.mode === 'shadow' ? 'What going live would write' : `What shadow run #${p.runId} proposed`}</h3>
  <p>Run #${p.runId} would write <strong>${n(p.total)}</strong> values on <strong>${n(p.records)}</strong> records.
  <a href="${base}/runs/${p.runId}/changes.csv" download>Download every change (CSV: record, field, old value, new value)</a></p>
  <table><thead><tr><th>field</th><th>values</th></tr></thead>
  <tbody>${Object.entries(p.counts).map(([field, count]) => html`<tr><td>${field}</td><td>${n(count)}</td></tr>`)}</tbody></table>
  ${s.tenant.mode === 'shadow' && s.tenant.status === 'connected' && session
    ? html`<form method="post" action="${base}/mode">
    <input type="hidden" name="_csrf" value="${session.csrfToken}">
    <input type="hidden" name="mode" value="live">
    <input type="hidden" name="confirm_run" value="${p.runId}">
    <input type="hidden" name="confirm_changes" value="${p.total}">
    <button type="submit">Go live: write these ${n(p.total)} values on ${n(p.records)} records into ${s.tenant.crm === 'hubspot' ? 'HubSpot' : 'Salesforce'}</button>
  </form>`
    : ''}`;
}

function histogram(bands: ScoreBand[]): string {
  const width = 420;
  const height = 160;
  const max = Math.max(1, ...bands.map((b) => b.count));
  const barWidth = width / bands.length;
  const bars = bands
    .map((b, i) => {
      const h = Math.round((b.count / max) * (height - 44));
      const x = i * barWidth + 4;
      return `<rect x="${x}" y="${height - 20 - h}" width="${barWidth - 8}" height="${h}" fill="#3b82f6"><title>${b.from}-${b.to}: ${b.count}</title></rect>` +
        `<text x="${x + (barWidth - 8) / 2}" y="${height - 6}" font-size="10" text-anchor="middle">${b.from}</text>` +
        `<text x="${x + (barWidth - 8) / 2}" y="${height - 24 - h}" font-size="10" text-anchor="middle">${b.count}</text>`;
    })
    .join('');
  return `<svg role="img" aria-label="score distribution" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bars}</svg>`;
}

const n = (value: number) => value.toLocaleString('en-US');
const OBJECT_ORDER = ['contact', 'deal', 'ticket', 'product'];

/** Summaries come back from jsonb, which does not keep key order. */
function inObjectOrder<T>(byObject: Partial<Record<string, T>> | undefined | null): Array<[string, T]> {
  return Object.entries(byObject ?? {})
    .filter((e): e is [string, T] => e[1] !== undefined)
    .sort(([a], [b]) => OBJECT_ORDER.indexOf(a) - OBJECT_ORDER.indexOf(b));
}

/** Times in the viewer's language (their Accept-Language), in UTC: the page has no script to learn their zone. */
export function dateFormatter(acceptLanguage: string | undefined): (iso: string | null | undefined) => string {
  const wanted = (acceptLanguage ?? '').split(',').map((part) => part.split(';')[0]!.trim()).filter((tag) => /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag));
  let locale = 'en-US';
  for (const tag of wanted) {
    try {
      const [supported] = Intl.DateTimeFormat.supportedLocalesOf(tag);
      if (supported) {
        locale = supported;
        break;
      }
    } catch {
      // Not a language tag Intl knows: try the next one.
    }
  }
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  return (iso) => {
    const ms = iso ? Date.parse(iso) : NaN;
    return Number.isNaN(ms) ? '' : `${format.format(ms)} UTC`;
  };
}

type FormatDate = ReturnType<typeof dateFormatter>;
const isoDates: FormatDate = (iso) => iso ?? '';

function summaryLines(run: RunRow | undefined, date: FormatDate, now: number): string[] {
  if (!run) return ['No cycle has run yet.'];
  const s = run.summary as Partial<CycleSummary>;
  const lines: string[] = [`Run #${run.id}: ${run.status === 'running' ? duration(run, now) : `${run.status}, ${duration(run, now)}`}, started ${date(run.startedAt)}`];
  if (run.status === 'running') {
    lines.push(run.progress ? `Now: ${run.progress.stage} (${run.progress.message}), as of ${date(run.progress.updatedAt)}` : 'Now: starting');
    return lines;
  }
  if (s.paused) lines.push(`Paused: ${pausedText(s.paused, date)}`);
  for (const [objectType, r] of inObjectOrder(s.synced)) {
    lines.push(`${objectType}s synced: ${n(r.read)} read, ${n(r.changed)} new or changed, ${n(r.rejected)} skipped`);
  }
  for (const signal of s.signals ?? []) lines.push(signalLine(signal));
  if (s.write) {
    const writes = inObjectOrder(s.write);
    lines.push(`Written back: ${writes.map(([objectType, w]) => `${n(w.written)} ${objectType}s`).join(', ') || 'nothing'}; rejected by the CRM: ${n(writes.reduce((a, [, w]) => a + w.failed, 0))}`);
  } else {
    lines.push(`Would write: ${inObjectOrder(s.changes).map(([objectType, count]) => `${n(count)} ${objectType}s`).join(', ') || 'nothing'} (shadow mode or dry run)`);
  }
  if (s.api) lines.push(`API calls: ${n(s.api.calls)} (${n(s.api.retries)} retries, ${n(s.api.throttled)} throttled)`);
  if (s.error) lines.push(`Error: ${s.error}`);
  return lines;
}

/** A page of one message: sign-in needed, an install's outcome, a refused link. */
export function renderMessagePage(title: string, paragraphs: string[]) {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title} · crm-signals</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#111;max-width:40rem}</style></head>
<body><h1>${title}</h1>${paragraphs.map((p) => html`<p>${p}</p>`)}<p><a href="/">Back to the status page</a></p></body></html>`;
}

export function renderStatusPage(statuses: TenantStatus[], session: PageSession | null = null, date: FormatDate = isoDates, now: number = Date.now()) {
  const live = statuses.some((s) => s.runs.some((r) => r.status === 'running'));
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8">${live ? html`<meta http-equiv="refresh" content="${LIVE_REFRESH_SECONDS}">` : ''}<title>crm-signals status</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse}td,th{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:left}section{margin-bottom:2.5rem}.disconnected{background:#fee2e2;padding:.5rem .75rem;border-radius:4px}.paused{background:#fef3c7;padding:.5rem .75rem;border-radius:4px}</style></head>
<body>
<h1>crm-signals</h1>
${statuses.map(
  (s) => html`<section data-tenant="${s.tenant.id}">
  <h2>${s.tenant.name} <small>(${s.tenant.crm}${s.tenant.accountId ? ` ${s.tenant.accountId}` : ''}, ${s.tenant.mode})</small></h2>
  ${s.tenant.status === 'disconnected'
    ? html`<p class="disconnected" role="alert"><strong>Disconnected</strong> ${date(s.tenant.statusChangedAt)}: ${s.tenant.statusReason ?? 'no reason recorded'}. No cycles run and no tokens are kept; install the app again to reconnect.</p>`
    : ''}
  <p><a href="/tenants/${encodeURIComponent(s.tenant.id)}/mapping">Field mapping</a> · <a href="/tenants/${encodeURIComponent(s.tenant.id)}/models">Model reports</a></p>
  <ul>${summaryLines(s.runs[0], date, now).map((l) => html`<li>${l}</li>`)}</ul>
  ${budgetSection(s, session, date)}
  ${proposalSection(s, session)}
  <h3>Lead score distribution</h3>
  ${raw(histogram(s.bands))}
  <h3>Last runs</h3>
  <table><thead><tr><th>#</th><th>kind</th><th>status</th><th>started</th><th>duration</th><th>API calls</th><th>written</th><th></th></tr></thead>
  <tbody>${s.runs.map((r) => {
    const sum = r.summary as Partial<CycleSummary>;
    const written = sum.write ? Object.values(sum.write).reduce((a, w) => a + w.written, 0) : '-';
    const undo =
      session && r.kind === 'cycle' && typeof written === 'number' && written > 0 && s.tenant.status === 'connected'
        ? html`<form method="post" action="/api/tenants/${encodeURIComponent(s.tenant.id)}/runs/${r.id}/rollback"><input type="hidden" name="_csrf" value="${session.csrfToken}"><button type="submit">Roll back run #${r.id}</button></form>`
        : '';
    return html`<tr><td>${r.id}</td><td>${r.kind === 'sync' ? 'sync (for one model across CRMs)' : r.kind}</td><td>${r.status}${r.status === 'running' && r.progress ? html`: <span class="progress">${r.progress.message}</span>` : ''}${r.status === 'paused' && sum.paused ? html` <small>(${pausedText(sum.paused, date)})</small>` : ''}</td><td><time datetime="${r.startedAt}">${date(r.startedAt)}</time></td><td>${duration(r, now)}</td><td>${sum.api?.calls ?? ''}</td><td>${written}</td><td>${undo}</td></tr>`;
  })}</tbody></table>
</section>`,
)}
</body></html>`;
}
