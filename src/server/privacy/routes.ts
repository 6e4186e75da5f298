/**
 * `POST /api/tenants/:id/privacy-deletions`: an admin erases one person (Salesforce has no privacy
 * webhook; a HubSpot admin may use it too). The body names the person by record ids, emails or linked ids
 * (src/pipeline/privacy.ts); the answer gives ids and counts, never the emails it was sent, since it may
 * end up in a log or a browser's history.
 */
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { tenantMapping } from '../../pipeline/mappings.ts';
import { erasePerson, PrivacyRequestError } from '../../pipeline/privacy.ts';
import type { Store, Tenant } from '../../store/types.ts';
import { jsonBody } from '../requests.ts';
import { z } from 'zod';

export const PRIVACY_DELETIONS_PATH = '/api/tenants/:id/privacy-deletions';
/** 100 ids, 100 emails and 100 linked ids of 1000 characters each fit, with room to spare. */
const MAX_BODY_BYTES = 512 * 1024;

export const privacyBodyLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json({ error: `the request body is larger than ${MAX_BODY_BYTES / 1024} KiB` }, 413),
});

export async function privacyDeletion(c: Context, store: Store, tenant: Tenant, log: (message: string) => void): Promise<Response> {
  // Parsed only: parsePrivacyRequest checks it, naming the field at fault.
  const body = await jsonBody(c, z.unknown());
  let erased;
  try {
    const { mapping } = await tenantMapping(store, tenant);
    erased = await erasePerson(store, tenant, mapping, body as never, { log });
  } catch (error) {
    if (error instanceof PrivacyRequestError) return c.json({ error: error.message }, 400);
    throw error;
  }
  const answer = { found: erased.found, ids: erased.ids, erasedAt: erased.result?.erasedAt ?? null, records: erased.result?.records ?? {}, retrain: erased.result?.retrain ?? [] };
  // Erased in the store, but a cache may still hold the person: the request is idempotent, so it is sent again.
  if (erased.listenerFailures.length > 0) return c.json({ ...answer, error: 'erased in the store, but a cache did not confirm: send the same request again' }, 503);
  return c.json(answer, 200);
}
