/**
 * The field mapping page: the active mapping as editable JSON, what is wrong with a refused save (every
 * problem by its path, the text kept), the CRM's contact fields to choose from (name, label, type), and
 * the versions with a restore button each. Server-rendered like the status page, no script.
 */
import { html } from 'hono/html';
import type { FieldInfo } from '../../../connectors/connector.ts';
import type { MappingProblem } from '../../mapping/index.ts';
import type { Tenant } from '../../store/types.ts';

export interface MappingPageInput {
  tenant: Tenant;
  csrfToken: string;
  active: { version: number; mapping: unknown };
  versions: Array<{ version: number; note: string | null; author: string | null; createdAt: string }>;
  /** The contact fields from the CRM, or why they could not be listed. */
  fields: FieldInfo[] | string;
  /** After a refused save: the text sent and what is wrong with it. */
  refused?: { text: string; error: string; problems: readonly MappingProblem[] };
  saved?: number;
  date: (iso: string) => string;
}

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:2rem;color:#111;max-width:72rem}section{min-width:0;overflow-x:auto}td code{overflow-wrap:anywhere}textarea{box-sizing:border-box;width:100%;font-family:ui-monospace,monospace;font-size:.85rem}table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}.problems{background:#fee2e2;padding:.5rem 1rem;border-radius:4px}.saved{background:#dcfce7;padding:.5rem 1rem;border-radius:4px}.cols{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:2rem}';

export function renderMappingPage(p: MappingPageInput) {
  const base = `/api/tenants/${encodeURIComponent(p.tenant.id)}`;
  const text = p.refused?.text ?? JSON.stringify(p.active.mapping, null, 2);
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Field mapping · ${p.tenant.name} · crm-signals</title><style>${STYLE}</style></head>
<body>
<p><a href="/">Status page</a></p>
<h1>Field mapping of ${p.tenant.name}</h1>
<p>Version ${p.active.version} is active. A save is checked against the CRM's fields and for inputs that give away the outcome.</p>
${p.saved !== undefined ? html`<p class="saved" role="status">Saved as version ${p.saved}. The next cycle reads and trains with it.</p>` : ''}
${p.refused
  ? html`<div class="problems" role="alert"><p><strong>Not saved:</strong></p><ul>${(p.refused.problems.length ? p.refused.problems : [{ path: 'mapping', message: p.refused.error }]).map((q) => html`<li><code>${q.path}</code>: ${q.message}</li>`)}</ul></div>`
  : ''}
<div class="cols">
<section>
<form method="post" action="${base}/mapping">
  <input type="hidden" name="_csrf" value="${p.csrfToken}">
  <label for="mapping">Mapping (JSON)</label>
  <textarea id="mapping" name="mapping" rows="30" spellcheck="false">${text}</textarea>
  <p><label>Note <input name="note" maxlength="500" size="50"></label> <button type="submit">Save as a new version</button></p>
</form>
<h2>Versions</h2>
<table><thead><tr><th>version</th><th>saved</th><th>by</th><th>note</th><th></th></tr></thead><tbody>
${p.versions.map(
  (v) => html`<tr><td>${v.version}</td><td>${p.date(v.createdAt)}</td><td>${v.author ?? ''}</td><td>${v.note ?? ''}</td><td>${v.version === p.active.version
    ? 'active'
    : html`<form method="post" action="${base}/mapping/versions/${v.version}/restore"><input type="hidden" name="_csrf" value="${p.csrfToken}"><button type="submit">Restore version ${v.version}</button></form>`}</td></tr>`,
)}
</tbody></table>
</section>
<section>
<h2>Contact fields in the CRM</h2>
${typeof p.fields === 'string'
  ? html`<p>${p.fields}</p>`
  : html`<table><thead><tr><th>name</th><th>label</th><th>type</th></tr></thead><tbody>${p.fields.map((f) => html`<tr><td><code>${f.name}</code></td><td>${f.label}</td><td>${f.type}</td></tr>`)}</tbody></table>`}
</section>
</div>
</body></html>`;
}
