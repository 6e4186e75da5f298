/**
 * File-backed PGlite: data, checkpoints and credentials survive close/reopen, reopening applies no
 * migration twice, and without a secret the generated key file is private (0600) and reused.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, openStoreWithDb } from './index.ts';
import { rec } from './store.suite.ts';

describe('file-backed PGlite', () => {
  let dataDir: string;
  const token = `pat-na1-${Math.random().toString(36).slice(2)}-persist`;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'crm-signals-store-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps data across close and reopen, and migrates once', async () => {
    const first = await openStoreWithDb({ dataDir });
    expect(first.store.engine).toBe('pglite');
    expect(first.migrations.applied).toEqual(MIGRATIONS.map((m) => m.name));
    const { store } = first;
    await store.upsertTenant({ id: 'acme', crm: 'hubspot', name: 'Acme', mode: 'live', accountId: '123' });
    await store.saveCredentials('acme', { accessToken: token });
    const run = await store.startRun('acme', 'sync');
    await store.savePage('acme', { runId: run, objectType: 'contact', records: [rec('1', 'h1'), rec('2', 'h2')], rejected: [], checkpoint: { phase: 'incremental', since: '2024-05-01T00:00:00.000Z' } });
    await store.close();
    await store.close(); // idempotent

    const keyFile = join(dataDir, 'secret.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'pgdata'))).isDirectory()).toBe(true);
    const key = await readFile(keyFile, 'utf8');

    const second = await openStoreWithDb({ dataDir });
    try {
      expect(second.migrations.applied).toEqual([]);
      const { rows } = await second.db.query('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]?.n).toBe(MIGRATIONS.length);
      expect(await readFile(keyFile, 'utf8')).toBe(key);
      expect((await second.store.getTenant('acme'))?.mode).toBe('live');
      expect(await second.store.loadCredentials('acme')).toEqual({ accessToken: token });
      expect((await second.store.getRecords('acme', 'contact')).map((r) => r.externalId)).toEqual(['1', '2']);
      expect(await second.store.getCheckpoint('acme', 'contact')).toEqual({ phase: 'incremental', since: '2024-05-01T00:00:00.000Z' });
      expect((await second.store.savePage('acme', { runId: run, objectType: 'contact', records: [rec('1', 'h1'), rec('3', 'h3')], rejected: [], checkpoint: null })).changedIds).toEqual(['3']);
    } finally {
      await second.store.close();
    }

    // Another secret cannot open the stored credentials, and says so without the token.
    const third = await openStoreWithDb({ dataDir, secret: 'a different secret' });
    try {
      const error = await third.store.loadCredentials('acme').then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/credentials of tenant acme: .*not among the configured keys/);
      expect(`${error?.message}${error?.stack}`).not.toContain(token);
      expect(await third.store.countRecords('acme', 'contact')).toBe(3);
    } finally {
      await third.store.close();
    }
  });
});
