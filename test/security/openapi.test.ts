/**
 * The served OpenAPI document describes every JSON route the app answers, with the method it answers and
 * the same schemas its handler validates with: a new /api route fails here until it is described.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp, SERVED_PATHS } from '../../src/server/app.ts';
import { API_ROUTES } from '../../src/server/openapi.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { openStore } from '../../src/store/index.ts';

describe('GET /api/openapi.json', () => {
  it('describes every served /api route (but itself), with path parameters, query and body schemas', async () => {
    const store = await openStore({ inMemory: true });
    try {
      const app = createApp({ store, signer: createSigner([randomBytes(32)]), publicUrl: 'https://signals.example.com' });
      const res = await app.request('/api/openapi.json');
      expect(res.status).toBe(200);
      const doc = (await res.json()) as { openapi: string; servers: Array<{ url: string }>; paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }>; requestBody?: unknown }>> };
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.servers).toEqual([{ url: 'https://signals.example.com' }]);
      const served = SERVED_PATHS.filter((p) => p.startsWith('/api/') && p !== '/api/openapi.json').map((p) => p.replace(/:(\w+)/g, '{$1}'));
      expect(Object.keys(doc.paths).sort()).toEqual(served.sort());
      for (const route of API_ROUTES) {
        const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]![route.method]!;
        for (const name of [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1])) expect(op.parameters).toContainEqual(expect.objectContaining({ name, in: 'path' }));
        expect(op.requestBody !== undefined, `${route.path} body`).toBe(route.body !== undefined);
        // The method described is the one served: the other one is not a route.
        const other = route.method === 'get' ? 'POST' : 'GET';
        if (API_ROUTES.some((r) => r.path === route.path && r.method === other.toLowerCase())) continue;
        const concrete = route.path.replace(':id', 't').replace(':runId', '1').replace(':kind', 'leadScore').replace(':contactId', 'c').replace(':version', '1').replace(':objectType', 'contact');
        expect((await app.request(concrete, { method: other })).status, `${other} ${route.path}`).toBe(404);
      }
      const changes = doc.paths['/api/tenants/{id}/runs/{runId}/changes']!.get!;
      expect(changes.parameters.map((p) => p.name)).toEqual(['id', 'runId', 'property', 'record', 'limit', 'offset']);
    } finally {
      await store.close();
    }
  });
});
