/**
 * The install routes, one pair per CRM: `GET /install/<crm>` sends the admin's browser to the CRM's
 * authorize page with a state bound to that browser; `GET /install/<crm>/callback` checks the state,
 * installs (src/pipeline/install.ts), queues the first sync, signs the admin in for the new tenant and
 * says what happens next. Every refusal is a 400 page naming the problem; no page or log line carries the
 * code, a token or the verifier.
 */
import type { Context, Hono } from 'hono';
import { CRMS, profileOf } from '../../../connectors/registry.ts';
import { ConnectorError } from '../../../connectors/shared/errors.ts';
import { ProfileError } from '../../../connectors/profile.ts';
import type { Crm } from '../../domain/records.ts';
import { APP_SETTINGS } from '../../pipeline/connect.ts';
import { InstallError, installTenant, type InstalledTenant } from '../../pipeline/install.ts';
import { startSession, type SessionDeps, type SessionEnv } from '../auth/sessions.ts';
import { renderMessagePage } from '../status/page.ts';
import { authorizeRequest, authorizeUrlOf } from './authorize.ts';
import { renderInstalledPage } from './pages.ts';
import { issueState, takeState, type StateDeps } from './state.ts';

/** One CRM's app as the install routes use it. */
export interface InstallApp {
  /** The app's credentials (client id and secret, redirect URI, API base or login URL), checked by the CRM's profile. */
  app: unknown;
  settings?: Record<string, unknown>;
  /** Where the admin approves the install; by default from the app (authorizeUrlOf). */
  authorizeUrl?: string;
}

export interface InstallDeps {
  apps: Partial<Record<Crm, InstallApp>>;
  /** Queues the tenant's first sync (a cycle job). */
  requestSync(tenantId: string, reason: string): Promise<void>;
  /** After each install, with its connector (the demo keeps it, so one rate limiter sees all of the account's requests). */
  onInstalled?(installed: InstalledTenant): void;
  /** The clock the state's age is measured on. Default Date.now. */
  now?: () => number;
}

export function mountInstall(app: Hono<SessionEnv>, sessions: SessionDeps, getDeps: () => InstallDeps | undefined, log: (message: string) => void): void {
  const stateDeps = (deps: InstallDeps): StateDeps => ({
    store: sessions.store,
    signer: sessions.signer,
    get secureCookies() {
      return sessions.secureCookies;
    },
    now: deps.now ?? Date.now,
  });
  const page = (c: Context, status: 400 | 404 | 502, title: string, ...paragraphs: string[]) => c.html(renderMessagePage(title, paragraphs), status);
  const configured = (crm: Crm): { deps: InstallDeps; app: InstallApp } | null => {
    const deps = getDeps();
    const one = deps?.apps[crm];
    return deps && one ? { deps, app: one } : null;
  };

  for (const crm of CRMS) {
    const label = profileOf(crm).label;
    const notConfigured = (c: Context) => page(c, 404, `${label} installs are not set up here`, `This service has no ${label} app configured (${APP_SETTINGS[crm]}).`);

    app.get(`/install/${crm}`, async (c) => {
      const found = configured(crm);
      if (!found) return notConfigured(c);
      let request;
      try {
        request = await authorizeRequest(crm, found.app.app, found.app.authorizeUrl ?? authorizeUrlOf(crm, found.app.app), (codeVerifier) => issueState(c, stateDeps(found.deps), { crm, ...(codeVerifier ? { codeVerifier } : {}) }));
      } catch (error) {
        if (!(error instanceof ProfileError)) throw error;
        log(`install ${crm}: ${error.message}`);
        return page(c, 502, `${label} installs are misconfigured here`, error.message);
      }
      return c.redirect(request.url, 302);
    });

    app.get(`/install/${crm}/callback`, async (c) => {
      const found = configured(crm);
      if (!found) return notConfigured(c);
      const query = c.req.query();
      const checked = await takeState(c, stateDeps(found.deps), crm, query.state);
      const denied = query.error;
      if (denied !== undefined) {
        if (denied === 'access_denied') return page(c, 400, 'You declined the install', `Nothing was installed and nothing was read from ${label}. Start the install again whenever you like.`);
        return page(c, 400, `${label} did not complete the install`, `${label} answered with the error ${denied}${query.error_description ? `: ${query.error_description}` : ''}.`, 'Start the install again.');
      }
      if (!checked.ok) return page(c, 400, 'This install answer cannot be used', `Refused because ${checked.problem}.`, 'Nothing was installed.');
      if (!query.code) return page(c, 400, 'This install answer cannot be used', `${label} sent no authorization code.`, 'Start the install again.');

      let installed: InstalledTenant;
      try {
        installed = await installTenant(sessions.store, {
          crm,
          app: found.app.app,
          ...(found.app.settings ? { settings: found.app.settings } : {}),
          code: query.code,
          ...(checked.payload.codeVerifier ? { codeVerifier: checked.payload.codeVerifier } : {}),
          log,
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`install ${crm}: ${message}`);
        if (error instanceof InstallError) return page(c, 502, 'The install did not finish', message);
        if (error instanceof ConnectorError) return page(c, error.code === 'unavailable' ? 502 : 400, `${label} refused the install`, message, 'Start the install again.');
        if (error instanceof ProfileError) return page(c, 502, `${label} installs are misconfigured here`, message);
        throw error;
      }
      found.deps.onInstalled?.(installed);
      let syncQueued = true;
      try {
        await found.deps.requestSync(installed.tenant.id, 'install');
      } catch (error) {
        syncQueued = false;
        log(`install ${crm}: the first sync of ${installed.tenant.id} could not be queued: ${(error as Error).message}`);
      }
      await startSession(c, sessions, { operator: false, tenantIds: [installed.tenant.id], label: `installer of ${installed.tenant.name}` });
      log(`installed ${installed.tenant.id} (${installed.reinstall ? 're-install' : 'new'}, ${installed.tenant.mode} mode)`);
      return c.html(renderInstalledPage(installed, label, syncQueued));
    });
  }
}
