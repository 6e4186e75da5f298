/**
 * Connecting a tenant to its CRM: the OAuth code exchange at install, encrypted token storage, and a
 * connector whose refreshed tokens are written back to the store. One flow for both CRMs; each CRM
 * supplies its code exchange and its connector.
 */
import { exchangeCode, HubSpotConnector, type HubSpotTokens, type OAuthApp } from '../../connectors/hubspot/index.ts';
import { exchangeSalesforceCode, SalesforceConnector, type SalesforceApp, type SalesforceTokens } from '../../connectors/salesforce/index.ts';
import type { WindowLimit } from '../../connectors/shared/rateLimiter.ts';
import { readFields, type Mapping } from '../mapping/index.ts';
import type { Store, Tenant, TenantMode } from '../store/types.ts';

interface TenantOptions {
  tenantId: string;
  name: string;
  mode: TenantMode;
  mapping: Mapping;
  /** A fresh authorization code (install); without one, stored tokens are used. */
  authCode?: string;
  /** The account is new even if its id is not (the embedded emulators start from their seed every time). */
  freshAccount?: boolean;
  log?: (message: string) => void;
}

export interface HubSpotTenantOptions extends TenantOptions {
  app: OAuthApp;
  limit?: WindowLimit;
}

export interface SalesforceTenantOptions extends TenantOptions {
  app: SalesforceApp;
  bulkThreshold?: number;
  bulkEnabled?: boolean;
}

interface InstallFlow<C extends { endpoint: string }> {
  crm: Tenant['crm'];
  /** Where the stored credentials point (an API base or login URL): a different one needs a new install. */
  endpoint: string;
  exchange(code: string): Promise<{ credentials: C; accountId: string | null }>;
}

/** The tenant, its credentials (exchanging a fresh code when given) and whether this was an install. */
async function connectTenant<C extends { endpoint: string }>(store: Store, options: TenantOptions, flow: InstallFlow<C>) {
  const existing = await store.getTenant(options.tenantId);
  let tenant = existing ?? (await store.upsertTenant({ id: options.tenantId, crm: flow.crm, name: options.name, mode: options.mode, accountId: null }));
  if (existing && existing.mode !== options.mode) tenant = await store.upsertTenant({ ...existing, mode: options.mode });

  let credentials = (await store.loadCredentials(tenant.id)) as C | null;
  let installed = false;
  if (options.authCode || !credentials || credentials.endpoint !== flow.endpoint) {
    if (!options.authCode) throw new Error(`tenant ${tenant.id} has no ${flow.crm} connection for ${flow.endpoint}: install the app first`);
    const exchanged = await flow.exchange(options.authCode);
    // Another account (or a fresh embedded emulator) shares nothing with what we synced and wrote before.
    if (existing && existing.accountId !== null && (existing.accountId !== exchanged.accountId || options.freshAccount)) await store.forgetCrmState(tenant.id);
    credentials = exchanged.credentials;
    await store.saveCredentials(tenant.id, { ...credentials });
    tenant = await store.upsertTenant({ ...tenant, accountId: exchanged.accountId });
    installed = true;
  }
  return { tenant, credentials, installed };
}

export async function connectHubSpotTenant(store: Store, options: HubSpotTenantOptions): Promise<{ tenant: Tenant; connector: HubSpotConnector; installed: boolean }> {
  const endpoint = options.app.baseUrl;
  const { tenant, credentials, installed } = await connectTenant<HubSpotTokens & { endpoint: string }>(store, options, {
    crm: 'hubspot',
    endpoint,
    exchange: async (code) => {
      const tokens = await exchangeCode(options.app, code);
      return { credentials: { ...tokens, endpoint }, accountId: tokens.portalId };
    },
  });
  const connector = new HubSpotConnector({
    baseUrl: endpoint,
    tokens: credentials,
    app: options.app,
    onTokens: (tokens) => store.saveCredentials(tenant.id, { ...tokens, endpoint }),
    properties: readFields(options.mapping),
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { tenant, connector, installed };
}

export async function connectSalesforceTenant(store: Store, options: SalesforceTenantOptions): Promise<{ tenant: Tenant; connector: SalesforceConnector; installed: boolean }> {
  const endpoint = options.app.loginUrl;
  const { tenant, credentials, installed } = await connectTenant<SalesforceTokens & { endpoint: string }>(store, options, {
    crm: 'salesforce',
    endpoint,
    exchange: async (code) => {
      const tokens = await exchangeSalesforceCode(options.app, code);
      return { credentials: { ...tokens, endpoint }, accountId: tokens.orgId };
    },
  });
  const connector = new SalesforceConnector({
    tokens: credentials,
    app: options.app,
    onTokens: (tokens) => store.saveCredentials(tenant.id, { ...credentials, ...tokens, endpoint }),
    fields: readFields(options.mapping),
    ...(options.bulkThreshold !== undefined ? { bulkThreshold: options.bulkThreshold } : {}),
    ...(options.bulkEnabled !== undefined ? { bulkEnabled: options.bulkEnabled } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { tenant, connector, installed };
}
