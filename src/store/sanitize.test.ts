import { describe, expect, it } from 'vitest';
import { cleanText, cleanTruncated, redactSecrets, toJsonb } from './sanitize.ts';
import { normalizeTimestamp } from './sql.ts';

describe('sanitize', () => {
  it('drops NUL and replaces unpaired surrogates, leaving everything else alone', () => {
    expect(cleanText('a\u0000b')).toBe('ab');
    expect(cleanText('x\ud800y\udc00z')).toBe('x\ufffdy\ufffdz');
    const fine = '🙂 👩‍👩‍👧 e\u0301 ‮ \u0001 \\u0000';
    expect(cleanText(fine)).toBe(fine);
  });

  it('cleans strings and keys inside JSON', () => {
    const json = toJsonb({ 'k\u0000': ['v\u0000', { n: 1, lone: '\udfff' }], big: 12n, gone: undefined });
    expect(json).not.toContain('\\u0000');
    expect(JSON.parse(json)).toEqual({ k: ['v', { n: 1, lone: '\ufffd' }], big: 12 });
    expect(toJsonb(undefined)).toBe('null');
    expect(JSON.parse(toJsonb('literal \\u0000 text'))).toBe('literal \\u0000 text');
  });

  it('truncates without splitting a surrogate pair', () => {
    expect(cleanTruncated('abcdef', 4)).toBe('abc\u2026');
    const cut = cleanTruncated('ab🙂🙂🙂', 4);
    expect(cut).toBe('ab\u2026');
    expect(cleanTruncated('short', 10)).toBe('short');
  });

  it('redacts credential-looking fragments', () => {
    expect(redactSecrets('401: Authorization: Bearer abc.def-ghi_jkl')).toBe('401: Authorization: Bearer [redacted]');
    expect(redactSecrets('refresh_token=1234abcd&x=1')).toBe('refresh_token=[redacted]&x=1');
    expect(redactSecrets('{"access_token": "zzzzzzzz"}')).toBe('{"access_token": "[redacted]"}');
    expect(redactSecrets('INVALID_FIELD: score')).toBe('INVALID_FIELD: score');
  });
});

describe('normalizeTimestamp', () => {
  it.each([
    ['2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-01-02T03:04:05.000+0000', '2024-01-02T03:04:05.000Z'],
    ['2024-01-02T05:04:05+02:00', '2024-01-02T03:04:05.000Z'],
    ['2024-01-02T03:04:05', '2024-01-02T03:04:05.000Z'],
    ['2024-01-02 03:04:05.123', '2024-01-02T03:04:05.123Z'],
    ['1714557600000', '2024-05-01T10:00:00.000Z'],
    ['1714557600', '2024-05-01T10:00:00.000Z'],
    [1714557600000, '2024-05-01T10:00:00.000Z'],
    [new Date('2024-05-01T10:00:00Z'), '2024-05-01T10:00:00.000Z'],
  ])('%s', (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  it.each([['yesterday'], [''], [null], [undefined], [{}], ['99999-01-01T00:00:00Z'], [Number.NaN]])('rejects %s', (input) => {
    expect(normalizeTimestamp(input)).toBeNull();
  });
});
