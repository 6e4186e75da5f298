/**
 * Who may reach a tenant, and whether we may still reach its CRM.
 * - A tenant is connected or disconnected (uninstalled, refresh token refused or revoked), with the reason
 *   an admin reads on the status page; a disconnected tenant keeps its history but no tokens.
 * - One-time tokens (OAuth state, login links) and admin sessions are kept as hashes only: a dump of the
 *   database cannot be replayed as a login.
 */
export const sql = /* sql */ `
ALTER TABLE tenants
  ADD COLUMN status              text NOT NULL DEFAULT 'connected' CHECK (status IN ('connected', 'disconnected')),
  ADD COLUMN status_reason       text,
  ADD COLUMN status_changed_at   timestamptz;
CREATE INDEX tenants_account ON tenants (crm, account_id);

CREATE TABLE one_time_tokens (
  purpose     text NOT NULL,
  token_hash  text NOT NULL,
  payload     jsonb NOT NULL DEFAULT '{}'::jsonb,
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (purpose, token_hash)
);

CREATE TABLE sessions (
  id_hash     text PRIMARY KEY,
  -- every tenant (the operator's login link) or exactly the listed ones (an install's admin)
  operator    boolean NOT NULL DEFAULT false,
  tenant_ids  text[] NOT NULL DEFAULT '{}',
  label       text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
`;
