/**
 * HubSpot's error bodies. Connectors branch on status, category and policyName, so these follow
 * the real shapes (reference sections 5.2 and 9.16), always with status, message, correlationId
 * and category.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ErrorDetail {
  message: string;
  code?: string;
  in?: string;
  subCategory?: string;
  context?: Record<string, string[]>;
}

export interface HubSpotErrorInit {
  message: string;
  category: string;
  subCategory?: string;
  context?: Record<string, string[]>;
  errors?: ErrorDetail[];
}

export function errorBody(init: HubSpotErrorInit): Record<string, unknown> {
  return {
    status: 'error',
    message: init.message,
    correlationId: randomUUID(),
    category: init.category,
    ...(init.subCategory ? { subCategory: init.subCategory } : {}),
    ...(init.context ? { context: init.context } : {}),
    ...(init.errors ? { errors: init.errors } : {}),
  };
}

export function hubspotError(c: Context, status: ContentfulStatusCode, init: HubSpotErrorInit): Response {
  return c.json(errorBody(init), status);
}

export function validationError(c: Context, message: string, extra: Omit<HubSpotErrorInit, 'message' | 'category'> = {}): Response {
  return hubspotError(c, 400, { message, category: 'VALIDATION_ERROR', ...extra });
}

export function notFound(c: Context, message: string, context?: Record<string, string[]>): Response {
  return hubspotError(c, 404, { message, category: 'OBJECT_NOT_FOUND', ...(context ? { context } : {}) });
}

export function unknownObjectType(c: Context, raw: string): Response {
  return notFound(c, `Unable to infer object type from: ${raw}`);
}

/** One entry of a batch response's errors[] (the SDK's StandardError). */
export function standardError(init: HubSpotErrorInit & { id?: string }): Record<string, unknown> {
  return {
    status: 'error',
    category: init.category,
    message: init.message,
    context: init.context ?? {},
    errors: init.errors ?? [],
    links: {},
    ...(init.subCategory ? { subCategory: init.subCategory } : {}),
    ...(init.id ? { id: init.id } : {}),
  };
}

/** Parses a JSON body; undefined when it is missing or not JSON, so the route can answer 400. */
export async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
