/**
 * A crm-signals deployment against the Salesforce emulator for one test: the org on a loopback port with
 * the package installed, an in-memory store, the tenant connected through the real OAuth code exchange.
 */
import { createSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from '../../connectors/emulators/salesforce/index.ts';
import type { SalesforceConnector } from '../../connectors/salesforce/index.ts';
import { installPackageInto } from '../../functions/demoPortals.ts';
import { connectSalesforceTenant } from '../../src/cli/tenants.ts';
import { DEFAULT_SALESFORCE_MAPPING } from '../../src/mapping/index.ts';
import type { PipelineContext } from '../../src/pipeline/context.ts';
import { runCycle, type CycleOptions, type CycleSummary } from '../../src/pipeline/cycle.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';

export interface SalesforceHarness {
  emulator: SalesforceEmulator;
  store: Store;
  connector: SalesforceConnector;
  ctx: PipelineContext;
  logs: string[];
  cycle(options?: CycleOptions): Promise<CycleSummary>;
  close(): Promise<void>;
}

export const TEST_ORG: SalesforceEmulatorOptions = { seed: 7, leads: 600, openShare: 0.25 };

export async function startSalesforceHarness(options: { emulator?: SalesforceEmulatorOptions; store?: Store; bulkThreshold?: number; bulkEnabled?: boolean } = {}): Promise<SalesforceHarness> {
  const emulator = createSalesforceEmulator({ ...TEST_ORG, ...options.emulator, clientId: 'sf-test-client', clientSecret: 'sf-test-secret' });
  installPackageInto(emulator);
  const { url, close } = await emulator.listen(0);
  const store = options.store ?? (await openStore({ inMemory: true }));
  const logs: string[] = [];
  const log = (message: string) => void logs.push(message);
  const redirectUri = 'http://localhost/callback';
  const { tenant, connector } = await connectSalesforceTenant(store, {
    tenantId: 'test-org',
    name: 'Test org',
    mode: 'live',
    app: { loginUrl: url, clientId: 'sf-test-client', clientSecret: 'sf-test-secret', redirectUri },
    mapping: DEFAULT_SALESFORCE_MAPPING,
    authCode: emulator.issueAuthCode(redirectUri),
    ...(options.bulkThreshold !== undefined ? { bulkThreshold: options.bulkThreshold } : {}),
    ...(options.bulkEnabled !== undefined ? { bulkEnabled: options.bulkEnabled } : {}),
    log,
  });
  const ctx: PipelineContext = { store, tenant, connector, mapping: DEFAULT_SALESFORCE_MAPPING, seed: 42, log };
  return {
    emulator,
    store,
    connector,
    ctx,
    logs,
    cycle: async (cycleOptions) => runCycle({ ...ctx, tenant: (await store.getTenant(tenant.id)) ?? tenant }, cycleOptions),
    close: async () => {
      if (!options.store) await store.close();
      await close();
    },
  };
}

/** Every Signals_* value on Leads and Cases, by object and id. */
export function orgOutputs(emulator: SalesforceEmulator): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const object of ['Lead', 'Case']) {
    for (const record of emulator.state.list(object)) {
      const values = Object.fromEntries(Object.entries(record).filter(([name, v]) => name.startsWith('Signals_') && v !== null && v !== undefined));
      if (Object.keys(values).length) out[`${object}/${String(record.Id)}`] = values;
    }
  }
  return out;
}
