/**
 * Every backend URL a manifest names (install redirect, webhook target, card fetch, or any other URL on
 * the backend's origin in any file under manifests/) is answered by the server's app with something
 * other than 404. URLs on other hosts must be ones we know (the product website, Salesforce's login and
 * metadata namespace), so a backend URL cannot hide behind another origin.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { BACKEND_PATHS, BACKEND_URL_PLACEHOLDER, generateManifests, HUBSPOT_CARD, isServed, SUPPORT, type ManifestFiles } from '../../src/manifests/index.ts';
import { defaultManifestInputs, MANIFESTS_DIR } from '../../src/manifests/write.ts';
import { createApp, SERVED_PATHS, type AppDeps } from '../../src/server/app.ts';
import { routeTableOnly, servedPaths } from '../../src/server/routeTable.ts';

/** Hosts manifests may name that are not our backend. */
const KNOWN_EXTERNAL = new Set([SUPPORT.website, 'https://login.salesforce.com', 'http://soap.sforce.com']);

interface NamedUrl {
  file: string;
  url: string;
  /** HubSpot delivers webhooks with POST; everything else is fetched or redirected to with GET. */
  method: 'GET' | 'POST';
}

/** Every URL in `files`, with the method the marketplace will use on it. */
function namedUrls(files: ManifestFiles): NamedUrl[] {
  const out: NamedUrl[] = [];
  for (const [file, content] of Object.entries(files)) {
    for (const [url] of content.matchAll(/https?:\/\/[^\s"'`<>)\\]+/g)) {
      out.push({ file, url: url.replace(/[.,;]+$/, ''), method: file.endsWith('webhooks-hsmeta.json') && url.endsWith(BACKEND_PATHS.hubspotWebhooks) ? 'POST' : 'GET' });
    }
  }
  return out;
}

/** The committed files under manifests/ (generated and hand-written; README.md is prose, not a manifest). */
function committedFiles(): ManifestFiles {
  const files: ManifestFiles = {};
  for (const entry of readdirSync(MANIFESTS_DIR, { withFileTypes: true, recursive: true })) {
    const path = relative(MANIFESTS_DIR, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (!entry.isFile() || path === 'README.md' || path.split('/').includes('node_modules')) continue;
    files[path] = readFileSync(join(MANIFESTS_DIR, path), 'utf8');
  }
  return files;
}

/** The backend URLs the app answers 404, and the URLs on hosts nobody vetted. */
async function walk(files: ManifestFiles, app: Pick<Hono, 'request'>, backendOrigin = BACKEND_URL_PLACEHOLDER): Promise<{ unanswered: string[]; unknownHosts: string[]; backend: string[] }> {
  const unanswered: string[] = [];
  const unknownHosts: string[] = [];
  const backend: string[] = [];
  for (const { file, url, method } of namedUrls(files)) {
    const { origin, pathname, search } = new URL(url);
    if (origin !== backendOrigin) {
      if (!KNOWN_EXTERNAL.has(origin)) unknownHosts.push(`${file}: ${url}`);
      continue;
    }
    // A bare origin is a host grant (permittedUrls.fetch), not a request.
    if (url === origin) continue;
    backend.push(`${method} ${pathname}`);
    const response = await app.request(`${pathname}${search}`, { method });
    if (response.status === 404) unanswered.push(`${file}: ${method} ${url}`);
  }
  return { unanswered, unknownHosts, backend };
}

// Handlers that reach the store fail (500): still an answer, which is all a 404 check needs.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const quiet = <A extends Hono<any>>(app: A) => {
  app.onError((_error, c) => c.text('handler reached', 500));
  return app;
};
const serverApp = () => quiet(createApp(routeTableOnly<AppDeps>()));

describe('backend paths named by the manifests', () => {
  it('are all answered by the server (committed files, generated and hand-written)', async () => {
    const { unanswered, unknownHosts } = await walk(committedFiles(), serverApp());
    expect(unanswered, 'named by a manifest but not served: serve the path or leave it out').toEqual([]);
    expect(unknownHosts).toEqual([]);
  });

  it('are all answered in a release build for the real host', async () => {
    const host = 'https://api.example.net';
    const files = generateManifests({ ...defaultManifestInputs(), backendUrl: host });
    const { unanswered, unknownHosts } = await walk(files, serverApp(), host);
    expect(unanswered).toEqual([]);
    expect(unknownHosts).toEqual([]);
  });

  it('name exactly the HubSpot paths the server serves (webhooks and card today; install once it is served)', () => {
    const named = new Set(namedUrls(generateManifests(defaultManifestInputs())).map((u) => new URL(u.url).pathname));
    for (const path of [BACKEND_PATHS.hubspotOAuthCallback, BACKEND_PATHS.hubspotWebhooks, BACKEND_PATHS.hubspotContactCard]) {
      expect(named.has(path), path).toBe(isServed(path, SERVED_PATHS));
    }
  });

  it('would catch a manifest naming a path the server does not answer', async () => {
    // The real manifests walked against an app that answers none of their paths: the card fetch is a 404.
    const { unanswered } = await walk(generateManifests(defaultManifestInputs()), new Hono());
    expect(unanswered).toContain(`hubspot/${HUBSPOT_CARD.endpointModule}: GET ${BACKEND_URL_PLACEHOLDER}${BACKEND_PATHS.hubspotContactCard}`);
  });

  it('accepts every component once an app serves its paths, with webhooks delivered by POST', async () => {
    const app = new Hono();
    app.get(BACKEND_PATHS.hubspotOAuthCallback, (c) => c.text('installed'));
    app.post(BACKEND_PATHS.hubspotWebhooks, (c) => c.body(null, 204));
    app.get(BACKEND_PATHS.hubspotContactCard, (c) => c.json({ status: 'empty', message: 'not scored' }));
    const files = generateManifests({ ...defaultManifestInputs(), servedPaths: servedPaths(app) });
    const { unanswered, backend } = await walk(files, app);
    expect(unanswered).toEqual([]);
    expect(new Set(backend)).toEqual(new Set([`GET ${BACKEND_PATHS.hubspotOAuthCallback}`, `POST ${BACKEND_PATHS.hubspotWebhooks}`, `GET ${BACKEND_PATHS.hubspotContactCard}`]));
  });
});

describe('SERVED_PATHS', () => {
  it("is the app's own route table, wildcard middleware left out", () => {
    expect(SERVED_PATHS).toEqual(servedPaths(createApp(routeTableOnly<AppDeps>())));
    expect(SERVED_PATHS).toContain('/healthz');
    expect(SERVED_PATHS).toContain('/api/tenants/:id/runs');
    const app = new Hono();
    app.use('*', async (_c, next) => next());
    app.get('/a/:id', (c) => c.text('a'));
    expect(servedPaths(app)).toEqual(['/a/:id']);
  });

  it('matches hono patterns one segment per parameter', () => {
    expect(isServed('/api/tenants/t-1/runs', SERVED_PATHS)).toBe(true);
    expect(isServed('/api/tenants//runs', SERVED_PATHS)).toBe(false);
    expect(isServed('/api/tenants/t-1/runs/2', SERVED_PATHS)).toBe(false);
    expect(isServed(BACKEND_PATHS.hubspotWebhooks, SERVED_PATHS)).toBe(true);
    expect(isServed(`${BACKEND_PATHS.hubspotWebhooks}/more`, SERVED_PATHS)).toBe(false);
  });

  it('is read from an app whose dependencies fail loudly if a handler ever used them', () => {
    const deps = routeTableOnly<AppDeps>();
    expect(() => deps.store.listTenants()).toThrow('deps.store.listTenants() was called on an app built only to read its routes');
  });
});
