/**
 * HubSpot webhook events as they arrive, so the request only has to store them (HubSpot waits at most
 * 5 s) and a job does the work. The event id is unique per tenant: a delivery HubSpot retries, or one an
 * attacker replays inside the signature window, inserts nothing. The payload keeps ids, property names
 * and provenance only, never a property value (it could hold personal data).
 */
export const sql = /* sql */ `
CREATE TABLE webhook_events (
  tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  event_id           text NOT NULL,
  subscription_type  text NOT NULL,
  object_id          text NOT NULL,
  occurred_at        timestamptz NOT NULL,
  payload            jsonb NOT NULL DEFAULT '{}'::jsonb,
  received_at        timestamptz NOT NULL DEFAULT now(),
  processed_at       timestamptz,
  PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX webhook_events_pending ON webhook_events (tenant_id, occurred_at) WHERE processed_at IS NULL;
`;
