/**
 * Migration 002: the CRM list is the registry's, not a CHECK, so a tenant of a CRM added after 001 is
 * stored without a schema change.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Crm } from '../../domain/records.ts';
import { openPGlite, openPostgres, type Db } from '../db.ts';
import { openStoreWithDb } from '../index.ts';
import { migrate } from '../migrate.ts';
import { MIGRATIONS } from './index.ts';

/** A CRM name the registry may gain later: the store must not care which. */
const newCrm: string = 'pipedrive';

/** Migrates to version 1 only, shows the CHECK refusing a new CRM, then migrates on and shows it accepted. */
async function dropsTheCheck(db: Db, schema?: string): Promise<void> {
  const scope = schema !== undefined ? { schema } : {};
  await migrate(db, { ...scope, migrations: MIGRATIONS.filter((m) => m.version === 1) });
  const insert = () => db.query("INSERT INTO tenants (id, crm, name) VALUES ('t1', $1, 'New CRM tenant')", [newCrm]);
  await expect(insert()).rejects.toThrow(/tenants_crm_check/);
  const report = await migrate(db, { ...scope, migrations: MIGRATIONS.filter((m) => m.version <= 2) });
  expect(report.applied).toEqual(['002_open_crm_list']);
  await insert();
  const { rows } = await db.query<{ crm: string }>("SELECT crm FROM tenants WHERE id = 't1'");
  expect(rows[0]?.crm).toBe(newCrm);
}

const databaseUrl = process.env.TEST_DATABASE_URL ?? '';

describe.skipIf(!databaseUrl)('002_open_crm_list on PostgreSQL (TEST_DATABASE_URL)', () => {
  it('drops the crm CHECK that 001 created, on a database already at version 1', async () => {
    const schema = `test_crm_list_${randomBytes(6).toString('hex')}`;
    const db = await openPostgres(databaseUrl, schema);
    try {
      await dropsTheCheck(db, schema);
    } finally {
      await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.close();
    }
  });
});

describe('002_open_crm_list on PGlite', () => {
  it('drops the crm CHECK that 001 created, on a database already at version 1', async () => {
    const db = await openPGlite(undefined);
    try {
      await dropsTheCheck(db);
    } finally {
      await db.close();
    }
  });

  it('stores and reads back a tenant of a CRM that 001 did not list', async () => {
    const { store } = await openStoreWithDb({ inMemory: true, secret: 'open-crm-list' });
    try {
      const saved = await store.upsertTenant({ id: 'acme', crm: newCrm as Crm, name: 'Acme', mode: 'shadow', accountId: null });
      expect(saved.crm).toBe(newCrm);
      expect((await store.getTenant('acme'))?.crm).toBe(newCrm);
    } finally {
      await store.close();
    }
  });

  it('still refuses a tenant without a crm', async () => {
    const { store, db } = await openStoreWithDb({ inMemory: true, secret: 'open-crm-list' });
    try {
      await expect(db.query("INSERT INTO tenants (id, name) VALUES ('t2', 'No CRM')")).rejects.toThrow(/null value in column "crm"/);
    } finally {
      await store.close();
    }
  });
});
