/**
 * Where the marketplaces reach our backend. The manifests are committed with a placeholder host (the
 * reserved example.com domain); a release build regenerates them with the real one
 * (`write.ts --backend-url https://... --out <dir>`), so the committed files never name an environment.
 *
 * The paths are the contract with src/server, and a manifest names one only when the server declares
 * that it serves it (SERVED_PATHS in src/server/app.ts, read from hono's route table): a redirect, a
 * webhook target or a card fetch that answers 404 would fail the install, pile up HubSpot's retries, or
 * show an error on every contact.
 */
export const BACKEND_URL_PLACEHOLDER = 'https://crm-signals.example.com';

export const BACKEND_PATHS = {
  /** HubSpot OAuth redirect (install): code exchange, then property install. */
  hubspotOAuthCallback: '/install/hubspot/callback',
  /** HubSpot webhook deliveries (signature v3, batches of up to 100 events). */
  hubspotWebhooks: '/webhooks/hubspot',
  /** The contact app card's data: GET ?objectId=..., HubSpot appends portalId, userId, userEmail, appId and signs. */
  hubspotContactCard: '/cards/hubspot/contact',
  /** Salesforce OAuth redirect (web-server flow with PKCE) of the External Client App (created by hand, manifests/README.md). */
  salesforceOAuthCallback: '/install/salesforce/callback',
} as const;

export type BackendPathName = keyof typeof BACKEND_PATHS;

/**
 * Documentation and support live on the product website, not on the scoring backend: they are static
 * pages a reviewer and an admin read before any install exists.
 */
export const SUPPORT = {
  email: 'support@crm-signals.example.com',
  website: 'https://www.crm-signals.example.com',
  documentationPath: '/docs',
  supportPath: '/support',
  phone: '+18005550100',
} as const;

/** A backend URL without a trailing slash; refuses anything but https (HubSpot requires it for fetch). */
export function backendOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`backend URL is not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:') throw new Error(`backend URL must be https, got ${url}`);
  if (parsed.search || parsed.hash) throw new Error(`backend URL must not carry a query or fragment: ${url}`);
  return parsed.href.replace(/\/+$/, '');
}

/** Hono's pattern syntax as the route table lists it: `:name` matches one path segment. */
function patternMatches(pattern: string, path: string): boolean {
  const want = pattern.split('/');
  const got = path.split('/');
  return want.length === got.length && want.every((segment, i) => (segment.startsWith(':') ? got[i] !== '' : segment === got[i]));
}

/** Whether the server answers `path` (no query), given the paths it declares. */
export function isServed(path: string, servedPaths: readonly string[]): boolean {
  return servedPaths.some((pattern) => patternMatches(pattern, path));
}
