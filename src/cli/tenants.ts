/**
 * Connecting a tenant to its CRM: the OAuth code exchange at install, encrypted token storage, and a
 * connector whose refreshed tokens are written back to the store.
 */
import { exchangeCode, HubSpotConnector, type HubSpotTokens, type OAuthApp } from '../../connectors/hubspot/index.ts';
import type { WindowLimit } from '../../connectors/shared/rateLimiter.ts';
import { modelInputs, type Mapping } from '../mapping/index.ts';
import type { Store, Tenant, TenantMode } from '../store/types.ts';

export interface HubSpotTenantOptions {
  tenantId: string;
  name: string;
  mode: TenantMode;
  app: OAuthApp;
  mapping: Mapping;
  /** The account is new even if its id is not (the embedded sandbox starts from its seed every time). */
  freshAccount?: boolean;
  /** A fresh authorization code (install); without one, stored tokens are used. */
  authCode?: string;
  limit?: WindowLimit;
  log?: (message: string) => void;
}

interface StoredHubSpotCredentials extends HubSpotTokens {
  baseUrl: string;
}

export async function connectHubSpotTenant(store: Store, options: HubSpotTenantOptions): Promise<{ tenant: Tenant; connector: HubSpotConnector; installed: boolean }> {
  const existing = await store.getTenant(options.tenantId);
  let tenant = existing ?? (await store.upsertTenant({ id: options.tenantId, crm: 'hubspot', name: options.name, mode: options.mode, accountId: null }));
  if (existing && existing.mode !== options.mode) tenant = await store.upsertTenant({ ...existing, mode: options.mode });

  let credentials = (await store.loadCredentials(tenant.id)) as StoredHubSpotCredentials | null;
  let installed = false;
  if (options.authCode || !credentials || credentials.baseUrl !== options.app.baseUrl) {
    if (!options.authCode) throw new Error(`tenant ${tenant.id} has no HubSpot connection for ${options.app.baseUrl}: install the app first`);
    const tokens = await exchangeCode(options.app, options.authCode);
    // Another portal (or a fresh embedded sandbox) shares nothing with what we synced and wrote before.
    if (existing && existing.accountId !== null && (existing.accountId !== tokens.portalId || options.freshAccount)) await store.forgetCrmState(tenant.id);
    credentials = { ...tokens, baseUrl: options.app.baseUrl };
    await store.saveCredentials(tenant.id, { ...credentials });
    tenant = await store.upsertTenant({ ...tenant, accountId: tokens.portalId });
    installed = true;
  }
  const { numeric, categorical } = modelInputs(options.mapping.leadScore);
  const connector = new HubSpotConnector({
    baseUrl: options.app.baseUrl,
    tokens: credentials,
    app: options.app,
    onTokens: (tokens) => store.saveCredentials(tenant.id, { ...tokens, baseUrl: options.app.baseUrl }),
    properties: {
      contact: [...numeric, ...categorical, options.mapping.leadScore.outcome.field, ...options.mapping.leadScore.required],
      ticket: [...options.mapping.sentiment.text, options.mapping.sentiment.time, ...(options.mapping.sentiment.label ? [options.mapping.sentiment.label.field] : [])],
    },
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { tenant, connector, installed };
}
