/**
 * HubSpot's v3 request signature, as the emulator's webhook sender computes it (the service has its own
 * verifier; the two are kept apart so one cannot hide the other's mistake).
 * Source string: method + uri + rawBody + timestamp, HMAC-SHA256 keyed with the app's client secret,
 * base64. The uri is the one called, with exactly these 12 escapes decoded (reference §9.3); every other
 * escape (%20, %2B, %3D, %26, ...) stays as it is.
 */
import { createHmac } from 'node:crypto';

const DECODED: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$',
  '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

export function signatureUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()] as string);
}

export interface SignInput {
  method: string;
  /** The full URL called: scheme, host, path and query. */
  uri: string;
  /** The exact bytes sent. */
  body: string;
  /** Epoch ms, as sent in X-HubSpot-Request-Timestamp. */
  timestamp: number;
  clientSecret: string;
}

export function signV3(input: SignInput): string {
  const source = `${input.method.toUpperCase()}${signatureUri(input.uri)}${input.body}${input.timestamp}`;
  return createHmac('sha256', input.clientSecret).update(source, 'utf8').digest('base64');
}

/** The headers a signed HubSpot request carries. */
export function signedHeaders(input: SignInput): Record<string, string> {
  return {
    'X-HubSpot-Signature-v3': signV3(input),
    'X-HubSpot-Request-Timestamp': String(input.timestamp),
  };
}
