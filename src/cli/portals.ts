/**
 * The CRM accounts `crm-signals start` works on: the embedded sandboxes by default (a HubSpot portal and a
 * Salesforce org seeded with the same demo people), or a HubSpot API given by URL. Each comes back as a
 * connected tenant ready for cycles.
 */
import { randomBytes } from 'node:crypto';
import { createHubSpotSandbox } from '../../connectors/sandbox/hubspot/index.ts';
import { createSalesforceSandbox } from '../../connectors/sandbox/salesforce/index.ts';
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
    const sandbox = createHubSpotSandbox({ clientId, clientSecret, ...(o.rateLimit ? { rateLimit: { max: o.rateLimit, intervalMs: 10_000 } } : {}) });
    const listening = await sandbox.listen(0);
    baseUrl = listening.url;
    close = listening.close;
    authCode = sandbox.issueAuthCode(redirectUri);
    o.out(`HubSpot sandbox (portal ${sandbox.portalId}) at ${baseUrl}`);
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
  const sandbox = createSalesforceSandbox({ clientId, clientSecret });
  // The managed package is deployed by the admin's install, not through the API: the demo org has it.
  installPackageInto(sandbox);
  const listening = await sandbox.listen(0);
  const redirectUri = `http://localhost:${o.port}/install/salesforce/callback`;
  o.out(`Salesforce sandbox (org ${sandbox.orgId}) at ${listening.url}`);
  const mapping = defaultMapping('salesforce');
  const { tenant, connector } = await connectSalesforceTenant(store, {
    tenantId: 'demo-salesforce',
    name: 'Demo Salesforce org',
    mode: o.shadow ? 'shadow' : 'live',
    app: { loginUrl: listening.url, clientId, clientSecret, redirectUri },
    mapping,
    authCode: sandbox.issueAuthCode(redirectUri),
    freshAccount: true,
    log: o.log,
  });
  const check = await connector.install(OUTPUT_FIELDS);
  o.out(`connected to Salesforce org ${tenant.accountId}: ${check.existing.length} package fields present and writable`);
  return { tenant, connector, mapping, close: listening.close };
}

/** What the crm-signals package deploys: every output field on its Salesforce object, plus the history object. */
export function installPackageInto(sandbox: ReturnType<typeof createSalesforceSandbox>): void {
  if (!sandbox.state.object('Signal_History__c')) {
    sandbox.state.addCustomObject({
      name: 'Signal_History__c',
      label: 'Signal History',
      labelPlural: 'Signal History',
      nameField: { label: 'Signal History #', autoNumberFormat: 'SH-{0000000}' },
      fields: [
        { name: 'Lead__c', label: 'Lead', type: 'reference', referenceTo: 'Lead', childRelationshipName: 'Signal_History__r' },
        { name: 'Contact__c', label: 'Contact', type: 'reference', referenceTo: 'Contact', childRelationshipName: 'Signal_History__r' },
        { name: 'Case__c', label: 'Case', type: 'reference', referenceTo: 'Case', childRelationshipName: 'Signal_History__r' },
        { name: 'Signal__c', label: 'Signal', type: 'string', length: 40 },
        { name: 'Old_Value__c', label: 'Old Value', type: 'string', length: 255 },
        { name: 'New_Value__c', label: 'New Value', type: 'string', length: 255 },
        { name: 'Reasons__c', label: 'Reasons', type: 'textarea', length: 32768 },
        { name: 'Model_Version__c', label: 'Model Version', type: 'string', length: 40 },
        { name: 'Changed_At__c', label: 'Changed At', type: 'datetime' },
        { name: 'External_Id__c', label: 'External Id', type: 'string', length: 64, externalId: true, unique: true },
      ],
    });
  }
  const types = { number: 'double', string: 'string', text: 'textarea', enumeration: 'picklist', datetime: 'datetime' } as const;
  for (const field of OUTPUT_FIELDS) {
    const objects = field.objectType === 'contact' ? ['Lead', 'Contact'] : ['Case'];
    for (const object of objects) {
      if (sandbox.state.field(object, field.salesforceName)) continue;
      sandbox.state.addCustomField(object, {
        name: field.salesforceName,
        label: field.label,
        type: types[field.type],
        ...(field.type === 'number' ? { precision: 18, scale: 2 } : {}),
        ...(field.type === 'text' ? { length: 32768 } : field.type === 'string' ? { length: 255 } : {}),
        ...(field.options ? { picklistValues: field.options.map((o) => ({ value: o.value, label: o.label })) } : {}),
      });
    }
  }
}

export async function connectPortals(store: Store, o: PortalOptions): Promise<ConnectedPortal[]> {
  const out: ConnectedPortal[] = [];
  if (o.crm !== 'salesforce') out.push(await hubspotPortal(store, o));
  if (o.crm !== 'hubspot') out.push(await salesforcePortal(store, o));
  return out;
}
