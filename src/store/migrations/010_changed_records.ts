/**
 * The change feed (src/pipeline/changeFeed.ts): records a webhook said changed, waiting to be read by id.
 * - One row per record: a second event for the same record bumps `version`, so a sync that read the
 *   record before the second event clears only the version it saw and the newer change stays noted.
 * - Kept per tenant (deleted with it); the CRM's data is never here, only which records to read.
 */
export const sql = /* sql */ `
CREATE TABLE changed_records (
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  object_type  text NOT NULL,
  external_id  text NOT NULL,
  version      integer NOT NULL DEFAULT 1,
  noted_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, object_type, external_id)
);
CREATE INDEX changed_records_by_age ON changed_records (tenant_id, object_type, noted_at);
`;
