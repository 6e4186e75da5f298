/**
 * The store suite on both engines: PGlite in memory always; a PostgreSQL server when TEST_DATABASE_URL
 * is set (.ci/run starts one), each run in its own random schema, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, openStoreWithDb } from './index.ts';
import { defineStoreSuite } from './store.suite.ts';

const TEST_SECRET = 'store-suite-secret';

defineStoreSuite('store on PGlite (in memory)', async () => {
  const { store, db } = await openStoreWithDb({ inMemory: true, secret: TEST_SECRET });
  return { store, db };
});

const databaseUrl = process.env.TEST_DATABASE_URL ?? '';
if (!databaseUrl) console.warn('[store] TEST_DATABASE_URL is not set: the PostgreSQL server suite is skipped (.ci/run sets it)');

function freshSchema(): string {
  return `test_store_${randomBytes(6).toString('hex')}`;
}

describe.skipIf(!databaseUrl)('PostgreSQL server (TEST_DATABASE_URL)', () => {
  defineStoreSuite('store on PostgreSQL', async () => {
    const schema = freshSchema();
    const { store, db } = await openStoreWithDb({ databaseUrl, schema, secret: TEST_SECRET });
    return { store, db, cleanup: () => db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`) };
  });

  it('concurrent opens of a fresh schema apply each migration exactly once', async () => {
    const schema = freshSchema();
    const opened = await Promise.all(Array.from({ length: 4 }, () => openStoreWithDb({ databaseUrl, schema, secret: TEST_SECRET })));
    try {
      const applied = opened.flatMap((o) => o.migrations.applied);
      expect(applied).toEqual(MIGRATIONS.map((m) => m.name));
      expect(opened.every((o) => o.store.engine === 'postgres')).toBe(true);
      const { rows } = await opened[0]!.db.query('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]?.n).toBe(MIGRATIONS.length);
      // Pooled connections all see the schema: several queries in parallel.
      const counts = await Promise.all(opened.map((o) => o.store.listTenants()));
      expect(counts.every((t) => t.length === 0)).toBe(true);
    } finally {
      await opened[0]?.db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await Promise.all(opened.map((o) => o.store.close()));
    }
  });
});
