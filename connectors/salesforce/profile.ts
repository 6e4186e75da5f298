/**
 * Everything Salesforce-specific the CRM-agnostic core needs, in one place (see connectors/profile.ts).
 */
import { z } from 'zod';
import { oauthApp, parseWith, type CrmApp, type CrmProfile } from '../profile.ts';
import { SalesforceConnector } from './index.ts';
import { exchangeSalesforceCode, SalesforceAppCredentials, StoredSalesforceCredentials } from './oauth.ts';
import { objectMap, SALESFORCE_CARD_OBJECTS, SALESFORCE_WRITE_TARGETS } from './objects.ts';
import { SALESFORCE_RETRY_RULES } from './retryRules.ts';
import { SALESFORCE_NUMERIC_TYPES } from './soql.ts';

/** What a tenant may tune: Group and Professional editions have no Bulk API 2.0. */
const SalesforceSettings = z.object({ bulkThreshold: z.number().int().nonnegative().optional(), bulkEnabled: z.boolean().optional() }).strict();

function salesforceApp(input: unknown): CrmApp {
  const app = parseWith(SalesforceAppCredentials, input, 'Salesforce app credentials');
  const endpoint = app.loginUrl;
  return oauthApp({
    label: 'Salesforce',
    endpoint,
    stored: StoredSalesforceCredentials,
    async exchange(code, exchangeOptions) {
      const tokens = await exchangeSalesforceCode(app, code, exchangeOptions);
      return { credentials: { ...tokens, endpoint }, accountId: tokens.orgId };
    },
    build(credentials, options) {
      const settings = parseWith(SalesforceSettings, options.settings ?? {}, 'Salesforce connection settings');
      return new SalesforceConnector({
        tokens: credentials,
        app,
        onTokens: (tokens) => options.onCredentials({ ...credentials, ...tokens, endpoint }),
        fields: options.fields,
        ...(settings.bulkThreshold !== undefined ? { bulkThreshold: settings.bulkThreshold } : {}),
        ...(settings.bulkEnabled !== undefined ? { bulkEnabled: settings.bulkEnabled } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
    },
  });
}

export const salesforceProfile: CrmProfile = {
  crm: 'salesforce',
  label: 'Salesforce',
  objects: {
    read: objectMap((o) => o.sobject),
    write: SALESFORCE_WRITE_TARGETS,
    historyParent: objectMap((o) => o.historyParent),
    card: SALESFORCE_CARD_OBJECTS,
  },
  // LastModifiedById moves with every write too: ours sets it to the integration user.
  modificationStamps: new Set(['LastModifiedDate', 'SystemModstamp', 'LastModifiedById']),
  numericTypes: SALESFORCE_NUMERIC_TYPES,
  retryRules: SALESFORCE_RETRY_RULES,
  app: salesforceApp,
};
