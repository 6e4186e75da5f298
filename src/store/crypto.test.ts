import { mkdtemp, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSealer, createSigner, deriveKey, loadOrCreateKeyFile, processLocalKey } from './crypto.ts';
import { randomBytes } from 'node:crypto';

describe('credentials crypto', () => {
  const token = 'sk-live-0123456789abcdef';

  it('round-trips, and the sealed text holds no plaintext', () => {
    const sealer = createSealer(deriveKey('s3cret'));
    const sealed = sealer.seal(JSON.stringify({ token }), 'tenant-1');
    expect(sealed).not.toContain(token);
    expect(sealed).not.toContain(Buffer.from(token).toString('base64'));
    expect(JSON.parse(sealer.open(sealed, 'tenant-1'))).toEqual({ token });
    expect(sealer.seal('x', 't')).not.toBe(sealer.seal('x', 't'));
  });

  it('derives the same key from the same secret, another from another', () => {
    expect(deriveKey('a').equals(deriveKey('a'))).toBe(true);
    expect(deriveKey('a').equals(deriveKey('b'))).toBe(false);
    expect(processLocalKey()).toBe(processLocalKey());
  });

  it('fails without leaking on a wrong key, a wrong tenant, tampering or garbage', () => {
    const sealed = createSealer(deriveKey('right')).seal(token, 'tenant-1');
    const attempts = [
      () => createSealer(deriveKey('wrong')).open(sealed, 'tenant-1'),
      () => createSealer(deriveKey('right')).open(sealed, 'tenant-2'),
      () => createSealer(deriveKey('right')).open(`${sealed.slice(0, -2)}AA`, 'tenant-1'),
      () => createSealer(deriveKey('right')).open('not sealed at all', 'tenant-1'),
    ];
    for (const attempt of attempts) {
      let message = '';
      try {
        attempt();
      } catch (error) {
        message = `${(error as Error).message} ${(error as Error).stack}`;
      }
      expect(message).toMatch(/could not be decrypted|unknown format|not among the configured keys/);
      expect(message).not.toContain(token);
    }
    expect(() => createSealer(Buffer.alloc(16))).toThrow(/32 bytes/);
  });

  it('creates a private key file once and reuses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crm-signals-key-'));
    try {
      const path = join(dir, 'nested', 'secret.key');
      const [a, b] = await Promise.all([loadOrCreateKeyFile(path), loadOrCreateKeyFile(path)]);
      expect(a.length).toBe(32);
      expect(a.equals(b)).toBe(true);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      await chmod(path, 0o644);
      expect((await loadOrCreateKeyFile(path)).equals(a)).toBe(true);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      await writeFile(path, 'short');
      await expect(loadOrCreateKeyFile(path)).rejects.toThrow(/32-byte/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('signer', () => {
  const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];

  it('verifies its own signatures only for the same purpose and value', () => {
    const signer = createSigner([newKey]);
    const signature = signer.sign('session', 'abc');
    expect(signer.verify('session', 'abc', signature)).toBe(true);
    expect(signer.verify('oauth-state', 'abc', signature)).toBe(false);
    expect(signer.verify('session', 'abd', signature)).toBe(false);
    expect(signer.verify('session', 'abc', `${signature}x`)).toBe(false);
    expect(signer.verify('session', 'abc', '')).toBe(false);
    expect(signer.verify('session', 'abc', signature.replace(/^[^.]+/, 'nokey'))).toBe(false);
    expect(createSigner([randomBytes(32)]).verify('session', 'abc', signature)).toBe(false);
  });

  it('keeps verifying what an older key signed after a rotation, and signs with the newest', () => {
    const before = createSigner([oldKey]).sign('session', 'v');
    const rotated = createSigner([newKey, oldKey]);
    expect(rotated.verify('session', 'v', before)).toBe(true);
    expect(createSigner([newKey]).verify('session', 'v', rotated.sign('session', 'v'))).toBe(true);
    expect(createSigner([newKey]).verify('session', 'v', before)).toBe(false);
  });
});
