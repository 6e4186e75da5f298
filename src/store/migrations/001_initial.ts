/**
 * The initial schema. Every table is keyed by tenant_id and every store query filters by it.
 * Ids of append-only tables are global identities; their primary key leads with tenant_id so that
 * per-tenant scans ordered by id use it.
 */
export const sql = /* sql */ `
CREATE TABLE tenants (
  id          text PRIMARY KEY,
  crm         text NOT NULL CHECK (crm IN ('hubspot', 'salesforce')),
  name        text NOT NULL,
  mode        text NOT NULL DEFAULT 'shadow' CHECK (mode IN ('shadow', 'live')),
  account_id  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- AES-256-GCM sealed JSON (see src/store/crypto.ts); never plaintext.
CREATE TABLE credentials (
  tenant_id   text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  sealed      text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE runs (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          bigint GENERATED ALWAYS AS IDENTITY,
  kind        text NOT NULL,
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  summary     jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX runs_running ON runs (tenant_id) WHERE status = 'running';

CREATE TABLE records (
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  object_type  text NOT NULL,
  external_id  text NOT NULL,
  properties   jsonb NOT NULL,
  associations jsonb NOT NULL DEFAULT '{}',
  line_items   jsonb,
  modified_at  timestamptz NOT NULL,
  input_hash   text NOT NULL,
  synced_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, object_type, external_id)
);

CREATE TABLE rejected_records (
  tenant_id    text NOT NULL,
  id           bigint GENERATED ALWAYS AS IDENTITY,
  run_id       bigint NOT NULL,
  object_type  text NOT NULL,
  external_id  text,
  reason       text NOT NULL,
  rejected_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, run_id) REFERENCES runs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX rejected_records_run ON rejected_records (tenant_id, run_id, id);

CREATE TABLE checkpoints (
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  object_type  text NOT NULL,
  checkpoint   jsonb,
  run_id       bigint,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, object_type)
);

CREATE TABLE models (
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  kind         text NOT NULL,
  version      integer NOT NULL CHECK (version > 0),
  status       text NOT NULL CHECK (status IN ('active', 'candidate', 'rejected', 'retired')),
  metrics      jsonb NOT NULL DEFAULT '{}',
  model        jsonb,
  trained_on   jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  promoted_at  timestamptz,
  PRIMARY KEY (tenant_id, kind, version)
);
-- At most one active model per tenant and kind.
CREATE UNIQUE INDEX models_one_active ON models (tenant_id, kind) WHERE status = 'active';

-- Append-only: a row per record, signal, model version and computation.
CREATE TABLE signals (
  tenant_id     text NOT NULL,
  id            bigint GENERATED ALWAYS AS IDENTITY,
  run_id        bigint NOT NULL,
  object_type   text NOT NULL,
  external_id   text NOT NULL,
  signal        text NOT NULL,
  model_version integer NOT NULL,
  value         jsonb,
  input_hash    text NOT NULL,
  computed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, run_id) REFERENCES runs (tenant_id, id) ON DELETE CASCADE
);
-- latestSignals: DISTINCT ON (external_id) ... ORDER BY external_id, id DESC
CREATE INDEX signals_latest ON signals (tenant_id, object_type, signal, external_id, id DESC);

CREATE TABLE outbox (
  tenant_id     text NOT NULL,
  id            bigint GENERATED ALWAYS AS IDENTITY,
  run_id        bigint NOT NULL,
  object_type   text NOT NULL,
  external_id   text NOT NULL,
  properties    jsonb NOT NULL,
  previous      jsonb NOT NULL DEFAULT '{}',
  model_version integer,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  done_at       timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, run_id) REFERENCES runs (tenant_id, id) ON DELETE CASCADE
);
-- One pending item per record: enqueue replaces it (ON CONFLICT ... WHERE status = 'pending').
CREATE UNIQUE INDEX outbox_one_pending ON outbox (tenant_id, object_type, external_id) WHERE status = 'pending';
-- pendingOutbox: oldest first per object type.
CREATE INDEX outbox_pending_order ON outbox (tenant_id, object_type, id) WHERE status = 'pending';

-- The last value we wrote per record and property, and the CRM modified time our last write left
-- (crm_modified_at, kept verbatim as the CRM reported it; the same for every property of a record).
CREATE TABLE written_values (
  tenant_id       text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  object_type     text NOT NULL,
  external_id     text NOT NULL,
  property        text NOT NULL,
  value           text,
  model_version   integer,
  run_id          bigint,
  written_at      timestamptz NOT NULL DEFAULT now(),
  crm_modified_at text,
  PRIMARY KEY (tenant_id, object_type, external_id, property)
);

-- Every write made to a CRM.
CREATE TABLE audit (
  tenant_id     text NOT NULL,
  id            bigint GENERATED ALWAYS AS IDENTITY,
  run_id        bigint NOT NULL,
  object_type   text NOT NULL,
  external_id   text NOT NULL,
  property      text NOT NULL,
  old_value     text,
  new_value     text NOT NULL,
  model_version integer,
  written_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, run_id) REFERENCES runs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX audit_run ON audit (tenant_id, run_id, id);
`;
