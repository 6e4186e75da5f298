/**
 * Associations v4 reads. batch/read is marked exempt from the 10-second limit in HubSpot's spec
 * (x-hubspot-rate-limit-exemptions); the per-record GET is not, so it counts.
 */
import type { Hono } from 'hono';
import type { EmulatorContext } from '../context.ts';
import { isRecord, readJson, standardError, unknownObjectType, validationError } from '../errors.ts';
import { associationTypeId, resolveObjectType, type ObjectType } from '../objectTypes.ts';
import { idOf } from './shared.ts';

/** Per source id, as in HubSpot ("Limit 500 per call"). */
const PAGE_SIZE = 500;
const BATCH_READ_MAX = 1000;

function toEntry(from: ObjectType, to: ObjectType, toObjectId: string): Record<string, unknown> {
  return {
    toObjectId,
    associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: associationTypeId(from, to) ?? 0, label: null }],
  };
}

function pageOf(all: string[], afterRaw: string | undefined, limit: number): { ids: string[]; next?: string } | undefined {
  const start = afterRaw === undefined || afterRaw === '' ? 0 : Number(afterRaw);
  if (!Number.isInteger(start) || start < 0) return undefined;
  const ids = all.slice(start, start + limit);
  return start + limit < all.length ? { ids, next: String(start + limit) } : { ids };
}

export function mountAssociations(app: Hono, ctx: EmulatorContext): void {
  const { state } = ctx;

  app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/read', ctx.guard('exempt'), async (c) => {
    const startedAt = new Date().toISOString();
    const from = resolveObjectType(c.req.param('fromObjectType'));
    const to = resolveObjectType(c.req.param('toObjectType'));
    if (!from) return unknownObjectType(c, c.req.param('fromObjectType'));
    if (!to) return unknownObjectType(c, c.req.param('toObjectType'));
    const body = await readJson(c);
    const inputs = isRecord(body) ? body['inputs'] : undefined;
    if (!Array.isArray(inputs)) return validationError(c, 'Invalid input JSON: expected {"inputs": [{"id": "..."}]}');
    if (inputs.length > BATCH_READ_MAX) return validationError(c, `Batch input exceeds the limit of ${BATCH_READ_MAX} inputs; got ${inputs.length}`);
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of inputs) {
      const id = isRecord(input) ? idOf(input['id']) : undefined;
      if (id === undefined) return validationError(c, 'Each input needs an id');
      const after = isRecord(input) && typeof input['after'] === 'string' ? input['after'] : undefined;
      const all = state.associations(from, id, to);
      if (all.length === 0) {
        // HubSpot reports "nothing associated" as a per-input error, which makes the answer a 207.
        errors.push(standardError({
          category: 'OBJECT_NOT_FOUND',
          subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          message: `No ${to} is associated with ${from} ${id}.`,
          context: { fromObjectId: [id] },
        }));
        continue;
      }
      const page = pageOf(all, after, PAGE_SIZE);
      if (!page) return validationError(c, `Invalid paging cursor after=${after}`);
      results.push({
        from: { id },
        to: page.ids.map((t) => toEntry(from, to, t)),
        ...(page.next ? { paging: { next: { after: page.next } } } : {}),
      });
    }
    const base = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
    if (errors.length === 0) return c.json(base);
    return c.json({ ...base, errors, numErrors: errors.length }, 207);
  });

  app.get('/crm/v4/objects/:objectType/:objectId/associations/:toObjectType', ctx.guard('ten-secondly'), (c) => {
    const from = resolveObjectType(c.req.param('objectType'));
    const to = resolveObjectType(c.req.param('toObjectType'));
    if (!from) return unknownObjectType(c, c.req.param('objectType'));
    if (!to) return unknownObjectType(c, c.req.param('toObjectType'));
    const limitRaw = c.req.query('limit');
    const limit = limitRaw === undefined ? PAGE_SIZE : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_SIZE) return validationError(c, `limit must be between 1 and ${PAGE_SIZE}`);
    const asked = c.req.query('after');
    const page = pageOf(state.associations(from, c.req.param('objectId'), to), asked, limit);
    if (!page) return validationError(c, `Invalid paging cursor after=${asked}`);
    const next = page.next && ctx.faults.current.repeatCursor && asked ? asked : page.next;
    return c.json({
      results: page.ids.map((t) => toEntry(from, to, t)),
      ...(next ? { paging: { next: { after: next } } } : {}),
    });
  });
}
