/**
 * A tenant's field mappings as versioned data. Rows are never updated: the newest version is the active
 * one, and going back means saving an older mapping again as a new version, so the history stays whole.
 * The mapping body is validated before it is saved (src/pipeline/mappings.ts); the store keeps it as given.
 */
export const sql = /* sql */ `
CREATE TABLE mappings (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  version     integer NOT NULL CHECK (version > 0),
  mapping     jsonb NOT NULL,
  note        text,
  author      text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, version)
);
`;
