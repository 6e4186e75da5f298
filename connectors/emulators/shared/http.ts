/** Request plumbing both emulators' apps use alike. */
import type { Context, MiddlewareHandler } from 'hono';

/**
 * The string fields of a form-encoded body (OAuth token requests). An unreadable body reads as an empty
 * one, so the grant checks answer it with the CRM's own 400.
 */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    const body = await c.req.parseBody();
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  } catch {
    // see above: empty
  }
  return out;
}

export interface CallCounts {
  calls: number;
  byRoute: Record<string, number>;
}

/** Counts every request, and per route shape (`routeKey` turns a path into its shape: ids become {id}). */
export function countCalls(stats: CallCounts, routeKey: (method: string, path: string) => string): MiddlewareHandler {
  return async (c, next) => {
    stats.calls++;
    const key = routeKey(c.req.method, c.req.path);
    stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
    await next();
  };
}
