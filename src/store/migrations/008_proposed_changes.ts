/**
 * What a shadow-mode cycle or a dry run would have written: every record and field with its old and new
 * value, so an admin reads exactly what going live changes (and downloads it) before anything is
 * written. Only the newest few runs of a tenant keep theirs (Store.saveProposedChanges).
 */
export const sql = /* sql */ `
CREATE TABLE proposed_changes (
  tenant_id    text NOT NULL,
  run_id       bigint NOT NULL,
  object_type  text NOT NULL,
  external_id  text NOT NULL,
  property     text NOT NULL,
  old_value    text,
  new_value    text NOT NULL,
  PRIMARY KEY (tenant_id, run_id, object_type, external_id, property),
  FOREIGN KEY (tenant_id, run_id) REFERENCES runs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX proposed_changes_record ON proposed_changes (tenant_id, object_type, external_id);
`;
