/**
 * The install screen (app.hubspot.com/oauth/authorize in real HubSpot): the request is checked the way
 * HubSpot checks it, and a problem is an error page with status 400, never a redirect (the redirect_uri
 * itself may be what is wrong). A good request shows a consent form; the admin's decision posts back
 * and is answered with a 302 to redirect_uri carrying code and state, or error=access_denied.
 */
import type { Context, Hono } from 'hono';
import type { EmulatorContext } from '../context.ts';
import { consentHtml, errorHtml, redirectTarget, redirectWith } from '../../shared/consent.ts';
import { formFields } from '../../shared/http.ts';

export const AUTHORIZE_PATH = '/oauth/authorize';
export const CONSENT_PATH = '/oauth/authorize/consent';

/** HubSpot separates scopes with spaces; some clients send %20, others +, both arrive as spaces. */
function scopeList(raw: string | undefined): string[] {
  return (raw ?? '').split(/[\s,]+/).filter((s) => s.length > 0);
}

type Checked = { ok: true; scopes: string[]; redirectUri: string; state: string | undefined; fields: Record<string, string> } | { ok: false; message: string };

function checkRequest(ctx: EmulatorContext, p: Record<string, string | undefined>): Checked {
  if (!p['client_id']) return { ok: false, message: 'The install URL has no client_id.' };
  if (p['client_id'] !== ctx.auth.options.clientId) return { ok: false, message: `No app has the client_id ${p['client_id']}.` };
  if (!p['redirect_uri']) return { ok: false, message: 'The install URL has no redirect_uri.' };
  if (!redirectTarget(p['redirect_uri'])) return { ok: false, message: `redirect_uri ${p['redirect_uri']} is not an absolute http(s) URL.` };
  const required = scopeList(p['scope']);
  if (required.length === 0) return { ok: false, message: 'The install URL has no scope.' };
  const declared = new Set(ctx.auth.options.scopes);
  const undeclared = required.filter((s) => !declared.has(s));
  if (undeclared.length > 0) {
    return { ok: false, message: `Authorization failed because there is a mismatch between the scopes in the install URL and the app's configured scopes: ${undeclared.join(', ')} not configured.` };
  }
  // Optional scopes the app does not declare are dropped, not refused: the install goes on without them.
  const optional = scopeList(p['optional_scope']).filter((s) => declared.has(s));
  const fields: Record<string, string> = { client_id: p['client_id'], redirect_uri: p['redirect_uri'], scope: required.join(' ') };
  if (p['optional_scope'] !== undefined) fields['optional_scope'] = p['optional_scope'];
  if (p['state'] !== undefined) fields['state'] = p['state'];
  return { ok: true, scopes: [...new Set([...required, ...optional])], redirectUri: p['redirect_uri'], state: p['state'], fields };
}

function refuse(c: Context, message: string): Response {
  return c.html(errorHtml("Couldn't complete the connection", message), 400);
}

export function mountAuthorize(app: Hono, ctx: EmulatorContext): void {
  app.get(AUTHORIZE_PATH, (c) => {
    const checked = checkRequest(ctx, c.req.query());
    if (!checked.ok) return refuse(c, checked.message);
    return c.html(
      consentHtml({
        title: `Connect app ${ctx.appId} to HubSpot account ${ctx.portalId}`,
        asks: checked.scopes,
        action: CONSENT_PATH,
        fields: checked.fields,
      }),
    );
  });

  app.post(CONSENT_PATH, async (c) => {
    const p = await formFields(c);
    // The form is re-checked: nothing stops a caller from posting other values than the page held.
    const checked = checkRequest(ctx, p);
    if (!checked.ok) return refuse(c, checked.message);
    if (p['decision'] === 'deny') return c.redirect(redirectWith(checked.redirectUri, { error: 'access_denied', state: checked.state }), 302);
    if (p['decision'] !== 'allow') return refuse(c, `decision must be allow or deny; got ${p['decision'] ?? '(missing)'}.`);
    const code = ctx.auth.issueCode(checked.redirectUri, checked.scopes);
    return c.redirect(redirectWith(checked.redirectUri, { code, state: checked.state }), 302);
  });
}
