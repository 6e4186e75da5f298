/**
 * Everything the store writes that came from a CRM is untrusted. PostgreSQL rejects two things a
 * JavaScript string can hold: NUL (U+0000, in text and in jsonb) and unpaired UTF-16 surrogates (jsonb
 * rejects their escapes; as text they would be silently replaced anyway). Both are cleaned here so one odd
 * record never fails its page: NUL is dropped, an unpaired surrogate becomes U+FFFD.
 * Everything else (long strings, emoji, RTL marks, control characters, a literal "\u0000" text) round-trips.
 */

// eslint-disable-next-line no-control-regex
const NEEDS_CLEANING = /[\u0000\uD800-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const NUL = /\u0000/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A string PostgreSQL accepts in text and jsonb. */
export function cleanText(value: string): string {
  if (!NEEDS_CLEANING.test(value)) return value;
  return value.replace(NUL, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** cleanText, then cut to `max` characters (for free text such as reasons and error messages). */
export function cleanTruncated(value: string, max: number): string {
  const clean = cleanText(value);
  if (clean.length <= max) return clean;
  // Do not cut a surrogate pair in half.
  let end = max - 1;
  const code = clean.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${clean.slice(0, end)}\u2026`;
}

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    let dirty = false;
    for (const k of Object.keys(value)) {
      if (NEEDS_CLEANING.test(k)) {
        dirty = true;
        break;
      }
    }
    if (dirty) {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) copy[cleanText(k)] = v;
      return copy;
    }
  }
  return value;
}

/** JSON text for a jsonb parameter: strings and keys cleaned, `undefined` becomes JSON null. */
export function toJsonb(value: unknown): string {
  return JSON.stringify(value, replacer) ?? 'null';
}

/** Credentials-looking fragments of free text (error messages) are masked before they are stored. */
const SECRET_PATTERNS: RegExp[] = [
  /(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /((?:access|refresh)_?token|client_secret|password|api_?key)(["']?\s*[:=]\s*["']?)[^\s"'&,;]{4,}/gi,
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, (_m, a: string, b?: string) => `${a}${typeof b === 'string' ? b : ''}[redacted]`);
  return out;
}
