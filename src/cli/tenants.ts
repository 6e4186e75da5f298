/**
 * Typed entry points for the two CRMs of today, over the CRM-agnostic connectTenant
 * (src/pipeline/connect.ts): the options callers know per CRM, and the CRM's own connector back.
 */
import { HubSpotConnector } from '../../connectors/hubspot/index.ts';
import type { HubSpotAppCredentials } from '../../connectors/hubspot/oauth.ts';
import { SalesforceConnector } from '../../connectors/salesforce/index.ts';
import type { SalesforceAppCredentials } from '../../connectors/salesforce/oauth.ts';
import type { WindowLimit } from '../../connectors/shared/rateLimiter.ts';
import { connectTenant, type ConnectTenantOptions } from '../pipeline/connect.ts';
import type { Store, Tenant } from '../store/types.ts';

type TenantOptions = Omit<ConnectTenantOptions, 'crm' | 'app' | 'settings'>;

export interface HubSpotTenantOptions extends TenantOptions {
  app: HubSpotAppCredentials;
  limit?: WindowLimit;
}

export interface SalesforceTenantOptions extends TenantOptions {
  app: SalesforceAppCredentials;
  bulkThreshold?: number;
  bulkEnabled?: boolean;
}

export async function connectHubSpotTenant(store: Store, options: HubSpotTenantOptions): Promise<{ tenant: Tenant; connector: HubSpotConnector; installed: boolean }> {
  const { limit, ...rest } = options;
  const { tenant, connector, installed } = await connectTenant(store, { ...rest, crm: 'hubspot', ...(limit ? { settings: { limit } } : {}) });
  if (!(connector instanceof HubSpotConnector)) throw new Error(`the hubspot profile built a ${connector.crm} connector`);
  return { tenant, connector, installed };
}

export async function connectSalesforceTenant(store: Store, options: SalesforceTenantOptions): Promise<{ tenant: Tenant; connector: SalesforceConnector; installed: boolean }> {
  const { bulkThreshold, bulkEnabled, ...rest } = options;
  const settings = { ...(bulkThreshold !== undefined ? { bulkThreshold } : {}), ...(bulkEnabled !== undefined ? { bulkEnabled } : {}) };
  const { tenant, connector, installed } = await connectTenant(store, { ...rest, crm: 'salesforce', settings });
  if (!(connector instanceof SalesforceConnector)) throw new Error(`the salesforce profile built a ${connector.crm} connector`);
  return { tenant, connector, installed };
}
