import { describe, expect, it } from 'vitest';
import type { ValueBucket } from '../../features/pipeline.ts';
import {
  fitWithin,
  formatReasons,
  humaniseColumn,
  MAX_LABEL_LENGTH,
  NO_REASONS,
  readableNumber,
  readableReason,
  readableReasons,
  readableValue,
  REASON_CODES_VERSION,
  reasonCodes,
  reasonCodesText,
  type ReasonInput,
} from './reasonText.ts';

const reason = (column: string, value: ValueBucket, direction: 'up' | 'down', weight: number): ReasonInput => ({ column, value, direction, weight });

const REASONS: ReasonInput[] = [
  reason('previous_outcome', { kind: 'level', value: 'success', rare: false }, 'up', 18.3),
  reason('last_contact_month', { kind: 'level', value: 'mar', rare: false }, 'up', 0.4),
  reason('nr_employed', { kind: 'range', lower: 5228, upper: null, integer: false }, 'down', 4.6),
];
const LABELS: Record<string, string> = { previous_outcome: 'Previous campaign', nr_employed: 'Employees' };
const labelOf = (c: string) => LABELS[c];

describe('readable values', () => {
  it('groups thousands and keeps 3 significant digits', () => {
    expect(readableNumber(5228)).toBe('5,228');
    expect(readableNumber(5228.1)).toBe('5,228');
    expect(readableNumber(1234567)).toBe('1,234,567');
    expect(readableNumber(1.1)).toBe('1.1');
    expect(readableNumber(93.994)).toBe('94');
    expect(readableNumber(-0.1)).toBe('-0.1');
    expect(readableNumber(0.0000123)).toBe('0.0000123');
    expect(readableNumber(1.23e-7)).toBe('1.23e-7');
    expect(readableNumber(0)).toBe('0');
  });

  it('words intervals, levels and missing values', () => {
    expect(readableValue({ kind: 'range', lower: 1.1, upper: 1.4, integer: false })).toBe('between 1.1 and 1.4');
    expect(readableValue({ kind: 'range', lower: 5228, upper: null, integer: false })).toBe('5,228 or more');
    expect(readableValue({ kind: 'range', lower: null, upper: -1.8, integer: false })).toBe('below -1.8');
    expect(readableValue({ kind: 'range', lower: null, upper: 3, integer: true })).toBe('3 or less');
    expect(readableValue({ kind: 'range', lower: 4, upper: 6, integer: true })).toBe('between 4 and 6');
    expect(readableValue({ kind: 'number', value: 2500 })).toBe('2,500');
    expect(readableValue({ kind: 'level', value: 'success', rare: false })).toBe('success');
    expect(readableValue({ kind: 'level', value: 'mars', rare: true })).toBe('mars (a rare value)');
    expect(readableValue({ kind: 'missing' })).toBe('not filled in');
  });

  it('makes column names readable when no label is known', () => {
    expect(humaniseColumn('emp_var_rate')).toBe('Emp var rate');
    expect(humaniseColumn('Emp_Var_Rate__c')).toBe('Emp var rate');
    expect(humaniseColumn('NumberOfEmployees')).toBe('Number of employees');
    expect(humaniseColumn('euribor_3m')).toBe('Euribor 3m');
    expect(humaniseColumn('__proto__')).toBe('Proto');
    expect(humaniseColumn('___')).toBe('___');
  });
});

describe('readable reasons', () => {
  it('reads like a sentence a rep understands, points on the score scale', () => {
    expect(formatReasons(REASONS, labelOf)).toBe(
      'Previous campaign: success — raises the score by 18 points; Last contact month: mar — raises the score by less than 1 point; Employees: 5,228 or more — lowers the score by 5 points',
    );
    expect(formatReasons([])).toBe(NO_REASONS);
    expect(readableReason(reason('age', { kind: 'number', value: 40 }, 'up', 1.4)).text).toBe('Age: 40 — raises the score by 1 point');
  });

  it('gives the parts a card lays out', () => {
    expect(readableReason(REASONS[2]!, 'Employees')).toEqual({
      label: 'Employees',
      value: '5,228 or more',
      direction: 'lowers',
      points: 5,
      text: 'Employees: 5,228 or more — lowers the score by 5 points',
    });
    expect(readableReason(REASONS[1]!).points).toBe(0);
  });

  it('falls back to the readable column name for a missing or blank label, and cuts a long label at a word', () => {
    expect(readableReason(REASONS[0]!, '   ').label).toBe('Previous outcome');
    const long = readableReason(REASONS[0]!, `Outcome ${'of the previous marketing campaign '.repeat(5)}`).label;
    expect(long.length).toBeLessThanOrEqual(MAX_LABEL_LENGTH);
    expect(long).toMatch(/campaign…$|of…$|the…$|previous…$|marketing…$/);
    expect(long).not.toMatch(/\s…$/);
  });

  it('drops whole reasons, weakest first, to fit a field; never cuts inside one', () => {
    const full = formatReasons(REASONS, labelOf);
    for (let max = 0; max <= full.length + 5; max++) {
      const kept = readableReasons(REASONS, labelOf, max);
      const text = formatReasons(REASONS, labelOf, max);
      if (kept.length > 0) expect(text.length).toBeLessThanOrEqual(max);
      for (const r of kept) expect(full).toContain(r.text);
      // the weakest (the month, then the employees) go before the strongest
      if (kept.length === 2) expect(kept.map((r) => r.label)).toEqual(['Previous campaign', 'Employees']);
      if (kept.length === 1) expect(kept[0]!.label).toBe('Previous campaign');
    }
    expect(readableReasons(REASONS, labelOf, 10)).toEqual([]);
    expect(formatReasons(REASONS, labelOf, full.length)).toBe(full);
  });

  it('fitWithin keeps order and tells equal items apart', () => {
    expect(fitWithin([3, 1, 3, 2], (x) => x, (k) => k.join(''), 3)).toEqual([3, 3, 2]);
    expect(fitWithin([1, 1], (x) => x, (k) => k.join(''), 1)).toEqual([1]);
  });
});

describe('reason codes', () => {
  const coded = [
    { code: 'previous_outcome|success|up', column: 'previous_outcome', bucketKey: 'success', direction: 'up' as const, weight: 18.3, modelVersion: 'abc123' },
    { code: 'nr_employed|q4|down', column: 'nr_employed', bucketKey: 'q4', direction: 'down' as const, weight: 4.6, modelVersion: 'abc123' },
  ];

  it('is versioned JSON with the model and each code, bucket, direction, weight and points', () => {
    const codes = reasonCodes(coded, 'leadScore v7');
    expect(JSON.parse(reasonCodesText(codes))).toEqual({
      v: REASON_CODES_VERSION,
      model: 'leadScore v7',
      modelId: 'abc123',
      reasons: [
        { code: 'previous_outcome|success|up', column: 'previous_outcome', bucket: 'success', direction: 'up', weight: 18.3, points: 18 },
        { code: 'nr_employed|q4|down', column: 'nr_employed', bucket: 'q4', direction: 'down', weight: 4.6, points: 5 },
      ],
    });
    expect(REASON_CODES_VERSION).toBe(1);
    expect(reasonCodes([], 'leadScore v7')).toEqual({ v: 1, model: 'leadScore v7', modelId: null, reasons: [] });
  });

  it('stays valid JSON under a length limit by dropping the weakest codes', () => {
    const codes = reasonCodes(coded, 'leadScore v7');
    const full = reasonCodesText(codes);
    const shorter = reasonCodesText(codes, full.length - 1);
    expect(shorter.length).toBeLessThan(full.length);
    expect(JSON.parse(shorter).reasons.map((r: { code: string }) => r.code)).toEqual(['previous_outcome|success|up']);
  });
});
