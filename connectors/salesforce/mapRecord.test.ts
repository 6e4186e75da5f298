import { describe, expect, it } from 'vitest';
import { mapSalesforceRecord } from './mapRecord.ts';

const rest = { Id: '00Q000000000001AAA', LastName: 'Ng', CreatedDate: '2026-07-07T10:14:30.000+0000', Close_At__c: '2026-07-07T12:14:30.000+0200', SystemModstamp: '2026-10-19T13:36:09.000+0000' };
// Bulk API 2.0's CSV: the same values, datetimes in Z
const bulk = { Id: '00Q000000000001AAA', LastName: 'Ng', CreatedDate: '2026-07-07T10:14:30.000Z', Close_At__c: '2026-07-07T10:14:30.000Z', SystemModstamp: '2026-10-19T13:36:09.000Z' };

describe('mapSalesforceRecord', () => {
  it('spells datetimes one way, so a record reads the same through REST and Bulk API 2.0', () => {
    const a = mapSalesforceRecord('contact', rest, null);
    const b = mapSalesforceRecord('contact', bulk, null);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.record).toEqual(b.record);
    expect(a.record.properties).toMatchObject({ CreatedDate: '2026-07-07T10:14:30.000Z', Close_At__c: '2026-07-07T10:14:30.000Z', SystemModstamp: '2026-10-19T13:36:09.000Z' });
  });

  it('leaves text that only looks like a date, dates without a time, and impossible datetimes as they are', () => {
    const m = mapSalesforceRecord('contact', { ...rest, Description: 'called 2026-07-07T10:14:30Z, no answer', Birthdate: '1990-02-03', Odd__c: '2026-13-45T99:99:99.000+0000' }, null);
    expect(m.ok && m.record.properties).toMatchObject({ Description: 'called 2026-07-07T10:14:30Z, no answer', Birthdate: '1990-02-03', Odd__c: '2026-13-45T99:99:99.000+0000' });
  });
});
