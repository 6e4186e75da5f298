/**
 * Connecting a tenant to its CRM, for every CRM in the registry: the OAuth code exchange at install,
 * encrypted credential storage, and a connector whose refreshed tokens are written back to the store.
 * The CRM's profile supplies the app's credentials check, the code exchange and the connector.
 */
import type { Connector } from '../../connectors/connector.ts';
import type { CrmApp, StoredCredentials } from '../../connectors/profile.ts';
import { profileOf } from '../../connectors/registry.ts';
import { readFields, type Mapping } from '../mapping/index.ts';
import type { Store, Tenant, TenantMode } from '../store/types.ts';
import type { Crm } from '../domain/records.ts';

/** Where a deployment configures each CRM's app (functions/config.ts reads them): named when one is missing. */
export const APP_SETTINGS: Record<Crm, string> = {
  hubspot: 'HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET',
  salesforce: 'SALESFORCE_CONSUMER_KEY, SALESFORCE_CONSUMER_SECRET',
};

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

  const stored = existing ? app.usable(await store.loadCredentials(existing.id)) : null;
  let tenant: Tenant;
  let credentials: StoredCredentials;
  let installed = false;
  if (existing && stored && !options.authCode) {
    tenant = existing.mode === options.mode ? existing : await store.upsertTenant({ ...existing, mode: options.mode });
    credentials = stored;
  } else {
    if (!options.authCode) throw new Error(`tenant ${options.tenantId} has no ${profile.label} connection for ${app.endpoint}: install the app first`);
    // The code is exchanged before anything is stored, and all the install keeps is saved in one
    // transaction: a crash at any point leaves no trace or a complete connection, never a tenant that
    // cannot connect (the spent code cannot be exchanged again; a fresh one then installs).
    const exchanged = await app.exchangeCode(options.authCode);
    // Another account (or a fresh embedded emulator) shares nothing with what we synced and wrote before.
    const forgetCrmState = existing !== null && existing.accountId !== null && (existing.accountId !== exchanged.accountId || options.freshAccount === true);
    const row = existing ?? { id: options.tenantId, crm: profile.crm, name: options.name };
    credentials = exchanged.credentials;
    tenant = await store.saveInstall({ id: row.id, crm: row.crm, name: row.name, mode: options.mode, accountId: exchanged.accountId }, credentials, { forgetCrmState });
    installed = true;
  }
  const connector = connectorOn(store, tenant, app, credentials, options);
  return { tenant, connector, installed };
}

/** The tenant's connector on its credentials; refreshed tokens are sealed into the store as they come. */
export function connectorOn(
  store: Store,
  tenant: Tenant,
  app: CrmApp,
  credentials: StoredCredentials,
  options: { mapping: Mapping; settings?: Record<string, unknown>; log?: (message: string) => void },
): Connector {
  return app.connect(credentials, {
    fields: readFields(options.mapping),
    onCredentials: (fresh) => store.saveCredentials(tenant.id, fresh),
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}
