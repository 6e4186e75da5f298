/**
 * Real app credentials: each profile validates its app's credentials before any request, with an error
 * naming the field, and defaults to the vendor's own endpoints (no emulator assumed).
 */
import { describe, expect, it } from 'vitest';
import { HubSpotAppCredentials } from './hubspot/oauth.ts';
import { hubspotProfile } from './hubspot/profile.ts';
import { SalesforceAppCredentials } from './salesforce/oauth.ts';
import { salesforceProfile } from './salesforce/profile.ts';

const hubspotApp = { clientId: 'a1b2c3', clientSecret: 'shh', redirectUri: 'https://signals.example.com/install/hubspot/callback' };
const salesforceApp = { clientId: '3MVG9consumerkey', clientSecret: 'consumer-secret', redirectUri: 'https://signals.example.com/install/salesforce/callback' };

describe('HubSpot app credentials', () => {
  it("default to HubSpot's API base", () => {
    expect(hubspotProfile.app(hubspotApp).endpoint).toBe('https://api.hubapi.com');
    expect(hubspotProfile.app({ ...hubspotApp, baseUrl: 'http://127.0.0.1:4010/' }).endpoint).toBe('http://127.0.0.1:4010');
  });

  it('name each missing or invalid field', () => {
    const { clientId: _, ...noId } = hubspotApp;
    expect(() => hubspotProfile.app(noId)).toThrow("HubSpot app credentials: clientId is missing (the app's client id)");
    expect(() => hubspotProfile.app({ ...hubspotApp, clientSecret: '  ' })).toThrow(/clientSecret is empty/);
    expect(() => hubspotProfile.app({ ...hubspotApp, redirectUri: 'signals.example.com/cb' })).toThrow(/redirectUri is not an http\(s\) URL/);
    expect(() => hubspotProfile.app({ ...hubspotApp, baseUrl: 'ftp://api.hubapi.com' })).toThrow(/baseUrl is not an http\(s\) URL/);
    expect(() => hubspotProfile.app(null)).toThrow(/HubSpot app credentials/);
  });

  it('keep the redirect URI exactly as registered (HubSpot compares it character by character)', () => {
    expect(HubSpotAppCredentials.parse({ ...hubspotApp, redirectUri: 'https://signals.example.com/cb/' }).redirectUri).toBe('https://signals.example.com/cb/');
    expect(SalesforceAppCredentials.parse({ ...salesforceApp, redirectUri: 'https://signals.example.com/cb/' }).redirectUri).toBe('https://signals.example.com/cb/');
  });

  it('use only stored credentials issued by the same API base', () => {
    const app = hubspotProfile.app(hubspotApp);
    const stored = { accessToken: 't', refreshToken: 'r', expiresAt: 1, portalId: '42', endpoint: 'https://api.hubapi.com' };
    expect(app.usable(stored)).toEqual(stored);
    expect(app.usable({ ...stored, endpoint: 'http://127.0.0.1:4010' })).toBeNull();
    expect(app.usable({ ...stored, accessToken: undefined })).toBeNull();
    expect(app.usable(null)).toBeNull();
  });

  it('refuse connection settings they do not know, naming them', () => {
    const app = hubspotProfile.app(hubspotApp);
    const stored = { accessToken: 't', refreshToken: 'r', expiresAt: Date.now() + 3_600_000, portalId: '42', endpoint: app.endpoint };
    expect(() => app.connect(stored, { fields: {}, onCredentials: () => undefined, settings: { bulkEnabled: false } })).toThrow(/HubSpot connection settings: .*bulkEnabled/);
    expect(app.connect(stored, { fields: {}, onCredentials: () => undefined, settings: { limit: { max: 50, intervalMs: 10_000 } } }).crm).toBe('hubspot');
  });
});

describe('Salesforce app credentials', () => {
  it('default to the production login URL', () => {
    expect(salesforceProfile.app(salesforceApp).endpoint).toBe('https://login.salesforce.com');
    expect(salesforceProfile.app({ ...salesforceApp, loginUrl: 'https://test.salesforce.com' }).endpoint).toBe('https://test.salesforce.com');
  });

  it('name the consumer key and secret when they are missing', () => {
    expect(() => salesforceProfile.app({ ...salesforceApp, clientId: undefined })).toThrow("Salesforce app credentials: clientId is missing (the connected app's consumer key)");
    expect(() => salesforceProfile.app({ ...salesforceApp, clientSecret: 7 })).toThrow(/clientSecret must be a string \(the connected app's consumer secret\)/);
    expect(() => salesforceProfile.app({ ...salesforceApp, loginUrl: 'login.salesforce.com' })).toThrow(/loginUrl is not an http\(s\) URL/);
  });

  it('use only stored credentials issued by the same login URL', () => {
    const app = salesforceProfile.app(salesforceApp);
    const stored = { accessToken: 't', refreshToken: null, instanceUrl: 'https://acme.my.salesforce.com', userId: '005000000000001', orgId: '00D000000000001', endpoint: 'https://login.salesforce.com' };
    expect(app.usable(stored)).toEqual(stored);
    expect(app.usable({ ...stored, endpoint: 'https://test.salesforce.com' })).toBeNull();
    expect(app.usable({ ...stored, instanceUrl: '' })).toBeNull();
  });

  it('refuse connection settings of the wrong type, naming them', () => {
    const app = salesforceProfile.app(salesforceApp);
    const stored = { accessToken: 't', refreshToken: null, instanceUrl: 'https://acme.my.salesforce.com', userId: null, orgId: null, endpoint: app.endpoint };
    expect(() => app.connect(stored, { fields: {}, onCredentials: () => undefined, settings: { bulkThreshold: 'many' } })).toThrow(/Salesforce connection settings: bulkThreshold/);
  });
});
