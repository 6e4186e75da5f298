/**
 * Installs through the service over real HTTP, as an admin's browser makes them: GET /install/<crm> ->
 * the CRM emulator's consent screen -> Allow -> the callback -> tokens sealed in the store -> output
 * fields installed -> the first sync as a cycle job on pg-boss -> the card answers the contact's score
 * and reasons in words -> the HubSpot card component renders that answer. Salesforce the same with PKCE.
 * Then two HubSpot portals and a Salesforce org side by side, each on its own connector and rate budget;
 * the uninstall of one (HubSpot's signed lifecycle webhook) stops only that one, and its admin sees why;
 * a re-install keeps its history. Last, no code or token any emulator issued appears in a log line, in
 * an answer of the service, or unsealed in the store.
 */
import { createHash } from 'node:crypto';
import { StatisticsItem, List, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotEmulator, signedHeaders, type HubSpotEmulator } from '../../connectors/emulators/hubspot/index.ts';
import { createSalesforceEmulator, type SalesforceEmulator } from '../../connectors/emulators/salesforce/index.ts';
import { installPackageInto } from '../../functions/demoPortals.ts';
import { cycleRunner, installDeps, startJobs, type ConnectorCache, type CrmApps, type Jobs } from '../../functions/wiring.ts';
import { startServer, type Served } from '../../functions/server.ts';
import { ContactSignalsCard } from '../../manifests/hubspot/src/app/cards/ContactSignalsCard.tsx';
import type { ContactCardPayload } from '../../src/domain/card.ts';
import { CYCLE_QUEUE, DEFAULT_BOSS_SCHEMA, processLease, sendRound, waitForJobs } from '../../src/pipeline/jobs/index.ts';
import { createLoginLink } from '../../src/server/auth/sessions.ts';
import type { AppDeps } from '../../src/server/app.ts';
import { SALESFORCE_OAUTH_SCOPES } from '../../src/manifests/salesforce.ts';
import { openStoreWithDb, type OpenedStore } from '../../src/store/index.ts';
import type { RunRow, Store } from '../../src/store/types.ts';
import { Browser, type Page } from '../helpers/browser.ts';
import { dumpStore, tablesMentioning } from '../helpers/storeDump.ts';

const HS_CLIENT = { clientId: 'crm-signals-app', clientSecret: 'hs-app-secret-3f9a' };
const SF_CLIENT = { clientId: 'crm-signals-connected-app', clientSecret: 'sf-app-secret-77c1' };
/** Each portal's own budget: the emulator's limit, and the same limit on the tenant's connector. */
const BUDGET = { max: 60, intervalMs: 2_000 };

let opened: OpenedStore;
let store: Store;
let served: Served;
let jobs: Jobs;
let url: string;
const logs: string[] = [];
const deps: AppDeps = { store: undefined as unknown as Store, signer: undefined as unknown as AppDeps['signer'], log: (m) => void logs.push(m) };
const connectors: ConnectorCache = new Map();
let hs1: HubSpotEmulator;
let hs2: HubSpotEmulator;
let sf: SalesforceEmulator;
const closers: Array<() => Promise<void>> = [];

/** Every browser of the file, so the last test can search all they were answered. */
const browsers: Browser[] = [];
function browser(): Browser {
  const made = new Browser();
  browsers.push(made);
  return made;
}

const callback = (crm: string) => `${url}/install/${crm}/callback`;

/**
 * The deployment's apps, with the HubSpot API of one emulator: real HubSpot serves every portal from one
 * API, an emulator is one portal, so a test installs the next portal after pointing the app at it.
 */
function appsFor(hubspot: HubSpotEmulator): CrmApps {
  const hubspotUrl = hubspot === hs1 ? hs1Url : hs2Url;
  return {
    hubspot: { app: { baseUrl: hubspotUrl, ...HS_CLIENT, redirectUri: callback('hubspot') }, settings: { limit: BUDGET } },
    salesforce: { app: { loginUrl: sf.instanceUrl, ...SF_CLIENT, redirectUri: callback('salesforce') } },
  };
}
let hs1Url = '';
let hs2Url = '';
const installThrough = (hubspot: HubSpotEmulator) => (deps.install = installDeps(appsFor(hubspot), jobs, connectors));

beforeAll(async () => {
  opened = await openStoreWithDb({ inMemory: true, secret: 'install-flow-secret' });
  store = opened.store;
  Object.assign(deps, { store, signer: opened.signer, hubspot: { clientSecret: HS_CLIENT.clientSecret } });
  served = await startServer(deps, { port: 0, host: '127.0.0.1' });
  url = served.url;
  deps.publicUrl = url;

  hs1 = createHubSpotEmulator({ seed: 7, contacts: 600, openShare: 0.25, portalId: 1001, rateLimit: BUDGET, ...HS_CLIENT, webhooks: { targetUrl: `${url}/webhooks/hubspot`, retryDelaysMs: [200, 400] } });
  hs2 = createHubSpotEmulator({ seed: 8, contacts: 600, openShare: 0.25, portalId: 1002, rateLimit: BUDGET, ...HS_CLIENT });
  sf = createSalesforceEmulator({ seed: 7, leads: 600, openShare: 0.25, ...SF_CLIENT, callbackUrls: [`${url}/install/salesforce/callback`] });
  installPackageInto(sf);
  const listening = await Promise.all([hs1.listen(0), hs2.listen(0), sf.listen(0)]);
  [hs1Url, hs2Url] = [listening[0].url, listening[1].url];
  closers.push(...listening.map((l) => l.close));

  const log = (m: string) => void logs.push(m);
  // The apps the runner falls back to are never used here: every tenant's connector is the one its install made.
  const runUnit = cycleRunner({ store, apps: {}, connectors, seed: 42, cycle: {}, lease: processLease('install-flow'), log });
  jobs = await startJobs(opened, { store, runUnit, units: async () => (await store.listTenants()).map((t) => [t.id]), log, concurrency: 3, rounds: false, retry: { limit: 0, delaySeconds: 1 } }, { schedule: false });
  deps.jobs = { webhooks: jobs.webhooks };
  installThrough(hs1);
});

afterAll(async () => {
  if (process.env.INSTALL_FLOW_LOG) (await import('node:fs')).writeFileSync(process.env.INSTALL_FLOW_LOG, logs.join('\n'));
  hs1?.webhooks.stop();
  await jobs?.stop();
  await served?.close();
  for (const close of closers) await close();
  await store?.close();
});

const pause = () => new Promise((resolve) => setTimeout(resolve, 100));

/** The tenant's first cycle job run after run `afterId` of `round`, once its job has finished it. */
async function nextRun(tenantId: string, round: string, afterId = 0): Promise<RunRow> {
  for (;;) {
    const run = (await store.listRuns(tenantId, 100)).find((r) => r.id > afterId && (r.summary.job as { round?: string } | undefined)?.round === round);
    if (run) return run;
    await pause();
  }
}


/** No cycle job queued or running: the next round is not folded into an install's first sync. */
async function untilIdle(): Promise<void> {
  for (;;) {
    const { rows } = await opened.db.query(`SELECT count(*)::int AS n FROM ${DEFAULT_BOSS_SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`, [CYCLE_QUEUE]);
    if (Number(rows[0]?.n) === 0) return;
    await pause();
  }
}

/** Browser -> /install/<crm> -> consent -> decision; returns the CRM's redirect back (not yet followed). */
async function approve(browser: Browser, crm: 'hubspot' | 'salesforce', decision: 'allow' | 'deny' = 'allow', tamper?: (authorize: URL) => void): Promise<{ start: Page; back: Page }> {
  const start = await browser.request(`${url}/install/${crm}`);
  expect(start.status, start.body).toBe(302);
  const authorize = new URL(browser.location(start));
  tamper?.(authorize);
  const consent = await browser.request(authorize.toString());
  expect(consent.status, consent.body).toBe(200);
  const back = await browser.submit(consent, { name: 'decision', value: decision });
  expect(back.status, back.body).toBe(302);
  return { start, back };
}

function cardCall(portalId: number, objectId: string): Promise<Response> {
  const path = `/cards/hubspot/contact?objectId=${objectId}&userId=7&portalId=${portalId}&userEmail=rep%40example.com&appId=3141592`;
  return fetch(`${url}${path}`, { headers: signedHeaders({ method: 'GET', uri: `${url}${path}`, body: '', timestamp: Date.now(), clientSecret: HS_CLIENT.clientSecret }) });
}

const READABLE = /^.+: .+ — (raises|lowers) the score by (\d+ points?|less than 1 point)$/;

describe('the HubSpot install, end to end over HTTP', () => {
  const admin = browser();
  const tenantId = 'hubspot-1001';

  it('redirects to the install screen with the app, the exact callback, the scopes and a state bound to this browser', async () => {
    const start = await admin.request(`${url}/install/hubspot`);
    expect(start.status).toBe(302);
    const to = new URL(admin.location(start));
    expect(`${to.origin}${to.pathname}`).toBe(hs1.authorizeUrl);
    expect(to.searchParams.get('client_id')).toBe(HS_CLIENT.clientId);
    expect(to.searchParams.get('redirect_uri')).toBe(callback('hubspot'));
    expect(to.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.write']));
    const state = to.searchParams.get('state')!;
    // <nonce>.<key id>.<signature>
    expect(state).toMatch(/^[A-Za-z0-9_~-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(state.startsWith(`${admin.cookie(url, 'crm_signals_install')!}.`)).toBe(true);
    expect(start.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(start.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);
  });

  it('consent -> callback: the tenant is saved in shadow mode with sealed tokens, the fields installed, the first sync queued, the admin told what happens next', async () => {
    const { back } = await approve(admin, 'hubspot');
    const landing = new URL(admin.location(back));
    expect(`${landing.origin}${landing.pathname}`).toBe(callback('hubspot'));
    expect(landing.searchParams.get('code')).toBeTruthy();

    const done = await admin.request(landing.toString());
    expect(done.status, done.body).toBe(200);
    expect(done.body).toContain('crm-signals is installed in HubSpot portal 1001');
    expect(done.body).toContain('The first sync is queued');
    expect(done.body).toContain('Shadow mode');
    expect(done.body).toMatch(/\d+ fields created/);

    const tenant = await store.getTenant(tenantId);
    expect(tenant).toMatchObject({ crm: 'hubspot', accountId: '1001', mode: 'shadow', status: 'connected' });
    expect((await store.loadCredentials(tenantId))?.accessToken).toBe(hs1.issuedSecrets().at(-1));
    const created = new Set(hs1.state.properties('contacts').map((p) => p.name));
    for (const name of ['crm_signals_lead_score', 'crm_signals_score_reasons', 'crm_signals_score_reason_codes']) expect(created).toContain(name);
    // Sealed: the raw rows hold none of the codes and tokens the portal issued.
    const dump = await dumpStore(opened.db);
    for (const secret of hs1.issuedSecrets()) expect(tablesMentioning(dump, secret), 'a token in the clear').toEqual([]);
  });

  it('the first sync runs as a cycle job, in shadow mode: scored, nothing written into the portal', async () => {
    const run = await nextRun(tenantId, 'install');
    expect(run, JSON.stringify(run.summary)).toMatchObject({ status: 'succeeded', summary: { job: { attempt: 1, round: 'install' } } });
    expect((run.summary as { synced: { contact: { read: number } } }).synced.contact.read).toBe(600);
    const open = hs1.state.openContactIds()[0]!;
    expect(hs1.state.get('contacts', open)!.properties.crm_signals_lead_score ?? '').toBe('');
  });

  it("the card answers the contact's score with reasons in words, and the card component renders that answer", async () => {
    const open = hs1.state.openContactIds()[0]!;
    const res = await cardCall(1001, open);
    expect(res.status).toBe(200);
    const payload = (await res.json()) as ContactCardPayload;
    if (payload.status !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(payload)}`);
    const lead = payload.signals.leadScore!;
    expect(lead.score).toBeGreaterThanOrEqual(1);
    expect(lead.score).toBeLessThanOrEqual(99);
    expect(lead.reasons.length).toBeGreaterThan(0);
    const labels = new Set(hs1.state.properties('contacts').map((p) => p.label));
    for (const reason of lead.reasons) {
      expect(reason.text).toMatch(READABLE);
      expect(labels).toContain(reason.label);
    }

    const renderer = createRenderer('crm.record.tab');
    renderer.render(<ContactSignalsCard objectId={open} load={async () => ({ status: res.status, ok: res.ok, json: async () => payload })} />);
    await renderer.waitFor(() => expect(renderer.maybeFind(StatisticsItem)).not.toBeNull());
    expect(renderer.findAll(StatisticsItem)[0]!.props.number).toBe(String(lead.score));
    expect(renderer.findByTestId(List, 'reasons').findAll(Text).map((t) => t.text)).toEqual(lead.reasons.map((r) => r.text));
  });

  it('the install signed its admin in for this portal only', async () => {
    const status = await admin.request(`${url}/api/status`);
    expect(status.status).toBe(200);
    expect((JSON.parse(status.body) as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id)).toEqual([tenantId]);
  });
});

describe('the Salesforce install with PKCE', () => {
  const admin = browser();

  it('authorize carries an S256 challenge; the callback sends its verifier, and the org id and instance URL come from the token answer', async () => {
    const { start, back } = await approve(admin, 'salesforce');
    const authorize = new URL(admin.location(start));
    expect(authorize.pathname).toBe('/services/oauth2/authorize');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('scope')!.split(' ')).toEqual([...SALESFORCE_OAUTH_SCOPES]);
    expect(authorize.searchParams.get('redirect_uri')).toBe(callback('salesforce'));

    const done = await admin.request(admin.location(back));
    expect(done.status, done.body).toBe(200);
    expect(done.body).toContain(`crm-signals is installed in Salesforce org ${sf.orgId}`);
    const tenantId = `salesforce-${sf.orgId}`;
    expect(await store.getTenant(tenantId)).toMatchObject({ crm: 'salesforce', accountId: sf.orgId, mode: 'shadow', status: 'connected' });
    expect(await store.loadCredentials(tenantId)).toMatchObject({ instanceUrl: sf.instanceUrl });

    const run = await nextRun(tenantId, 'install');
    expect(run.status, JSON.stringify(run.summary)).toBe('succeeded');
  });

  it("the org's card route answers the lead's score in words to the installer's session, and 404 to another org's admin", async () => {
    const tenantId = `salesforce-${sf.orgId}`;
    const lead = sf.state.openLeadIds()[0]!;
    const page = await admin.request(`${url}/api/tenants/${tenantId}/contacts/${lead}/card`);
    expect(page.status, page.body).toBe(200);
    const payload = JSON.parse(page.body) as ContactCardPayload;
    if (payload.status !== 'ready') throw new Error(`expected ready, got ${page.body}`);
    for (const reason of payload.signals.leadScore!.reasons) expect(reason.text).toMatch(READABLE);

    const hubspotAdmin = browser();
    await approveAndInstall(hubspotAdmin, 'hubspot');
    const other = await hubspotAdmin.request(`${url}/api/tenants/${tenantId}/contacts/${lead}/card`);
    expect(other.status).toBe(404);
  });

  it('a code bound to another challenge is refused by Salesforce: a 400 page, no tenant', async () => {
    const before = (await store.listTenants()).length;
    const browser2 = browser();
    const { back } = await approve(browser2, 'salesforce', 'allow', (authorize) => {
      authorize.searchParams.set('code_challenge', createHash('sha256').update('not the verifier').digest('base64url'));
    });
    const done = await browser2.request(browser2.location(back));
    expect(done.status).toBe(400);
    expect(done.body).toContain('Salesforce refused the install');
    expect(done.body).toContain('invalid code verifier');
    expect((await store.listTenants()).length).toBe(before);
  });
});

/** A full install in a fresh browser: the admin ends signed in for the tenant. */
async function approveAndInstall(browser: Browser, crm: 'hubspot' | 'salesforce'): Promise<Page> {
  const { back } = await approve(browser, crm);
  const done = await browser.request(browser.location(back));
  expect(done.status, done.body).toBe(200);
  return done;
}

describe('install answers that cannot be used', () => {
  it('no state, a forged state, another browser, a replay, an expired state, a denial: 400, nothing exchanged or saved', async () => {
    const tenantsBefore = (await store.listTenants()).length;
    const refused = async (browser: Browser, target: string, expected: RegExp) => {
      const page = await browser.request(target);
      expect(page.status, page.body).toBe(400);
      expect(page.body).toMatch(expected);
      return page;
    };
    const withState = (target: string, state: string | null) => {
      const u = new URL(target);
      if (state === null) u.searchParams.delete('state');
      else u.searchParams.set('state', state);
      return u.toString();
    };

    const a = browser();
    const { back } = await approve(a, 'hubspot');
    const landing = a.location(back);
    const state = new URL(landing).searchParams.get('state')!;
    const code = new URL(landing).searchParams.get('code')!;
    await refused(a, withState(landing, null), /carries no state parameter/);

    const b = browser();
    const { back: backB } = await approve(b, 'hubspot');
    const landingB = b.location(backB);
    const [nonce] = state.split('.');
    await refused(b, withState(landingB, `${nonce}.AAAA${state.slice(nonce!.length + 5)}`), /not issued by this service/);
    // Another browser: b's cookie was spent; a fresh browser has none at all.
    await refused(browser(), landingB, /started in another browser/);

    const c = browser();
    const { back: backC } = await approve(c, 'hubspot');
    const landingC = c.location(backC);
    const cookieC = c.cookie(url, 'crm_signals_install')!;
    expect((await c.request(landingC)).status).toBe(200);
    // The answer replayed, even with the install cookie put back: the state was spent.
    c.setCookie(url, 'crm_signals_install', cookieC, '/install');
    await refused(c, landingC, /already used/);

    const d = browser();
    const realNow = deps.install!.now;
    const { back: backD } = await approve(d, 'hubspot');
    deps.install!.now = () => Date.now() + 11 * 60_000;
    try {
      await refused(d, d.location(backD), /has expired/);
    } finally {
      deps.install!.now = realNow;
    }

    const e = browser();
    const { back: backE } = await approve(e, 'hubspot', 'deny');
    expect(new URL(e.location(backE)).searchParams.get('error')).toBe('access_denied');
    await refused(e, e.location(backE), /You declined the install/);

    // A HubSpot install's answer brought to the Salesforce callback (same browser, good state): refused.
    const f = browser();
    const { back: backF } = await approve(f, 'hubspot');
    const hubspotAnswer = new URL(f.location(backF));
    await refused(f, `${callback('salesforce')}${hubspotAnswer.search}`, /started for hubspot, not salesforce/);

    // The refused answers exchanged nothing: a's code is still good at the portal's token endpoint.
    const exchange = await fetch(`${hs1Url}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: callback('hubspot'), ...{ client_id: HS_CLIENT.clientId, client_secret: HS_CLIENT.clientSecret } }).toString(),
    });
    expect(exchange.status).toBe(200);
    // c's install was the one re-install of portal 1001: no new tenant from any of them.
    expect((await store.listTenants()).length).toBe(tenantsBefore);
  });
});

describe('install callbacks fuzzed', () => {
  it('any query and cookie: a 400 page naming the problem, never a 5xx, never a tenant', async () => {
    const before = (await store.listTenants()).map((t) => t.id);
    const text = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', '.', 'a.b', 'a.b.c', '%00', '../..', 'access_denied'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('hubspot', 'salesforce'), fc.dictionary(fc.constantFrom('state', 'code', 'error', 'error_description', 'extra'), text), fc.option(text), async (crm, query, cookie) => {
        const target = new URL(callback(crm));
        for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
        const headers: Record<string, string> = {};
        if (cookie !== null) headers.cookie = `crm_signals_install=${encodeURIComponent(cookie)}`;
        const res = await fetch(target, { headers, redirect: 'manual' });
        expect(res.status).toBe(400);
        expect(await res.text()).toMatch(/<h1>[^<]+<\/h1><p>[^<]+/);
      }),
      { numRuns: 150 },
    );
    expect((await store.listTenants()).map((t) => t.id)).toEqual(before);
  });
});

describe('two HubSpot portals and a Salesforce org at once', () => {
  const operator = browser();

  it('a second portal installs as its own tenant; a round cycles all three, each through its own connector and budget', async () => {
    installThrough(hs2);
    await approveAndInstall(browser(), 'hubspot');
    installThrough(hs1);
    const ids = ['hubspot-1001', 'hubspot-1002', `salesforce-${sf.orgId}`].sort();
    expect((await store.listTenants()).map((t) => t.id).sort()).toEqual(ids);
    await nextRun('hubspot-1002', 'install');
    await untilIdle();
    // Each tenant's connector talks to its own account only.
    const used = new Set(ids.map((id) => connectors.get(id)?.connector));
    expect(used.size).toBe(3);

    const calls = [hs1, hs2].map((h) => h.stats().calls);
    const sfCalls = sf.stats().calls;
    for (const h of [hs1, hs2]) h.resetStats();
    const round = await sendRound(jobs.boss, { store, units: async () => ids.map((id) => [id]) }, 'together');
    const ends = await waitForJobs(jobs.boss, CYCLE_QUEUE, Object.values(round.sent));
    expect(ends.map((e) => e.state)).toEqual(['completed', 'completed', 'completed']);
    for (const h of [hs1, hs2]) {
      expect(h.stats().calls, `portal ${h.portalId} was called`).toBeGreaterThan(0);
      expect(h.stats().throttled, `portal ${h.portalId} stayed within its budget`).toBe(0);
    }
    expect(sf.stats().calls).toBeGreaterThan(sfCalls);
    expect(calls.every((n) => n > 0)).toBe(true);
  });

  it("the uninstall of portal 1001 (HubSpot's signed lifecycle event) disconnects only it: tokens deleted, left out of rounds, its admin sees why", async () => {
    await untilIdle();
    hs1.uninstall();
    await hs1.webhooks.flush();
    for (;;) {
      if ((await store.getTenant('hubspot-1001'))?.status === 'disconnected') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const gone = (await store.getTenant('hubspot-1001'))!;
    expect(gone.statusReason).toMatch(/^the app was uninstalled from HubSpot portal 1001 on \d{4}-\d\d-\d\d$/);
    expect(await store.loadCredentials('hubspot-1001')).toBeNull();
    for (const id of ['hubspot-1002', `salesforce-${sf.orgId}`]) expect((await store.getTenant(id))?.status).toBe('connected');

    hs1.resetStats();
    const round = await sendRound(jobs.boss, { store, units: async () => (await store.listTenants()).map((t) => [t.id]) }, 'after-uninstall');
    expect(Object.keys(round.sent).sort()).toEqual(['hubspot-1002', `salesforce-${sf.orgId}`].sort());
    const ends = await waitForJobs(jobs.boss, CYCLE_QUEUE, Object.values(round.sent));
    expect(ends.map((e) => e.state)).toEqual(['completed', 'completed']);
    expect(hs1.stats().calls).toBe(0);

    const link = await createLoginLink(store, url, { operator: true, tenantIds: [], label: 'operator' });
    const page = await operator.open(link);
    expect(page.status).toBe(200);
    expect(page.body).toContain('the app was uninstalled from HubSpot portal 1001');
  });

  it('a re-install of portal 1001 reconnects the same tenant with its history', async () => {
    const before = await store.listRuns('hubspot-1001', 100);
    const done = await approveAndInstall(browser(), 'hubspot');
    expect(done.body).toContain('This account was installed before');
    expect(await store.getTenant('hubspot-1001')).toMatchObject({ status: 'connected', statusReason: null, mode: 'shadow' });
    const run = await nextRun('hubspot-1001', 'install', before[0]!.id);
    expect(run.status, JSON.stringify(run.summary)).toBe('succeeded');
    expect((await store.listRuns('hubspot-1001', 100)).slice(1).map((r) => r.id)).toEqual(before.map((r) => r.id));
  });
});

describe('tokens the CRM stops honouring', () => {
  const reasonOf = async (tenantId: string) => (await store.getTenant(tenantId))?.statusReason ?? '';

  it('a revoked Salesforce refresh token and a HubSpot BAD_REFRESH_TOKEN disconnect their tenant at its next cycle: reason kept, tokens deleted, no retry', async () => {
    await untilIdle();
    const org = `salesforce-${sf.orgId}`;
    expect(sf.revokeAppTokens()).toBeGreaterThan(0);
    // Portal 1002 has no webhook target: the uninstall reaches the service only as a refused refresh.
    hs2.uninstall();
    const round = await sendRound(jobs.boss, { store, units: async () => [[org], ['hubspot-1002']] }, 'after-revoke');
    const ends = await waitForJobs(jobs.boss, CYCLE_QUEUE, Object.values(round.sent));
    // A disconnect is final: the job completes (no retries against a dead token), its run says why.
    expect(ends.map((e) => e.state)).toEqual(['completed', 'completed']);
    for (const end of ends) expect((end.output as { runs: Array<{ disconnected?: string }> }).runs[0]!.disconnected).toBeTruthy();
    expect(await reasonOf(org)).toMatch(/Salesforce.*invalid_grant/);
    expect(await reasonOf('hubspot-1002')).toMatch(/HubSpot.*BAD_REFRESH_TOKEN/);
    for (const id of [org, 'hubspot-1002']) {
      expect((await store.getTenant(id))?.status).toBe('disconnected');
      expect(await store.loadCredentials(id)).toBeNull();
    }
    const next = await sendRound(jobs.boss, { store, units: async () => [[org], ['hubspot-1002']] }, 'after-disconnect');
    expect(next.sent).toEqual({});
  });
});

describe('secrets', () => {
  it('no code or token any CRM issued, and no client secret, is in a log line, an answer of the service, or unsealed in the store', async () => {
    const secrets = [...hs1.issuedSecrets(), ...hs2.issuedSecrets(), ...sf.issuedSecrets(), HS_CLIENT.clientSecret, SF_CLIENT.clientSecret];
    expect(secrets.length).toBeGreaterThan(10);
    const answers = browsers.flatMap((b) => b.seen).filter((p) => p.url.startsWith(url));
    expect(answers.length).toBeGreaterThan(10);
    const dump = await dumpStore(opened.db);
    for (const secret of secrets) {
      expect(logs.filter((line) => line.includes(secret)), 'log lines').toEqual([]);
      for (const page of answers) {
        expect(page.body.includes(secret), `answer of ${page.url}`).toBe(false);
        expect([...page.headers].filter(([, v]) => v.includes(secret)), `headers of ${page.url}`).toEqual([]);
      }
      expect(tablesMentioning(dump, secret), 'store tables').toEqual([]);
    }
  });
});
