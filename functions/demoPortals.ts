/**
 * The CRM accounts of the demo: the embedded emulators by default (a HubSpot portal and a Salesforce org
 * seeded with the same demo people), or a HubSpot API given by URL. Each is installed the way an admin's
 * install would (OAuth code exchange, output properties or the managed package), and comes back as a
 * tenant plus the app its connector is built through. The only product file that imports the emulators.
 */
import { randomBytes } from 'node:crypto';
import { APP_LIFECYCLE_EVENT, createHubSpotEmulator, type SubscriptionSpec } from '../connectors/emulators/hubspot/index.ts';
import { createSalesforceEmulator, type FieldType } from '../connectors/emulators/salesforce/index.ts';
import { connectHubSpotTenant, connectSalesforceTenant } from '../src/cli/tenants.ts';
import { hubspotWebhookSubscriptions, SALESFORCE_DESCRIBE_TYPES, SIGNAL_HISTORY, salesforceOutputFields, type SalesforceFieldDescriptor } from '../src/manifests/index.ts';
import { appSubscriptions } from '../src/pipeline/changeFeed.ts';
import { OUTPUT_FIELDS } from '../src/domain/outputFields.ts';
import type { Store, Tenant } from '../src/store/types.ts';
import type { Config } from './config.ts';
import { savedAccount } from './demoAccounts.ts';
import { rateWindow, type ConnectorCache, type CrmAppConfig, type CrmApps } from './wiring.ts';
import type { Connector } from '../connectors/connector.ts';
import { defaultMapping, type Mapping } from '../src/mapping/index.ts';

export interface DemoPortals {
  tenants: Tenant[];
  apps: CrmApps;
  /** The connectors the installs used: cycles go on with them (one rate limiter per portal). */
  connectors: ConnectorCache;
  /** The HubSpot app as the HTTP app needs it (its secret verifies webhooks and card calls), when the demo has a HubSpot portal. */
  hubspotSecrets?: { clientSecret: string; appId?: string };
  /** Points the embedded HubSpot portal's signed webhooks at the service (`<public URL>/webhooks/hubspot`). */
  sendWebhooksTo(url: string): void;
  /** Saves the emulated accounts' state (after each cycle and at close), so the next start resumes them. */
  persist(): Promise<void>;
  close(): Promise<void>;
}

interface Io {
  out: (line: string) => void;
  log: (message: string) => void;
}

interface Installed<App> {
  tenant: Tenant;
  app: App;
  mapping: Mapping;
  connector: Connector;
  persist: () => Promise<void>;
  close: () => Promise<void>;
  webhooksTo?: (url: string) => void;
  appId?: string;
}

const HUBSPOT_TENANT = 'demo-hubspot';
const SALESFORCE_TENANT = 'demo-salesforce';

/** The demo's own OAuth client, made up for this process only. */
const demoClient = () => ({ clientId: 'crm-signals-demo', clientSecret: randomBytes(16).toString('hex') });

/** --demo-contacts seeds a new account; a saved one comes back with the people it had. */
const restoredNote = (dataDir: string) => `--demo-contacts applies to a new demo account: this one was restored as saved (use another --data-dir, or empty ${dataDir}, to seed a new one)`;

async function hubspotPortal(store: Store, config: Config, io: Io): Promise<Installed<CrmAppConfig & { app: { clientSecret: string } }>> {
  const redirectUri = config.hubspot.redirectUri;
  let baseUrl = config.hubspot.apiUrl;
  let authCode = config.hubspot.authCode;
  let { clientId, clientSecret } = config.hubspot;
  let close = async () => {};
  let persist = async () => {};
  let freshAccount = false;
  let webhooksTo: ((url: string) => void) | undefined;
  let appId = config.hubspot.appId;
  if (!baseUrl) {
    ({ clientId, clientSecret } = demoClient());
    const saved = await savedAccount(store, config.dataDir, 'hubspot', HUBSPOT_TENANT);
    const emulator = createHubSpotEmulator({
      clientId,
      clientSecret,
      ...(saved.restore ? { restore: saved.restore } : {}),
      ...(config.demoContacts ? { contacts: config.demoContacts } : {}),
      ...(config.rateLimit ? { rateLimit: rateWindow(config.rateLimit) } : {}),
      webhooks: { subscriptions: manifestSubscriptions() },
    });
    const listening = await emulator.listen(0);
    baseUrl = listening.url;
    persist = () => saved.save(emulator.state.toJSON());
    close = listening.close;
    freshAccount = saved.restore === null;
    authCode = emulator.issueAuthCode(redirectUri);
    webhooksTo = (url) => emulator.webhooks.setTarget(url);
    appId = String(emulator.appId);
    io.out(`HubSpot emulator (portal ${emulator.portalId}${saved.restore ? ', as the last run left it' : ''}) at ${baseUrl}`);
    if (saved.restore && config.demoContacts) io.out(restoredNote(config.dataDir));
  }
  if (!clientId || !clientSecret) throw new Error('a HubSpot URL needs --client-id and --client-secret (or HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET)');
  const limit = config.rateLimit ? rateWindow(config.rateLimit) : undefined;
  const app = { app: { baseUrl, clientId, clientSecret, redirectUri }, ...(limit ? { settings: { limit } } : {}) };
  // The install reads with the CRM's default mapping; the cycles use the tenant's own (the runner reconnects when it differs).
  const mapping = defaultMapping('hubspot');
  const { tenant, connector, installed } = await connectHubSpotTenant(store, {
    tenantId: HUBSPOT_TENANT,
    name: 'Demo HubSpot portal',
    mode: config.shadow ? 'shadow' : 'live',
    app: app.app,
    mapping,
    ...(authCode ? { authCode } : {}),
    freshAccount,
    ...(limit ? { limit } : {}),
    log: io.log,
  });
  if (installed && config.dryRun) {
    // A dry run changes nothing in the CRM, its schema included: the properties wait for a real run.
    io.out(`dry run: the output properties are not created in HubSpot portal ${tenant.accountId}`);
  } else if (installed) {
    const result = await connector.install(OUTPUT_FIELDS);
    io.out(`installed into HubSpot portal ${tenant.accountId}: ${result.created.length} properties created, ${result.existing.length} already there`);
  }
  return { tenant, app, mapping, connector, persist, close, ...(webhooksTo ? { webhooksTo } : {}), ...(appId ? { appId } : {}) };
}

async function salesforcePortal(store: Store, config: Config, io: Io): Promise<Installed<CrmAppConfig>> {
  const { clientId, clientSecret } = demoClient();
  const saved = await savedAccount(store, config.dataDir, 'salesforce', SALESFORCE_TENANT);
  const emulator = createSalesforceEmulator({ clientId, clientSecret, ...(saved.restore ? { restore: saved.restore } : {}), ...(config.demoContacts ? { leads: config.demoContacts } : {}) });
  // The managed package is deployed by the admin's install, not through the API: the demo org has it.
  installPackageInto(emulator);
  const listening = await emulator.listen(0);
  const redirectUri = config.salesforce.redirectUri;
  io.out(`Salesforce emulator (org ${emulator.orgId}${saved.restore ? ', as the last run left it' : ''}) at ${listening.url}`);
  if (saved.restore && config.demoContacts) io.out(restoredNote(config.dataDir));
  const app = { app: { loginUrl: listening.url, clientId, clientSecret, redirectUri } };
  const mapping = defaultMapping('salesforce');
  const { tenant, connector } = await connectSalesforceTenant(store, {
    tenantId: SALESFORCE_TENANT,
    name: 'Demo Salesforce org',
    mode: config.shadow ? 'shadow' : 'live',
    app: app.app,
    mapping,
    authCode: emulator.issueAuthCode(redirectUri),
    freshAccount: saved.restore === null,
    log: io.log,
  });
  const check = await connector.install(OUTPUT_FIELDS);
  io.out(`connected to Salesforce org ${tenant.accountId}: ${check.existing.length} package fields present and writable`);
  return { tenant, app, mapping, connector, persist: () => saved.save(emulator.state.toJSON()), close: listening.close };
}

/**
 * What the crm-signals managed package deploys (the same descriptors the manifests are generated from),
 * installed into an emulator org the way an admin's package install would.
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

export async function installDemoPortals(store: Store, config: Config, io: Io): Promise<DemoPortals> {
  const tenants: Tenant[] = [];
  const apps: CrmApps = {};
  const connectors: ConnectorCache = new Map();
  const closers: Array<() => Promise<void>> = [];
  const persisters: Array<() => Promise<void>> = [];
  let hubspotSecrets: DemoPortals['hubspotSecrets'];
  let webhooksTo: (url: string) => void = () => undefined;
  const keep = (installed: Installed<unknown>) => {
    tenants.push(installed.tenant);
    connectors.set(installed.tenant.id, { mapping: installed.mapping, connector: installed.connector });
    persisters.push(installed.persist);
    closers.push(installed.close);
  };
  const persist = async () => {
    for (const save of persisters) await save();
  };
  try {
    if (config.crm !== 'salesforce') {
      const h = await hubspotPortal(store, config, io);
      apps.hubspot = h.app;
      hubspotSecrets = { clientSecret: h.app.app.clientSecret, ...(h.appId ? { appId: h.appId } : {}) };
      if (h.webhooksTo) webhooksTo = h.webhooksTo;
      keep(h);
    }
    if (config.crm !== 'hubspot') {
      const s = await salesforcePortal(store, config, io);
      apps.salesforce = s.app;
      keep(s);
    }
  } catch (error) {
    for (const close of closers) await close();
    throw error;
  }
  return {
    tenants,
    apps,
    connectors,
    ...(hubspotSecrets ? { hubspotSecrets } : {}),
    sendWebhooksTo: (url) => webhooksTo(url),
    persist,
    close: async () => {
      await persist();
      for (const close of closers) await close();
    },
  };
}

/** The event kinds the emulator sends (HubSpot sends restore and associationChange too). */
const EMULATED_KINDS = new Set(['creation', 'deletion', 'merge', 'propertyChange']);

/**
 * The portal delivers what the app's manifest subscribes to, as HubSpot would: changes of the mapped
 * input properties only, so the change feed of the demo is tested by the same events a real portal sends.
 */
export function manifestSubscriptions(): SubscriptionSpec[] {
  const { crmObjects, hubEvents } = hubspotWebhookSubscriptions(appSubscriptions());
  const objectEvents = crmObjects.flatMap((s) => {
    const kind = s.subscriptionType.replace(/^object\./, '');
    return EMULATED_KINDS.has(kind) ? [{ subscriptionType: `${s.objectType}.${kind}`, ...(s.propertyName ? { propertyName: s.propertyName } : {}) }] : [];
  });
  return [...objectEvents, ...hubEvents.map((e) => ({ subscriptionType: e.subscriptionType })), { subscriptionType: APP_LIFECYCLE_EVENT }];
}
