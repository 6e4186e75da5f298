/**
 * The HubSpot project: properties generated with the connector's own type mapping, scopes from the one
 * constant, webhook subscriptions that can never echo our own writes, and components (OAuth redirect,
 * webhooks, card) declared only for the backend paths the server serves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { propertyDefinition } from '../../connectors/hubspot/install.ts';
import { HUBSPOT_OBJECTS } from '../../connectors/hubspot/objects.ts';
import {
  BACKEND_PATHS,
  BACKEND_URL_PLACEHOLDER,
  HUBSPOT_CARD,
  HUBSPOT_OBJECT_TYPES,
  HUBSPOT_PLATFORM_VERSION,
  HUBSPOT_PROPERTY_TYPES,
  HUBSPOT_READ_OBJECTS,
  HUBSPOT_REQUIRED_SCOPES,
  hubspotAuthorizeUrl,
  hubspotProject,
  hubspotPropertyDefinition,
  hubspotWebhookSubscriptions,
  isServed,
  SUPPORT,
  type HubSpotWebhookInputs,
} from '../../src/manifests/index.ts';
import { defaultManifestInputs, MANIFESTS_DIR } from '../../src/manifests/write.ts';
import { SERVED_PATHS } from '../../src/server/app.ts';
import { OUTPUT_FIELDS, OUTPUT_GROUP, type OutputFieldType } from '../../src/domain/outputFields.ts';

const HUBSPOT_DIR = join(MANIFESTS_DIR, 'hubspot');
const readJson = (path: string): any => JSON.parse(readFileSync(join(HUBSPOT_DIR, path), 'utf8'));
const inputs = defaultManifestInputs().hubspotWebhookInputs;
/** The project as it will be once the server serves every HubSpot path (a later issue). */
const ALL_SERVED = [BACKEND_PATHS.hubspotOAuthCallback, BACKEND_PATHS.hubspotWebhooks, BACKEND_PATHS.hubspotContactCard];
const complete = hubspotProject({ webhookInputs: inputs, servedPaths: ALL_SERVED });
const generatedJson = (path: string): any => JSON.parse(complete[path]!);

describe('HubSpot project files', () => {
  it('is a 2026.03 developer-platform project with the app under src/app', () => {
    expect(readJson('hsproject.json')).toEqual({ name: 'crm-signals', srcDir: 'src', platformVersion: HUBSPOT_PLATFORM_VERSION });
    expect(HUBSPOT_PLATFORM_VERSION).toBe('2026.03');
    const app = readJson('src/app/app-hsmeta.json');
    expect(app.type).toBe('app');
    expect(app.config.distribution).toBe('marketplace');
    expect(app.config.auth.type).toBe('oauth');
    expect(app.config.support.supportEmail).toMatch(/@/);
    expect(app.config.support.documentationUrl).toBe(`${SUPPORT.website}/docs`);
  });

  it('names the OAuth redirect and the fetch host only when the server serves the install and card routes', () => {
    const app = readJson('src/app/app-hsmeta.json');
    const redirect = `${BACKEND_URL_PLACEHOLDER}${BACKEND_PATHS.hubspotOAuthCallback}`;
    expect(app.config.auth.redirectUrls).toEqual(isServed(BACKEND_PATHS.hubspotOAuthCallback, SERVED_PATHS) ? [redirect] : []);
    expect(app.config.permittedUrls.fetch).toEqual(isServed(BACKEND_PATHS.hubspotContactCard, SERVED_PATHS) ? [BACKEND_URL_PLACEHOLDER] : []);
    const served = generatedJson('src/app/app-hsmeta.json');
    expect(served.config.auth.redirectUrls).toEqual([redirect]);
    expect(served.config.permittedUrls.fetch).toEqual([BACKEND_URL_PLACEHOLDER]);
    const release = JSON.parse(hubspotProject({ webhookInputs: inputs, servedPaths: ALL_SERVED, backendUrl: 'https://api.example.net/' })['src/app/app-hsmeta.json']!);
    expect(release.config.auth.redirectUrls).toEqual([`https://api.example.net${BACKEND_PATHS.hubspotOAuthCallback}`]);
    expect(() => hubspotProject({ webhookInputs: inputs, servedPaths: [], backendUrl: 'http://api.example.net' })).toThrow('backend URL must be https, got http://api.example.net');
    expect(() => hubspotProject({ webhookInputs: inputs, servedPaths: [], backendUrl: 'api.example.net' })).toThrow('backend URL is not a URL: "api.example.net"');
  });

  it('declares the webhooks and the card only when the server serves their paths', () => {
    const project = hubspotProject({ webhookInputs: inputs, servedPaths: SERVED_PATHS });
    expect('src/app/webhooks/webhooks-hsmeta.json' in project).toBe(isServed(BACKEND_PATHS.hubspotWebhooks, SERVED_PATHS));
    expect(`${HUBSPOT_CARD.folder}/card-hsmeta.json` in project).toBe(isServed(BACKEND_PATHS.hubspotContactCard, SERVED_PATHS));
    const none = hubspotProject({ webhookInputs: inputs, servedPaths: [] });
    expect(Object.keys(none).filter((p) => p.endsWith('-hsmeta.json'))).toEqual(['src/app/app-hsmeta.json']);
    expect(Object.keys(complete).filter((p) => p.endsWith('-hsmeta.json')).sort()).toEqual(
      ['src/app/app-hsmeta.json', `${HUBSPOT_CARD.folder}/card-hsmeta.json`, 'src/app/webhooks/webhooks-hsmeta.json'].sort(),
    );
  });

  it('declares exactly the scopes of the exported constant, which is what the connector needs', () => {
    const app = readJson('src/app/app-hsmeta.json');
    expect(app.config.auth.requiredScopes).toEqual([...HUBSPOT_REQUIRED_SCOPES]);
    // Pinned: adding a scope makes every existing install re-authorize, so a change must be deliberate.
    expect([...HUBSPOT_REQUIRED_SCOPES].sort()).toEqual(
      [
        'oauth',
        'crm.objects.contacts.read',
        'crm.objects.contacts.write',
        'crm.objects.deals.read',
        'crm.objects.line_items.read',
        'crm.objects.products.read',
        'crm.schemas.contacts.write',
        'crm.schemas.tickets.write',
        'tickets',
      ].sort(),
    );
    // Every object the connector reads is covered.
    expect([...HUBSPOT_READ_OBJECTS].sort()).toEqual(Object.keys(HUBSPOT_OBJECTS).sort());
  });

  it('builds the authorize URL from the same scopes', () => {
    const url = new URL(hubspotAuthorizeUrl({ clientId: 'client-1', redirectUri: 'https://x.example/cb', state: 's 1' }));
    expect(url.origin + url.pathname).toBe('https://app.hubspot.com/oauth/authorize');
    expect(url.searchParams.get('scope')?.split(' ')).toEqual([...HUBSPOT_REQUIRED_SCOPES]);
    expect(url.searchParams.get('client_id')).toBe('client-1');
    expect(url.searchParams.get('redirect_uri')).toBe('https://x.example/cb');
    expect(url.searchParams.get('state')).toBe('s 1');
    expect(url.search).toContain('scope=oauth%20crm.objects');
  });
});

describe('HubSpot property definitions', () => {
  const file = readJson('properties.json');

  it('uses the same type mapping as connectors/hubspot/install.ts, for every field and every type', () => {
    for (const field of OUTPUT_FIELDS) expect(hubspotPropertyDefinition(field), field.key).toEqual(propertyDefinition(field));
    // Also types no field uses yet, so the two tables cannot drift apart unnoticed.
    for (const type of Object.keys(HUBSPOT_PROPERTY_TYPES) as OutputFieldType[]) {
      const field = { ...OUTPUT_FIELDS[0]!, type, options: type === 'enumeration' ? [{ value: 'a', label: 'A' }] : undefined };
      expect(hubspotPropertyDefinition(field), type).toEqual(propertyDefinition(field));
    }
  });

  it('lists every output field under its object type, with the group', () => {
    for (const field of OUTPUT_FIELDS) {
      const object = file.objects[HUBSPOT_OBJECT_TYPES[field.objectType]];
      expect(object, field.objectType).toBeDefined();
      expect(object.group).toEqual({ name: OUTPUT_GROUP.hubspotName, label: OUTPUT_GROUP.label, displayOrder: -1 });
      const property = object.properties.find((p: { name: string }) => p.name === field.names.hubspot);
      expect(property, field.names.hubspot).toEqual(propertyDefinition(field));
    }
    const listed = Object.values(file.objects).flatMap((o: any) => o.properties.map((p: { name: string }) => p.name));
    expect(listed.sort()).toEqual(OUTPUT_FIELDS.map((f) => f.names.hubspot).sort());
  });
});

describe('HubSpot webhook subscriptions', () => {
  const webhooks = generatedJson('src/app/webhooks/webhooks-hsmeta.json');
  const crmObjects: { subscriptionType: string; objectType: string; propertyName?: string }[] = webhooks.config.subscriptions.crmObjects;
  const outputNames = new Set(OUTPUT_FIELDS.map((f) => f.names.hubspot));

  it('never subscribes to an output property: our own writes would come back as events', () => {
    const properties = crmObjects.filter((s) => s.propertyName !== undefined).map((s) => s.propertyName!);
    expect(properties.length).toBeGreaterThan(0);
    for (const name of properties) expect(outputNames.has(name), name).toBe(false);
    for (const name of properties) expect(name, 'changes on every write').not.toMatch(/lastmodifieddate/);
  });

  it('covers the mapped inputs, lifecycle events and privacy deletion', () => {
    expect(webhooks.config.settings.targetUrl).toBe(`${BACKEND_URL_PLACEHOLDER}${BACKEND_PATHS.hubspotWebhooks}`);
    for (const objectType of ['contact', 'deal', 'ticket'] as const) {
      for (const event of ['creation', 'deletion', 'merge']) {
        expect(crmObjects.some((s) => s.objectType === objectType && s.subscriptionType === `object.${event}`), `${objectType} ${event}`).toBe(true);
      }
      const subscribed = crmObjects.filter((s) => s.objectType === objectType && s.subscriptionType === 'object.propertyChange').map((s) => s.propertyName);
      expect(subscribed.sort()).toEqual([...new Set(inputs[objectType])].sort());
    }
    expect(inputs.contact).toContain('lifecyclestage');
    expect(inputs.ticket).toContain('content');
    expect(inputs.contact, 'excluded from the model').not.toContain('call_duration');
    expect(webhooks.config.subscriptions.hubEvents).toEqual([{ subscriptionType: 'contact.privacyDeletion', active: true }]);
  });

  it('refuses an output property or a last-modified property as an input', () => {
    const withOutput: HubSpotWebhookInputs = { ...inputs, contact: [...inputs.contact, 'crm_signals_lead_score'] };
    expect(() => hubspotWebhookSubscriptions(withOutput)).toThrow(/crm_signals_lead_score" is an output property/);
    // Refused even while the webhooks are not declared: the mapping is wrong either way.
    expect(() => hubspotProject({ webhookInputs: withOutput, servedPaths: [] })).toThrow(/output property/);
    expect(() => hubspotWebhookSubscriptions({ ...inputs, deal: ['hs_lastmodifieddate'] })).toThrow(/changes on every write/);
  });
});

describe('HubSpot app card declaration', () => {
  const card = generatedJson(`${HUBSPOT_CARD.folder}/card-hsmeta.json`);

  it('is a record tab card on contacts whose entrypoint is the hand-written card', () => {
    expect(card.type).toBe('card');
    expect(card.config.location).toBe('crm.record.tab');
    expect(card.config.objectTypes).toEqual(['contacts']);
    expect(card.config.entrypoint).toBe('/app/cards/LeadSignalsCard.tsx');
    const entry = readFileSync(join(HUBSPOT_DIR, 'src', card.config.entrypoint), 'utf8');
    expect(entry).toContain("hubspot.extend<'crm.record.tab'>");
    expect(entry).toContain('hubspot.fetch(contactCardUrl(CONTACT_CARD_URL, objectId)');
  });
});
