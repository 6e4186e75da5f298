/**
 * Record life-cycle writes: create (one and batch), archive (one and batch), merge and the GDPR delete.
 * Each is a change the webhook sender reports (creation, deletion, merge, privacyDeletion + deletion);
 * the API's caller is the app, so the events say INTEGRATION.
 */
import type { Hono } from 'hono';
import type { EmulatorContext } from '../context.ts';
import { hubspotError, isRecord, notFound, readJson, unknownObjectType, validationError } from '../errors.ts';
import { resolveObjectType, type ObjectType } from '../objectTypes.ts';
import type { StoredRecord } from '../state.ts';
import { BATCH_MAX } from './batch.ts';
import { findByIdProperty } from './objects.ts';
import { idOf, systemProperties, toApiObject } from './shared.ts';
import { checkProperties, problemDetails, problemsMessage } from './writes.ts';

/** Objects HubSpot merges through /merge (v3 contacts, companies, deals, tickets). */
const MERGEABLE: readonly ObjectType[] = ['contacts', 'companies', 'deals', 'tickets'];

export function mountLifecycle(app: Hono, ctx: EmulatorContext): void {
  const { state } = ctx;
  const returned = (type: ObjectType, record: StoredRecord, values: Record<string, string>) =>
    toApiObject(state, type, record, { names: [...new Set([...Object.keys(values), ...systemProperties(type)])] });

  app.post('/crm/v3/objects/:objectType/batch/create', ctx.guard('ten-secondly'), async (c) => {
    const startedAt = new Date().toISOString();
    const type = resolveObjectType(c.req.param('objectType'));
    if (!type) return unknownObjectType(c, c.req.param('objectType'));
    const body = await readJson(c);
    const inputs = isRecord(body) ? body['inputs'] : undefined;
    if (!Array.isArray(inputs)) return validationError(c, 'Invalid input JSON: expected {"inputs": [{"properties": {...}}]}');
    if (inputs.length > BATCH_MAX) return validationError(c, `Batch input exceeds the limit of ${BATCH_MAX} inputs; got ${inputs.length}`);
    const planned: Record<string, string>[] = [];
    for (const [i, input] of inputs.entries()) {
      if (!isRecord(input)) return validationError(c, `inputs[${i}] must be an object with properties`);
      const { values, problems } = checkProperties(state, type, input['properties']);
      // All or nothing, like batch/update without objectWriteTraceIds.
      if (problems.length > 0) return hubspotError(c, 400, { message: problemsMessage(problems), category: 'VALIDATION_ERROR', errors: problemDetails(problems) });
      planned.push(values);
    }
    const at = state.now();
    const results = planned.map((values) => returned(type, state.insert(type, withoutBlanks(values), { createdAt: at, by: 'INTEGRATION' }), values));
    if (results.length > 0) ctx.stats.writeCalls++;
    return c.json({ status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() }, 201);
  });

  app.post('/crm/v3/objects/:objectType/batch/archive', ctx.guard('ten-secondly'), async (c) => {
    const type = resolveObjectType(c.req.param('objectType'));
    if (!type) return unknownObjectType(c, c.req.param('objectType'));
    const body = await readJson(c);
    const inputs = isRecord(body) ? body['inputs'] : undefined;
    if (!Array.isArray(inputs)) return validationError(c, 'Invalid input JSON: expected {"inputs": [{"id": "..."}]}');
    if (inputs.length > BATCH_MAX) return validationError(c, `Batch input exceeds the limit of ${BATCH_MAX} inputs; got ${inputs.length}`);
    const ids: string[] = [];
    for (const [i, input] of inputs.entries()) {
      const id = isRecord(input) ? idOf(input['id']) : undefined;
      if (id === undefined) return validationError(c, `inputs[${i}] needs an id`);
      ids.push(id);
    }
    // Archiving an id that does not exist is not an error in HubSpot: the answer is 204 either way.
    for (const id of ids) state.remove(type, id, 'INTEGRATION');
    ctx.stats.writeCalls++;
    return c.body(null, 204);
  });

  app.post('/crm/v3/objects/:objectType/merge', ctx.guard('ten-secondly'), async (c) => {
    const type = resolveObjectType(c.req.param('objectType'));
    if (!type) return unknownObjectType(c, c.req.param('objectType'));
    if (!MERGEABLE.includes(type)) return validationError(c, `${type} cannot be merged`);
    const body = await readJson(c);
    const primary = isRecord(body) ? idOf(body['primaryObjectId']) : undefined;
    const other = isRecord(body) ? idOf(body['objectIdToMerge']) : undefined;
    if (primary === undefined || other === undefined) return validationError(c, 'Invalid input JSON: expected {"primaryObjectId": "...", "objectIdToMerge": "..."}');
    if (primary === other) return validationError(c, `Cannot merge object ${primary} with itself`);
    const missing = [primary, other].filter((id) => !state.get(type, id));
    if (missing.length > 0) return notFound(c, `Object not found.  objectId are usually numeric.`, { id: missing });
    const merged = state.merge(type, primary, other, 'INTEGRATION') as StoredRecord;
    ctx.stats.writeCalls++;
    return c.json(returned(type, merged, {}));
  });

  app.post('/crm/v3/objects/contacts/gdpr-delete', ctx.guard('ten-secondly'), async (c) => {
    const body = await readJson(c);
    const id = isRecord(body) ? idOf(body['objectId']) : undefined;
    if (!isRecord(body) || id === undefined) return validationError(c, 'Invalid input JSON: expected {"objectId": "...", "idProperty"?: "..."}');
    const idProperty = body['idProperty'];
    if (idProperty !== undefined && typeof idProperty !== 'string') return validationError(c, 'idProperty must be a string');
    const found = findByIdProperty(state, 'contacts', id, idProperty);
    if (found.error) return validationError(c, found.error);
    if (!found.record) return notFound(c, `Object not found.  objectId are usually numeric.`, { id: [id] });
    state.privacyDelete(found.record.id, 'INTEGRATION');
    ctx.stats.writeCalls++;
    return c.body(null, 204);
  });

  app.post('/crm/v3/objects/:objectType', ctx.guard('ten-secondly'), async (c) => {
    const type = resolveObjectType(c.req.param('objectType'));
    if (!type) return unknownObjectType(c, c.req.param('objectType'));
    const body = await readJson(c);
    if (!isRecord(body)) return validationError(c, 'Invalid input JSON: expected {"properties": {...}}');
    const { values, problems } = checkProperties(state, type, body['properties']);
    if (problems.length > 0) return hubspotError(c, 400, { message: problemsMessage(problems), category: 'VALIDATION_ERROR', errors: problemDetails(problems) });
    const record = state.insert(type, withoutBlanks(values), { by: 'INTEGRATION' });
    ctx.stats.writeCalls++;
    return c.json(returned(type, record, values), 201);
  });

  app.delete('/crm/v3/objects/:objectType/:objectId', ctx.guard('ten-secondly'), (c) => {
    const type = resolveObjectType(c.req.param('objectType'));
    if (!type) return unknownObjectType(c, c.req.param('objectType'));
    state.remove(type, c.req.param('objectId'), 'INTEGRATION');
    ctx.stats.writeCalls++;
    return c.body(null, 204);
  });
}

/** null (coerced to '') means no value at creation. */
function withoutBlanks(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
}
