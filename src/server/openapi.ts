/**
 * The OpenAPI 3.1 document of the JSON API (`GET /api/openapi.json`): each route with the zod schemas its
 * handler validates with (imported from the same modules, so the document cannot drift from them),
 * rendered by zod's own JSON Schema output. test/security/openapi.test.ts checks that every served /api
 * route is described, with the method it answers.
 */
import { ReportQuery } from './console/report.ts';
import { z } from 'zod';
import { AuditQuery, ModelKind } from './console/exports.ts';
import { MappedObject, MappingSave } from './console/crmActions.ts';
import { ChangesQuery, ModeChange } from './console/proposedChanges.ts';
import { BudgetChange } from './console/budgetRoutes.ts';
import { PreviewBody } from './console/mappingPreview.ts';

interface ApiRoute {
  method: 'get' | 'post';
  /** As hono mounts it (`:param`). */
  path: string;
  summary: string;
  query?: z.ZodType;
  body?: z.ZodType;
  kind?: 'json' | 'csv';
  /** Extra path parameter schemas (`id` is a tenant id everywhere). */
  params?: Record<string, z.ZodType>;
}

/** The person to erase, as POST .../privacy-deletions reads it (src/pipeline/privacy.ts checks it). */
const PrivacyRequestBody = z
  .object({
    ids: z.array(z.string().min(1).max(1000)).max(100).optional(),
    emails: z.array(z.string().min(3).max(1000)).max(100).optional(),
    linkedIds: z.array(z.string().min(1).max(1000)).max(100).optional(),
  })
  .describe('At least one of ids (record ids), emails or linkedIds (a Salesforce Contact id).');

const runId = { runId: z.number().int().positive() };

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'get', path: '/api/session', summary: "The session: operator or the tenants it may see, and its CSRF token for writes" },
  { method: 'get', path: '/api/status', summary: 'Every tenant the session sees: mode, connection, last run, score distribution' },
  { method: 'get', path: '/api/tenants/:id/runs', summary: 'The last 50 runs with their summaries' },
  { method: 'get', path: '/api/tenants/:id/mapping', summary: 'The active field mapping and every version (author, note, time)' },
  { method: 'post', path: '/api/tenants/:id/mapping', summary: 'Save a new mapping version; refused with every problem named by its path (unknown or mistyped fields, leaks)', body: MappingSave },
  { method: 'get', path: '/api/tenants/:id/mapping/preview', summary: '20 stored contacts under the active mapping: the model inputs it reads from each and the signals they would get (score and top reasons, segment)' },
  { method: 'post', path: '/api/tenants/:id/mapping/preview', summary: 'The same preview for a mapping to try (not saved); a mapping that does not fit is refused with every problem named by its path', body: PreviewBody },
  { method: 'post', path: '/api/tenants/:id/mapping/versions/:version/restore', summary: 'Save an earlier version again as the newest (checked against the CRM again)', params: { version: z.number().int().positive() } },
  { method: 'get', path: '/api/tenants/:id/fields/:objectType', summary: "The CRM's fields of an object (name, label, type, options) to map from", params: { objectType: MappedObject } },
  { method: 'get', path: '/api/tenants/:id/runs/:runId/changes', summary: 'What a shadow run or dry run would write: counts per field and a page of changes', query: ChangesQuery, params: runId },
  { method: 'post', path: '/api/tenants/:id/runs/:runId/rollback', summary: 'Put back the values from before the run wherever the CRM still holds the run’s; the tenant goes to shadow mode', params: runId },
  { method: 'get', path: '/api/tenants/:id/runs/:runId/changes.csv', summary: 'Every change of the run as CSV (record, field, old value, new value)', kind: 'csv', params: runId },
  { method: 'post', path: '/api/tenants/:id/mode', summary: 'Go live (confirming the newest proposal’s run and count) or back to shadow mode', body: ModeChange },
  { method: 'get', path: '/api/tenants/:id/audit', summary: 'The audit of every write, newest first, by record or run, paged by before', query: AuditQuery },
  { method: 'get', path: '/api/tenants/:id/exports/scores.csv', summary: 'Every scored contact with score, reasons, model and time, as CSV', kind: 'csv' },
  { method: 'get', path: '/api/tenants/:id/models', summary: 'Each model kind with its versions and metrics' },
  { method: 'get', path: '/api/tenants/:id/models/:kind/report', summary: 'The model report of a version (the active one by default): ROC, lift, calibration, distribution, importance, precision/recall at a threshold, champion/challenger, segment map, hit rate, sentiment accuracy', query: ReportQuery, params: { kind: ModelKind } },
  { method: 'get', path: '/api/tenants/:id/models/:kind/report.csv', summary: 'The same report as CSV (table, row, measure, value)', kind: 'csv', query: ReportQuery, params: { kind: ModelKind } },
  { method: 'get', path: '/api/tenants/:id/models/:kind/active.json', summary: 'The active model of a kind (the lead score with its forest in ml-random-forest JSON)', params: { kind: ModelKind } },
  { method: 'get', path: '/api/tenants/:id/contacts/:contactId/card', summary: "One contact's signals, the record card's payload", params: { contactId: z.string().min(1).max(1000) } },
  { method: 'post', path: '/api/tenants/:id/privacy-deletions', summary: 'Erase one person from the store, caches and models', body: PrivacyRequestBody },
  { method: 'get', path: '/api/tenants/:id/budget', summary: 'The daily API budget (null: no limit), the calls counted today (UTC), what is left and, once used up, when cycles resume' },
  { method: 'post', path: '/api/tenants/:id/budget', summary: 'Set the daily API budget in CRM calls per UTC day (null: no limit); the scheduler starts no cycle on a used-up budget and a running one pauses at a batch boundary', body: BudgetChange },
];

const schema = (type: z.ZodType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(type, { io: 'input' }) as Record<string, unknown>;
  return rest;
};

function operation(route: ApiRoute): Record<string, unknown> {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const pathParams = names.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: name === 'id' ? { type: 'string', minLength: 1, maxLength: 200, description: 'tenant id' } : schema(route.params?.[name] ?? z.string()),
  }));
  const queryShape = route.query ? (schema(route.query) as { properties?: Record<string, unknown>; required?: string[] }) : null;
  const queryParams = Object.entries(queryShape?.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: queryShape?.required?.includes(name) ?? false, schema: s }));
  const problem = { description: 'Refused: the error names the field or parameter', content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } } } };
  return {
    summary: route.summary,
    security: [{ session: [] }],
    parameters: [...pathParams, ...queryParams],
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(route.body) } } } } : {}),
    responses: {
      '200': { description: 'OK', content: route.kind === 'csv' ? { 'text/csv': {} } : { 'application/json': {} } },
      '400': problem,
      '401': problem,
      ...(route.method === 'post' ? { '403': problem } : {}),
      '404': problem,
    },
  };
}

export function openApiDocument(publicUrl: string | undefined): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'crm-signals', version: '1', description: 'The JSON API the status page and console use. Writes need the session’s CSRF token in x-csrf-token.' },
    ...(publicUrl ? { servers: [{ url: publicUrl }] } : {}),
    components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'crm_signals_session', description: 'From a login link or an install' } } },
    paths,
  };
}
