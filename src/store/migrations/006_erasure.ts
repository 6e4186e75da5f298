/**
 * Privacy deletion (erasure). `erasures` keeps, per tenant, the (object type, id) of every record erased
 * for a person and when: ids only, never an email or a name, so a later sync of a record the CRM still
 * holds (a Salesforce lead erased by the admin route) does not bring it back. `retrain_requests` asks
 * the next cycle to retrain a model kind whose training set held the erased person. An audit row of an
 * erased record keeps its ids and says when it was erased (`erased_at`); its values are cleared.
 */
export const sql = /* sql */ `
CREATE TABLE erasures (
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  object_type  text NOT NULL,
  external_id  text NOT NULL,
  erased_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, object_type, external_id)
);
-- savePage looks tombstones up by id (a page's own ids and the ids it associates).
CREATE INDEX erasures_by_id ON erasures (tenant_id, external_id);

CREATE TABLE retrain_requests (
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  kind         text NOT NULL,
  reason       text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, kind)
);

ALTER TABLE audit ADD COLUMN erased_at timestamptz;
`;
