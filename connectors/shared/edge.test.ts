import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mapObject } from '../hubspot/mapRecord.ts';
import { mapSalesforceRecord } from '../salesforce/mapRecord.ts';
import { authAnswer, isoInstant, mapPageWith, MAX_VALUE_LENGTH, propertiesProblem, rejected, valueProblem } from './edge.ts';
import { ConnectorError } from './errors.ts';

describe('edge checks on property values', () => {
  it('refuses over-long values and lone surrogates, naming the property and the CRM', () => {
    expect(valueProblem('notes', 'x'.repeat(MAX_VALUE_LENGTH + 1), 'HubSpot')).toBe(`property "notes" is ${MAX_VALUE_LENGTH + 1} characters long (HubSpot allows ${MAX_VALUE_LENGTH})`);
    expect(valueProblem('name', 'Zo\uD83D', 'Salesforce')).toBe('property "name" holds invalid unicode (a lone surrogate)');
    expect(valueProblem('name', 'Zoë 😀', 'Salesforce')).toBeNull();
    expect(valueProblem('name', null, 'HubSpot')).toBeNull();
    expect(propertiesProblem({ a: 'fine', b: '\uDC00x' }, 'HubSpot')).toMatch(/"b" holds invalid unicode/);
    expect(propertiesProblem({ a: 'fine', b: null }, 'HubSpot')).toBeNull();
  });
});

describe('isoInstant', () => {
  it('reads ISO strings in any offset, epoch milliseconds and Dates as one UTC instant', () => {
    const instant = '2026-03-01T10:00:00.000Z';
    expect(isoInstant('2026-03-01T10:00:00Z')).toBe(instant);
    expect(isoInstant('2026-03-01T11:00:00.000+0100')).toBe(instant);
    expect(isoInstant(String(Date.parse(instant)))).toBe(instant);
    expect(isoInstant(new Date(instant))).toBe(instant);
  });

  it('gives null for what is not a time', () => {
    for (const raw of ['', 'yesterday', null, undefined, 12, new Date('nope')]) expect(isoInstant(raw)).toBeNull();
  });

  it('gives null, not a RangeError, for epoch milliseconds past the range of a date (found by the input fuzz)', () => {
    expect(isoInstant('8640000000000000')).toBe('+275760-09-13T00:00:00.000Z');
    for (const raw of ['8640000000000001', '123456789012345678901', '9'.repeat(400)]) expect(isoInstant(raw)).toBeNull();
  });
});

describe('mapPageWith', () => {
  it('keeps the good records and the reasons of the bad ones, in order', () => {
    const page = mapPageWith([1, 2, 3], (n) =>
      n === 2 ? rejected('contact', '2', 'even') : { ok: true, record: { objectType: 'contact', externalId: String(n), modifiedAt: '2026-01-01T00:00:00.000Z', properties: {}, associations: {} } },
    );
    expect(page.records.map((r) => r.externalId)).toEqual(['1', '3']);
    expect(page.rejected).toEqual([{ objectType: 'contact', externalId: '2', reason: 'even' }]);
  });
});

describe('both CRM mappers apply the same edge checks', () => {
  const huge = 'x'.repeat(MAX_VALUE_LENGTH + 1);

  it('reject the same value problems with the same reason', () => {
    const hubspot = mapObject('contact', { id: '1', properties: { lastname: huge, lastmodifieddate: '2026-01-01T00:00:00Z' } }, 'lastmodifieddate');
    const salesforce = mapSalesforceRecord('contact', { Id: '00Q000000000001AAA', LastName: huge, SystemModstamp: '2026-01-01T00:00:00.000+0000' }, null);
    expect(hubspot).toMatchObject({ ok: false, rejected: { reason: expect.stringMatching(/^property "lastname" is 65537 characters long/) } });
    expect(salesforce).toMatchObject({ ok: false, rejected: { reason: expect.stringMatching(/^property "LastName" is 65537 characters long/) } });
  });

  it('reject a record whose modification stamp is not a time, naming the stamp', () => {
    expect(mapObject('deal', { id: '5', properties: { hs_lastmodifieddate: 'soon' } })).toMatchObject({ ok: false, rejected: { reason: 'hs_lastmodifieddate is missing or not a date' } });
    expect(mapSalesforceRecord('deal', { Id: '006000000000001', SystemModstamp: null }, null)).toMatchObject({ ok: false, rejected: { reason: 'SystemModstamp is missing or not a date' } });
  });

  it('reject ids that are not the CRM’s', () => {
    expect(mapObject('contact', { id: 'abc', properties: {} })).toMatchObject({ ok: false, rejected: { reason: 'id: id is not a HubSpot object id' } });
    expect(mapSalesforceRecord('contact', { Id: '00Q-1', SystemModstamp: '2026-01-01T00:00:00.000+0000' }, null)).toMatchObject({ ok: false, rejected: { reason: 'Id is missing or not a Salesforce id' } });
  });
});

describe('authAnswer', () => {
  const Token = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

  it('returns the checked answer', () => {
    expect(authAnswer(Token, { access_token: 'a', expires_in: 60, extra: 1 }, 'token response')).toEqual({ access_token: 'a', expires_in: 60 });
  });

  it('names every bad field and what is wrong with it, without quoting strings', () => {
    const attempt = () => authAnswer(Token, { access_token: '', expires_in: 'soon' }, 'HubSpot token response');
    expect(attempt).toThrow(ConnectorError);
    expect(attempt).toThrow('HubSpot token response is not usable: access_token is empty; expires_in should be a number, got a string of 4 characters');
    expect(() => authAnswer(Token, null, 'Salesforce token response')).toThrow('Salesforce token response is not usable: the body is missing');
  });

  it('tells a present but out-of-range field from a missing one', () => {
    expect(() => authAnswer(Token, { access_token: 'a' }, 'token response')).toThrow('token response is not usable: expires_in is missing');
    expect(() => authAnswer(Token, { access_token: 'a', expires_in: 0 }, 'token response')).toThrow('token response is not usable: expires_in must be more than 0, got 0');
    expect(() => authAnswer(Token, { access_token: 'secret-token', expires_in: -5 }, 'token response')).toThrow(/expires_in must be more than 0, got -5$/);
  });
});
