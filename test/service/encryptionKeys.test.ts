/**
 * Defect (issue 13, item 3): the start path never passed a configured key, so with DATABASE_URL each
 * host made its own `<data dir>/secret.key` and a second host could not read the tokens. Outside the
 * embedded demo the keys now come from CRM_SIGNALS_ENCRYPTION_KEYS (newest first), and the worker and the
 * Lambda handler refuse to start without them, naming the variable; no key or secret is echoed in errors.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../functions/config.ts';
import { openLambdaStore } from '../../functions/lambda.ts';
import { openServiceStore } from '../../functions/wiring.ts';
import { startWorker } from '../../functions/worker.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEY = randomBytes(32).toString('base64');
const PASSPHRASE = 'an older passphrase still listed';
/** Nothing listens there: a start that got as far as connecting would fail differently. */
const UNREACHABLE_DB = 'postgres://crm@127.0.0.1:1/crm';

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error,
  );
}

describe('CRM_SIGNALS_ENCRYPTION_KEYS', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'crm-signals-keys-config-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('reads a comma-separated list, newest first', () => {
    expect(loadConfig([], { CRM_SIGNALS_ENCRYPTION_KEYS: ` ${KEY} , ${PASSPHRASE},` }).encryptionKeys).toEqual([KEY, PASSPHRASE]);
    expect(loadConfig([], {}).encryptionKeys).toBeUndefined();
  });

  it.each([
    [`${KEY},short`, 'CRM_SIGNALS_ENCRYPTION_KEYS entry 2 is neither a base64 32-byte key nor a passphrase of at least 16 characters'],
    [`${KEY},${KEY}`, 'CRM_SIGNALS_ENCRYPTION_KEYS entry 2 repeats entry 1'],
    [' , ', 'CRM_SIGNALS_ENCRYPTION_KEYS must list at least one key'],
  ])('refuses %j naming the variable and the entry, never the value', (value, message) => {
    const error = (() => {
      try {
        loadConfig([], { CRM_SIGNALS_ENCRYPTION_KEYS: value });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain(KEY);
  });

  it('no secret setting is repeated in its error', () => {
    const cases: Array<[string[], Record<string, string>, string]> = [
      [[], { CRM_SIGNALS_SECRET: 'tooShortSecret' }, 'tooShortSecret'],
      [['--client-secret', ' '], {}, ' '],
      [['--auth-code', ' '], {}, ' '],
    ];
    for (const [argv, env, secret] of cases) {
      expect(() => loadConfig(argv, env)).toThrow(ConfigError);
      expect(() => loadConfig(argv, env)).not.toThrow(/got/);
      if (secret.trim()) expect(() => loadConfig(argv, env)).not.toThrow(secret);
    }
  });

  it('a DATABASE_URL error masks the password it carries', () => {
    expect(() => loadConfig([], { DATABASE_URL: 'mysql://crm:hunter2-db-password@db.internal/crm' })).toThrow(
      'DATABASE_URL must be a postgres:// or postgresql:// URL, got "mysql://crm:***@db.internal/crm"',
    );
  });

  it('the worker refuses to start without keys, naming the variable', async () => {
    const error = await failure(startWorker({ config: loadConfig([], { DATABASE_URL: UNREACHABLE_DB, CRM_SIGNALS_DATA_DIR: dataDir }), log: () => undefined }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^CRM_SIGNALS_ENCRYPTION_KEYS must be set for a worker/);
    await expect(stat(join(dataDir, 'secret.key'))).rejects.toThrow(/ENOENT/);
  });

  it('functions/worker.ts as a process exits 1 without keys, naming the variable', async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', DATABASE_URL: UNREACHABLE_DB, CRM_SIGNALS_DATA_DIR: dataDir };
    const child = spawn(process.execPath, ['--import', 'tsx', 'functions/worker.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('crm-signals worker: CRM_SIGNALS_ENCRYPTION_KEYS must be set for a worker');
  });

  it('the Lambda handler refuses to open its store without keys, even without DATABASE_URL', async () => {
    const error = await failure(openLambdaStore({ CRM_SIGNALS_DATA_DIR: dataDir }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^CRM_SIGNALS_ENCRYPTION_KEYS must be set for the Lambda handler/);
  });

  it('a store on DATABASE_URL (the demo too) refuses to open without keys; the embedded demo keeps its key file', async () => {
    const error = await failure(openServiceStore(loadConfig([], { DATABASE_URL: UNREACHABLE_DB, CRM_SIGNALS_DATA_DIR: dataDir })));
    expect(error.message).toMatch(/^CRM_SIGNALS_ENCRYPTION_KEYS must be set for a store on DATABASE_URL/);
    const embedded = await openServiceStore(loadConfig([], { CRM_SIGNALS_DATA_DIR: dataDir }));
    await embedded.store.close();
    expect((await stat(join(dataDir, 'secret.key'))).mode & 0o777).toBe(0o600);
  });
});

const databaseUrl = process.env.TEST_DATABASE_URL ?? '';
if (!databaseUrl) console.warn('[encryption keys] TEST_DATABASE_URL is not set: the two-host test is skipped (.ci/run sets it)');

describe.skipIf(!databaseUrl)('two hosts on one PostgreSQL server (TEST_DATABASE_URL)', () => {
  const schema = `test_hosts_${randomBytes(6).toString('hex')}`;
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('a second host with the same CRM_SIGNALS_ENCRYPTION_KEYS reads the tokens the first saved', async () => {
    const host = async () => {
      const dir = await mkdtemp(join(tmpdir(), 'crm-signals-host-'));
      dirs.push(dir);
      return openServiceStore(loadConfig([], { DATABASE_URL: databaseUrl, CRM_SIGNALS_DATA_DIR: dir, CRM_SIGNALS_ENCRYPTION_KEYS: `${KEY},${PASSPHRASE}` }), { schema });
    };
    const a = await host();
    const b = await host();
    const token = `pat-na1-${randomBytes(8).toString('hex')}`;
    try {
      await a.store.upsertTenant({ id: 'acme', crm: 'hubspot', name: 'Acme', mode: 'live', accountId: '1' });
      await a.store.saveCredentials('acme', { accessToken: token });
      expect(await b.store.loadCredentials('acme')).toEqual({ accessToken: token });
      for (const dir of dirs) await expect(stat(join(dir, 'secret.key'))).rejects.toThrow(/ENOENT/);
    } finally {
      await a.db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await Promise.all([a.store.close(), b.store.close()]);
    }
  });
});
