/**
 * Versioned migrations, applied in order by migrate() and recorded in schema_migrations. Kept as TS
 * modules (not .sql files) so a bundled deployment (functions/) carries them. Never edit a released
 * migration: add the next one.
 */
import { sql as initial } from './001_initial.ts';
import { sql as openCrmList } from './002_open_crm_list.ts';
import { sql as mappings } from './003_mappings.ts';
import { sql as runLeases } from './004_run_leases.ts';
import { sql as tenantAccess } from './005_tenant_access.ts';
import { sql as erasure } from './006_erasure.ts';
import { sql as webhookEvents } from './007_webhook_events.ts';
import { sql as proposedChanges } from './008_proposed_changes.ts';
import { sql as apiBudgetAndProgress } from './009_api_budget_and_progress.ts';
import { sql as changedRecords } from './010_changed_records.ts';
import { sql as recordChanges } from './011_record_changes.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Versions need not be contiguous: migrate() applies whichever are not yet recorded, in order. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '001_initial', sql: initial },
  { version: 2, name: '002_open_crm_list', sql: openCrmList },
  { version: 3, name: '003_mappings', sql: mappings },
  { version: 4, name: '004_run_leases', sql: runLeases },
  { version: 5, name: '005_tenant_access', sql: tenantAccess },
  { version: 6, name: '006_erasure', sql: erasure },
  { version: 7, name: '007_webhook_events', sql: webhookEvents },
  { version: 8, name: '008_proposed_changes', sql: proposedChanges },
  { version: 9, name: '009_api_budget_and_progress', sql: apiBudgetAndProgress },
  { version: 10, name: '010_changed_records', sql: changedRecords },
  { version: 11, name: '011_record_changes', sql: recordChanges },
];
