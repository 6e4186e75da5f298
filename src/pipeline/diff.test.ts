import { describe, expect, it } from 'vitest';
import { diffValues, type DesiredValues } from './diff.ts';

const want = (properties: Record<string, string>, modelVersion = 1): DesiredValues => ({ properties, modelVersion });

describe('diffValues', () => {
  it('queues every property of a record never written, with null as the old value', () => {
    const out = diffValues('contact', new Map([['1', want({ score: '70', reasons: 'Raised by: age' })]]), new Map());
    expect(out).toEqual([
      { objectType: 'contact', externalId: '1', properties: { score: '70', reasons: 'Raised by: age' }, previous: { score: null, reasons: null }, modelVersion: 1 },
    ]);
  });

  it('queues only the properties that changed, with the old value', () => {
    const out = diffValues('contact', new Map([['1', want({ score: '70', reasons: 'x' })]]), new Map([['1', { score: '60', reasons: 'x' }]]));
    expect(out).toHaveLength(1);
    expect(out[0]!.properties).toEqual({ score: '70' });
    expect(out[0]!.previous).toEqual({ score: '60' });
  });

  it('queues nothing when every value is already written', () => {
    expect(diffValues('ticket', new Map([['1', want({ s: '0.5' })]]), new Map([['1', { s: '0.5' }]]))).toEqual([]);
  });

  it('treats an empty written value as present, and a never-written one as different from the empty string', () => {
    expect(diffValues('contact', new Map([['1', want({ reasons: '' })]]), new Map([['1', { reasons: '' }]]))).toEqual([]);
    expect(diffValues('contact', new Map([['1', want({ reasons: '' })]]), new Map([['1', {}]]))[0]!.properties).toEqual({ reasons: '' });
  });

  it('orders the outbox by record id so runs are reproducible', () => {
    const out = diffValues('contact', new Map([['b', want({ s: '1' })], ['a', want({ s: '2' })]]), new Map());
    expect(out.map((o) => o.externalId)).toEqual(['a', 'b']);
  });
});
