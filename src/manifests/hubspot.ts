/**
 * The generated files of the HubSpot developer-platform project (platformVersion 2026.03): the
 * marketplace app with its OAuth scopes, the webhook subscriptions, the card's declaration and
 * endpoint, and the property definitions our backend installs through the properties API.
 * hsproject.json and the card's source are hand-written (manifests/README.md).
 * https://developers.hubspot.com/docs/apps/developer-platform/build-apps/app-configuration
 */
import { OUTPUT_FIELDS, OUTPUT_GROUP, type OutputField, type OutputFieldType } from '../domain/outputFields.ts';
import type { ObjectType } from '../domain/records.ts';
import { BACKEND_PATHS, BACKEND_URL_PLACEHOLDER, backendOrigin, isServed, SUPPORT } from './backend.ts';
import { json, sortedFiles, type ManifestFiles } from './files.ts';
import { hubspotCardFiles } from './hubspotCard.ts';

export const HUBSPOT_PLATFORM_VERSION = '2026.03';

export const HUBSPOT_APP = {
  projectName: 'crm-signals',
  appUid: 'crm_signals_app',
  webhooksUid: 'crm_signals_webhooks',
  name: 'crm-signals',
  description:
    'Lead scores with the reasons behind them, segments, product recommendations and feedback sentiment, written into your contacts and tickets as properties.',
} as const;

/** HubSpot's plural object type names (paths, property APIs, card objectTypes). */
export const HUBSPOT_OBJECT_TYPES: Record<ObjectType, string> = {
  contact: 'contacts',
  deal: 'deals',
  ticket: 'tickets',
  product: 'products',
};

// ---- OAuth scopes ---------------------------------------------------------------------------

/** Per object: the scopes to read it, to write its records, and to create its properties. */
const OBJECT_SCOPES: Record<ObjectType, { read: string[]; write: string[]; schema: string[] }> = {
  contact: { read: ['crm.objects.contacts.read'], write: ['crm.objects.contacts.write'], schema: ['crm.schemas.contacts.write'] },
  // Deals come with their line items (recommendations are bought products).
  deal: { read: ['crm.objects.deals.read', 'crm.objects.line_items.read'], write: ['crm.objects.deals.write'], schema: ['crm.schemas.deals.write'] },
  // "tickets" is the only scope the ticket endpoints list, for reading and writing alike.
  ticket: { read: ['tickets'], write: ['tickets'], schema: ['crm.schemas.tickets.write'] },
  product: { read: ['crm.objects.products.read'], write: ['crm.objects.products.write'], schema: ['crm.schemas.products.write'] },
};

/**
 * The scopes the connector needs: read every object it syncs, write and create properties on every
 * object an output field lives on. `oauth` first, the rest sorted. Adding one forces every existing
 * install to re-authorize, so the test pins the list.
 */
export function hubspotScopesFor(reads: readonly ObjectType[], writes: readonly ObjectType[]): string[] {
  const scopes = new Set<string>();
  for (const o of reads) for (const s of OBJECT_SCOPES[o].read) scopes.add(s);
  for (const o of writes) for (const s of [...OBJECT_SCOPES[o].write, ...OBJECT_SCOPES[o].schema]) scopes.add(s);
  return ['oauth', ...[...scopes].sort()];
}

/** The objects the connector reads (connectors/hubspot/objects.ts HUBSPOT_OBJECTS). */
export const HUBSPOT_READ_OBJECTS: readonly ObjectType[] = ['contact', 'deal', 'ticket', 'product'];

/**
 * The one list of required scopes: app-hsmeta.json's requiredScopes and the OAuth authorize URL are
 * both built from it (a scope in the URL that the app does not declare blocks the install).
 */
export const HUBSPOT_REQUIRED_SCOPES: readonly string[] = Object.freeze(
  hubspotScopesFor(HUBSPOT_READ_OBJECTS, [...new Set(OUTPUT_FIELDS.map((f) => f.objectType))]),
);
export const HUBSPOT_OPTIONAL_SCOPES: readonly string[] = Object.freeze([]);
export const HUBSPOT_CONDITIONALLY_REQUIRED_SCOPES: readonly string[] = Object.freeze([]);

/** https://app.hubspot.com/oauth/authorize?client_id=...&scope=...&redirect_uri=...&state=... (scopes space-separated). */
export function hubspotAuthorizeUrl(options: { clientId: string; redirectUri: string; state?: string; authorizeUrl?: string }): string {
  const params: [string, string][] = [
    ['client_id', options.clientId],
    ['scope', HUBSPOT_REQUIRED_SCOPES.join(' ')],
    ['redirect_uri', options.redirectUri],
  ];
  if (HUBSPOT_OPTIONAL_SCOPES.length > 0) params.push(['optional_scope', HUBSPOT_OPTIONAL_SCOPES.join(' ')]);
  if (options.state !== undefined) params.push(['state', options.state]);
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${options.authorizeUrl ?? 'https://app.hubspot.com/oauth/authorize'}?${query}`;
}

// ---- properties -----------------------------------------------------------------------------

/** Output field type -> HubSpot property type and field type (the same table as connectors/hubspot/install.ts). */
export const HUBSPOT_PROPERTY_TYPES: Readonly<Record<OutputFieldType, { type: string; fieldType: string }>> = {
  number: { type: 'number', fieldType: 'number' },
  string: { type: 'string', fieldType: 'text' },
  text: { type: 'string', fieldType: 'textarea' },
  enumeration: { type: 'enumeration', fieldType: 'select' },
  datetime: { type: 'datetime', fieldType: 'date' },
};

export interface HubSpotPropertyDefinition {
  name: string;
  label: string;
  description: string;
  groupName: string;
  type: string;
  fieldType: string;
  formField: boolean;
  options?: { value: string; label: string; hidden: boolean; displayOrder: number }[];
}

/** The body of POST /crm/v3/properties/{objectType} for an output field. */
export function hubspotPropertyDefinition(field: OutputField): HubSpotPropertyDefinition {
  const { type, fieldType } = HUBSPOT_PROPERTY_TYPES[field.type];
  return {
    name: field.names.hubspot,
    label: field.label,
    description: field.description,
    groupName: OUTPUT_GROUP.hubspotName,
    type,
    fieldType,
    formField: false,
    ...(field.options ? { options: field.options.map((o, i) => ({ ...o, hidden: false, displayOrder: i })) } : {}),
  };
}

/** properties.json: per HubSpot object type, the property group and the property definitions. */
export function hubspotPropertiesFile(fields: readonly OutputField[] = OUTPUT_FIELDS): unknown {
  const objectTypes = [...new Set(fields.map((f) => f.objectType))].sort();
  return {
    generatedFrom: 'src/domain/outputFields.ts',
    objects: Object.fromEntries(
      objectTypes.map((o) => [
        HUBSPOT_OBJECT_TYPES[o],
        {
          group: { name: OUTPUT_GROUP.hubspotName, label: OUTPUT_GROUP.label, displayOrder: -1 },
          properties: fields.filter((f) => f.objectType === o).map(hubspotPropertyDefinition),
        },
      ]),
    ),
  };
}

// ---- webhooks -------------------------------------------------------------------------------

/** The HubSpot properties that feed the models, per object: the only properties worth a propertyChange event. */
export interface HubSpotWebhookInputs {
  contact: readonly string[];
  deal: readonly string[];
  ticket: readonly string[];
}

export interface CrmObjectSubscription {
  subscriptionType: string;
  objectType: string;
  propertyName?: string;
  active: boolean;
}

const OBJECT_EVENTS: Record<keyof HubSpotWebhookInputs, string[]> = {
  contact: ['creation', 'deletion', 'merge', 'restore'],
  // Deal <-> contact and deal <-> line item links change recommendations without moving the deal's
  // last-modified date; ticket <-> contact links move a contact's feedback sentiment.
  deal: ['creation', 'deletion', 'merge', 'restore', 'associationChange'],
  ticket: ['creation', 'deletion', 'merge', 'restore', 'associationChange'],
};

/** Properties that change on every write, ours included: subscribing to them would echo our own writes. */
const VOLATILE = /^(hs_)?lastmodifieddate$|^hs_updated_by_user_id$|^hs_object_id$/;

/**
 * The subscriptions: record lifecycle per object, propertyChange only for input properties, and
 * contact.privacyDeletion. An output property in the inputs is refused: our own write-back would come
 * back as a propertyChange and re-trigger scoring.
 */
export function hubspotWebhookSubscriptions(inputs: HubSpotWebhookInputs): { crmObjects: CrmObjectSubscription[]; hubEvents: { subscriptionType: string; active: boolean }[] } {
  const outputs = new Set(OUTPUT_FIELDS.map((f) => f.names.hubspot));
  const crmObjects: CrmObjectSubscription[] = [];
  for (const objectType of ['contact', 'deal', 'ticket'] as const) {
    for (const event of OBJECT_EVENTS[objectType]) crmObjects.push({ subscriptionType: `object.${event}`, objectType, active: true });
    for (const propertyName of [...new Set(inputs[objectType])].sort()) {
      if (outputs.has(propertyName)) throw new Error(`webhook input "${objectType}.${propertyName}" is an output property: our own writes would echo back as events`);
      if (VOLATILE.test(propertyName)) throw new Error(`webhook input "${objectType}.${propertyName}" changes on every write, ours included`);
      crmObjects.push({ subscriptionType: 'object.propertyChange', objectType, propertyName, active: true });
    }
  }
  return { crmObjects, hubEvents: [{ subscriptionType: 'contact.privacyDeletion', active: true }] };
}

// ---- the project ----------------------------------------------------------------------------

export interface HubSpotProjectOptions {
  webhookInputs: HubSpotWebhookInputs;
  /** The paths src/server answers: a component that needs another path is left out. */
  servedPaths: readonly string[];
  /** Defaults to the placeholder host. */
  backendUrl?: string;
  /** The output fields of properties.json; defaults to src/domain/outputFields.ts. */
  fields?: readonly OutputField[];
}

/**
 * Generated files of manifests/hubspot, relative to it. Each backend URL is named only if its path is
 * served: the OAuth redirect, the webhooks component (its target) and the card component (its fetch).
 */
export function hubspotProject(options: HubSpotProjectOptions): ManifestFiles {
  const backend = backendOrigin(options.backendUrl ?? BACKEND_URL_PLACEHOLDER);
  const served = (path: string) => isServed(path, options.servedPaths);
  const cardServed = served(BACKEND_PATHS.hubspotContactCard);
  // Built even when not served: an output property among the inputs is an error either way.
  const subscriptions = hubspotWebhookSubscriptions(options.webhookInputs);
  const files: ManifestFiles = {
    'src/app/app-hsmeta.json': json({
      uid: HUBSPOT_APP.appUid,
      type: 'app',
      config: {
        name: HUBSPOT_APP.name,
        description: HUBSPOT_APP.description,
        distribution: 'marketplace',
        auth: {
          type: 'oauth',
          redirectUrls: served(BACKEND_PATHS.hubspotOAuthCallback) ? [`${backend}${BACKEND_PATHS.hubspotOAuthCallback}`] : [],
          requiredScopes: [...HUBSPOT_REQUIRED_SCOPES],
          optionalScopes: [...HUBSPOT_OPTIONAL_SCOPES],
          conditionallyRequiredScopes: [...HUBSPOT_CONDITIONALLY_REQUIRED_SCOPES],
        },
        // Only the card calls hubspot.fetch.
        permittedUrls: { fetch: cardServed ? [backend] : [], iframe: [], img: [] },
        support: {
          supportEmail: SUPPORT.email,
          documentationUrl: `${SUPPORT.website}${SUPPORT.documentationPath}`,
          supportUrl: `${SUPPORT.website}${SUPPORT.supportPath}`,
          supportPhone: SUPPORT.phone,
        },
      },
    }),
    ...hubspotCardFiles(backend, cardServed),
    'properties.json': json(hubspotPropertiesFile(options.fields)),
  };
  if (served(BACKEND_PATHS.hubspotWebhooks)) {
    files['src/app/webhooks/webhooks-hsmeta.json'] = json({
      uid: HUBSPOT_APP.webhooksUid,
      type: 'webhooks',
      config: {
        settings: { targetUrl: `${backend}${BACKEND_PATHS.hubspotWebhooks}`, maxConcurrentRequests: 10 },
        subscriptions,
      },
    });
  }
  return sortedFiles(files);
}
