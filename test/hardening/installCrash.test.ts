/**
 * Issue 13, defect 1: a crash during install must leave either no trace or a complete connection.
 * The kill is simulated in process: the store refuses its k-th write (and everything after it), which is
 * what a process killed at that point leaves behind. After each such crash the tenant must either not
 * exist or reconnect from what the store kept, and an install with a fresh code must then work (the
 * code of the crashed attempt is spent).
 */
import { describe, expect, it } from 'vitest';
import { REDIRECT_URI, useBothEmulators } from '../helpers/bothEmulators.ts';
import { DEFAULT_HUBSPOT_MAPPING, DEFAULT_SALESFORCE_MAPPING } from '../../src/mapping/index.ts';
import { connectTenant } from '../../src/pipeline/connect.ts';
import type { Store } from '../../src/store/types.ts';

const env = useBothEmulators({ seed: 4, records: 20 });
const { hubspot, salesforce } = env;
const redirectUri = REDIRECT_URI;

class SimulatedCrash extends Error {}

/** Reads pass; the k-th write and every later one fail, as if the process died right before it. */
function crashingAtWrite(inner: Store, k: number): { store: Store; writes: string[] } {
  const writes: string[] = [];
  const reads = /^(get|load|list|count|latest|pending|active|audit|written|ownWrite|rejected)/;
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string' || reads.test(name)) return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        writes.push(name);
        if (writes.length >= k) return Promise.reject(new SimulatedCrash(`killed before ${name}`));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, writes };
}

const apps = () => ({
  hubspot: { clientId: 'hs-client', clientSecret: 'hs-secret', redirectUri, baseUrl: env.urls.hubspot },
  salesforce: { clientId: 'sf-client', clientSecret: 'sf-secret', redirectUri, loginUrl: env.urls.salesforce },
});
const mappings = { hubspot: DEFAULT_HUBSPOT_MAPPING, salesforce: DEFAULT_SALESFORCE_MAPPING };
const codes = { hubspot: () => hubspot.issueAuthCode(redirectUri), salesforce: () => salesforce.issueAuthCode(redirectUri) };

describe('a crash during install (issue 13, defect 1)', () => {
  for (const crm of ['hubspot', 'salesforce'] as const) {
    it(`${crm}: a kill at any store write of the install leaves no trace or a complete connection, and a re-install with a fresh code works`, async () => {
      const crashes: string[] = [];
      for (let k = 1; ; k++) {
        const tenantId = `install-crash-${crm}-${k}`;
        const options = { crm, tenantId, name: `${crm} ${k}`, mode: 'live' as const, mapping: mappings[crm], app: apps()[crm] };
        const crashing = crashingAtWrite(env.store, k);
        let crashed = false;
        try {
          await connectTenant(crashing.store, { ...options, authCode: codes[crm]() });
        } catch (error) {
          if (!(error instanceof SimulatedCrash)) throw error;
          crashed = true;
          crashes.push(error.message);
        }
        if (!crashed) break;

        // The restarted process: no tenant at all, or one that reconnects from what was stored.
        const tenant = await env.store.getTenant(tenantId);
        if (tenant) {
          const resumed = await connectTenant(env.store, options).catch((error: Error) => error);
          expect(resumed instanceof Error ? `${crashes.at(-1)}: ${resumed.message}` : 'connected').toBe('connected');
        }
        // The admin installs again with a fresh code: it connects, and the connection is kept.
        const reinstalled = await connectTenant(env.store, { ...options, authCode: codes[crm]() });
        expect(reinstalled.installed).toBe(true);
        expect(reinstalled.tenant.accountId).toEqual(expect.any(String));
        const again = await connectTenant(env.store, options);
        expect(again.installed).toBe(false);
        expect((await again.connector.check()).ok).toBe(true);
        expect(k, 'the install should finish within a few store writes').toBeLessThan(10);
      }
      expect(crashes.length).toBeGreaterThan(0);
    });
  }

  it('connecting a tenant that was never installed leaves no tenant behind', async () => {
    const options = { crm: 'hubspot' as const, tenantId: 'never-installed', name: 'never', mode: 'live' as const, mapping: DEFAULT_HUBSPOT_MAPPING, app: apps().hubspot };
    await expect(connectTenant(env.store, options)).rejects.toThrow(/install the app first/);
    expect(await env.store.getTenant('never-installed')).toBeNull();
  });
});
