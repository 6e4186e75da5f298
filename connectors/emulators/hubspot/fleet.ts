/**
 * Many HubSpot portals behind one base URL, as api.hubapi.com serves every portal: each request goes to
 * the portal that issued the credential it carries (the bearer token, the token endpoint's code or
 * refresh token, the token in a token-info path), so one app configuration installs into all of them and
 * each portal keeps its own data, tokens and rate limits. A request whose credential no portal issued
 * goes to the first portal, which refuses it as HubSpot does (401, or 400 from the token endpoint).
 * For the benches and tests of many tenants at once.
 */
import { Hono } from 'hono';
import { listen, type Listening } from '../shared/listen.ts';
import { createHubSpotEmulator, type EmulatorOptions, type HubSpotEmulator } from './index.ts';

export interface FleetOptions {
  portals: number;
  /** Each portal's options (seed, size, portalId); the fleet sets one app (client id and secret) on all. */
  portal?: (index: number) => EmulatorOptions;
  clientId?: string;
  clientSecret?: string;
  /** Called with every answer and the portal that gave it (request counts per portal, for fairness figures). */
  onResponse?: (portalIndex: number, response: Response) => void;
}

export interface HubSpotFleet {
  portals: HubSpotEmulator[];
  app: Hono;
  listen(port?: number): Promise<Listening>;
  /** The index of the portal that issued this code or token, if any did. */
  portalOf(secret: string): number | undefined;
}

const TOKEN_PATH = /^\/oauth\/v[13]\/token$/;
const TOKEN_INFO_PATH = /^\/oauth\/v1\/(?:access|refresh)-tokens\/([^/]+)$/;

/** The credential a request presents, wherever HubSpot's API takes it from. */
async function credentialOf(request: Request): Promise<string | undefined> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get('Authorization') ?? '')?.[1];
  if (bearer) return bearer;
  const { pathname } = new URL(request.url);
  const info = TOKEN_INFO_PATH.exec(pathname)?.[1];
  if (info) return decodeURIComponent(info);
  if (request.method === 'POST' && TOKEN_PATH.test(pathname)) {
    // A clone: the portal reads the body again.
    const form = new URLSearchParams(await request.clone().text());
    return form.get('code') ?? form.get('refresh_token') ?? undefined;
  }
  return undefined;
}

export function createHubSpotFleet(options: FleetOptions): HubSpotFleet {
  if (!Number.isInteger(options.portals) || options.portals < 1) throw new Error(`a fleet needs a whole number of portals (1 or more), got ${options.portals}`);
  const clientId = options.clientId ?? 'fleet-client-id';
  const clientSecret = options.clientSecret ?? 'fleet-client-secret';
  const portals = Array.from({ length: options.portals }, (_, i) => createHubSpotEmulator({ seed: i + 1, portalId: 200_001 + i, ...options.portal?.(i), clientId, clientSecret }));
  const ids = new Set(portals.map((p) => p.portalId));
  if (ids.size !== portals.length) throw new Error('the fleet\'s portals need distinct portalIds');

  // Credentials seen before; a new one is looked up once among what the portals issued.
  const owners = new Map<string, number>();
  const portalOf = (secret: string): number | undefined => {
    const known = owners.get(secret);
    if (known !== undefined) return known;
    const index = portals.findIndex((p) => p.issuedSecrets().includes(secret));
    if (index < 0) return undefined;
    owners.set(secret, index);
    return index;
  };

  const app = new Hono();
  app.all('*', async (c) => {
    const credential = await credentialOf(c.req.raw);
    const index = (credential !== undefined ? portalOf(credential) : undefined) ?? 0;
    const response = await portals[index]!.app.fetch(c.req.raw);
    options.onResponse?.(index, response);
    return response;
  });

  return {
    portals,
    app,
    portalOf,
    listen: (port = 0) => listen(app.fetch, port),
  };
}
