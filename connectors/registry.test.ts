import { describe, expect, it } from 'vitest';
import type { Crm } from '../src/domain/records.ts';
import { hubspotProfile } from './hubspot/profile.ts';
import { CRMS, isCrm, parseCrm, profileOf } from './registry.ts';
import { salesforceProfile } from './salesforce/profile.ts';

/** Written out once more on purpose: a Crm added to the union without a profile fails here at runtime too. */
const EVERY_CRM: Record<Crm, true> = { hubspot: true, salesforce: true };

describe('the CRM registry', () => {
  it('has a profile for every Crm, filed under its own name', () => {
    expect([...CRMS].sort()).toEqual(Object.keys(EVERY_CRM).sort());
    for (const crm of CRMS) {
      expect(profileOf(crm).crm).toBe(crm);
      expect(isCrm(crm)).toBe(true);
    }
  });

  it('refuses an unknown CRM by name, listing the ones it connects', () => {
    expect(() => profileOf('pipedrive')).toThrow('unknown CRM "pipedrive": crm-signals connects hubspot, salesforce');
    expect(() => parseCrm('HubSpot')).toThrow(/unknown CRM "HubSpot"/);
    expect(() => parseCrm(undefined)).toThrow(/the CRM must be named/);
    expect(isCrm('pipedrive')).toBe(false);
    expect(parseCrm('salesforce')).toBe('salesforce');
  });
});

describe('CRM profiles', () => {
  it('name the objects read, written, given history and shown the card', () => {
    expect(hubspotProfile.objects.read).toEqual({ contact: 'contacts', deal: 'deals', ticket: 'tickets', product: 'products' });
    expect(hubspotProfile.objects.card).toEqual(['contacts']);
    expect(hubspotProfile.objects.historyParent).toEqual({});
    expect(salesforceProfile.objects.read).toEqual({ contact: 'Lead', deal: 'Opportunity', ticket: 'Case' });
    expect(salesforceProfile.objects.write).toEqual({ contact: 'Lead', ticket: 'Case' });
    expect(salesforceProfile.objects.historyParent).toEqual({ contact: 'Lead__c', ticket: 'Case__c' });
    expect(salesforceProfile.objects.card).toEqual(['Lead', 'Contact']);
  });

  it("keep each CRM's modification stamps and numeric types to itself", () => {
    expect([...hubspotProfile.modificationStamps].sort()).toEqual(['hs_lastmodifieddate', 'lastmodifieddate']);
    expect([...salesforceProfile.modificationStamps].sort()).toEqual(['LastModifiedById', 'LastModifiedDate', 'SystemModstamp']);
    expect(hubspotProfile.numericTypes.has('number')).toBe(true);
    expect(hubspotProfile.numericTypes.has('double')).toBe(false);
    expect([...salesforceProfile.numericTypes].sort()).toEqual(['currency', 'double', 'int', 'long', 'percent']);
  });
});
