/**
 * The CRM accounts `crm-signals start` works on: the embedded emulators by default (a HubSpot portal and a
 * Salesforce org seeded with the same demo people), or a HubSpot API given by URL. Each comes back as a
 * connected tenant ready for cycles.
 */
import { randomBytes } from 'node:crypto';
import { createHubSpotEmulator } from '../../connectors/emulators/hubspot/index.ts';
import { createSalesforceEmulator, type FieldType } from '../../connectors/emulators/salesforce/index.ts';
import { SALESFORCE_DESCRIBE_TYPES, SIGNAL_HISTORY, salesforceOutputFields, type SalesforceFieldDescriptor } from '../manifests/index.ts';
import type { Connector } from '../../connectors/connector.ts';
import { OUTPUT_FIELDS } from '../domain/outputFields.ts';
import { defaultMapping, type Mapping } from '../mapping/index.ts';
import type { Store, Tenant } from '../store/types.ts';
import { connectHubSpotTenant, connectSalesforceTenant } from './tenants.ts';

export type CrmChoice = 'hubspot' | 'salesforce' | 'both';

export interface PortalOptions {
  crm: CrmChoice;
  port: number;
  shadow: boolean;
  hubspotUrl?: string;
  authCode?: string;
  clientId?: string;
  clientSecret?: string;
  rateLimit?: number;
  out: (line: string) => void;
  log: (message: string) => void;
}

export interface ConnectedPortal {
  tenant: Tenant;
  connector: Connector;
  mapping: Mapping;
  close: () => Promise<void>;
}

async function hubspotPortal(store: Store, o: PortalOptions): Promise<ConnectedPortal> {
  let baseUrl = o.hubspotUrl;
  let authCode = o.authCode;
  let clientId = o.clientId ?? process.env.HUBSPOT_CLIENT_ID;
  let clientSecret = o.clientSecret ?? process.env.HUBSPOT_CLIENT_SECRET;
  let close = async () => {};
  const redirectUri = `http://localhost:${o.port}/install/hubspot/callback`;
  if (!baseUrl) {
    // The embedded demo portal; its OAuth client is made up for this process only.
    clientId = 'crm-signals-demo';
    clientSecret = randomBytes(16).toString('hex');
    const emulator = createHubSpotEmulator({ clientId, clientSecret, ...(o.rateLimit ? { rateLimit: { max: o.rateLimit, intervalMs: 10_000 } } : {}) });
    const listening = await emulator.listen(0);
    baseUrl = listening.url;
    close = listening.close;
    authCode = emulator.issueAuthCode(redirectUri);
    o.out(`HubSpot emulator (portal ${emulator.portalId}) at ${baseUrl}`);
  }
  if (!clientId || !clientSecret) throw new Error('a HubSpot URL needs --client-id and --client-secret (or HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET)');
  const mapping = defaultMapping('hubspot');
  const { tenant, connector, installed } = await connectHubSpotTenant(store, {
    tenantId: 'demo-hubspot',
    name: 'Demo HubSpot portal',
    mode: o.shadow ? 'shadow' : 'live',
    app: { baseUrl, clientId, clientSecret, redirectUri },
    mapping,
    ...(authCode ? { authCode } : {}),
    freshAccount: !o.hubspotUrl,
    ...(o.rateLimit ? { limit: { max: o.rateLimit, intervalMs: 10_000 } } : {}),
    log: o.log,
  });
  if (installed) {
    const result = await connector.install(OUTPUT_FIELDS);
    o.out(`installed into HubSpot portal ${tenant.accountId}: ${result.created.length} properties created, ${result.existing.length} already there`);
  }
  return { tenant, connector, mapping, close };
}

async function salesforcePortal(store: Store, o: PortalOptions): Promise<ConnectedPortal> {
  const clientId = 'crm-signals-demo';
  const clientSecret = randomBytes(16).toString('hex');
  const emulator = createSalesforceEmulator({ clientId, clientSecret });
  // The managed package is deployed by the admin's install, not through the API: the demo org has it.
  installPackageInto(emulator);
  const listening = await emulator.listen(0);
  const redirectUri = `http://localhost:${o.port}/install/salesforce/callback`;
  o.out(`Salesforce emulator (org ${emulator.orgId}) at ${listening.url}`);
  const mapping = defaultMapping('salesforce');
  const { tenant, connector } = await connectSalesforceTenant(store, {
    tenantId: 'demo-salesforce',
    name: 'Demo Salesforce org',
    mode: o.shadow ? 'shadow' : 'live',
    app: { loginUrl: listening.url, clientId, clientSecret, redirectUri },
    mapping,
    authCode: emulator.issueAuthCode(redirectUri),
    freshAccount: true,
    log: o.log,
  });
  const check = await connector.install(OUTPUT_FIELDS);
  o.out(`connected to Salesforce org ${tenant.accountId}: ${check.existing.length} package fields present and writable`);
  return { tenant, connector, mapping, close: listening.close };
}

/**
 * What the crm-signals managed package deploys (the same descriptors the manifests are generated from),
 * installed into a emulator org the way an admin's package install would.
 */
export function installPackageInto(emulator: ReturnType<typeof createSalesforceEmulator>): void {
  const toInput = (f: SalesforceFieldDescriptor) => ({
    name: f.apiName,
    label: f.label,
    type: SALESFORCE_DESCRIBE_TYPES[f.type] as FieldType,
    ...(f.length !== undefined ? { length: f.length } : {}),
    ...(f.precision !== undefined ? { precision: f.precision, scale: f.scale ?? 0 } : {}),
    ...(f.picklistValues ? { picklistValues: f.picklistValues } : {}),
    ...(f.restricted !== undefined ? { restricted: f.restricted } : {}),
    ...(f.referenceTo ? { referenceTo: f.referenceTo, childRelationshipName: 'Signal_History__r' } : {}),
    ...(f.externalId ? { externalId: true } : {}),
    ...(f.unique ? { unique: true } : {}),
  });
  if (!emulator.state.object(SIGNAL_HISTORY.apiName)) {
    emulator.state.addCustomObject({
      name: SIGNAL_HISTORY.apiName,
      label: SIGNAL_HISTORY.label,
      labelPlural: SIGNAL_HISTORY.pluralLabel,
      nameField: { label: SIGNAL_HISTORY.nameField.label, autoNumberFormat: SIGNAL_HISTORY.nameField.displayFormat },
      fields: SIGNAL_HISTORY.fields.map(toInput),
    });
  }
  for (const field of salesforceOutputFields()) {
    if (!emulator.state.field(field.object, field.apiName)) emulator.state.addCustomField(field.object, toInput(field));
  }
}

export async function connectPortals(store: Store, o: PortalOptions): Promise<ConnectedPortal[]> {
  const out: ConnectedPortal[] = [];
  if (o.crm !== 'salesforce') out.push(await hubspotPortal(store, o));
  if (o.crm !== 'hubspot') out.push(await salesforcePortal(store, o));
  return out;
}
