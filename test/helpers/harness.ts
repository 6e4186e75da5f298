/**
 * A whole crm-signals deployment for one test: a HubSpot emulator on a loopback port, an in-memory store,
 * the demo tenant installed through the real OAuth exchange, and the pipeline context to run cycles with.
 */
import { createHubSpotEmulator, type HubSpotEmulator, type EmulatorOptions } from '../../connectors/emulators/hubspot/index.ts';
import { OUTPUT_FIELDS } from '../../src/domain/outputFields.ts';
import { DEFAULT_HUBSPOT_MAPPING } from '../../src/mapping/index.ts';
import type { PipelineContext } from '../../src/pipeline/context.ts';
import { runCycle, type CycleOptions, type CycleSummary } from '../../src/pipeline/cycle.ts';
import { tenantMapping } from '../../src/pipeline/mappings.ts';
import { connectHubSpotTenant } from '../../src/cli/tenants.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store, TenantMode } from '../../src/store/types.ts';
import type { HubSpotConnector } from '../../connectors/hubspot/index.ts';

export interface Harness {
  emulator: HubSpotEmulator;
  store: Store;
  connector: HubSpotConnector;
  ctx: PipelineContext;
  url: string;
  logs: string[];
  cycle(options?: CycleOptions): Promise<CycleSummary>;
  close(): Promise<void>;
}

/** Small enough for a quick cycle, large enough to train on (about 50 converted contacts). */
export const TEST_PORTAL: EmulatorOptions = { seed: 7, contacts: 600, openShare: 0.25 };

export async function startHarness(options: { emulator?: EmulatorOptions; mode?: TenantMode; limit?: { max: number; intervalMs: number }; store?: Store } = {}): Promise<Harness> {
  const emulator = createHubSpotEmulator({ ...TEST_PORTAL, ...options.emulator, clientId: 'test-client', clientSecret: 'test-secret' });
  const { url, close } = await emulator.listen(0);
  const store = options.store ?? (await openStore({ inMemory: true }));
  const logs: string[] = [];
  const log = (message: string) => void logs.push(message);
  const connectOptions = {
    tenantId: 'test-portal',
    name: 'Test portal',
    mode: options.mode ?? 'live',
    app: { baseUrl: url, clientId: 'test-client', clientSecret: 'test-secret', redirectUri: 'http://localhost/callback' },
    ...(options.limit ? { limit: options.limit } : {}),
    log,
  };
  const { tenant, connector } = await connectHubSpotTenant(store, { ...connectOptions, mapping: DEFAULT_HUBSPOT_MAPPING, authCode: emulator.issueAuthCode('http://localhost/callback') });
  await connector.install(OUTPUT_FIELDS);
  const running = await tenantMapping(store, tenant);
  const ctx: PipelineContext = { store, tenant, connector, mapping: running.mapping, seed: 42, log };
  let current = { version: running.version, connector };
  return {
    emulator,
    store,
    connector,
    ctx,
    url,
    logs,
    /** Each cycle runs with the tenant's active mapping; a new version gets a connector reading its fields. */
    cycle: async (cycleOptions) => {
      const now = (await store.getTenant(tenant.id)) ?? tenant;
      const { version, mapping } = await tenantMapping(store, now);
      if (version !== current.version) current = { version, connector: (await connectHubSpotTenant(store, { ...connectOptions, mapping })).connector };
      return runCycle({ ...ctx, tenant: now, mapping, connector: current.connector }, cycleOptions);
    },
    close: async () => {
      if (!options.store) await store.close();
      await close();
    },
  };
}

export const SCORE = 'crm_signals_lead_score';

/** The open contacts of the emulator (outcome hidden from the API) and the score property each holds. */
export function emulatorScores(emulator: HubSpotEmulator): Map<string, string | undefined> {
  return new Map(emulator.state.openContactIds().map((id) => [id, emulator.state.get('contacts', id)?.properties[SCORE]]));
}

/** Every output property value in the emulator, by object and id: the final state two runs are compared on. */
export function emulatorOutputs(emulator: HubSpotEmulator): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const type of ['contacts', 'tickets'] as const) {
    for (const record of emulator.state.list(type)) {
      const values = Object.fromEntries(Object.entries(record.properties).filter(([name]) => name.startsWith('crm_signals_')));
      if (Object.keys(values).length) out[`${type}/${record.id}`] = values;
    }
  }
  return out;
}

/** Property writes the emulator holds, counted per property: what the audit must account for. */
export function countOutputValues(outputs: Record<string, Record<string, string>>): number {
  return Object.values(outputs).reduce((sum, values) => sum + Object.keys(values).length, 0);
}

export function totalWritten(summary: CycleSummary): number {
  return Object.values(summary.write ?? {}).reduce((sum, w) => sum + w.written, 0);
}

export function signalReport(summary: CycleSummary, signal: string) {
  const report = summary.signals.find((s) => s.signal === signal);
  if (!report) throw new Error(`no ${signal} in the cycle summary`);
  return report;
}
