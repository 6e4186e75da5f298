import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '../index.ts';
import { expectHubSpotError, harness } from './helpers.ts';

interface BatchBody {
  status: string;
  results: { id: string; properties: Record<string, string | null>; updatedAt: string; objectWriteTraceId?: string }[];
  errors?: { status: string; category: string; message: string; context: Record<string, string[]>; objectWriteTraceId?: string }[];
  numErrors?: number;
}

describe('batch read', () => {
  it('reads up to 100 ids and reports missing ones in a 207', async () => {
    const h = harness();
    const ids = h.sb.state.list('contacts').slice(0, 3).map((r) => r.id);
    const ok = await h.json<BatchBody>('POST', '/crm/v3/objects/contacts/batch/read', { inputs: ids.map((id) => ({ id })), properties: ['age'], propertiesWithHistory: [] });
    expect(ok.status).toBe(200);
    expect(ok.body.results.map((r) => r.id)).toEqual(ids);
    expect(ok.body.results[0]?.properties['age']).toBe(h.sb.state.get('contacts', ids[0] ?? '')?.properties['age']);
    const partial = await h.json<BatchBody>('POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: ids[0] }, { id: '424242' }], properties: [], propertiesWithHistory: [] });
    expect(partial.status).toBe(207);
    expect(partial.body.results).toHaveLength(1);
    expect(partial.body.numErrors).toBe(1);
    expect(partial.body.errors?.[0]).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND', context: { ids: ['424242'] } });
    const tooMany = await h.json('POST', '/crm/v3/objects/contacts/batch/read', { inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(i) })), properties: [] });
    expect(tooMany.status).toBe(400);
  });
});

describe('batch update', () => {
  it('refuses more than 100 inputs', async () => {
    const h = harness();
    const inputs = h.sb.state.list('contacts').slice(0, 101).map((r) => ({ id: r.id, properties: { job: 'retired' } }));
    const res = await h.json('POST', '/crm/v3/objects/contacts/batch/update', { inputs });
    expect(res.status).toBe(400);
    expectHubSpotError(res.body, 'VALIDATION_ERROR');
    expect(h.sb.state.list('contacts').filter((r) => r.updatedAt > h.sb.state.now() - 1000)).toHaveLength(0);
    expect(h.sb.stats().writeCalls).toBe(0);
  });

  it('writes, clears with "", bumps hs_lastmodifieddate and lastmodifieddate, counts one write call', async () => {
    const h = harness();
    const [a, b] = h.sb.state.list('contacts').slice(0, 2) as [StoredRecord, StoredRecord];
    const before = h.sb.state.get('contacts', a.id)?.properties['hs_lastmodifieddate'];
    h.clock.advance(60_000);
    const res = await h.json<BatchBody>('POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [
        { id: a.id, properties: { job: 'student', age: 31 } },
        { id: b.id, properties: { marital: '' } },
      ],
    });
    expect(res.status).toBe(200);
    const now = new Date(h.clock.now).toISOString();
    expect(res.body.results.map((r) => r.updatedAt)).toEqual([now, now]);
    expect(res.body.results[0]?.properties).toMatchObject({ job: 'student', age: '31', hs_lastmodifieddate: now });
    const stored = h.sb.state.get('contacts', a.id);
    expect(stored?.properties['hs_lastmodifieddate']).toBe(now);
    expect(stored?.properties['lastmodifieddate']).toBe(now);
    expect(stored?.properties['hs_lastmodifieddate']).not.toBe(before);
    expect(h.sb.state.get('contacts', b.id)?.properties['marital']).toBeUndefined();
    expect(h.sb.stats().writeCalls).toBe(1);
  });

  const badBatch = (ids: string[], trace: boolean) => ({
    inputs: [
      { id: ids[0], properties: { job: 'astronaut' } },
      { id: ids[1], properties: { job: 'student' } },
      { id: ids[2], properties: { age: 'forty' } },
      { id: ids[3], properties: { hs_object_id: '1' } },
      { id: ids[4], properties: { no_such_property: 'x' } },
    ].map((i, n) => (trace ? { ...i, objectWriteTraceId: `trace-${n}` } : i)),
  });

  it('without objectWriteTraceId, one bad value fails the whole batch (400) and nothing is applied', async () => {
    const h = harness();
    const ids = h.sb.state.list('contacts').slice(0, 5).map((r) => r.id);
    const jobBefore = h.sb.state.get('contacts', ids[1] ?? '')?.properties['job'];
    h.clock.advance(1000);
    const res = await h.json<Record<string, unknown>>('POST', '/crm/v3/objects/contacts/batch/update', badBatch(ids, false));
    expect(res.status).toBe(400);
    expectHubSpotError(res.body, 'VALIDATION_ERROR');
    expect(String(res.body['message'])).toMatch(/^Property values were not valid: /);
    expect(String(res.body['message'])).toContain('INVALID_OPTION');
    expect(String(res.body['message'])).toContain('READ_ONLY_VALUE');
    expect(String(res.body['message'])).toContain('PROPERTY_DOESNT_EXIST');
    expect(h.sb.state.get('contacts', ids[1] ?? '')?.properties['job']).toBe(jobBefore);
    expect(h.sb.stats().writeCalls).toBe(0);
  });

  it('with objectWriteTraceId on every input, answers 207, applies the valid ones and names the bad ones', async () => {
    const h = harness();
    const ids = h.sb.state.list('contacts').slice(0, 5).map((r) => r.id);
    h.clock.advance(1000);
    const res = await h.json<BatchBody>('POST', '/crm/v3/objects/contacts/batch/update', badBatch(ids, true));
    expect(res.status).toBe(207);
    expect(res.body.results.map((r) => r.id)).toEqual([ids[1]]);
    expect(res.body.results[0]?.objectWriteTraceId).toBe('trace-1');
    expect(res.body.numErrors).toBe(4);
    expect(res.body.errors?.map((e) => e.context['ids']?.[0])).toEqual([ids[0], ids[2], ids[3], ids[4]]);
    expect(res.body.errors?.map((e) => e.objectWriteTraceId)).toEqual(['trace-0', 'trace-2', 'trace-3', 'trace-4']);
    expect(res.body.errors?.[0]?.context['objectWriteTraceId']).toEqual(['trace-0']);
    expect(res.body.errors?.every((e) => e.status === 'error' && e.category === 'VALIDATION_ERROR')).toBe(true);
    expect(h.sb.state.get('contacts', ids[1] ?? '')?.properties['job']).toBe('student');
    expect(h.sb.state.get('contacts', ids[0] ?? '')?.properties['job']).not.toBe('astronaut');
    expect(h.sb.stats().writeCalls).toBe(1);
  });

  it('an unknown id fails the batch with 404, or one 207 entry with trace ids', async () => {
    const h = harness();
    const id = h.sb.state.list('contacts')[0]?.id ?? '';
    const plain = await h.json('POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id, properties: { job: 'student' } }, { id: '77', properties: { job: 'student' } }] });
    expect(plain.status).toBe(404);
    expectHubSpotError(plain.body, 'OBJECT_NOT_FOUND');
    const traced = await h.json<BatchBody>('POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [{ id, properties: { job: 'student' }, objectWriteTraceId: 'a' }, { id: '77', properties: { job: 'student' }, objectWriteTraceId: 'b' }],
    });
    expect(traced.status).toBe(207);
    expect(traced.body.errors?.[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['77'] } });
  });

  it('validates against properties created through the API', async () => {
    const h = harness();
    await h.json('POST', '/crm/v3/properties/contacts', { name: 'lead_score', label: 'Lead score', type: 'number', fieldType: 'number', groupName: 'contactinformation' });
    const id = h.sb.state.list('contacts')[0]?.id;
    expect((await h.json('POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id, properties: { lead_score: '87' } }] })).status).toBe(200);
    expect((await h.json('POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id, properties: { lead_score: 'high' } }] })).status).toBe(400);
  });
});
