/**
 * What every route does with a request before its work: validate the route parameters, query string and
 * JSON body (a 4xx naming the first bad field), and find the session's tenant (404 for one it may not see,
 * exactly as for one that does not exist).
 */
import { zValidator } from '@hono/zod-validator';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import type { Store, Tenant } from '../store/types.ts';
import { canAccess, type SessionEnv } from './auth/sessions.ts';

export type ServiceEnv = SessionEnv;

/**
 * A tenant id as it may reach the store: PostgreSQL text cannot hold NUL or a lone surrogate, and control
 * characters are never part of an id, so such a parameter is the caller's mistake (400), not the database's.
 */
// With the u flag a surrogate pair is one code point, so only a lone half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
export const tenantIdParam = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((id) => !LONE_SURROGATE.test(id), 'must be well-formed Unicode')
  // eslint-disable-next-line no-control-regex
  .refine((id) => !/[\u0000-\u001f\u007f]/.test(id), 'must not contain control characters');

/** A CRM record id as a route parameter: the same rules as a tenant id, at the store's id length. */
export const recordIdParam = tenantIdParam.and(z.string().max(1000, 'must be at most 1000 characters'));

/** Validates the route's parameters; the 400 names the first bad parameter and what is wrong with it. */
export function params<T extends z.ZodRawShape>(shape: T) {
  return zValidator('param', z.object(shape), (result, c) => {
    if (result.success) return undefined;
    const issue = result.error.issues[0];
    return c.json({ error: `route parameter ${issue?.path.join('.') || '?'}: ${issue?.message ?? 'is invalid'}` }, 400);
  });
}

export const firstProblem = (error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }, where: string, whole: string) => {
  const issue = error.issues[0];
  return `${where} ${issue?.path.map(String).join('.') || whole}: ${issue?.message ?? 'is invalid'}`;
};

/** Validates the query string; the 400 names the first bad parameter and what is wrong with it. */
export function validatedQuery<T extends z.ZodType>(schema: T) {
  return zValidator('query', schema, (result, c) => (result.success ? undefined : c.json({ error: firstProblem(result.error, 'query parameter', '?') }, 400)));
}

/** The JSON body parsed with `schema`; a 400 names the first bad field (or says the body is not JSON). */
export async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  if (!(c.req.header('content-type') ?? '').startsWith('application/json')) throw new HTTPException(415, { message: 'send the body as application/json' });
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw new HTTPException(400, { message: 'field body: is not valid JSON' });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new HTTPException(400, { message: firstProblem(parsed.error, 'field', 'body') });
  return parsed.data;
}

/** The session's tenant, or 404 for one it may not see (indistinguishable from one that does not exist). */
export async function accessibleTenant(c: Context<ServiceEnv>, store: Store, tenantId: string): Promise<Tenant> {
  const tenant = canAccess(c.get('session'), tenantId) ? await store.getTenant(tenantId) : null;
  if (!tenant) throw new HTTPException(404, { message: `no tenant ${tenantId}` });
  return tenant;
}

/** A form post (the status page's buttons) rather than a JSON call. */
export const isForm = (c: Context) => (c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded');
