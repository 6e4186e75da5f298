/**
 * Credentials at rest: AES-256-GCM, the tenant id bound as additional authenticated data (a sealed value
 * copied to another tenant's row does not open). Keys come from configuration, newest first (each a
 * base64 32-byte key or a passphrase, scrypt-derived); the embedded demo may instead keep a random key in
 * `${dataDir}/secret.key` (mode 0600), and an in-memory store a random key that lives as long as the process.
 *
 * Rotation: a sealed value names the key that sealed it (`v2.<key id>...`), the newest key seals, any
 * listed key opens, and `isCurrent` tells the store which values to re-seal. The key id is an HMAC of the
 * key, so it identifies a key without revealing it. Keys stay inside closures (never a property), and no
 * error message carries plaintext or key material.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { makeDirectory } from './dirs.ts';
import { dirname } from 'node:path';

/** Sealed before key ids existed (one key, no id): opened by trying every configured key. */
const LEGACY_VERSION = 'v1';
const VERSION = 'v2';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Fixed application salt: the secret is an operator-chosen key, not a user password. */
const SCRYPT_SALT = 'crm-signals/credentials/v1';
/** Below this a passphrase is too easy to guess offline from a stolen database. */
export const MIN_PASSPHRASE_LENGTH = 16;
/** Exactly 32 bytes of standard or url-safe base64 (43 characters and optional padding). */
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

export interface Sealer {
  /** `v2.<key id>.<iv>.<tag>.<ciphertext>` (base64url), with the newest key. */
  seal(plaintext: string, aad: string): string;
  /** With whichever configured key sealed it; throws a plaintext- and key-free error otherwise. */
  open(sealed: string, aad: string): string;
  /** Whether `sealed` is already sealed with the newest key (else it should be sealed again). */
  isCurrent(sealed: string): boolean;
}

export function deriveKey(secret: string): Buffer {
  return scryptSync(secret, SCRYPT_SALT, KEY_BYTES, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

/**
 * One configured key: a base64 32-byte key as it is, any other text as a passphrase. The error names the
 * problem, never the value.
 */
export function keyFromSetting(setting: string): Buffer {
  const value = setting.trim();
  const raw = rawKey(value);
  if (raw !== null) return raw;
  const problem = keySettingProblem(value);
  if (problem !== null) throw new Error(problem);
  return deriveKey(value);
}

/** What is wrong with a key setting (never quoting it), or null; cheap: derives nothing. */
export function keySettingProblem(setting: string): string | null {
  const value = setting.trim();
  if (rawKey(value) !== null || value.length >= MIN_PASSPHRASE_LENGTH) return null;
  return `is neither a base64 ${KEY_BYTES}-byte key nor a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`;
}

function rawKey(value: string): Buffer | null {
  if (!BASE64_KEY.test(value)) return null;
  const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === KEY_BYTES ? key : null;
}

/** A short public name of a key: an HMAC of it, so the sealed value says which key opens it. */
export function keyId(key: Buffer): string {
  return createHmac('sha256', key).update('crm-signals/credentials/key-id').digest().subarray(0, 6).toString('base64url');
}

let processKey: Buffer | null = null;
/** A random key shared by the in-memory stores of this process. */
export function processLocalKey(): Buffer {
  processKey ??= randomBytes(KEY_BYTES);
  return processKey;
}

/** Reads the key file, creating it (0600, exclusively: two processes never write different keys) if absent. */
export async function loadOrCreateKeyFile(path: string): Promise<Buffer> {
  await makeDirectory(dirname(path), 0o700);
  try {
    await writeFile(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readKeyFile(path);
}

async function readKeyFile(path: string): Promise<Buffer> {
  const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`${path} does not hold a ${KEY_BYTES}-byte base64 key`);
  // Tighten a key file someone loosened; ignore filesystems without POSIX modes.
  await chmod(path, 0o600).catch(() => undefined);
  return key;
}

/** `keys` newest first: the first seals, every one opens. */
export function createSealer(keys: Buffer | readonly Buffer[]): Sealer {
  const list = (Buffer.isBuffer(keys) ? [keys] : [...keys]).map((key) => {
    if (key.length !== KEY_BYTES) throw new Error(`credentials key must be ${KEY_BYTES} bytes`);
    return { id: keyId(key), key: Buffer.from(key) };
  });
  const newest = list[0];
  if (newest === undefined) throw new Error('credentials need at least one key');
  const byId = new Map(list.map((k) => [k.id, k.key]));

  const decrypt = (key: Buffer, iv: string, tag: string, ciphertext: string, aad: string): string => {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  };
  const undecryptable = () => new Error('stored credentials could not be decrypted (wrong key, or the data was altered)');

  return {
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', newest.key, iv);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, newest.id, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed, aad) {
      const parts = sealed.split('.');
      if (parts[0] === VERSION && parts.length === 5) {
        const [, id, iv, tag, ciphertext] = parts as [string, string, string, string, string];
        const key = byId.get(id);
        if (key === undefined) {
          throw new Error(`stored credentials were sealed with key ${id}, which is not among the configured keys (${list.map((k) => k.id).join(', ')})`);
        }
        try {
          return decrypt(key, iv, tag, ciphertext, aad);
        } catch {
          throw undecryptable();
        }
      }
      if (parts[0] === LEGACY_VERSION && parts.length === 4) {
        const [, iv, tag, ciphertext] = parts as [string, string, string, string];
        for (const { key } of list) {
          try {
            return decrypt(key, iv, tag, ciphertext, aad);
          } catch {
            // The next key may be the one.
          }
        }
        throw undecryptable();
      }
      throw new Error('stored credentials have an unknown format');
    },
    isCurrent(sealed) {
      return sealed.startsWith(`${VERSION}.${newest.id}.`);
    },
  };
}

/**
 * Signs short values (session cookies, OAuth state) with keys derived from the credentials keys, so a
 * deployment configures one secret. Each purpose has its own key (HKDF), a signature names its key id, and
 * any configured key verifies: a rotation does not log every admin out.
 */
export interface Signer {
  /** `<key id>.<base64url HMAC-SHA256>` over `value`, with the newest key. */
  sign(purpose: string, value: string): string;
  /** Constant-time; false for a signature of another purpose, value or key. */
  verify(purpose: string, value: string, signature: string): boolean;
}

export function createSigner(keys: readonly Buffer[]): Signer {
  const list = keys.map((key) => ({ id: keyId(key), key }));
  const newest = list[0];
  if (newest === undefined) throw new Error('signing needs at least one key');
  const byId = new Map(list.map((k) => [k.id, k.key]));
  // One derivation per key and purpose (a handful), not one per request: HKDF cost about a quarter of
  // an admin request's CPU when every cookie check and CSRF token derived its key again.
  const derivedKeys = new Map<Buffer, Map<string, Buffer>>();
  const derivedKey = (key: Buffer, purpose: string): Buffer => {
    let purposes = derivedKeys.get(key);
    if (purposes === undefined) derivedKeys.set(key, (purposes = new Map()));
    let derived = purposes.get(purpose);
    if (derived === undefined) purposes.set(purpose, (derived = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `crm-signals/sign/${purpose}`, KEY_BYTES))));
    return derived;
  };
  const mac = (key: Buffer, purpose: string, value: string): Buffer => createHmac('sha256', derivedKey(key, purpose)).update(value, 'utf8').digest();
  return {
    sign(purpose, value) {
      return `${newest.id}.${mac(newest.key, purpose, value).toString('base64url')}`;
    },
    verify(purpose, value, signature) {
      const dot = signature.indexOf('.');
      const key = dot > 0 ? byId.get(signature.slice(0, dot)) : undefined;
      if (key === undefined) return false;
      const given = Buffer.from(signature.slice(dot + 1), 'base64url');
      const expected = mac(key, purpose, value);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
