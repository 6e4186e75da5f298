/**
 * Defect (issue 13, item 3): the credentials key lived beside the data (`<data dir>/secret.key`), so a
 * second host on the same database made its own key and could not read the tokens. Keys now come from
 * configuration, newest first, and rotate: the newest seals, any listed key opens, and a value sealed
 * with an older key is sealed again with the newest when it is next loaded.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoreWithDb, type OpenedStore } from './index.ts';
import type { StoreOptions } from './types.ts';

const OLD_KEY = randomBytes(32).toString('base64');
const NEW_KEY = 'a new passphrase of the operators';
const token = `pat-na1-${randomBytes(8).toString('hex')}`;

async function sealedOf(opened: OpenedStore, tenantId: string): Promise<string> {
  const { rows } = await opened.db.query('SELECT sealed FROM credentials WHERE tenant_id = $1', [tenantId]);
  return String(rows[0]?.sealed);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error,
  );
}

/** The format of earlier versions: `v1.<iv>.<tag>.<ciphertext>`, no key id. */
function sealV1(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

/** The rotation story on one database; `open` gives a store on it with the given options. */
function rotationSuite(open: (options: StoreOptions) => Promise<OpenedStore>) {
  it('rotated key list (new first, old second): old values read and get re-sealed with the new key', async () => {
    const first = await open({ keys: [OLD_KEY] });
    await first.store.upsertTenant({ id: 'acme', crm: 'hubspot', name: 'Acme', mode: 'live', accountId: '1' });
    await first.store.saveCredentials('acme', { accessToken: token });
    const sealedWithOld = await sealedOf(first, 'acme');
    await first.store.close();

    const rotated = await open({ keys: [NEW_KEY, OLD_KEY] });
    expect(await rotated.store.loadCredentials('acme')).toEqual({ accessToken: token });
    const resealed = await sealedOf(rotated, 'acme');
    expect(resealed).not.toBe(sealedWithOld);
    expect(resealed).not.toContain(token);
    // Re-sealed once: the next load leaves the newest key's value as it is.
    expect(await rotated.store.loadCredentials('acme')).toEqual({ accessToken: token });
    expect(await sealedOf(rotated, 'acme')).toBe(resealed);
    await rotated.store.close();

    // The old key can now be retired: the new one alone opens the value.
    const retired = await open({ keys: [NEW_KEY] });
    expect(await retired.store.loadCredentials('acme')).toEqual({ accessToken: token });
    await retired.store.close();
  });

  it('old key removed: a value only it sealed fails with a clear error holding no key or token', async () => {
    const first = await open({ keys: [OLD_KEY] });
    await first.store.upsertTenant({ id: 'globex', crm: 'hubspot', name: 'Globex', mode: 'live', accountId: '2' });
    await first.store.saveCredentials('globex', { accessToken: token });
    await first.store.close();

    const withoutOld = await open({ keys: [NEW_KEY] });
    const error = await failure(withoutOld.store.loadCredentials('globex'));
    expect(error.message).toMatch(/credentials of tenant globex: stored credentials were sealed with key \S+, which is not among the configured keys/);
    const shown = `${error.message} ${error.stack}`;
    for (const secret of [token, OLD_KEY, NEW_KEY]) expect(shown).not.toContain(secret);
    await withoutOld.store.close();
  });
}

describe('credentials keys on the embedded store (PGlite, reopened)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'crm-signals-keys-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  rotationSuite((options) => openStoreWithDb({ dataDir, ...options }));

  it('with configured keys writes no key file beside the data', async () => {
    await expect(stat(join(dataDir, 'secret.key'))).rejects.toThrow(/ENOENT/);
  });

  it('a value sealed before key ids (v1, with the demo key file) opens once that key is configured as an old key, and is re-sealed', async () => {
    const legacyDir = await mkdtemp(join(tmpdir(), 'crm-signals-legacy-'));
    try {
      const fileKey = randomBytes(32);
      await writeFile(join(legacyDir, 'secret.key'), `${fileKey.toString('base64')}\n`, { mode: 0o600 });
      const first = await openStoreWithDb({ dataDir: legacyDir });
      await first.store.upsertTenant({ id: 'legacy', crm: 'hubspot', name: 'Legacy', mode: 'live', accountId: '9' });
      await first.db.query('INSERT INTO credentials (tenant_id, sealed) VALUES ($1, $2)', ['legacy', sealV1(fileKey, JSON.stringify({ accessToken: token }), 'legacy')]);
      expect(await first.store.loadCredentials('legacy')).toEqual({ accessToken: token });
      await first.store.close();

      // The operator moves the key file's key into configuration, behind a new one.
      const configured = await openStoreWithDb({ dataDir: legacyDir, keys: [NEW_KEY, fileKey.toString('base64url')] });
      expect(await configured.store.loadCredentials('legacy')).toEqual({ accessToken: token });
      expect(await sealedOf(configured, 'legacy')).toMatch(/^v2\./);
      await configured.store.close();

      const newOnly = await openStoreWithDb({ dataDir: legacyDir, keys: [NEW_KEY] });
      expect(await newOnly.store.loadCredentials('legacy')).toEqual({ accessToken: token });
      await newOnly.store.close();
    } finally {
      await rm(legacyDir, { recursive: true, force: true });
    }
  });

  it('refuses a key setting that is neither a 32-byte key nor a passphrase, without echoing it', async () => {
    const error = await failure(openStoreWithDb({ inMemory: true, keys: [NEW_KEY, 'short-secret'] }));
    expect(error.message).toBe('credentials key 2 is neither a base64 32-byte key nor a passphrase of at least 16 characters');
  });
});

const databaseUrl = process.env.TEST_DATABASE_URL ?? '';
if (!databaseUrl) console.warn('[store keys] TEST_DATABASE_URL is not set: the PostgreSQL server tests are skipped (.ci/run sets it)');

describe.skipIf(!databaseUrl)('credentials keys on a PostgreSQL server (TEST_DATABASE_URL)', () => {
  const schema = `test_keys_${randomBytes(6).toString('hex')}`;
  const hostA = join(tmpdir(), `crm-signals-host-a-${randomBytes(4).toString('hex')}`);
  const hostB = join(tmpdir(), `crm-signals-host-b-${randomBytes(4).toString('hex')}`);
  afterAll(async () => {
    const cleanup = await openStoreWithDb({ databaseUrl, schema, keys: [NEW_KEY] });
    await cleanup.db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await cleanup.store.close();
    await Promise.all([hostA, hostB].map((dir) => rm(dir, { recursive: true, force: true })));
  });

  rotationSuite((options) => openStoreWithDb({ databaseUrl, schema, ...options }));

  it('a second store on the same database (another host, another data dir) with the same keys reads the tokens', async () => {
    const a = await openStoreWithDb({ databaseUrl, schema, dataDir: hostA, keys: [NEW_KEY, OLD_KEY] });
    const b = await openStoreWithDb({ databaseUrl, schema, dataDir: hostB, keys: [NEW_KEY, OLD_KEY] });
    try {
      await a.store.upsertTenant({ id: 'initech', crm: 'salesforce', name: 'Initech', mode: 'live', accountId: '3' });
      await a.store.saveCredentials('initech', { accessToken: token, refreshToken: `${token}-refresh` });
      expect(await b.store.loadCredentials('initech')).toEqual({ accessToken: token, refreshToken: `${token}-refresh` });
      await expect(stat(join(hostB, 'secret.key'))).rejects.toThrow(/ENOENT/);
    } finally {
      await Promise.all([a.store.close(), b.store.close()]);
    }
  });

  it('refuses to open without configured keys instead of making a key file beside this host\'s data', async () => {
    const error = await failure(openStoreWithDb({ databaseUrl, schema, dataDir: hostA }));
    expect(error.message).toMatch(/needs configured credentials keys/);
    await expect(stat(join(hostA, 'secret.key'))).rejects.toThrow(/ENOENT/);
  });
});
