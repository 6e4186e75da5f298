/**
 * Everything HubSpot-specific the CRM-agnostic core needs, in one place (see connectors/profile.ts).
 */
import { z } from 'zod';
import type { ObjectType } from '../../src/domain/records.ts';
import { oauthApp, parseWith, type CrmApp, type CrmProfile } from '../profile.ts';
import { HubSpotConnector } from './index.ts';
import { exchangeCode, HubSpotAppCredentials, StoredHubSpotCredentials } from './oauth.ts';
import { HUBSPOT_OBJECTS } from './objects.ts';
import { HUBSPOT_RETRY_RULES } from './retryRules.ts';

/** What a tenant may tune: the portal's request budget (lower for a shared or trial portal). */
const HubSpotSettings = z
  .object({ limit: z.object({ max: z.number().int().positive(), intervalMs: z.number().int().positive() }).strict().optional() })
  .strict();

const objectTypes = Object.fromEntries(Object.values(HUBSPOT_OBJECTS).map((o) => [o.objectType, o.hubspotType])) as Partial<Record<ObjectType, string>>;

function hubspotApp(input: unknown): CrmApp {
  const app = parseWith(HubSpotAppCredentials, input, 'HubSpot app credentials');
  const endpoint = app.baseUrl;
  return oauthApp({
    label: 'HubSpot',
    endpoint,
    stored: StoredHubSpotCredentials,
    async exchange(code) {
      const tokens = await exchangeCode(app, code);
      return { credentials: { ...tokens, endpoint }, accountId: tokens.portalId };
    },
    build(tokens, options) {
      const settings = parseWith(HubSpotSettings, options.settings ?? {}, 'HubSpot connection settings');
      return new HubSpotConnector({
        baseUrl: endpoint,
        tokens,
        app,
        onTokens: (fresh) => options.onCredentials({ ...fresh, endpoint }),
        properties: options.fields,
        ...(settings.limit ? { limit: settings.limit } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
    },
  });
}

export const hubspotProfile: CrmProfile = {
  crm: 'hubspot',
  label: 'HubSpot',
  objects: {
    read: objectTypes,
    // Every object crm-signals reads takes custom properties.
    write: objectTypes,
    // HubSpot has no history object of ours: the card reads the history from our backend.
    historyParent: {},
    card: [HUBSPOT_OBJECTS.contact.hubspotType],
  },
  // Contacts carry both; every other object hs_lastmodifieddate.
  modificationStamps: new Set(['hs_lastmodifieddate', 'lastmodifieddate']),
  numericTypes: new Set(['number']),
  retryRules: HUBSPOT_RETRY_RULES,
  app: hubspotApp,
};
