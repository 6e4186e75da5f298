/**
 * In a subscriber org every schema import carries the package namespace; the history's child
 * relationship must then carry it too, or the related-list wire finds nothing.
 */
import { describe, expect, it, vi } from 'vitest';
// @ts-expect-error plain JavaScript LWC source, compiled by test/manifests/lwc/lwcTestPlugin.ts
import SignalHistory from '../../manifests/salesforce/force-app/main/default/lwc/signalHistory/signalHistory.js';
import { SALESFORCE_PACKAGE } from '../../src/manifests/index.ts';
import { mount } from './lwc/lwc.ts';
import { getRelatedListRecords } from './lwc/uiRelatedListApi.ts';

vi.mock('@salesforce/schema/Signal_History__c', () => ({ default: { objectApiName: 'crmsignals__Signal_History__c' } }));

describe('signalHistory in a subscriber org', () => {
  it('prefixes the related list id with the namespace of the history object', () => {
    expect(SALESFORCE_PACKAGE.namespace).toBe('crmsignals');
    mount(SignalHistory, { recordId: '00Q5g00000KxYzAEAV', objectApiName: 'Lead' });
    expect(getRelatedListRecords.lastConfig()?.relatedListId).toBe(`${SALESFORCE_PACKAGE.namespace}__Signal_History__r`);
  });
});
