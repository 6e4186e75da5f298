/**
 * HubSpot's request signature v3, which signs both webhook deliveries and the card's `hubspot.fetch`
 * calls: base64 HMAC-SHA256, keyed with the app's client secret, over method + URI + raw body + timestamp.
 * https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation
 *
 * Written here rather than taken from @hubspot/api-client: the SDK's Signature.isValid neither decodes the
 * URI the way HubSpot signs it nor compares in constant time (shared/reference/hubspot.md §6, §9.3).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-hubspot-signature-v3';
export const TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';
/** HubSpot's own window: older requests are refused, so a captured one cannot be replayed later. */
export const MAX_AGE_MS = 5 * 60_000;

/** The 12 escapes HubSpot decodes before hashing; every other escape (e.g. %20, %2B, %3D, %26) stays as sent. */
const DECODED: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$',
  '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

/** The URI as HubSpot hashes it: the external URL exactly as called, with only those escapes decoded. */
export function signedUri(externalUrl: string): string {
  return externalUrl.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (escape) => DECODED[escape.toUpperCase()]!);
}

export function signV3(secret: string, parts: { method: string; url: string; body: string; timestamp: string }): string {
  return createHmac('sha256', secret)
    .update(`${parts.method.toUpperCase()}${signedUri(parts.url)}${parts.body}${parts.timestamp}`, 'utf8')
    .digest('base64');
}

export type SignatureCheck = { ok: true } | { ok: false; status: 401; reason: string };

export interface SignedRequest {
  method: string;
  /** The full external URL HubSpot called (scheme, public host, path and query in their original order). */
  url: string;
  /** The raw body as received, never re-serialised. */
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
}

/** Checks one request; the reason names what is wrong (it never repeats the expected signature). */
export function verifyV3(secret: string, request: SignedRequest, now = Date.now()): SignatureCheck {
  if (!request.signature) return { ok: false, status: 401, reason: `missing ${SIGNATURE_HEADER} header` };
  if (!request.timestamp) return { ok: false, status: 401, reason: `missing ${TIMESTAMP_HEADER} header` };
  if (!/^\d{1,16}$/.test(request.timestamp)) return { ok: false, status: 401, reason: `${TIMESTAMP_HEADER} is not a time in milliseconds` };
  const age = now - Number(request.timestamp);
  // A clock a little ahead of ours is HubSpot's clock, not a replay; far ahead is as suspect as far behind.
  if (age > MAX_AGE_MS || age < -MAX_AGE_MS) return { ok: false, status: 401, reason: 'request timestamp is outside the 5-minute window' };
  // Compared as text: base64 decoding ignores trailing junk, so decoded bytes could match a tampered header.
  const expected = Buffer.from(signV3(secret, { method: request.method, url: request.url, body: request.body, timestamp: request.timestamp }), 'utf8');
  const given = Buffer.from(request.signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, status: 401, reason: 'signature does not match' };
  return { ok: true };
}
