/**
 * The consent screen both emulators show between authorize and the redirect back: a small HTML page
 * whose form posts the same parameters back with the admin's decision. Everything echoed into the
 * page is escaped, since the parameters come straight from the query string.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

export interface ConsentPage {
  /** e.g. "Connect crm-signals to HubSpot portal 24681357". */
  title: string;
  /** What the app asks for, one line each. */
  asks: readonly string[];
  /** Where the form posts. */
  action: string;
  /** Echoed back as hidden inputs, in this order. */
  fields: Readonly<Record<string, string>>;
}

/** The form answers with decision=allow or decision=deny. */
export function consentHtml(page: ConsentPage): string {
  const hidden = Object.entries(page.fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n    ');
  const asks = page.asks.map((a) => `<li>${escapeHtml(a)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title></head>
<body>
  <h1>${escapeHtml(page.title)}</h1>
  <ul>${asks}</ul>
  <form method="post" action="${escapeHtml(page.action)}">
    ${hidden}
    <button type="submit" name="decision" value="allow">Allow</button>
    <button type="submit" name="decision" value="deny">Deny</button>
  </form>
</body></html>
`;
}

/** The error page an authorize request gets when it cannot redirect anywhere safely. */
export function errorHtml(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>
`;
}

/** redirect_uri with the answer's parameters added (keeping any query it already has). */
export function redirectWith(redirectUri: string, params: Readonly<Record<string, string | undefined>>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/** An absolute http(s) URL, or undefined: only those can be redirected to. */
export function redirectTarget(raw: string | undefined): URL | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
