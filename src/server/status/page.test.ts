import { describe, expect, it } from 'vitest';
import { dateFormatter } from './page.ts';

describe("the status page's dates", () => {
  const iso = '2026-12-02T10:05:00.000Z';

  it("are written in the viewer's language (Accept-Language), in UTC", () => {
    expect(dateFormatter('de-DE,de;q=0.9,en;q=0.8')(iso)).toBe(`${new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(Date.parse(iso))} UTC`);
    expect(dateFormatter('en-US')(iso)).toBe('Dec 2, 2026, 10:05 AM UTC');
    expect(dateFormatter('de')(iso)).not.toBe(dateFormatter('en-US')(iso));
  });

  it('fall back to en-US for a missing or malformed header, and to nothing for no date', () => {
    for (const header of [undefined, '', '*', '../../etc', 'x'.repeat(300), '\u0000']) expect(dateFormatter(header)(iso)).toBe('Dec 2, 2026, 10:05 AM UTC');
    expect(dateFormatter('en-US')(null)).toBe('');
    expect(dateFormatter('en-US')('not a date')).toBe('');
  });
});
