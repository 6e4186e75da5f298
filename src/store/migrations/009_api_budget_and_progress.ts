/**
 * The admin's daily API budget per tenant and the calls counted against it, and the live progress of a
 * running run.
 * - tenants.api_daily_budget: CRM API calls a tenant's connector may make per UTC day; NULL is no limit.
 * - api_usage: calls counted per tenant and UTC day. Counters are added to (never set), so workers and
 *   console hosts sharing one database each add their own calls without reading first.
 * - runs.progress: the latest progress event of a running run (stage, counts, message), with its time;
 *   the store reports it only while the run is running, so a finished run never shows a stale one.
 * - runs.status 'paused': the run stopped at a batch boundary because the budget was used up; its work
 *   continues from the sync checkpoints and the outbox the next day.
 */
export const sql = /* sql */ `
ALTER TABLE tenants ADD COLUMN api_daily_budget integer CHECK (api_daily_budget IS NULL OR api_daily_budget > 0);

CREATE TABLE api_usage (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  day         date NOT NULL,
  calls       bigint NOT NULL DEFAULT 0 CHECK (calls >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, day)
);

ALTER TABLE runs
  ADD COLUMN progress    jsonb,
  ADD COLUMN progress_at timestamptz;

ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'paused'));
`;
