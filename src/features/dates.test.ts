import { describe, expect, it } from 'vitest';
import { DateFeatures, fitDateFeatures, parseDate } from './dates.ts';
import { fitFeaturePipeline } from './pipeline.ts';
import type { RawRow } from './pipeline.ts';

describe('parseDate', () => {
  it('reads ISO 8601 dates and date-times (offset-less as UTC) and epoch milliseconds', () => {
    expect(parseDate('2024-03-05')).toBe(Date.UTC(2024, 2, 5));
    expect(parseDate('2024-03-05T10:00:00.000Z')).toBe(Date.UTC(2024, 2, 5, 10));
    expect(parseDate('2024-03-05T10:00:00.5Z')).toBe(Date.UTC(2024, 2, 5, 10, 0, 0, 500));
    expect(parseDate('2024-03-05T10:00:00.123456789Z')).toBe(Date.UTC(2024, 2, 5, 10, 0, 0, 123));
    expect(parseDate('2024-03-05T10:00')).toBe(Date.UTC(2024, 2, 5, 10));
    expect(parseDate('2024-03-05 10:00:00')).toBe(Date.UTC(2024, 2, 5, 10));
    expect(parseDate('2024-03-05T12:30:00+02:00')).toBe(Date.UTC(2024, 2, 5, 10, 30));
    expect(parseDate('2024-03-05T07:00:00-0300')).toBe(Date.UTC(2024, 2, 5, 10));
    expect(parseDate(' 1709640000000 ')).toBe(1709640000000); // 2024-03-05T12:00Z, as HubSpot sends it
    expect(parseDate(1709640000000 as unknown as string)).toBe(1709640000000);
    expect(parseDate('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDate('0001-01-01')).toBe(-62135596800000); // not 1901: years below 100 are taken literally
  });

  it('gives null for anything else, impossible calendar dates and short integers included', () => {
    for (const bad of [null, undefined, '', '  ', 'yesterday', 'March 5, 2024', '05/03/2024', '2024', '1709640000', '2023-02-29', '2024-02-30', '2024-13-01', '2024-00-10', '2024-03-05T24:00:00Z', '2024-03-05T10:60Z', '2024-03-05T10:00:00+25:00', '99999999999999999', '1.7e12']) {
      expect(parseDate(bad), String(bad)).toBeNull();
    }
  });
});

describe('DateFeatures', () => {
  const rows: RawRow[] = [
    { id: '1', created: '2024-03-05', last_seen: '2024-03-10T12:00:00.000Z' },
    { id: '2', created: '1709640000000', last_seen: '2024-03-10T14:00:00+02:00' },
    { id: '3', created: null, last_seen: 'not a date' },
    { id: '4', created: '2023-12-31T18:00:00Z', last_seen: '2024-02-30' },
  ];
  const dates = fitDateFeatures(rows, { columns: ['created', 'last_seen'], parts: ['dayOfWeek', 'month'] });

  it('takes asOf from the latest date seen, not the clock', () => {
    expect(new Date(dates.asOf).toISOString()).toBe('2024-03-10T12:00:00.000Z');
    expect(dates.columnNames).toEqual([
      'created_days_ago',
      'created_month',
      'created_day_of_week',
      'last_seen_days_ago',
      'last_seen_month',
      'last_seen_day_of_week',
    ]);
  });

  it('adds days ago, month and ISO day of week as strings, null when missing or unparsable', () => {
    const out = dates.transformRows(rows);
    expect(out[0]).toEqual({
      ...rows[0],
      created_days_ago: '5.5',
      created_month: '3',
      created_day_of_week: '2', // Tuesday
      last_seen_days_ago: '0',
      last_seen_month: '3',
      last_seen_day_of_week: '7', // Sunday
    });
    expect(out[1]).toMatchObject({ created_days_ago: '5', last_seen_days_ago: '0' });
    expect(out[2]).toMatchObject({ created_days_ago: null, created_month: null, created_day_of_week: null, last_seen_days_ago: null });
    // 2023-12-31T18:00Z is a Sunday in December, 69.75 days before asOf; 2024-02-30 does not exist
    expect(out[3]).toMatchObject({ created_days_ago: '69.75', created_month: '12', created_day_of_week: '7', last_seen_days_ago: null });
    expect(dates.transform(rows)[0]).toEqual([5.5, 3, 2, 0, 3, 7]);
  });

  it('gives the same result on any day, and a chosen asOf when asked', () => {
    const fixed = fitDateFeatures(rows, { columns: ['created'], asOf: '2024-04-05T00:00:00Z' });
    expect(fixed.transform(rows).map((r) => r[0])).toEqual([31, 30.5, null, 95.25]);
    expect(fitDateFeatures(rows, { columns: ['created'], asOf: new Date('2024-04-05T00:00:00Z') }).asOf).toBe(fixed.asOf);
    const later = dates.withAsOf('2024-03-20T12:00:00Z');
    expect(later.transform(rows)[0]).toEqual([15.5, 3, 2, 10, 3, 7]);
    expect(dates.transform(rows)[0]?.[0]).toBe(5.5); // the original is unchanged
  });

  it('feeds the feature pipeline as numeric columns', () => {
    const out = dates.transformRows(rows);
    const p = fitFeaturePipeline(out, { numeric: ['created_days_ago'], categorical: ['created_month'], rareLevelMinCount: 1 });
    // days ago 5.5, 5, 69.75 -> median 5.5; missing created -> imputed and flagged
    expect(p.transform(out)).toEqual([
      [5.5, 0, 1, 0, 0],
      [5, 0, 1, 0, 0],
      [5.5, 1, 0, 0, 1],
      [69.75, 0, 0, 1, 0],
    ]);
  });

  it('fails clearly on a column rows lack, an output column already present, and bad specs', () => {
    expect(() => fitDateFeatures(rows, { columns: ['closed'] })).toThrow(/row 0 lacks date column "closed"/);
    expect(() => dates.transformRows([{ created: null }])).toThrow(/row 0 lacks date column "last_seen"/);
    expect(() => dates.transformRows(dates.transformRows(rows))).toThrow(/row 0 already has a column "created_days_ago"/);
    expect(() => fitDateFeatures([{ created: 'x' }, { created: null }], { columns: ['created'] })).toThrow(/no parsable date in "created" over 2 rows; pass asOf/);
    expect(() => fitDateFeatures(rows, { columns: ['created'], asOf: 'yesterday' })).toThrow(/asOf is not a date: "yesterday"/);
    expect(() => fitDateFeatures(rows, { columns: ['created'], asOf: new Date(Number.NaN) })).toThrow(/asOf is not a date/);
    expect(() => fitDateFeatures(rows, { columns: [] })).toThrow(/lists no columns/);
    expect(() => fitDateFeatures(rows, { columns: ['created', 'created'] })).toThrow(/"created" is listed twice/);
    expect(() => fitDateFeatures(rows, { columns: ['created'], parts: ['week' as 'month'] })).toThrow(/unknown part "week"/);
    expect(() => dates.withAsOf('soon')).toThrow(/asOf is not a date/);
  });

  it('round-trips through JSON text with identical output', () => {
    const json = JSON.parse(JSON.stringify(dates.toJSON())) as unknown;
    expect(json).toEqual({
      kind: 'dateFeatures',
      version: 1,
      columns: ['created', 'last_seen'],
      asOf: '2024-03-10T12:00:00.000Z',
      parts: ['month', 'dayOfWeek'],
    });
    const loaded = DateFeatures.fromJSON(json);
    expect(loaded.transformRows(rows)).toEqual(dates.transformRows(rows));
    expect(loaded.columnNames).toEqual(dates.columnNames);
  });

  it('rejects malformed JSON naming what is wrong', () => {
    const json = dates.toJSON();
    expect(() => DateFeatures.fromJSON('dateFeatures')).toThrow(/not date features/);
    expect(() => DateFeatures.fromJSON({ ...json, kind: 'rowCleaner' })).toThrow(/expected kind "dateFeatures", got "rowCleaner"/);
    expect(() => DateFeatures.fromJSON({ ...json, version: 3 })).toThrow(/unsupported date features version 3/);
    expect(() => DateFeatures.fromJSON({ ...json, asOf: 'later' })).toThrow(/asOf "later" is not a date/);
    expect(() => DateFeatures.fromJSON({ ...json, parts: ['week'] })).toThrow(/invalid date features JSON: parts\.0/);
    expect(() => DateFeatures.fromJSON({ ...json, columns: ['a', 'a'] })).toThrow(/"a" is listed twice/);
  });
});
