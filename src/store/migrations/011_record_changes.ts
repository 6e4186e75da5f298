/**
 * A change number per record: `change_seq` takes the next value of one sequence whenever a record is
 * inserted or its content (properties, associations, line items, input hash) changes, and stays when a
 * sync re-reads it unchanged. With the record count it tells a stage, in one indexed query, that nothing it
 * reads changed since its last pass (src/pipeline/signals/unchanged.ts), without paging the table.
 */
export const sql = /* sql */ `
CREATE SEQUENCE record_change_seq;
ALTER TABLE records ADD COLUMN change_seq bigint;
UPDATE records SET change_seq = nextval('record_change_seq');
ALTER TABLE records ALTER COLUMN change_seq SET DEFAULT nextval('record_change_seq');
ALTER TABLE records ALTER COLUMN change_seq SET NOT NULL;
CREATE INDEX records_by_change ON records (tenant_id, object_type, change_seq);
`;
