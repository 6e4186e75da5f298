/**
 * Connecting a tenant to its CRM, for every CRM in the registry: the OAuth code exchange at install,
 * encrypted credential storage, and a connector whose refreshed tokens are written back to the store.
 * The CRM's profile supplies the app's credentials check, the code exchange and the connector.
 */
import type { Connector } from '../../connectors/connector.ts';
import { profileOf } from '../../connectors/registry.ts';
import { readFields, type Mapping } from '../mapping/index.ts';
import type { Store, Tenant, TenantMode } from '../store/types.ts';

export interface ConnectTenantOptions {
  /** Checked against the registry: a CRM without a profile is refused by name. */
  crm: string;
  tenantId: string;
  name: string;
  mode: TenantMode;
  mapping: Mapping;
  /** The CRM app's credentials (see the profile's AppCredentials); validated here, before any request. */
  app: unknown;
  /** The CRM's own connection settings (a HubSpot rate limit, Salesforce Bulk API use). */
  settings?: Record<string, unknown>;
  /** A fresh authorization code (install); without one, stored credentials are used. */
  authCode?: string;
  /** The account is new even if its id is not (the embedded emulators start from their seed every time). */
  freshAccount?: boolean;
  log?: (message: string) => void;
}

export interface ConnectedTenant {
  tenant: Tenant;
  connector: Connector;
  /** True when this call exchanged a code (a new install or a re-install). */
  installed: boolean;
}

export async function connectTenant(store: Store, options: ConnectTenantOptions): Promise<ConnectedTenant> {
  const profile = profileOf(options.crm);
  const app = profile.app(options.app);
  if (options.mapping.crm !== profile.crm) throw new Error(`tenant ${options.tenantId}: a ${options.mapping.crm} field mapping cannot drive a ${profile.label} connection`);

  const existing = await store.getTenant(options.tenantId);
  if (existing && existing.crm !== profile.crm) throw new Error(`tenant ${options.tenantId} is connected to ${existing.crm}, not ${profile.crm}`);
  let tenant = existing ?? (await store.upsertTenant({ id: options.tenantId, crm: profile.crm, name: options.name, mode: options.mode, accountId: null }));
  if (existing && existing.mode !== options.mode) tenant = await store.upsertTenant({ ...existing, mode: options.mode });

  let credentials = app.usable(await store.loadCredentials(tenant.id));
  let installed = false;
  if (options.authCode || !credentials) {
    if (!options.authCode) throw new Error(`tenant ${tenant.id} has no ${profile.label} connection for ${app.endpoint}: install the app first`);
    const exchanged = await app.exchangeCode(options.authCode);
    // Another account (or a fresh embedded emulator) shares nothing with what we synced and wrote before.
    if (existing && existing.accountId !== null && (existing.accountId !== exchanged.accountId || options.freshAccount)) await store.forgetCrmState(tenant.id);
    credentials = exchanged.credentials;
    await store.saveCredentials(tenant.id, credentials);
    tenant = await store.upsertTenant({ ...tenant, accountId: exchanged.accountId });
    installed = true;
  }
  const connector = app.connect(credentials, {
    fields: readFields(options.mapping),
    onCredentials: (fresh) => store.saveCredentials(tenant.id, fresh),
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { tenant, connector, installed };
}
