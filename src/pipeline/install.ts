/**
 * An admin's install through the service (the OAuth callback): the code is exchanged first, the CRM
 * account it belongs to finds its tenant (a re-install keeps the tenant's history, name and mode) or a new
 * tenant is made for it, and tenant, account and sealed tokens are saved in one transaction. Then the
 * output properties are installed. A new tenant starts in shadow mode: it writes nothing into the CRM
 * before its admin switches it to live.
 */
import type { Connector, InstallResult } from '../../connectors/connector.ts';
import { profileOf } from '../../connectors/registry.ts';
import { OUTPUT_FIELDS } from '../domain/outputFields.ts';
import type { Mapping } from '../mapping/index.ts';
import type { Store, Tenant } from '../store/types.ts';
import { connectorOn } from './connect.ts';
import { tenantMapping } from './mappings.ts';

export interface InstallOptions {
  /** Checked against the registry. */
  crm: string;
  /** The CRM app's credentials (validated by the CRM's profile). */
  app: unknown;
  settings?: Record<string, unknown>;
  /** The authorization code from the callback. */
  code: string;
  /** The PKCE verifier of the authorize request (Salesforce). */
  codeVerifier?: string;
  log?: (message: string) => void;
}

export interface InstalledTenant {
  tenant: Tenant;
  connector: Connector;
  mapping: Mapping;
  /** The account had a tenant already: its runs, models and settings were kept. */
  reinstall: boolean;
  properties: InstallResult;
}

/** The install could not finish; the message is for the admin who installed. */
export class InstallError extends Error {
  override readonly name = 'InstallError';
  constructor(
    message: string,
    /** Set when the tenant was saved (connected) before the failure. */
    readonly tenant: Tenant | null = null,
  ) {
    super(message);
  }
}

/** `hubspot-<portal id>`, `salesforce-<org id>`. */
export const tenantIdFor = (crm: string, accountId: string): string => `${crm}-${accountId}`;

export async function installTenant(store: Store, options: InstallOptions): Promise<InstalledTenant> {
  const profile = profileOf(options.crm);
  const app = profile.app(options.app);
  const exchanged = await app.exchangeCode(options.code, options.codeVerifier !== undefined ? { codeVerifier: options.codeVerifier } : {});
  if (!exchanged.accountId) throw new InstallError(`${profile.label} did not say which account the install is for, so it was not saved; install again`);

  const existing = await store.findTenantByAccount(profile.crm, exchanged.accountId);
  const id = existing?.id ?? tenantIdFor(profile.crm, exchanged.accountId);
  // A tenant row under this id that is connected to another account (set up by hand) is not ours to take over.
  const squatter = existing ? null : await store.getTenant(id);
  if (squatter) throw new InstallError(`tenant ${id} already exists for another ${squatter.crm} account; ask the operator to rename it, then install again`);
  const tenant = await store.saveInstall(
    {
      id,
      crm: profile.crm,
      name: existing?.name ?? `${profile.label} ${profile.crm === 'hubspot' ? 'portal' : 'org'} ${exchanged.accountId}`,
      mode: existing?.mode ?? 'shadow',
      accountId: exchanged.accountId,
    },
    exchanged.credentials,
  );
  const { mapping } = await tenantMapping(store, tenant);
  const connector = connectorOn(store, tenant, app, exchanged.credentials, {
    mapping,
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  let properties: InstallResult;
  try {
    properties = await connector.install(OUTPUT_FIELDS);
  } catch (error) {
    throw new InstallError(`connected, but the output fields could not be set up in ${profile.label}: ${(error as Error).message}. Open the install link again to retry`, tenant);
  }
  return { tenant, connector, mapping, reinstall: existing !== null, properties };
}
