/**
 * batch/read and batch/update. The update reproduces HubSpot's two failure modes: all-or-nothing
 * 400 by default, per-record 207 only when every input carries an objectWriteTraceId.
 */
import type { Hono } from 'hono';
import type { ValueProblem } from '../catalog.ts';
import type { EmulatorContext } from '../context.ts';
import { hubspotError, isRecord, readJson, standardError, unknownObjectType, validationError } from '../errors.ts';
import { resolveObjectType } from '../objectTypes.ts';
import type { StoredRecord } from '../state.ts';
import { findByIdProperty } from './objects.ts';
import { idOf, propertyNames, stringList, systemProperties, toApiObject, upperName } from './shared.ts';
import { checkProperties, problemDetails, problemsMessage } from './writes.ts';

export const BATCH_MAX = 100;

function notFoundMessage(typeName: string): string {
  return `Could not get some ${typeName} objects, they may be deleted or not exist. Check that ids are valid.`;
}

export function mountBatch(app: Hono, ctx: EmulatorContext): void {
  const { state } = ctx;

  app.post('/crm/v3/objects/:objectType/batch/read', ctx.guard('ten-secondly'), async (c) => {
    const startedAt = new Date().toISOString();
    const type = resolveObjectType(c.req.param('objectType'));
    if (!type) return unknownObjectType(c, c.req.param('objectType'));
    const body = await readJson(c);
    const inputs = isRecord(body) ? body['inputs'] : undefined;
    if (!isRecord(body) || !Array.isArray(inputs)) return validationError(c, 'Invalid input JSON: expected {"inputs": [{"id": "..."}], "properties": [...]}');
    if (inputs.length > BATCH_MAX) return validationError(c, `Batch input exceeds the limit of ${BATCH_MAX} inputs; got ${inputs.length}`);
    const requested = stringList(body['properties']);
    const withHistory = stringList(body['propertiesWithHistory']);
    if (requested === null || withHistory === null) return validationError(c, 'properties and propertiesWithHistory must be arrays of strings');
    const idProperty = typeof body['idProperty'] === 'string' ? body['idProperty'] : undefined;
    const names = propertyNames(state, type, requested, 'list');
    const results: unknown[] = [];
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const input of inputs) {
      const id = isRecord(input) ? idOf(input['id']) : undefined;
      if (id === undefined) return validationError(c, 'Each input needs an id');
      const found = findByIdProperty(state, type, id, idProperty);
      if (found.error) return validationError(c, found.error);
      if (!found.record) missing.push(id);
      else if (!seen.has(found.record.id)) {
        seen.add(found.record.id);
        results.push(toApiObject(state, type, found.record, { names, ...(withHistory ? { withHistory } : {}) }));
      }
    }
    const base = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
    if (missing.length === 0) return c.json(base);
    const errors = [standardError({ category: 'OBJECT_NOT_FOUND', message: notFoundMessage(upperName(type)), context: { ids: missing } })];
    return c.json({ ...base, errors, numErrors: errors.length }, 207);
  });

  app.post('/crm/v3/objects/:objectType/batch/update', ctx.guard('ten-secondly'), async (c) => {
    const startedAt = new Date().toISOString();
    const type = resolveObjectType(c.req.param('objectType'));
    if (!type) return unknownObjectType(c, c.req.param('objectType'));
    const body = await readJson(c);
    const inputs = isRecord(body) ? body['inputs'] : undefined;
    if (!Array.isArray(inputs)) return validationError(c, 'Invalid input JSON: expected {"inputs": [{"id": "...", "properties": {...}}]}');
    if (inputs.length > BATCH_MAX) return validationError(c, `Batch input exceeds the limit of ${BATCH_MAX} inputs; got ${inputs.length}`);

    interface Planned {
      id: string;
      record: StoredRecord | undefined;
      values: Record<string, string>;
      problems: ValueProblem[];
      trace: string | undefined;
    }
    const planned: Planned[] = [];
    const seen = new Set<string>();
    for (const input of inputs) {
      if (!isRecord(input)) return validationError(c, 'Each input must be an object with id and properties');
      const id = idOf(input['id']);
      if (id === undefined) return validationError(c, 'Each input needs an id');
      const idProperty = typeof input['idProperty'] === 'string' ? input['idProperty'] : undefined;
      const found = findByIdProperty(state, type, id, idProperty);
      if (found.error) {
        return validationError(c, found.error.replace('lookup', 'update/upsert'));
      }
      const key = found.record?.id ?? `missing:${id}`;
      if (seen.has(key)) return validationError(c, `Duplicate IDs found in batch input: [${id}]. IDs must be unique`);
      seen.add(key);
      const { values, problems } = checkProperties(state, type, input['properties']);
      const trace = typeof input['objectWriteTraceId'] === 'string' && input['objectWriteTraceId'] !== '' ? input['objectWriteTraceId'] : undefined;
      planned.push({ id, record: found.record, values, problems, trace });
    }

    const failing = planned.filter((p) => !p.record || p.problems.length > 0);
    const multiStatus = planned.length > 0 && planned.every((p) => p.trace !== undefined);
    if (failing.length > 0 && !multiStatus) {
      // All-or-nothing: one bad record sinks the batch, and the message does not say which record.
      const problems = failing.flatMap((p) => p.problems);
      if (problems.length > 0) {
        return hubspotError(c, 400, { message: problemsMessage(problems), category: 'VALIDATION_ERROR', errors: problemDetails(problems) });
      }
      return hubspotError(c, 404, {
        message: notFoundMessage(upperName(type)),
        category: 'OBJECT_NOT_FOUND',
        context: { ids: failing.map((p) => p.id) },
      });
    }

    // One timestamp for the whole request, as HubSpot stamps a batch: ties are real.
    const at = state.now();
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const p of planned) {
      if (!p.record) {
        errors.push({
          ...standardError({ category: 'OBJECT_NOT_FOUND', message: notFoundMessage(upperName(type)), context: { ids: [p.id], ...(p.trace ? { objectWriteTraceId: [p.trace] } : {}) } }),
          ...(p.trace ? { objectWriteTraceId: p.trace } : {}),
        });
        continue;
      }
      if (p.problems.length > 0) {
        errors.push({
          ...standardError({
            category: 'VALIDATION_ERROR',
            message: problemsMessage(p.problems),
            context: { ids: [p.record.id], ...(p.trace ? { objectWriteTraceId: [p.trace] } : {}) },
            errors: problemDetails(p.problems),
          }),
          ...(p.trace ? { objectWriteTraceId: p.trace } : {}),
        });
        continue;
      }
      const updated = state.update(type, p.record.id, p.values, at, 'INTEGRATION') as StoredRecord;
      const names = [...new Set([...Object.keys(p.values), ...systemProperties(type)])];
      results.push(toApiObject(state, type, updated, { names, ...(p.trace ? { objectWriteTraceId: p.trace } : {}) }));
    }
    if (results.length > 0) ctx.stats.writeCalls++;
    const base = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
    if (errors.length === 0) return c.json(base);
    return c.json({ ...base, errors, numErrors: errors.length }, 207);
  });
}
