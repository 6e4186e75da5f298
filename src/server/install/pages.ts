/**
 * What the installing admin sees at the end of an install: what happens next, or why it did not work.
 */
import { html } from 'hono/html';
import type { InstalledTenant } from '../../pipeline/install.ts';

const STYLE = 'body{font-family:system-ui,sans-serif;margin:2rem;color:#111;max-width:40rem}';

export function renderInstalledPage(installed: InstalledTenant, crmLabel: string, syncQueued: boolean) {
  const { tenant, reinstall, properties } = installed;
  const where = `${crmLabel} ${tenant.crm === 'hubspot' ? 'portal' : 'org'} ${tenant.accountId ?? ''}`.trim();
  const fields = properties.created.length > 0 ? `${properties.created.length} fields created, ${properties.existing.length} already there` : `all ${properties.existing.length + properties.updated.length} fields already there`;
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>crm-signals is installed · crm-signals</title><style>${STYLE}</style></head>
<body data-tenant="${tenant.id}">
<h1>crm-signals is installed in ${where}</h1>
${reinstall ? html`<p>This account was installed before: its history, models and settings are kept (tenant ${tenant.id}, ${tenant.name}).</p>` : ''}
<p>Output fields: ${fields}.</p>
<h2>What happens next</h2>
<ol>
  <li>${syncQueued
    ? 'The first sync is queued: crm-signals reads your records, trains its models and scores them. This takes a few minutes.'
    : 'The first sync could not be queued just now; the next scheduled round runs it.'}</li>
  ${tenant.mode === 'shadow'
    ? html`<li><strong>Shadow mode:</strong> crm-signals computes and reports what it would write, and writes nothing into ${crmLabel} until you switch it to live. That is our promise for every new install.</li>`
    : html`<li><strong>Live mode</strong> (kept from the earlier install): changed scores are written back into ${crmLabel}.</li>`}
  <li>Follow the sync and the scores on the <a href="/">status page</a>; you are signed in for this account.</li>
</ol>
</body></html>`;
}
