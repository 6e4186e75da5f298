/**
 * Route parameters are validated before they reach the store: a NUL byte (which PostgreSQL rejects in text)
 * or any other odd parameter answers 4xx naming the parameter, never 500.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Store, Tenant } from '../store/types.ts';
import { createApp } from './app.ts';
import { createSigner } from '../store/crypto.ts';
import { randomBytes } from 'node:crypto';

const known: Tenant = { id: 'acme', crm: 'hubspot', name: 'Acme', mode: 'shadow', accountId: null, createdAt: new Date(0).toISOString() } as Tenant;

const signer = createSigner([randomBytes(32)]);
const SESSION_ID = 'operator-session';
const headers = { cookie: `crm_signals_session=${SESSION_ID}.${signer.sign('session', SESSION_ID)}` };
const request = (app: ReturnType<typeof createApp>, path: string) => app.request(path, { headers });

/** Behaves like the PostgreSQL store on text parameters: NUL and lone surrogates are errors of the database. */
function pgLikeStore(): Store {
  const check = (value: string): void => {
    if (value.includes('\u0000')) throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
    if (/[\uD800-\uDFFF]/u.test(value)) throw new Error('invalid Unicode escape');
  };
  const store = {
    loadSession: async (id: string) => (id === SESSION_ID ? { operator: true, tenantIds: [], label: 'operator', expiresAt: new Date(Date.now() + 60_000).toISOString() } : null),
    listTenants: async () => [known],
    getTenant: async (id: string) => (check(id), id === known.id ? known : undefined),
    listRuns: async (id: string) => (check(id), []),
    scoreBandCounts: async (id: string) => (check(id), new Map()),
    changes: () => 0,
    apiUsage: async (id: string, day: string) => (check(id), { day, calls: 0, budget: null }),
  };
  return store as unknown as Store;
}

/** Percent-encodes what encodeURIComponent can; a lone surrogate goes in as the raw (invalid) UTF-8 escape. */
function encode(segment: string): string {
  return [...segment].map((ch) => (!/[\uD800-\uDFFF]/u.test(ch) ? encodeURIComponent(ch) : '%ED%A0%80')).join('');
}

describe('route parameters', () => {
  it('a NUL byte in the tenant id answers 400 naming the parameter, not 500', async () => {
    const app = createApp({ store: pgLikeStore(), signer });
    const response = await request(app, '/api/tenants/a%00b/runs');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/\bid\b/);
  });

  it('a known tenant still answers its runs, an unknown one 404', async () => {
    const app = createApp({ store: pgLikeStore(), signer });
    expect((await request(app, '/api/tenants/acme/runs')).status).toBe(200);
    expect((await request(app, '/api/tenants/nobody/runs')).status).toBe(404);
  });

  it('random parameters and paths never answer 5xx', async () => {
    const app = createApp({ store: pgLikeStore(), signer });
    const segment = fc.string({ unit: 'binary', maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(segment, fc.array(segment, { maxLength: 4 }), async (id, rest) => {
        const paths = [`/api/tenants/${encode(id)}/runs`, `/${rest.map(encode).join('/')}`, `/api/tenants/${id.replace(/[?#]/g, '')}/runs`, `/api/tenants/${encode(id)}`];
        for (const path of paths) {
          let status: number;
          try {
            status = (await request(app, path)).status;
          } catch {
            continue; // a path the URL parser itself refuses never reaches the app
          }
          expect(status, path).toBeLessThan(500);
        }
      }),
      { numRuns: 500, seed: 13 },
    );
  });
});
