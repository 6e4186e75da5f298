/**
 * The model report page: per model and version, the out-of-sample figures as charts (inline SVG, see
 * charts.ts) each with its numbers in a table, the threshold an admin moves (a plain GET form, so it works
 * without script; a line of script only updates the number beside the slider), and the downloads.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Tenant } from '../../store/types.ts';
import { barChart, colourOf, lineChart, scatterChart } from './charts.ts';
import type { LeadScoreReport, ModelReport, RecommendationsReport, SegmentsReport, SentimentReport } from './report.ts';

type Page = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:2rem;color:#111;max-width:76rem}h1{font-size:1.5rem}table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left;font-variant-numeric:tabular-nums}' +
  '.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(26rem,1fr));gap:1.5rem 2rem}.grid>section{min-width:0;overflow-x:auto}.note{color:#555}.warn{background:#fef3c7;padding:.5rem 1rem;border-radius:4px}' +
  '.bar{display:inline-block;height:.7rem;background:#0072B2;vertical-align:middle}nav a{margin-right:1rem}form.threshold{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}';

const LABELS: Record<string, string> = { leadScore: 'Lead score', segment: 'Segments', recommendations: 'Product recommendations', sentiment: 'Feedback sentiment' };
export const kindLabel = (kind: string) => LABELS[kind] ?? kind;

const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(digits)} %`);
const dec = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const int = (x: number) => x.toLocaleString('en-US');

function shell(title: string, tenant: Tenant, body: Page): Page {
  const base = `/tenants/${encodeURIComponent(tenant.id)}`;
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title} · ${tenant.name} · crm-signals</title><style>${STYLE}</style></head>
<body>
<nav><a href="/">Status</a><a href="${base}/models">Model reports</a><a href="${base}/mapping">Field mapping</a></nav>
${body}
</body></html>`;
}

export interface ReportPageInput {
  tenant: Tenant;
  report: ModelReport;
  date: (iso: string) => string;
}

export function renderReportPage({ tenant, report, date }: ReportPageInput): Page {
  const api = `/api/tenants/${encodeURIComponent(tenant.id)}/models/${encodeURIComponent(report.kind)}`;
  const page = `/tenants/${encodeURIComponent(tenant.id)}/models/${encodeURIComponent(report.kind)}`;
  const f = report.figures;
  const body =
    f.kind === 'leadScore' ? leadScoreBody(f, page, report.version) : f.kind === 'segment' ? segmentsBody(f) : f.kind === 'recommendations' ? recommendationsBody(f) : sentimentBody(f);
  return shell(
    `${kindLabel(report.kind)} v${report.version}`,
    tenant,
    html`<h1>${kindLabel(report.kind)} · version ${report.version} <small class="note">(${report.status})</small></h1>
<p>Trained ${date(report.createdAt)} on ${report.trainedOn.rows === null ? 'an unknown number of' : int(report.trainedOn.rows)} records${report.trainedOn.reason ? html` (${report.trainedOn.reason})` : ''}.
<a href="${api}/report.csv?version=${report.version}" download>Download the figures (CSV)</a> · <a href="${api}/report?version=${report.version}">as JSON</a>${report.status === 'active' ? html` · <a href="${api}/active.json" download>the model (JSON)</a>` : ''}</p>
<p>Versions: ${report.versions.map((v, i) => html`${i > 0 ? ', ' : ''}${v.version === report.version ? html`<strong>v${v.version}</strong>` : html`<a href="${page}?version=${v.version}">v${v.version}</a>`} <span class="note">(${v.status})</span>`)}</p>
${body}`,
  );
}

function leadScoreBody(f: LeadScoreReport, page: string, version: number): Page {
  const e = f.evidence;
  const components = Object.entries(f.components).filter(([, v]) => v !== null);
  return html`<section><h2>How well it ranks</h2>
<table><tbody>
<tr><th>ROC AUC (out-of-sample)</th><td>${dec(f.auc)}</td><td class="note">${f.evaluation}</td></tr>
${components.map(([name, auc]) => html`<tr><th>· ${name} alone</th><td>${dec(auc)}</td><td></td></tr>`)}
<tr><th>Brier score (calibrated / raw)</th><td>${dec(f.brier, 4)} / ${dec(f.brierUncalibrated, 4)}</td><td class="note">lower is better</td></tr>
${e ? html`<tr><th>Expected calibration error</th><td>${dec(e.ece, 4)}</td><td class="note">mean gap between predicted and observed rates</td></tr>` : ''}
<tr><th>Training records</th><td>${int(f.rows)}</td><td class="note">${int(f.positives)} converted (${pct(f.baseRate)})</td></tr>
</tbody></table>
${f.warnings.length ? html`<div class="warn"><strong>Warnings</strong><ul>${f.warnings.map((w) => html`<li>${w}</li>`)}</ul></div>` : ''}
${championSection(f)}
</section>
${e ? thresholdSection(f, e, page, version) : html`<p class="warn">This version was trained before the report's evidence was kept: retrain it (a mapping change or the next retrain) to see its charts.</p>`}
<div class="grid">
${e ? rocSection(f, e) : ''}
${e ? liftSection(e) : ''}
${e ? calibrationSection(e) : ''}
${e ? distributionSection(e) : ''}
${importanceSection(f)}
</div>`;
}

function championSection(f: LeadScoreReport): Page | string {
  const c = f.champion;
  if (!c) return html`<p class="note">Champion / challenger: map the CRM's existing score (<code>leadScore.championField</code> in the field mapping) to compare it with this model on the same records.</p>`;
  return html`<h3>Champion / challenger</h3>
<p class="note">On the ${int(c.rows)} labelled records that have a value in <code>${c.field}</code> (${int(c.positives)} converted). The CRM's score may have been fitted on these outcomes, which favours it.</p>
<table><thead><tr><th></th><th>ROC AUC</th><th>converted in the top tenth</th></tr></thead><tbody>
<tr><th>crm-signals (challenger)</th><td>${dec(c.challengerAuc)}</td><td>${pct(c.challengerTopDecileRate)}</td></tr>
<tr><th>${c.field} (champion)</th><td>${dec(c.championAuc)}</td><td>${pct(c.championTopDecileRate)}</td></tr>
</tbody></table>`;
}

function thresholdSection(f: LeadScoreReport, e: NonNullable<LeadScoreReport['evidence']>, page: string, version: number): Page {
  const t = e.threshold;
  return html`<section><h2>Precision and recall at a threshold</h2>
<form class="threshold" method="get" action="${page}">
<input type="hidden" name="version" value="${version}">
<label for="threshold">Call a lead hot from score</label>
<input type="range" id="threshold" name="threshold" min="1" max="99" value="${t.threshold}" oninput="this.nextElementSibling.value=this.value">
<output for="threshold">${t.threshold}</output>
<button type="submit">Show</button>
<span class="note">suggested: ${e.suggestedThreshold} (best F1)</span>
</form>
<table id="at-threshold"><tbody>
<tr><th>Precision</th><td>${pct(t.precision)}</td><td class="note">of leads scored ${t.threshold} or more, the share that converted</td></tr>
<tr><th>Recall</th><td>${pct(t.recall)}</td><td class="note">of all converted leads, the share scored ${t.threshold} or more</td></tr>
<tr><th>Flagged</th><td>${pct(t.flagged)}</td><td class="note">${int(t.tp + t.fp)} of ${int(f.rows)} leads</td></tr>
<tr><th>Converted / lost above</th><td>${int(t.tp)} / ${int(t.fp)}</td><td class="note">below: ${int(t.fn)} converted, ${int(t.tn)} lost</td></tr>
</tbody></table>
<details><summary>Every fifth threshold</summary><table><thead><tr><th>score ≥</th><th>precision</th><th>recall</th><th>flagged</th></tr></thead><tbody>
${e.thresholds.map((r) => html`<tr><td>${r.threshold}</td><td>${pct(r.precision)}</td><td>${pct(r.recall)}</td><td>${pct(r.flagged)}</td></tr>`)}
</tbody></table></details></section>`;
}

function rocSection(f: LeadScoreReport, e: NonNullable<LeadScoreReport['evidence']>): Page {
  const chart = lineChart({
    label: 'ROC curve',
    series: [
      { name: `crm-signals (AUC ${dec(f.auc)})`, points: e.roc.map((p) => [p.fpr, p.tpr] as const), color: '#0072B2' },
      { name: 'random ranking (AUC 0.5)', points: [[0, 0], [1, 1]], color: '#999', dashed: true },
    ],
    x: { min: 0, max: 1, label: 'false positive rate (lost leads flagged)' },
    y: { min: 0, max: 1, label: 'true positive rate' },
  });
  return html`<section><h3>ROC curve</h3>${raw(chart)}</section>`;
}

function liftSection(e: NonNullable<LeadScoreReport['evidence']>): Page {
  const chart = barChart({
    label: 'lift by decile',
    bars: e.lift.map((r) => ({ label: String(r.group), values: [Number.isFinite(r.lift) ? r.lift : 0] })),
    stack: [{ name: 'conversion rate of the decile / overall rate', color: '#0072B2' }],
    x: 'decile (1 = highest scores)',
    y: 'lift',
    reference: { value: 1, name: 'no better than random (lift 1)' },
  });
  return html`<section><h3>Lift by decile</h3>${raw(chart)}
<table><thead><tr><th>decile</th><th>leads</th><th>converted</th><th>rate</th><th>lift</th><th>cumulative gain</th></tr></thead><tbody>
${e.lift.map((r) => html`<tr><td>${r.group}</td><td>${int(r.count)}</td><td>${int(r.positives)}</td><td>${pct(r.rate)}</td><td>${dec(r.lift, 2)}</td><td>${pct(r.cumulativeGain)}</td></tr>`)}
</tbody></table></section>`;
}

function calibrationSection(e: NonNullable<LeadScoreReport['evidence']>): Page {
  const filled = e.calibration.filter((b) => b.count > 0 && b.meanPredicted !== null && b.observedRate !== null);
  const chart = lineChart({
    label: 'calibration curve',
    series: [
      { name: 'observed conversion rate', points: filled.map((b) => [b.meanPredicted, b.observedRate] as const), color: '#009E73', dots: true },
      { name: 'perfect calibration', points: [[0, 0], [1, 1]], color: '#999', dashed: true },
    ],
    x: { min: 0, max: 1, label: 'predicted probability' },
    y: { min: 0, max: 1, label: 'observed rate' },
  });
  return html`<section><h3>Calibration</h3>${raw(chart)}
<table><thead><tr><th>predicted</th><th>leads</th><th>mean predicted</th><th>observed</th></tr></thead><tbody>
${e.calibration.map((b) => html`<tr><td>${pct(b.lower, 0)}–${pct(b.upper, 0)}</td><td>${int(b.count)}</td><td>${pct(b.meanPredicted)}</td><td>${pct(b.observedRate)}</td></tr>`)}
</tbody></table></section>`;
}

function distributionSection(e: NonNullable<LeadScoreReport['evidence']>): Page {
  const chart = barChart({
    label: 'score distribution',
    bars: e.distribution.map((d) => ({ label: String(d.from), values: [d.converted, d.lost] })),
    stack: [
      { name: 'converted', color: '#009E73' },
      { name: 'lost', color: '#E69F00' },
    ],
    x: 'score (band starting at)',
    y: 'training leads',
  });
  return html`<section><h3>Score distribution (out-of-sample)</h3>${raw(chart)}
<table><thead><tr><th>score</th><th>converted</th><th>lost</th></tr></thead><tbody>
${e.distribution.map((d) => html`<tr><td>${d.from}–${d.to}</td><td>${int(d.converted)}</td><td>${int(d.lost)}</td></tr>`)}
</tbody></table></section>`;
}

function importanceSection(f: LeadScoreReport): Page | string {
  if (f.importance.length === 0) return '';
  const top = Math.max(...f.importance.map((i) => i.share), 1e-9);
  return html`<section><h3>What the score rests on</h3>
<p class="note">Share of the mean absolute effect on the score, over the training records.</p>
<table id="importance"><thead><tr><th>input</th><th>share</th><th></th></tr></thead><tbody>
${f.importance.map((i) => html`<tr><td>${i.label}</td><td>${pct(i.share)}</td><td><span class="bar" style="width:${(10 * i.share) / top}rem"></span></td></tr>`)}
</tbody></table></section>`;
}

function segmentsBody(f: SegmentsReport): Page {
  const index = new Map(f.segments.map((s, i) => [s.id, i]));
  const groups = f.segments.map((s, i) => ({ name: `${s.name} (${pct(s.share, 0)})`, color: colourOf(i) }));
  const outliers = f.map?.points.some((p) => !index.has(p.segment));
  if (outliers) groups.push({ name: 'outliers', color: '#bbb' });
  const map = f.map
    ? scatterChart({
        label: 'segment map',
        points: f.map.points.map((p) => ({ x: p.x, y: p.y, group: index.get(p.segment) ?? groups.length - 1 })),
        groups,
        x: `first principal component (${pct(f.map.explained[0] ?? null, 0)} of the variance)`,
        y: `second (${pct(f.map.explained[1] ?? null, 0)})`,
        width: 520,
        height: 420,
      })
    : null;
  return html`<div class="grid"><section><h2>Segments</h2>
<table><tbody><tr><th>Contacts clustered</th><td>${int(f.rows)}</td></tr><tr><th>Silhouette</th><td>${dec(f.silhouette)}</td></tr><tr><th>Variance kept by the PCA</th><td>${pct(f.explainedVariance)}</td></tr></tbody></table>
<table id="segments"><thead><tr><th></th><th>segment</th><th>share</th></tr></thead><tbody>
${f.segments.map((s, i) => html`<tr><td><span class="bar" style="width:.8rem;background:${colourOf(i)}"></span></td><td>${s.name}</td><td>${pct(s.share)}</td></tr>`)}
</tbody></table></section>
<section><h2>Segment map</h2>${map ? html`${raw(map)}<p class="note">${int(f.map!.points.length)} contacts on the first two principal components.</p>` : html`<p class="note">The map is drawn for the active version only.</p>`}</section></div>`;
}

function comparisonChart(label: string, rows: Array<{ name: string; value: number }>, y: string): string {
  return barChart({ label, bars: rows.map((r) => ({ label: r.name, values: [r.value] })), stack: [{ name: y, color: '#0072B2' }], x: '', y, height: 240 });
}

function recommendationsBody(f: RecommendationsReport): Page {
  const h = f.holdout;
  return html`<div class="grid"><section><h2>Product recommendations</h2>
<table><tbody><tr><th>Purchases (won line items)</th><td>${int(f.purchases)}</td></tr><tr><th>Contacts</th><td>${int(f.contacts)}</td></tr><tr><th>Products</th><td>${int(f.products)}</td></tr></tbody></table>
${h
  ? html`<h3>Hit rate</h3><table id="hit-rate"><thead><tr><th></th><th>HitRate@${h.k}</th></tr></thead><tbody>
<tr><th>crm-signals</th><td>${pct(h.hitRate)}</td></tr><tr><th>most popular products</th><td>${pct(h.popularHitRate)}</td></tr></tbody></table>
<p class="note">${h.evaluation}.</p>`
  : html`<p class="note">No contact owns two products yet: the hit rate needs one to hide.</p>`}
</section>
${h ? html`<section><h3>Against a bestseller list</h3>${raw(comparisonChart('hit rate', [{ name: 'crm-signals', value: h.hitRate }, { name: 'most popular', value: h.popularHitRate }], `HitRate@${h.k}`))}</section>` : ''}</div>`;
}

function sentimentBody(f: SentimentReport): Page {
  const a = f.accuracy;
  return html`<div class="grid"><section><h2>Feedback sentiment</h2>
<table><tbody><tr><th>Model</th><td>${f.type === 'naive-bayes' ? 'trained on your labelled tickets (naive Bayes)' : `lexicon (${f.type})`}</td></tr><tr><th>Labelled tickets</th><td>${int(f.labelled)}</td></tr></tbody></table>
${a
  ? html`<h3>Accuracy on labelled tickets</h3><table id="accuracy"><tbody>
${a.trained === null ? '' : html`<tr><th>trained model</th><td>${pct(a.trained)}</td></tr>`}<tr><th>lexicon</th><td>${pct(a.lexicon)}</td></tr></tbody></table><p class="note">${a.evaluation}.</p>`
  : html`<p class="note">No ticket carries a label (see <code>sentiment.label</code> in the field mapping): accuracy cannot be measured.</p>`}
</section>
${a ? html`<section><h3>Accuracy</h3>${raw(comparisonChart('sentiment accuracy', [...(a.trained === null ? [] : [{ name: 'trained', value: a.trained }]), { name: 'lexicon', value: a.lexicon }], 'accuracy'))}</section>` : ''}</div>`;
}

export interface ModelIndexInput {
  tenant: Tenant;
  kinds: Array<{ kind: string; versions: Array<{ version: number; status: string; createdAt: string; metrics: Record<string, unknown> }> }>;
  date: (iso: string) => string;
}

/** The headline figure of a version, for the index. */
function headline(kind: string, m: Record<string, unknown>): string {
  const n = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
  if (kind === 'leadScore') return `AUC ${dec(n(m.auc))}`;
  if (kind === 'segment') return `${Array.isArray(m.segments) ? m.segments.length : '?'} segments, silhouette ${dec(n(m.silhouette))}`;
  if (kind === 'recommendations') return m.holdout ? `HitRate@${(m.holdout as { k: number }).k} ${pct((m.holdout as { hitRate: number }).hitRate)}` : `${n(m.purchases)} purchases`;
  const accuracy = m.accuracy as { trained: number | null; lexicon: number } | undefined;
  return accuracy ? `accuracy ${pct(accuracy.trained ?? accuracy.lexicon)}` : String(m.type ?? '');
}

export function renderModelIndex({ tenant, kinds, date }: ModelIndexInput): Page {
  const base = `/tenants/${encodeURIComponent(tenant.id)}/models`;
  return shell(
    'Model reports',
    tenant,
    html`<h1>Model reports · ${tenant.name}</h1>
${kinds.map(
  ({ kind, versions }) => html`<section><h2>${kindLabel(kind)}</h2>${versions.length === 0
    ? html`<p class="note">Not trained yet.</p>`
    : html`<table><thead><tr><th>version</th><th>status</th><th>trained</th><th>figure</th></tr></thead><tbody>
${versions.map((v) => html`<tr><td><a href="${base}/${encodeURIComponent(kind)}?version=${v.version}">v${v.version}</a></td><td>${v.status}</td><td>${date(v.createdAt)}</td><td>${headline(kind, v.metrics)}</td></tr>`)}
</tbody></table>`}</section>`,
)}`,
  );
}
