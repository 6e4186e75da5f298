/**
 * The paths the HTTP app answers, read from hono's own route table, so the marketplace manifests can name
 * only what the server really serves (src/manifests generates a backend URL only for a path listed here).
 */
/** Any app: only its route table is read. */
interface Routed {
  routes: ReadonlyArray<{ path: string }>;
}

/**
 * Every concrete route path of `app` (`:param` segments kept), sorted. Wildcard paths are middleware
 * (`app.use('*', ...)`): they run around routes but answer nothing on their own.
 */
export function servedPaths(app: Routed): string[] {
  return [...new Set(app.routes.map((route) => route.path).filter((path) => !path.includes('*')))].sort();
}

/**
 * Dependencies for building an app only to read its route table: handlers never run then, and if one
 * did, any use of these fails loudly instead of touching a real store.
 */
export function routeTableOnly<T>(name = 'deps'): T {
  const unusable = (path: string): unknown =>
    new Proxy(() => undefined, {
      // Not a thenable: `await deps.x` must not look like a pending promise.
      get: (_target, key) => (key === 'then' ? undefined : unusable(`${path}.${String(key)}`)),
      apply: () => {
        throw new Error(`${path}() was called on an app built only to read its routes`);
      },
    });
  return unusable(name) as T;
}
