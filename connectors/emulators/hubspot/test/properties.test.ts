import { describe, expect, it } from 'vitest';
import { expectHubSpotError, harness } from './helpers.ts';

const scoreProperty = {
  name: 'crm_signals_score',
  label: 'Lead score',
  type: 'number',
  fieldType: 'number',
  groupName: 'crm_signals',
};

describe('properties', () => {
  it('lists the catalogue with the bank-marketing group', async () => {
    const h = harness();
    const res = await h.json<{ results: { name: string; type: string; groupName: string; options: { value: string }[]; modificationMetadata: { readOnlyValue: boolean } }[] }>('GET', '/crm/v3/properties/contacts');
    const byName = new Map(res.body.results.map((p) => [p.name, p]));
    expect(byName.get('age')).toMatchObject({ type: 'number', groupName: 'bank_marketing' });
    expect(byName.get('job')?.options.map((o) => o.value)).toContain('blue-collar');
    expect(byName.get('hs_object_id')?.modificationMetadata.readOnlyValue).toBe(true);
    expect(byName.get('lifecyclestage')?.type).toBe('enumeration');
  });

  it('creates a group and a property, then answers 409 on a repeat', async () => {
    const h = harness();
    const missingGroup = await h.json('POST', '/crm/v3/properties/contacts', scoreProperty);
    expect(missingGroup.status).toBe(400);
    expect((await h.json('POST', '/crm/v3/properties/contacts/groups', { name: 'crm_signals', label: 'CRM Signals' })).status).toBe(201);
    const groupAgain = await h.json('POST', '/crm/v3/properties/contacts/groups', { name: 'crm_signals', label: 'CRM Signals' });
    expect(groupAgain.status).toBe(409);
    expectHubSpotError(groupAgain.body, 'OBJECT_ALREADY_EXISTS');
    expect((await h.json('GET', '/crm/v3/properties/contacts/groups/crm_signals')).status).toBe(200);

    const created = await h.json('POST', '/crm/v3/properties/contacts', scoreProperty);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'crm_signals_score', type: 'number', hubspotDefined: false });
    const again = await h.json('POST', '/crm/v3/properties/contacts', scoreProperty);
    expect(again.status).toBe(409);
    expectHubSpotError(again.body, 'OBJECT_ALREADY_EXISTS');
    expect(again.body['subCategory']).toBe('Properties.PROPERTY_WITH_NAME_EXISTS');
    expect((await h.json('GET', '/crm/v3/properties/contacts/crm_signals_score')).body).toMatchObject({ label: 'Lead score' });
  });

  it('validates PropertyCreate', async () => {
    const h = harness();
    const bad = [
      { ...scoreProperty, groupName: 'contactinformation', label: undefined },
      { ...scoreProperty, groupName: 'contactinformation', type: 'integer' },
      { ...scoreProperty, groupName: 'contactinformation', type: 'enumeration', fieldType: 'select' },
      { ...scoreProperty, groupName: 'contactinformation', type: 'enumeration', fieldType: 'text', options: [{ label: 'A', value: 'a' }] },
      { ...scoreProperty, groupName: 'contactinformation', name: 'Bad Name' },
    ];
    for (const body of bad) {
      const res = await h.json('POST', '/crm/v3/properties/contacts', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectHubSpotError(res.body, 'VALIDATION_ERROR');
    }
  });

  it('batch/create returns 201, or 207 naming the existing ones; batch/read reads by name', async () => {
    const h = harness();
    const segment = { name: 'crm_signals_segment', label: 'Segment', type: 'enumeration', fieldType: 'select', groupName: 'contactinformation', options: [{ label: 'A', value: 'a', hidden: false, displayOrder: 0 }] };
    const first = await h.json('POST', '/crm/v3/properties/contacts/batch/create', { inputs: [segment] });
    expect(first.status).toBe(201);
    const second = await h.json<{ results: unknown[]; errors: { category: string }[] }>('POST', '/crm/v3/properties/contacts/batch/create', {
      inputs: [segment, { ...segment, name: 'crm_signals_segment_2' }],
    });
    expect(second.status).toBe(207);
    expect(second.body.results).toHaveLength(1);
    expect(second.body.errors[0]?.category).toBe('OBJECT_ALREADY_EXISTS');
    const read = await h.json<{ results: { name: string }[] }>('POST', '/crm/v3/properties/contacts/batch/read', { inputs: [{ name: 'crm_signals_segment' }, { name: 'age' }], archived: false });
    expect(read.status).toBe(200);
    expect(read.body.results.map((p) => p.name)).toEqual(['crm_signals_segment', 'age']);
  });

  it('answers 404 for an unknown property or group', async () => {
    const h = harness();
    expectHubSpotError((await h.json('GET', '/crm/v3/properties/contacts/nope')).body, 'OBJECT_NOT_FOUND');
    expectHubSpotError((await h.json('GET', '/crm/v3/properties/contacts/groups/nope')).body, 'OBJECT_NOT_FOUND');
  });
});
