import { describe, expect, it } from 'vitest';
import { bar, fixed, int, percent, reliabilityBar, secs, table } from './format.ts';

describe('report formatting', () => {
  it('formats numbers, with n/a for NaN', () => {
    expect(fixed(0.12345)).toBe('0.123');
    expect(fixed(Number.NaN)).toBe('n/a');
    expect(percent(0.1127)).toBe('11.3 %');
    expect(int(41188)).toBe('41,188');
    expect(secs(0.0421)).toBe('0.042 s');
    expect(secs(3.214)).toBe('3.21 s');
  });

  it('draws bars in eighths of a character', () => {
    expect(bar(1, 1, 4)).toBe('████');
    expect(bar(0.5, 1, 4)).toBe('██');
    expect(bar(1, 8, 1)).toBe('▏');
    expect(bar(0, 1, 4)).toBe('');
    expect(bar(Number.NaN, 1, 4)).toBe('');
  });

  it('marks the predicted probability on the observed bar', () => {
    expect(reliabilityBar(0.5, 0.5, 1, 10)).toBe('█████|');
    expect(reliabilityBar(0.2, 0.5, 1, 10)).toBe('██   |');
  });

  it('aligns columns: numbers right, text left', () => {
    const t = table(['name', 'value'], [['a', '1.5'], ['longer', '10.25']]);
    expect(t.split('\n')).toEqual(['name    value', '------  -----', 'a         1.5', 'longer  10.25']);
  });
});
