import { describe, expect, it } from 'vitest';
import type { SignalRow } from '../store/types.ts';
import { diffSignals, hubspotFieldName, leadScoreProperties } from './diff.ts';

function signal(id: string, score: number, version = 1): SignalRow {
  return { objectType: 'contact', externalId: id, signal: 'leadScore', modelVersion: version, inputHash: 'h', value: { score, probability: score / 100, reasons: 'Raised by: age' } };
}
const props = (row: SignalRow) => leadScoreProperties(row, hubspotFieldName);

describe('diffSignals', () => {
  it('queues every property of a record never written', () => {
    const out = diffSignals(new Map([['1', signal('1', 70)]]), new Map(), props);
    expect(out).toEqual([
      {
        objectType: 'contact',
        externalId: '1',
        properties: { crm_signals_lead_score: '70', crm_signals_score_reasons: 'Raised by: age', crm_signals_model_version: 'leadScore v1' },
        previous: { crm_signals_lead_score: null, crm_signals_score_reasons: null, crm_signals_model_version: null },
        modelVersion: 1,
      },
    ]);
  });

  it('queues only the properties that changed, with the old value', () => {
    const written = new Map([['1', { crm_signals_lead_score: '60', crm_signals_score_reasons: 'Raised by: age', crm_signals_model_version: 'leadScore v1' }]]);
    const out = diffSignals(new Map([['1', signal('1', 70)]]), written, props);
    expect(out).toHaveLength(1);
    expect(out[0]!.properties).toEqual({ crm_signals_lead_score: '70' });
    expect(out[0]!.previous).toEqual({ crm_signals_lead_score: '60' });
  });

  it('queues nothing when every value is already written', () => {
    const written = new Map([['1', props(signal('1', 70))]]);
    expect(diffSignals(new Map([['1', signal('1', 70)]]), written, props)).toEqual([]);
  });

  it('treats an empty written value as present, not as missing', () => {
    const row: SignalRow = { ...signal('1', 70), value: { score: 70, probability: 0.7, reasons: '' } };
    const written = new Map([['1', { ...props(row) }]]);
    expect(diffSignals(new Map([['1', row]]), written, props)).toEqual([]);
    const cleared = new Map([['1', { ...props(row), crm_signals_score_reasons: null }]]);
    expect(diffSignals(new Map([['1', row]]), cleared, props)[0]!.properties).toEqual({ crm_signals_score_reasons: '' });
  });
});
