/**
 * Connecting a tenant to its CRM: the OAuth code exchange at install, encrypted token storage, and a
 * connector whose refreshed tokens are written back to the store.
 */
import { exchangeCode, HubSpotConnector, type HubSpotTokens, type OAuthApp } from '../../connectors/hubspot/index.ts';
import { exchangeSalesforceCode, SalesforceConnector, type SalesforceApp, type SalesforceTokens } from '../../connectors/salesforce/index.ts';
import { crmField } from '../mapping/index.ts';
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
      contact: [...numeric, ...categorical, options.mapping.leadScore.outcome.field, ...options.mapping.leadScore.required, options.mapping.leadScore.emailField],
      ticket: [...options.mapping.sentiment.text, options.mapping.sentiment.time, ...(options.mapping.sentiment.label ? [options.mapping.sentiment.label.field] : [])],
    },
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { tenant, connector, installed };
}

export interface SalesforceTenantOptions {
  tenantId: string;
  name: string;
  mode: TenantMode;
  app: SalesforceApp;
  mapping: Mapping;
  authCode?: string;
  freshAccount?: boolean;
  bulkThreshold?: number;
  bulkEnabled?: boolean;
  log?: (message: string) => void;
}

interface StoredSalesforceCredentials extends SalesforceTokens {
  loginUrl: string;
}

export async function connectSalesforceTenant(store: Store, options: SalesforceTenantOptions): Promise<{ tenant: Tenant; connector: SalesforceConnector; installed: boolean }> {
  const existing = await store.getTenant(options.tenantId);
  let tenant = existing ?? (await store.upsertTenant({ id: options.tenantId, crm: 'salesforce', name: options.name, mode: options.mode, accountId: null }));
  if (existing && existing.mode !== options.mode) tenant = await store.upsertTenant({ ...existing, mode: options.mode });

  let credentials = (await store.loadCredentials(tenant.id)) as StoredSalesforceCredentials | null;
  let installed = false;
  if (options.authCode || !credentials || credentials.loginUrl !== options.app.loginUrl) {
    if (!options.authCode) throw new Error(`tenant ${tenant.id} has no Salesforce connection for ${options.app.loginUrl}: install the app first`);
    const tokens = await exchangeSalesforceCode(options.app, options.authCode);
    if (existing && existing.accountId !== null && (existing.accountId !== tokens.orgId || options.freshAccount)) await store.forgetCrmState(tenant.id);
    credentials = { ...tokens, loginUrl: options.app.loginUrl };
    await store.saveCredentials(tenant.id, { ...credentials });
    tenant = await store.upsertTenant({ ...tenant, accountId: tokens.orgId });
    installed = true;
  }
  const lead = options.mapping.leadScore;
  const { numeric, categorical } = modelInputs(lead);
  const saved = credentials;
  const connector = new SalesforceConnector({
    tokens: credentials,
    app: options.app,
    onTokens: (tokens) => store.saveCredentials(tenant.id, { ...saved, ...tokens }),
    fields: {
      contact: [...[...numeric, ...categorical].map((c) => crmField(lead, c)), lead.outcome.field, ...lead.required, lead.emailField],
      ticket: [...options.mapping.sentiment.text, options.mapping.sentiment.time, ...(options.mapping.sentiment.label ? [options.mapping.sentiment.label.field] : [])],
    },
    ...(options.bulkThreshold !== undefined ? { bulkThreshold: options.bulkThreshold } : {}),
    ...(options.bulkEnabled !== undefined ? { bulkEnabled: options.bulkEnabled } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { tenant, connector, installed };
}
