/**
 * Run leases: a running run names the process that holds it (owner: a stable worker identity; instance:
 * one process lifetime) and until when. Another process may only mark a run interrupted once its lease
 * expired, so workers sharing one database never end each other's runs. Runs left running before this
 * migration have no lease and count as expired.
 */
export const sql = /* sql */ `
ALTER TABLE runs
  ADD COLUMN lease_owner      text,
  ADD COLUMN lease_instance   text,
  ADD COLUMN lease_expires_at timestamptz;
`;
