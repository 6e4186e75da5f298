/**
 * The CRMs crm-signals connects, each by its profile. The list of CRMs is derived from here; adding one
 * means a profile here and a name in the Crm union (src/domain/records.ts), which then makes the compiler
 * list everything else it must name (output field names, default mappings).
 */
import type { Crm } from '../src/domain/records.ts';
import { hubspotProfile } from './hubspot/profile.ts';
import { ProfileError, type CrmProfile } from './profile.ts';
import { salesforceProfile } from './salesforce/profile.ts';

const REGISTRY = { hubspot: hubspotProfile, salesforce: salesforceProfile } satisfies Record<Crm, CrmProfile>;

const BY_NAME: ReadonlyMap<string, CrmProfile> = new Map(Object.entries(REGISTRY));

export const CRMS: readonly Crm[] = Object.freeze([...BY_NAME.values()].map((p) => p.crm));

export function isCrm(name: unknown): name is Crm {
  return typeof name === 'string' && BY_NAME.has(name);
}

/** The profile of a CRM; a name outside the registry (a tenant row, a flag, a mapping) is refused by name. */
export function profileOf(crm: string): CrmProfile {
  const profile = BY_NAME.get(crm);
  if (!profile) throw new ProfileError(`unknown CRM ${JSON.stringify(crm)}: crm-signals connects ${CRMS.join(', ')}`);
  return profile;
}

/** A CRM name from outside (flags, requests, stored rows), checked against the registry. */
export function parseCrm(name: unknown): Crm {
  if (typeof name !== 'string') throw new ProfileError(`the CRM must be named (one of ${CRMS.join(', ')}), got ${JSON.stringify(name)}`);
  return profileOf(name).crm;
}
