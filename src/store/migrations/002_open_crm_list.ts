/**
 * The CRM list leaves the schema: which CRMs exist is the connectors' registry's to say
 * (connectors/registry.ts), so a new CRM needs a profile, not a migration. PostgreSQL (and PGlite) named
 * 001's inline CHECK tenants_crm_check; the crm stays required text.
 */
export const sql = /* sql */ `
ALTER TABLE tenants DROP CONSTRAINT IF EXISTS tenants_crm_check;
`;
