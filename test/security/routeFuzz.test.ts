/**
 * A bounded fuzz of every route the app serves (read from hono's own route table, so a new route is
 * fuzzed without being listed here): one test per route, each sending at least 1,000 random requests
 * in-process through app.request(), against a store with a real tenant after a shadow cycle on the HubSpot
 * emulator (runs, models, proposed changes, contacts). Path parameters, query strings, bodies, content
 * types, Accept and credentials are drawn at random, valid values mutated as well as garbage. Every answer
 * must be below 500, and every 4xx but 401/403 (authentication) and 404 (no such tenant, run, version or
 * path) must name the field, parameter or key at fault: in the JSON `error` (or the card payload's
 * `message`), in the page's text for HTML. A route's problems are collected (one per kind) before it
 * fails, with the seed: ROUTE_FUZZ_SEED=<n> replays it. ROUTE_FUZZ_RUNS=<n> draws fewer requests for bug
 * hunting (the count check then fails on purpose); ROUTE_FUZZ_LOG=<file> writes each route's count and time.
 *
 * This is the generic net over every route; the route-specific fuzz tests, which also check what a
 * route does with the valid inputs, are: test/service/budgetRoutes.test.ts (budget bodies),
 * mappingRoutes.test.ts (mapping bodies), modelReport.test.ts (report queries), proposedChanges.test.ts
 * (changes queries, mode bodies), privacyRoute.test.ts and test/integration/privacyDeletion.test.ts
 * (privacy deletion bodies), hubspotWebhooks.test.ts (webhook bodies and headers), contactCard.test.ts
 * (card queries and signatures), installFlow.test.tsx (install callbacks), and below the routes
 * src/server/hubspot/signature.test.ts, src/pipeline/cardPayload.test.ts, src/mapping/labels.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { signedHeaders } from '../../connectors/emulators/hubspot/webhookSigner.ts';
import { createApp, SERVED_PATHS, type AppDeps } from '../../src/server/app.ts';
import { routeTableOnly } from '../../src/server/routeTable.ts';
import { MODEL_KINDS } from '../../src/server/console/exports.ts';
import { API_ROUTES } from '../../src/server/openapi.ts';
import { HubSpotEvent } from '../../src/server/webhooks/hubspotEvents.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { signIn, signInFor, type SignedIn } from '../helpers/adminSession.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

const SEED = Number(process.env.ROUTE_FUZZ_SEED ?? 20261203);
const RUNS = 1000;
/** Bug hunting only (fewer requests, problems written as found); the test asserts RUNS. */
const DRAWN = Number(process.env.ROUTE_FUZZ_RUNS ?? RUNS);
const PUBLIC_URL = 'https://signals.example.com';
const HUBSPOT_SECRET = 'route-fuzz-secret';
const OTHER_TENANT = 'fuzz-other';
/** Under every route's body limit (privacy deletions: 512 KiB), large enough to matter. */
const HUGE = 200_000;

let harness: Harness;
let app: ReturnType<typeof createApp>;
let operator: SignedIn;
let tenantAdmin: SignedIn;
let tenantId: string;
let portalId: string;
let contactIds: string[];
let runIds: number[];
let proposal: { runId: number; changes: number };
let activeMapping: unknown;
const logs: string[] = [];

beforeAll(async () => {
  // A smaller portal than the default 600 contacts (fewer rows per status page and export), still enough to train on.
  // The portal's rate limit lifted (ours and the emulator's): what is fuzzed is the routes, and a valid
  // restore or field list asks the CRM, which at 110 calls per 10 s would be most of this file's time.
  harness = await startHarness({ mode: 'shadow', emulator: { contacts: 250 }, limit: { max: 1_000_000, intervalMs: 10_000 } });
  harness.emulator.faults.set({ rateLimit: { max: 1_000_000, intervalMs: 10_000 }, searchPerSecond: 1_000_000 });
  const summary = await harness.cycle();
  expect(summary.status, summary.error ?? '').toBe('succeeded');
  tenantId = harness.ctx.tenant.id;
  portalId = harness.ctx.tenant.accountId!;
  const store = harness.store;
  await store.upsertTenant({ id: OTHER_TENANT, crm: 'hubspot', name: 'Other', mode: 'live', accountId: '4242' });
  app = createApp({
    store,
    signer: createSigner([randomBytes(32)]),
    publicUrl: PUBLIC_URL,
    hubspot: { clientSecret: HUBSPOT_SECRET, appId: '777' },
    jobs: { webhooks: { requestProcessing: async () => 'job-1' } },
    connectorOf: async () => harness.connector,
    install: {
      apps: { hubspot: { app: { baseUrl: harness.url, clientId: 'test-client', clientSecret: 'test-secret', redirectUri: `${PUBLIC_URL}/install/hubspot/callback` } } },
      requestSync: async () => undefined,
    },
    log: (m) => void logs.push(m),
  });
  operator = await signIn(app, store);
  tenantAdmin = await signInFor(app, store, tenantId);
  contactIds = harness.emulator.state.list('contacts').slice(0, 20).map((c) => c.id);
  runIds = (await store.listRuns(tenantId, 10)).map((r) => r.id);
  proposal = { runId: summary.runId, changes: summary.proposedChanges ?? 0 };
  activeMapping = ((await (await app.request(`/api/tenants/${tenantId}/mapping`, { headers: operator.read })).json()) as { active: { mapping: unknown } }).active.mapping;
  // A cycle takes 10-30 s; far longer on a busy machine.
}, 300_000);
afterAll(async () => harness?.close());

// ---------------------------------------------------------------------------------------------------
// The routes, from hono's route table, with what API_ROUTES says of their inputs.

interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** Query keys the route reads (its schema's, or the page's own). */
  queryKeys: string[];
  /** Field names a refusal may name: parameters, query keys, body fields at any depth. */
  fields: Set<string>;
}

/** Every property name anywhere in a JSON Schema. */
function propertyNames(schema: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(schema)) schema.forEach((s) => propertyNames(s, into));
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'properties' && value && typeof value === 'object') Object.keys(value).forEach((k) => into.add(k));
      propertyNames(value, into);
    }
  }
  return into;
}
const schemaKeys = (schema: z.ZodType | undefined) => [...propertyNames(schema ? z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) : {}, new Set<string>())];

/** What the pages and the routes outside the JSON API read, which API_ROUTES does not describe. */
const OWN_INPUTS: Record<string, { query?: string[]; body?: string[] }> = {
  '/login': { query: ['token'] },
  '/tenants/:id/mapping': { query: ['saved'] },
  '/install/hubspot/callback': { query: ['state', 'code', 'error', 'error_description'] },
  '/install/salesforce/callback': { query: ['state', 'code', 'error', 'error_description'] },
  '/cards/hubspot/contact': { query: ['portalId', 'objectId', 'userId', 'userEmail', 'appId'] },
  '/webhooks/hubspot': { body: schemaKeys(HubSpotEvent) },
  // The status page's forms post these to the JSON routes.
  '/api/tenants/:id/mode': { body: ['confirm_run', 'confirm_changes', '_csrf'] },
  '/api/tenants/:id/budget': { body: ['_csrf'] },
  '/api/tenants/:id/mapping': { body: ['_csrf'] },
};

function routesOf(served: { routes: ReadonlyArray<{ method: string; path: string }> }): Route[] {
  const seen = new Map<string, Route>();
  for (const { method, path } of served.routes) {
    if (path.includes('*') || (method !== 'GET' && method !== 'POST')) continue;
    const key = `${method} ${path}`;
    if (seen.has(key)) continue;
    const api = API_ROUTES.find((r) => r.path === path && r.method.toUpperCase() === method);
    const own = OWN_INPUTS[path] ?? {};
    const params = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const queryKeys = [...(api?.query ? Object.keys((api.query as z.ZodObject).shape) : []), ...(own.query ?? [])];
    const fields = new Set([...params, ...queryKeys, ...schemaKeys(api?.body), ...(own.body ?? []), 'body']);
    seen.set(key, { method, path, queryKeys, fields });
  }
  // Destructive routes last (a privacy deletion erases contacts the others read, logout ends a session).
  const order = (r: Route) => (r.method === 'GET' ? 0 : r.path.includes('privacy') || r.path === '/logout' ? 2 : 1);
  return [...seen.values()].sort((a, b) => order(a) - order(b) || a.path.localeCompare(b.path));
}

// ---------------------------------------------------------------------------------------------------
// The inputs.

/** A random key (only one of 4+ characters may count as "named": short ones occur in any sentence). */
const garbageKey = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'x_extra', '', ' ', '%', '[]', 'a[b]'));
const garbageText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', '0', '-1', '-0', '1.5', '1e3', '1e400', '0x10', 'NaN', 'Infinity', '-Infinity', 'null', 'true', '[]', '{}', '../', '../../etc/passwd', '..%2F..', '%', '%zz', '%00', '%C0%AF', '\u0000', '\uD800', '😀', 'é', '<script>', "' OR 1=1 --", '9'.repeat(30), '9'.repeat(400), String(Number.MAX_SAFE_INTEGER + 2), ' 1', '1 ', '+1', '01'),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.constant('a'.repeat(5000)),
);

/** Valid values of each path parameter (and query key) by name, so requests also reach past validation. */
function validValues(name: string): fc.Arbitrary<string> {
  switch (name) {
    case 'id':
      return fc.constantFrom(tenantId, tenantId, tenantId, OTHER_TENANT, 'no-such-tenant');
    case 'runId':
    case 'run':
    case 'confirm_run':
      return fc.oneof(fc.constantFrom(...runIds.map(String)), fc.integer({ min: 1, max: 100 }).map(String));
    case 'version':
    case 'saved':
      return fc.integer({ min: 1, max: 5 }).map(String);
    case 'kind':
      return fc.constantFrom(...MODEL_KINDS);
    case 'objectType':
      return fc.constantFrom('contact', 'deal', 'ticket');
    case 'contactId':
    case 'record':
    case 'objectId':
      return fc.constantFrom(...contactIds);
    case 'portalId':
      return fc.constantFrom(portalId, portalId, '4242', '1');
    case 'limit':
    case 'offset':
    case 'before':
    case 'threshold':
    case 'dailyCalls':
    case 'confirm_changes':
      return fc.integer({ min: 0, max: 120 }).map(String);
    case 'property':
      return fc.constantFrom('crm_signals_lead_score', 'crm_signals_score_reasons');
    case 'mode':
      return fc.constantFrom('live', 'shadow');
    default:
      return fc.string({ minLength: 1, maxLength: 12 });
  }
}
const paramValue = (name: string) => fc.oneof({ weight: 3, arbitrary: validValues(name) }, { weight: 2, arbitrary: garbageText });
function safeEncode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate: as its UTF-8 replacement, the way a browser sends it.
    return encodeURIComponent(value.replace(/[\uD800-\uDFFF]/gu, '\uFFFD'));
  }
}

/** A JSON value with one random change somewhere inside: a field dropped, replaced, or one added. */
function mutate(value: unknown, choices: number[], replacement: unknown, key: string): unknown {
  const [choice = 0, ...rest] = choices;
  if (Array.isArray(value) && value.length > 0 && choice % 4 !== 3) {
    const at = choice % value.length;
    return value.map((v, i) => (i === at ? mutate(v, rest, replacement, key) : v));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const copy = { ...(value as Record<string, unknown>) };
    const action = choice % 5;
    if (keys.length === 0 || action === 0) return { ...copy, [key]: replacement };
    const at = keys[Math.floor(choice / 5) % keys.length]!;
    if (action === 1) delete copy[at];
    else if (action === 2) copy[at] = replacement;
    else copy[at] = mutate(copy[at], rest, replacement, key);
    return copy;
  }
  return choice % 2 === 0 ? replacement : value;
}

/** Bodies that pass (or nearly pass) a route's checks, to be mutated. */
function validBodies(route: Route): fc.Arbitrary<unknown> {
  const id = fc.constantFrom(...contactIds);
  switch (route.path) {
    case '/api/tenants/:id/mode':
      return fc.oneof(fc.constant({ mode: 'shadow' }), fc.constant({ mode: 'live', confirm: proposal }), fc.record({ mode: fc.constant('live'), confirm: fc.record({ runId: fc.integer({ min: 1, max: 50 }), changes: fc.nat(5000) }) }));
    case '/api/tenants/:id/budget':
      return fc.record({ dailyCalls: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 10_000_000 })) });
    case '/api/tenants/:id/mapping':
      return fc.record({ mapping: fc.constant(activeMapping), note: fc.string({ maxLength: 40 }) }, { requiredKeys: ['mapping'] });
    case '/api/tenants/:id/privacy-deletions':
      // Ids of contacts that do not exist mostly: the routes after this one still read real ones.
      return fc.record({ ids: fc.array(fc.oneof(fc.constant('999999999'), fc.string({ minLength: 1, maxLength: 10 })), { maxLength: 3 }), emails: fc.array(fc.emailAddress(), { maxLength: 2 }), linkedIds: fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }) }, { requiredKeys: [] });
    case '/webhooks/hubspot':
      return fc.array(
        fc.record({
          eventId: fc.nat(),
          subscriptionType: fc.constantFrom('contact.propertyChange', 'contact.creation', 'contact.deletion', 'contact.privacyDeletion', 'object.propertyChange'),
          portalId: fc.constantFrom(Number(portalId), 4242, 1),
          occurredAt: fc.constant(Date.now()),
          objectId: fc.oneof(id.map(Number), fc.nat()),
          propertyName: fc.constantFrom('email', 'firstname', 'crm_signals_lead_score'),
          objectTypeId: fc.constant('0-1'),
        }, { requiredKeys: ['eventId', 'subscriptionType', 'portalId', 'occurredAt', 'objectId'] }),
        { minLength: 1, maxLength: 3 },
      );
    default:
      return fc.constant({});
  }
}

interface Input {
  /** The path with its parameters filled in, and the query string. */
  url: string;
  init: { method: string; headers: Record<string, string>; body?: string };
  /** Every key sent (query keys, body keys), for "does the refusal name one". */
  sent: string[];
  auth: 'session' | 'none' | 'forged' | 'no-csrf' | 'form-csrf' | 'signed' | 'unsigned';
}

const jsonKeys = (value: unknown, into: string[] = []): string[] => {
  if (Array.isArray(value)) value.forEach((v) => jsonKeys(v, into));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) (into.push(k), jsonKeys(v, into));
  return into;
};

function inputs(route: Route): fc.Arbitrary<Input> {
  const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const signed = route.path === '/webhooks/hubspot' || route.path === '/cards/hubspot/contact';
  // Mostly encoded as a browser would; one in six raw, so '/', '?', '#' and bad escapes reach the router.
  const pathArb = fc.tuple(...params.map((name) => fc.tuple(paramValue(name), fc.nat(5).map((n) => n === 0)))).map((values) => {
    let i = 0;
    return route.path.replace(/:(\w+)/g, () => {
      const [value, raw] = values[i++]!;
      return raw ? value : safeEncode(value);
    });
  });
  const queryKey = fc.oneof({ weight: 4, arbitrary: route.queryKeys.length ? fc.constantFrom(...route.queryKeys) : garbageKey }, { weight: 1, arbitrary: garbageKey });
  const queryArb = fc.oneof(
    { weight: 6, arbitrary: fc.array(queryKey.chain((k) => fc.tuple(fc.constant(k), paramValue(k))), { maxLength: 5 }).map((pairs) => ({ text: pairs.map(([k, v]) => `${safeEncode(k)}=${safeEncode(v)}`).join('&'), keys: pairs.map(([k]) => k) })) },
    { weight: 1, arbitrary: fc.constantFrom('', '&', '=', '==', '&&=x', 'a', '%', '%zz=1', 'limit', 'limit=', 'version=1&version=2', '=1&=2').map((text) => ({ text, keys: [] as string[] })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((text) => ({ text, keys: [] as string[] })) },
  );
  const jsonBody = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(validBodies(route), fc.array(fc.nat(), { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), garbageKey).map(([valid, choices, replacement, key]) => (choices.length ? mutate(valid, choices, replacement, key) : valid)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...route.fields), garbageKey), fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant('x'.repeat(HUGE)))) },
  );
  type Body = { text: string | undefined; type: string | undefined; keys: string[] };
  const bodyArb: fc.Arbitrary<Body> = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(jsonBody, fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', undefined)).map(([value, type]) => ({ text: JSON.stringify(value), type, keys: jsonKeys(value) })) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '[1,', 'null', 'nul', '{"a":}', '\u0000', '"x"', '{"mode":"live"', 'x'.repeat(HUGE), `[${'['.repeat(5000)}`).map((text) => ({ text, type: 'application/json', keys: [] as string[] })) },
    {
      weight: 2,
      arbitrary: fc.array(fc.oneof(fc.constantFrom(...route.fields), garbageKey).chain((k) => fc.tuple(fc.constant(k), fc.oneof(paramValue(k), fc.constantFrom(JSON.stringify(activeMapping), '{"leadScore":1}')))), { maxLength: 4 }).map((pairs) => ({
        text: pairs.map(([k, v]) => `${safeEncode(k)}=${safeEncode(v)}`).join('&'),
        type: 'application/x-www-form-urlencoded',
        keys: pairs.map(([k]) => k),
      })),
    },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz=1', 'a=%E0%A4%A', '&&&', '=', 'mode=live&mode=shadow', 'x'.repeat(HUGE)).map((text) => ({ text, type: 'application/x-www-form-urlencoded', keys: [] as string[] })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('--b\r\nContent-Disposition: form-data; name="mode"\r\n\r\nlive\r\n--b--', 'not multipart', ''), fc.constantFrom('multipart/form-data; boundary=b', 'multipart/form-data')).map(([text, type]) => ({ text, type, keys: [] as string[] })),
    },
    { weight: 1, arbitrary: fc.constant({ text: undefined, type: undefined, keys: [] as string[] }) },
  );
  const authArb = signed
    ? fc.constantFrom<Input['auth']>('signed', 'signed', 'signed', 'signed', 'unsigned')
    : fc.constantFrom<Input['auth']>('session', 'session', 'session', 'session', 'session', 'session', 'session', 'session', 'none', 'forged', 'no-csrf', 'form-csrf');
  const accept = fc.constantFrom(undefined, 'text/html,application/xhtml+xml', 'application/json', '*/*');
  const who = fc.boolean();
  return fc.tuple(pathArb, queryArb, route.method === 'POST' ? bodyArb : fc.constant<Body>({ text: undefined, type: undefined, keys: [] }), authArb, accept, who).map(([path, query, body, auth, acceptValue, asOperator]) => {
    const headers: Record<string, string> = {};
    if (acceptValue) headers.accept = acceptValue;
    if (body.type) headers['content-type'] = body.type;
    const session = asOperator ? operator : tenantAdmin;
    let text = body.text;
    if (auth === 'session') Object.assign(headers, route.method === 'POST' ? session.write : session.read);
    // The session's own cookie name and id, with a signature that is not the service's.
    if (auth === 'forged') headers.cookie = `${session.cookie.split('.')[0]}.AAAA`;
    if (auth === 'no-csrf') headers.cookie = session.cookie;
    if (auth === 'form-csrf') {
      headers.cookie = session.cookie;
      headers['content-type'] = 'application/x-www-form-urlencoded';
      text = `_csrf=${safeEncode(session.csrf)}${text && body.type === 'application/x-www-form-urlencoded' ? `&${text}` : ''}`;
    }
    const url = `${path}${query.text ? `?${query.text}` : ''}`;
    return { url, init: { method: route.method, headers, ...(text !== undefined && route.method === 'POST' ? { body: text } : {}) }, sent: [...query.keys, ...body.keys], auth };
  });
}

// ---------------------------------------------------------------------------------------------------
// The checks.

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };
const pageText = (html: string) => html.replace(/<style[\s\S]*?<\/style>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/&(amp|lt|gt|quot|#39|#x27);/g, (e) => ENTITIES[e]!);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const names = (text: string, name: string) => new RegExp(`(^|[^A-Za-z0-9_])${escapeRegExp(name)}($|[^A-Za-z0-9_])`, 'i').test(text);

/** How refusals say a path parameter ("tenant x has no run #8"). */
const ALIASES: Record<string, string[]> = { id: ['tenant'], runId: ['run'], contactId: ['contact'], objectType: ['object'], kind: ['model'] };

/** The keys of the query string and of a JSON or form body, raw and decoded, as the route may see them. */
function sentKeys(input: Input): string[] {
  const url = new URL(input.url, 'http://localhost');
  const raw = url.search.slice(1).split('&').map((pair) => pair.split('=')[0]!);
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      return text;
    }
  };
  const keys = [...raw, ...raw.map(decode), ...url.searchParams.keys()];
  const body = input.init.body ?? '';
  if ((input.init.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) keys.push(...new URLSearchParams(body).keys());
  else {
    try {
      keys.push(...jsonKeys(JSON.parse(body)));
    } catch {
      // not JSON: no keys
    }
  }
  return [...new Set(keys)];
}

/** Why the answer breaks the rules, or null. */
async function problemOf(route: Route, input: Input, res: Response): Promise<string | null> {
  const body = await res.text();
  if (res.status >= 500) return `${res.status}: ${body.slice(0, 300)}`;
  if (res.status < 400 || res.status === 401 || res.status === 403 || res.status === 404) return null;
  let refusal: string;
  if ((res.headers.get('content-type') ?? '').includes('application/json')) {
    let json: { error?: unknown; message?: unknown; status?: unknown; problems?: Array<{ path?: unknown }> };
    try {
      json = JSON.parse(body);
    } catch {
      return `${res.status} with a body that is not JSON: ${body.slice(0, 200)}`;
    }
    // The record card's refusals are its payload ({status: 'error', message}), which the card shows.
    const message = typeof json.error === 'string' ? json.error : json.status === 'error' && typeof json.message === 'string' ? json.message : null;
    if (message === null) return `${res.status} without an error string: ${body.slice(0, 200)}`;
    refusal = [message, ...(json.problems ?? []).map((p) => String(p.path))].join(' ');
  } else if ((res.headers.get('content-type') ?? '').includes('text/html')) {
    refusal = pageText(body);
  } else {
    return `${res.status} as ${res.headers.get('content-type')}: ${body.slice(0, 200)}`;
  }
  const words = [...route.fields, ...[...route.fields].flatMap((f) => ALIASES[f] ?? []), ...input.sent.filter((k) => k.trim().length >= 4)];
  // A key of any length counts when quoted ('Unrecognized key: "c"').
  // An element of a JSON array body is named by its index ("[3].objectId", "[0]: expected object").
  const named = words.some((name) => names(refusal, name)) || input.sent.some((k) => k !== '' && refusal.includes(`"${k}"`)) || /(^|\s)\[\d+\]/.test(refusal);
  return named ? null : `${res.status} naming none of ${[...route.fields].join(', ')} or a key sent: ${refusal.trim().slice(0, 300)}`;
}

function sign(input: Input): Input {
  if (input.auth !== 'signed') return input;
  const url = new URL(input.url, 'http://localhost');
  const uri = `${PUBLIC_URL}${url.pathname}${url.search}`;
  return { ...input, url: `${url.pathname}${url.search}`, init: { ...input.init, headers: { ...input.init.headers, ...signedHeaders({ method: input.init.method, uri, body: input.init.body ?? '', timestamp: Date.now(), clientSecret: HUBSPOT_SECRET }) } } };
}

/** Read from an app built only for its route table (its handlers never run), so each route is its own test. */
const ROUTES = routesOf(createApp(routeTableOnly<AppDeps>()));

describe('every route fuzzed', () => {
  it('covers every served path', () => {
    const fuzzed = new Set(ROUTES.map((r) => r.path));
    expect([...SERVED_PATHS].filter((p) => !fuzzed.has(p))).toEqual([]);
    expect(routesOf(app).map((r) => `${r.method} ${r.path}`)).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`));
  });

  it.each(ROUTES.map((route, index) => ({ name: `${route.method} ${route.path}`, route, seed: SEED + index })))(
    `$name: ${RUNS} random requests, never a 5xx, every refusal names the field (seed $seed)`,
    async ({ name, route, seed }) => {
      let sent = 0;
      const problems: string[] = [];
      const seen = new Set<string>();
      const started = performance.now();
      for (const drawn of fc.sample(inputs(route), { numRuns: DRAWN, seed })) {
        // The logout ends the session it is sent with: each one signs in afresh.
        let input = drawn;
        if (route.path === '/logout' && input.auth !== 'none') {
          const fresh = await signIn(app, harness.store);
          input = { ...input, init: { ...input.init, headers: { ...input.init.headers, cookie: fresh.cookie, ...(input.init.headers['x-csrf-token'] ? { 'x-csrf-token': fresh.csrf } : {}) } } };
        }
        input = sign(input);
        input = { ...input, sent: sentKeys(input) };
        let res: Response;
        try {
          sent++;
          res = await app.request(input.url, input.init);
        } catch (error) {
          problems.push(`${input.init.method} ${input.url}: threw ${(error as Error).message}`);
          continue;
        }
        const problem = await problemOf(route, input, res);
        // One line per kind of problem, with the first request that showed it.
        const kind = problem?.replace(/\d+/g, 'N').slice(0, 80);
        if (problem && !seen.has(kind!)) {
          seen.add(kind!);
          problems.push(`${input.init.method} ${input.url.slice(0, 200)} [${input.auth}; ${input.init.headers['content-type'] ?? 'no type'}; body ${(input.init.body ?? '').slice(0, 120)}]: ${problem}`);
        }
      }
      if (process.env.ROUTE_FUZZ_LOG) appendFileSync(process.env.ROUTE_FUZZ_LOG, `${name} ${sent} requests, ${Math.round(performance.now() - started)} ms\n${problems.join('\n')}\n`);
      expect(problems, `ROUTE_FUZZ_SEED=${SEED} replays this`).toEqual([]);
      expect(sent).toBeGreaterThanOrEqual(RUNS);
    },
    // The console's pages cost 50-150 ms a request on a busy 2-core machine.
    Number(process.env.ROUTE_FUZZ_TIMEOUT ?? 300_000),
  );
});
