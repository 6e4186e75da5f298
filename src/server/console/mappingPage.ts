/**
 * The field mapping page. The main path is the field picker: per object the CRM's fields (name, label,
 * type, from discover()), a checkbox per contact field for "feeds the lead score" with the flags of a
 * field that would leak the outcome beside it, excluded fields, the outcome, the deal stages that mean
 * "won", the ticket fields sentiment reads and where each signal is written. Its buttons save the picks
 * (through the same validation as the JSON), preview 20 stored records under them, or show the values of
 * a newly chosen outcome or stage field. Below: the preview table, the mapping as JSON (advanced) with
 * every problem of a refused save by its path and the text kept, and the versions with restore buttons.
 * Server-rendered like the status page, no script.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { FieldInfo } from '../../../connectors/connector.ts';
import type { Mapping, MappingProblem } from '../../mapping/index.ts';
import type { Tenant } from '../../store/types.ts';
import type { MappingPreview } from './mappingPreview.ts';
import type { outputRows, PickerRow } from './mappingPicker.ts';

export interface PickerView {
  /** The mapping the picker shows: the active one, or the picks just submitted. */
  draft: Mapping;
  rows: PickerRow[];
  deal: readonly FieldInfo[];
  ticket: readonly FieldInfo[];
  contact: readonly FieldInfo[];
  outputs: ReturnType<typeof outputRows>;
  /** What the leak screen could not do, if anything. */
  leakNote: string | null;
}

export interface MappingPageInput {
  tenant: Tenant;
  csrfToken: string;
  active: { version: number; mapping: unknown };
  versions: Array<{ version: number; note: string | null; author: string | null; createdAt: string }>;
  /** The picker, or why the CRM's fields cannot be listed. */
  picker: PickerView | string;
  /** After a refused JSON save: the text sent and what is wrong with it. */
  refused?: { text: string; error: string; problems: readonly MappingProblem[] };
  /** After refused picks (save or preview): what is wrong, by path. */
  pickerRefused?: { error: string; problems: readonly MappingProblem[] };
  /** The JSON text to show in the editor (a previewed one), when not a refused one. */
  text?: string;
  preview?: MappingPreview | { unavailable: string };
  saved?: number;
  date: (iso: string) => string;
}

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:2rem;color:#111;max-width:80rem}section{min-width:0;overflow-x:auto}td code{overflow-wrap:anywhere}textarea{box-sizing:border-box;width:100%;font-family:ui-monospace,monospace;font-size:.85rem}' +
  'table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}.problems{background:#fee2e2;padding:.5rem 1rem;border-radius:4px}.saved{background:#dcfce7;padding:.5rem 1rem;border-radius:4px}' +
  '.flag{color:#991b1b;font-size:.85rem}.note{color:#555}.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1rem 2rem}fieldset{border:1px solid #ddd;border-radius:4px;margin:1rem 0;min-width:0}select{max-width:100%}' +
  'tr.bad td{background:#fef2f2}.preview td{font-size:.85rem;white-space:nowrap}.preview td.reasons{white-space:normal;min-width:26rem}.actions{display:flex;gap:.6rem;flex-wrap:wrap;align-items:center}';

type Part = HtmlEscapedString | Promise<HtmlEscapedString> | string;

function problemList(title: string, error: string, problems: readonly MappingProblem[]): Part {
  return html`<div class="problems" role="alert"><p><strong>${title}</strong></p><ul>${(problems.length ? problems : [{ path: 'mapping', message: error }]).map((q) => html`<li><code>${q.path}</code>: ${q.message}</li>`)}</ul></div>`;
}

/** Options of a field as checkboxes (`name`), or a comma-separated text box for a field without options. */
function valueChoices(field: FieldInfo | undefined, name: string, textName: string, chosen: readonly string[], what: string): Part {
  if (field?.options?.length) {
    const extra = chosen.filter((v) => !field.options!.includes(v));
    return html`${field.options.map((o) => html`<label><input type="checkbox" name="${name}" value="${o}"${chosen.includes(o) ? html` checked` : ''}> ${o}</label> `)}${extra.length ? html`<br><label>${what} that are no option of <code>${field.name}</code>: <input name="${textName}" value="${extra.join(', ')}" size="30"></label>` : ''}`;
  }
  return html`<input name="${textName}" value="${chosen.join(', ')}" size="40" aria-label="${what}"> <span class="note">comma-separated</span>`;
}

function fieldSelect(name: string, label: string, fields: readonly FieldInfo[], chosen: string, none?: string): Part {
  const known = fields.some((f) => f.name === chosen);
  return html`<label>${label} <select name="${name}">${none !== undefined ? html`<option value=""${chosen === '' ? html` selected` : ''}>${none}</option>` : ''}${!known && chosen !== '' ? html`<option value="${chosen}" selected>${chosen} (not in the CRM)</option>` : ''}${fields.map(
    (f) => html`<option value="${f.name}"${f.name === chosen ? html` selected` : ''}>${f.label} (${f.name})</option>`,
  )}</select></label>`;
}

function pickerForm(p: MappingPageInput, v: PickerView): Part {
  const base = `/tenants/${encodeURIComponent(p.tenant.id)}/mapping`;
  const lead = v.draft.leadScore;
  const outcomeField = v.contact.find((f) => f.name === lead.outcome.field);
  const stageField = v.deal.find((f) => f.name === v.draft.deals.stageField);
  const sentiment = v.draft.sentiment;
  const labelField = sentiment.label ? v.ticket.find((f) => f.name === sentiment.label!.field) : undefined;
  return html`<form method="post" action="${base}/picker" id="picker">
<input type="hidden" name="_csrf" value="${p.csrfToken}">
<fieldset><legend>Contacts: what feeds the lead score</legend>
<p class="note">Tick the fields the lead score learns from. A flag beside a field says why it would leak the outcome or loop our own signal back; excluded fields never reach a model.${v.leakNote ? html` ${v.leakNote}.` : ''}</p>
<section><table id="contact-fields"><thead><tr><th>feeds the lead score</th><th>field</th><th>label</th><th>type</th><th>excluded</th><th>flags</th></tr></thead><tbody>
${v.rows.map(
  (r) => html`<tr${r.problems.length ? html` class="bad"` : ''} data-field="${r.field.name}"><td><label><input type="checkbox" name="input" value="${r.field.name}"${r.input ? html` checked` : ''} aria-label="${r.field.name} feeds the lead score">${r.numericCapable
    ? html` <select name="kind.${r.field.name}" aria-label="${r.field.name} as"><option value="numeric"${r.kind === 'numeric' ? html` selected` : ''}>as a number</option><option value="categorical"${r.kind === 'categorical' ? html` selected` : ''}>as categories</option></select> <select name="direction.${r.field.name}" aria-label="${r.field.name} direction" title="as a number: the way it may move the score"><option value="">either way</option><option value="increasing"${r.direction === 'increasing' ? html` selected` : ''}>more never lowers the score</option><option value="decreasing"${r.direction === 'decreasing' ? html` selected` : ''}>more never raises the score</option></select>`
    : ''}</label></td><td><code>${r.field.name}</code>${r.column !== r.field.name ? html` <span class="note">(column ${r.column})</span>` : ''}</td><td>${r.field.label}</td><td>${r.field.type}</td><td><input type="checkbox" name="exclude" value="${r.field.name}"${r.excluded ? html` checked` : ''} aria-label="${r.field.name} excluded"></td><td>${r.flags.map((f) => html`<div class="flag">⚠ ${f}</div>`)}${r.problems.map((q) => html`<div class="flag" role="alert">${q}</div>`)}</td></tr>`,
)}
</tbody></table></section>
</fieldset>
<div class="cols">
<fieldset><legend>The outcome: which contacts converted</legend>
<p>${fieldSelect('outcomeField', 'Outcome field', v.contact, lead.outcome.field)}</p>
<p>Converted: ${valueChoices(outcomeField, 'converted', 'convertedText', lead.outcome.converted, 'converted values')}</p>
<p>Lost: ${valueChoices(outcomeField, 'lost', 'lostText', lead.outcome.lost, 'lost values')}</p>
<p class="note">Contacts with any other value are open: they are scored, not trained on.</p>
</fieldset>
<fieldset><legend>Deals: won means bought (recommendations)</legend>
<p>${fieldSelect('stageField', 'Stage field', v.deal, v.draft.deals.stageField)}</p>
<p>Won stages: ${valueChoices(stageField, 'wonStages', 'wonStagesText', v.draft.deals.wonStages, 'won stages')}</p>
</fieldset>
<fieldset><legend>Tickets: the customer's words (sentiment)</legend>
<p>Text fields, first non-empty wins: ${v.ticket.map((f) => html`<label><input type="checkbox" name="text" value="${f.name}"${sentiment.text.includes(f.name) ? html` checked` : ''}> ${f.label} (<code>${f.name}</code>)</label> `)}</p>
<p>${fieldSelect('timeField', 'Ticket time', v.ticket, sentiment.time)}</p>
<p>${fieldSelect('labelField', "Agents' feedback label", v.ticket, sentiment.label?.field ?? '', 'none')}</p>
<p>Positive: ${valueChoices(labelField, 'positiveChoice', 'positiveText', sentiment.label?.positive ?? [], 'positive label values')}</p>
<p>Negative: ${valueChoices(labelField, 'negativeChoice', 'negativeText', sentiment.label?.negative ?? [], 'negative label values')}</p>
</fieldset>
</div>
<fieldset><legend>Where each signal is written</legend>
<table><thead><tr><th>signal</th><th>on</th><th>field</th><th>type</th><th></th></tr></thead><tbody>
${v.outputs.map(
  (o) => html`<tr><td>${o.label}</td><td>${o.objectType}</td><td><select name="output.${o.key}" aria-label="Field for the ${o.label}"><option value=""${o.chosen === '' ? html` selected` : ''}>crm-signals' own (${o.own})</option>${o.chosen !== '' && !o.candidates.some((f) => f.name === o.chosen) ? html`<option value="${o.chosen}" selected>${o.chosen}</option>` : ''}${o.candidates.map((f) => html`<option value="${f.name}"${f.name === o.chosen ? html` selected` : ''}>${f.label} (${f.name})</option>`)}</select></td><td>${o.type}</td><td>${o.state}</td></tr>`,
)}
</tbody></table>
<p class="note">By default crm-signals writes to its own fields (installed with the app). Choose an existing field instead where your team already reads one (a number for the score, text for the rest); the save checks it exists, is writable and is not read by the model.</p>
</fieldset>
<p class="actions"><label>Note <input name="note" maxlength="500" size="40"></label>
<button type="submit" name="action" value="save">Save the picked fields</button>
<button type="submit" name="action" value="preview" formaction="${base}/picker#preview">Preview 20 records</button>
<button type="submit" name="action" value="refresh">Show the chosen fields' values</button></p>
</form>`;
}

/** The reasons as short parts (the full sentence in the title): the table stays readable at 20 rows. */
function reasonList(score: NonNullable<MappingPreview['records'][number]['leadScore']>): Part {
  if (score.readable.length === 0) return score.reasons;
  return html`<span title="${score.reasons}">${score.readable.map((r, i) => html`${i > 0 ? '; ' : ''}${r.direction === 'raises' ? '▲' : '▼'} ${r.label}: ${r.value}${r.points ? ` (${r.direction === 'raises' ? '+' : '−'}${r.points})` : ''}`)}</span>`;
}

const cell = (v: string | null) => (v === null ? html`<span class="note">missing</span>` : v);

function previewTable(preview: MappingPreview): Part {
  const lead = preview.leadScore;
  return html`${preview.leaks.length ? html`<div class="problems" role="alert"><p>Leaks: ${preview.leaks.map((l) => html`<code>${l.field}</code> ${l.message}. `)}Untick or exclude them before saving.</p></div>` : ''}<p>${preview.mapping.source === 'active' ? `Active mapping, version ${preview.mapping.version}` : 'The mapping submitted (not saved)'}: ${preview.records.length} stored contacts with the inputs the model reads (missing: empty, a placeholder or outside its range) and the signals they would get. <span class="note">${lead.note}. Segments: ${preview.segments.note}.</span>${preview.readFromCrm.length ? html` <span class="note">Read from the CRM for this preview (not synced yet): ${preview.readFromCrm.join(', ')}.</span>` : ''}</p>
<section><table class="preview" id="preview-table"><thead><tr><th>contact</th><th>outcome</th><th>score</th><th>top reasons</th><th>segment</th>${preview.columns.map((c) => html`<th title="${c.field}">${c.label}</th>`)}</tr></thead><tbody>
${preview.records.map(
  (r) => html`<tr><td><code>${r.externalId}</code></td><td>${r.outcome}</td><td>${r.leadScore ? String(r.leadScore.score) : lead.source === 'none' ? 'no model yet' : ''}</td><td class="reasons">${r.problem ? html`<span class="flag">not scored by a cycle: ${r.problem}</span> ` : ''}${r.leadScore ? reasonList(r.leadScore) : ''}</td><td>${r.segment?.name ?? ''}</td>${preview.columns.map((c) => html`<td>${cell(r.features[c.column] ?? null)}</td>`)}</tr>`,
)}
</tbody></table></section>`;
}

export function renderMappingPage(p: MappingPageInput) {
  const api = `/api/tenants/${encodeURIComponent(p.tenant.id)}`;
  const page = `/tenants/${encodeURIComponent(p.tenant.id)}/mapping`;
  const text = p.refused?.text ?? p.text ?? JSON.stringify(p.active.mapping, null, 2);
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Field mapping · ${p.tenant.name} · crm-signals</title><style>${STYLE}</style></head>
<body>
<p><a href="/">Status page</a> · <a href="/tenants/${encodeURIComponent(p.tenant.id)}/models">Model reports</a></p>
<h1>Field mapping of ${p.tenant.name}</h1>
<p>Version ${p.active.version} is active. A save is checked against the CRM's fields and for inputs that give away the outcome.</p>
${p.saved !== undefined ? html`<p class="saved" role="status">Saved as version ${p.saved}. The next cycle reads and trains with it.</p>` : ''}
${p.pickerRefused ? problemList('Not saved: the picked fields do not make a valid mapping', p.pickerRefused.error, p.pickerRefused.problems) : ''}
${p.refused ? problemList('Not saved:', p.refused.error, p.refused.problems) : ''}
<h2>Pick the fields</h2>
${typeof p.picker === 'string' ? html`<p>${p.picker}</p>` : pickerForm(p, p.picker)}
${p.preview
  ? html`<h2 id="preview">Preview</h2>${'unavailable' in p.preview ? html`<p role="status">${p.preview.unavailable}</p>` : previewTable(p.preview)}`
  : ''}
<div class="cols">
<section>
<details${p.refused || p.text !== undefined ? html` open` : ''}><summary><h2 style="display:inline">The mapping as JSON (advanced)</h2></summary>
<form method="post" action="${api}/mapping">
  <input type="hidden" name="_csrf" value="${p.csrfToken}">
  <label for="mapping">Mapping (JSON)</label>
  <textarea id="mapping" name="mapping" rows="30" spellcheck="false">${text}</textarea>
  <p class="actions"><label>Note <input name="note" maxlength="500" size="40"></label> <button type="submit">Save as a new version</button> <button type="submit" formaction="${page}/preview">Preview this JSON</button></p>
</form>
</details>
</section>
<section>
<h2>Versions</h2>
<table><thead><tr><th>version</th><th>saved</th><th>by</th><th>note</th><th></th></tr></thead><tbody>
${p.versions.map(
  (v) => html`<tr><td>${v.version}</td><td>${p.date(v.createdAt)}</td><td>${v.author ?? ''}</td><td>${v.note ?? ''}</td><td>${v.version === p.active.version
    ? 'active'
    : html`<form method="post" action="${api}/mapping/versions/${v.version}/restore"><input type="hidden" name="_csrf" value="${p.csrfToken}"><button type="submit">Restore version ${v.version}</button></form>`}</td></tr>`,
)}
</tbody></table>
</section>
</div>
</body></html>`;
}
