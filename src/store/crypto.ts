/**
 * Credentials at rest: AES-256-GCM, the tenant id bound as additional authenticated data (a sealed value
 * copied to another tenant's row does not open). The key comes from the operator's secret (scrypt), or,
 * without one, from a random key kept in `${dataDir}/secret.key` (mode 0600), or for an in-memory store
 * a random key that lives as long as the process.
 * The key stays inside closures (never a property), and no error message carries plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { makeDirectory } from './dirs.ts';
import { dirname } from 'node:path';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Fixed application salt: the secret is an operator-chosen key, not a user password. */
const SCRYPT_SALT = 'crm-signals/credentials/v1';

export interface Sealer {
  /** `v1.<iv>.<tag>.<ciphertext>` (base64url). */
  seal(plaintext: string, aad: string): string;
  /** Throws a plaintext-free error when the key or the data is wrong. */
  open(sealed: string, aad: string): string;
}

export function deriveKey(secret: string): Buffer {
  return scryptSync(secret, SCRYPT_SALT, KEY_BYTES, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
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
  const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`${path} does not hold a ${KEY_BYTES}-byte base64 key`);
  // Tighten a key file someone loosened; ignore filesystems without POSIX modes.
  await chmod(path, 0o600).catch(() => undefined);
  return key;
}

export function createSealer(key: Buffer): Sealer {
  if (key.length !== KEY_BYTES) throw new Error(`credentials key must be ${KEY_BYTES} bytes`);
  const k = Buffer.from(key);
  return {
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', k, iv);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed, aad) {
      const [version, iv, tag, ciphertext] = sealed.split('.');
      if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) {
        throw new Error('stored credentials have an unknown format');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new Error('stored credentials could not be decrypted (wrong secret, or the data was altered)');
      }
    },
  };
}
