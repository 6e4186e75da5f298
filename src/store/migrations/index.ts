/**
 * Versioned migrations, applied in order by migrate() and recorded in schema_migrations. Kept as TS
 * modules (not .sql files) so a bundled deployment (functions/) carries them. Never edit a released
 * migration: add the next one.
 */
import { sql as initial } from './001_initial.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: '001_initial', sql: initial }];
