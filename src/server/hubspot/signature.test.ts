import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signedUri, signV3, verifyV3 } from './signature.ts';

const secret = 'app-client-secret';
const now = 1_790_000_000_000;

/** An independent reading of HubSpot's recipe, so the verifier is not checked against itself. */
function reference(method: string, uri: string, body: string, timestamp: string): string {
  return createHmac('sha256', secret).update(method + uri + body + timestamp).digest('base64');
}

function request(overrides: Partial<Parameters<typeof verifyV3>[1]> = {}) {
  const url = 'https://app.example.com/webhooks/hubspot?x=1';
  const body = '[{"eventId":1,"name":"Zoë"}]';
  const timestamp = String(now - 1000);
  return { method: 'POST', url, body, timestamp, signature: reference('POST', url, body, timestamp), ...overrides };
}

describe('HubSpot signature v3', () => {
  it('accepts what HubSpot signs, including non-ASCII bodies', () => {
    expect(verifyV3(secret, request(), now)).toEqual({ ok: true });
  });

  it('decodes exactly the 12 escapes HubSpot decodes, and no others', () => {
    expect(signedUri('https://h/p?a=%3a%2F%3F%40%21%24%27%28%29%2A%2C%3B')).toBe("https://h/p?a=:/?@!$'()*,;");
    expect(signedUri('https://h/p?a=%20%2B%3D%26%25')).toBe('https://h/p?a=%20%2B%3D%26%25');
    const url = 'https://h/cards/hubspot/contact?email=a%40b.com&userEmail=x%2By%40z.com';
    const timestamp = String(now);
    const signature = reference('GET', 'https://h/cards/hubspot/contact?email=a@b.com&userEmail=x%2By@z.com', '', timestamp);
    expect(verifyV3(secret, { method: 'GET', url, body: '', timestamp, signature }, now)).toEqual({ ok: true });
  });

  it.each([
    ['a wrong signature', { signature: Buffer.from('x'.repeat(32)).toString('base64') }, /does not match/],
    ['another secret', { signature: signV3('other', { method: 'POST', url: request().url, body: request().body, timestamp: request().timestamp }) }, /does not match/],
    ['a changed body', { body: '[{"eventId":2}]' }, /does not match/],
    ['another URI', { url: 'https://app.example.com/webhooks/hubspot?x=2' }, /does not match/],
    ['another method', { method: 'PUT' }, /does not match/],
    ['a stale timestamp', { timestamp: String(now - 5 * 60_000 - 1) }, /5-minute window/],
    ['a timestamp far ahead', { timestamp: String(now + 5 * 60_000 + 1) }, /5-minute window/],
    ['no signature', { signature: undefined }, /missing x-hubspot-signature-v3/],
    ['no timestamp', { timestamp: undefined }, /missing x-hubspot-request-timestamp/],
    ['a timestamp in seconds text', { timestamp: '17e11' }, /not a time in milliseconds/],
  ])('refuses %s', (_what, overrides, reason) => {
    const check = verifyV3(secret, request(overrides), now);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('never accepts a mutated request (bounded fuzz)', () => {
    const good = request();
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.constantFrom('signature', 'body', 'url', 'timestamp'), (junk, field) => {
        const mutated = { ...good, [field]: `${good[field as 'body']}${junk || 'z'}` };
        expect(verifyV3(secret, mutated, now).ok).toBe(false);
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});
