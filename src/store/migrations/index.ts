/**
 * Versioned migrations, applied in order by migrate() and recorded in schema_migrations. Kept as TS
 * modules (not .sql files) so a bundled deployment (functions/) carries them. Never edit a released
 * migration: add the next one.
 */
import { sql as initial } from './001_initial.ts';
import { sql as openCrmList } from './002_open_crm_list.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '001_initial', sql: initial },
  { version: 2, name: '002_open_crm_list', sql: openCrmList },
];
