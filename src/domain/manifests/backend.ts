/**
 * Where the marketplaces reach our backend. The manifests are committed with a placeholder host (the
 * reserved example.com domain); a release build regenerates them with the real one
 * (`write.ts --backend-url https://... --out <dir>`), so the committed files never name an environment.
 * The paths are the contract with src/server: it mounts its routes at these paths.
 */
export const BACKEND_URL_PLACEHOLDER = 'https://crm-signals.example.com';

export const BACKEND_PATHS = {
  /** HubSpot OAuth redirect (install): code exchange, then property install. */
  hubspotOAuthCallback: '/install/hubspot/callback',
  /** HubSpot webhook deliveries (signature v3, batches of up to 100 events). */
  hubspotWebhooks: '/webhooks/hubspot',
  /** The contact app card's data: GET ?objectId=..., HubSpot appends portalId, userId, userEmail, appId and signs. */
  hubspotContactCard: '/cards/hubspot/contact',
  /** Salesforce OAuth redirect (web-server flow with PKCE) of the External Client App. */
  salesforceOAuthCallback: '/install/salesforce/callback',
} as const;

export const SUPPORT = {
  email: 'support@crm-signals.example.com',
  documentationPath: '/docs',
  supportPath: '/support',
  phone: '+18005550100',
} as const;

/** A backend URL without a trailing slash; refuses anything but https (HubSpot requires it for fetch). */
export function backendOrigin(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') throw new Error(`backend URL must be https, got ${url}`);
  if (parsed.search || parsed.hash) throw new Error(`backend URL must not carry a query or fragment: ${url}`);
  return parsed.href.replace(/\/+$/, '');
}
