/** GET list / GET one / PATCH one under /crm/v3/objects/{objectType}. */
import type { Hono } from 'hono';
import type { EmulatorContext } from '../context.ts';
import { hubspotError, isRecord, notFound, readJson, unknownObjectType, validationError } from '../errors.ts';
import { resolveObjectType, type ObjectType } from '../objectTypes.ts';
import type { EmulatorState, StoredRecord } from '../state.ts';
import { propertyNames, queryList, resolveTypes, systemProperties, toApiObject, upperName } from './shared.ts';
import { checkProperties, problemDetails, problemsMessage } from './writes.ts';
import { servedId } from '../faults.ts';

const LIST_MAX = 100;

/** First index whose id is >= the cursor (ids are ascending numbers). */
function lowerBound(ids: readonly string[], after: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Number(ids[mid]) < after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** idProperty lookups need a unique property, as in HubSpot; hs_object_id means the record id. */
export function findByIdProperty(
  state: EmulatorState,
  type: ObjectType,
  id: string,
  idProperty: string | undefined,
): { record?: StoredRecord; error?: string } {
  if (!idProperty || idProperty === 'hs_object_id') return { record: state.get(type, id) };
  const def = state.property(type, idProperty);
  if (!def?.hasUniqueValue) return { error: `Unable to perform lookup by non-unique ${upperName(type)} property ${idProperty}` };
  return { record: state.list(type).find((r) => r.properties[idProperty] === id) };
}

export function mountObjects(app: Hono, ctx: EmulatorContext): void {
  const { state, faults } = ctx;

  app.get('/crm/v3/objects/:objectType', ctx.guard('ten-secondly'), (c) => {
    const type = resolveObjectType(c.req.param('objectType'));
    if (!type) return unknownObjectType(c, c.req.param('objectType'));
    const limitRaw = c.req.query('limit');
    const limit = limitRaw === undefined ? 10 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
      return validationError(c, `limit must be an integer between 1 and ${LIST_MAX}; got ${limitRaw}`);
    }
    const afterRaw = c.req.query('after');
    if (afterRaw !== undefined && !/^\d+$/.test(afterRaw)) return validationError(c, `Invalid paging cursor after=${afterRaw}`);
    const names = propertyNames(state, type, queryList(c, 'properties'), 'list');
    const withHistory = queryList(c, 'propertiesWithHistory');
    const associations = resolveTypes(queryList(c, 'associations'));
    // Nothing is ever archived in the emulator.
    const ids = c.req.query('archived') === 'true' ? [] : state.ids(type);
    const start = afterRaw === undefined ? 0 : lowerBound(ids, Number(afterRaw));
    const page = ids.slice(start, start + limit);
    const results = page.map((id) => ({
      ...toApiObject(state, type, state.get(type, id) as StoredRecord, { names, ...(withHistory ? { withHistory } : {}), associations }),
      id: servedId(faults.current, id),
    }));
    const body: Record<string, unknown> = { results };
    const last = page[page.length - 1];
    if (last !== undefined && start + limit < ids.length) {
      // Like HubSpot, the cursor is the next id, opaque to clients (the fault hands back the one asked with).
      const after = faults.current.repeatCursor && afterRaw !== undefined ? afterRaw : String(Number(last) + 1);
      const link = new URL(c.req.url);
      link.searchParams.set('after', after);
      body['paging'] = { next: { after, link: link.toString() } };
    }
    return c.json(body);
  });

  app.get('/crm/v3/objects/:objectType/:objectId', ctx.guard('ten-secondly'), (c) => {
    const type = resolveObjectType(c.req.param('objectType'));
    if (!type) return unknownObjectType(c, c.req.param('objectType'));
    const id = c.req.param('objectId');
    const found = findByIdProperty(state, type, id, c.req.query('idProperty'));
    if (found.error) return validationError(c, found.error);
    if (!found.record) return notFound(c, `Object not found.  objectId are usually numeric.`, { id: [id] });
    const withHistory = queryList(c, 'propertiesWithHistory');
    return c.json(
      toApiObject(state, type, found.record, {
        names: propertyNames(state, type, queryList(c, 'properties'), 'list'),
        ...(withHistory ? { withHistory } : {}),
        associations: resolveTypes(queryList(c, 'associations')),
      }),
    );
  });

  app.patch('/crm/v3/objects/:objectType/:objectId', ctx.guard('ten-secondly'), async (c) => {
    const type = resolveObjectType(c.req.param('objectType'));
    if (!type) return unknownObjectType(c, c.req.param('objectType'));
    const body = await readJson(c);
    if (!isRecord(body)) return validationError(c, 'Invalid input JSON: expected {"properties": {...}}');
    const found = findByIdProperty(state, type, c.req.param('objectId'), c.req.query('idProperty'));
    if (found.error) return validationError(c, found.error);
    if (!found.record) return notFound(c, `Object not found.  objectId are usually numeric.`, { id: [c.req.param('objectId')] });
    const { values, problems } = checkProperties(state, type, body['properties']);
    if (problems.length > 0) {
      return hubspotError(c, 400, { message: problemsMessage(problems), category: 'VALIDATION_ERROR', errors: problemDetails(problems) });
    }
    const updated = state.update(type, found.record.id, values, state.now(), 'INTEGRATION') as StoredRecord;
    ctx.stats.writeCalls++;
    return c.json(toApiObject(state, type, updated, { names: [...new Set([...Object.keys(values), ...systemProperties(type)])] }));
  });
}
