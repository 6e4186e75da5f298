/**
 * Versioned migrations, applied in order by migrate() and recorded in schema_migrations. Kept as TS
 * modules (not .sql files) so a bundled deployment (functions/) carries them. Never edit a released
 * migration: add the next one.
 */
import { sql as initial } from './001_initial.ts';
import { sql as runLeases } from './004_run_leases.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

// Versions need not be contiguous: migrate() applies the ones not yet recorded, in version order.
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '001_initial', sql: initial },
  { version: 4, name: '004_run_leases', sql: runLeases },
];
