/**
 * Issue 13, defect 2: values the CRM already accepted must not be re-sent after a crash, beyond the one
 * batch that was in flight. Each emulator is served through a loopback proxy that, as the crash, forwards
 * the Nth batch write to the emulator (the CRM applies it) and never answers: the process that sent it is
 * "killed" at the worst moment, after the CRM applied the batch and before it heard back. A second
 * process then drains the same outbox; the proxy counts the records it is sent again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createHubSpotEmulator } from '../../connectors/emulators/hubspot/index.ts';
import { createSalesforceEmulator } from '../../connectors/emulators/salesforce/index.ts';
import { listen, type Listening } from '../../connectors/emulators/shared/listen.ts';
import { installPackageInto } from '../../functions/demoPortals.ts';
import { OUTPUT_FIELDS } from '../../src/domain/outputFields.ts';
import { connectHubSpotTenant, connectSalesforceTenant } from '../../src/cli/tenants.ts';
import { DEFAULT_HUBSPOT_MAPPING, DEFAULT_SALESFORCE_MAPPING } from '../../src/mapping/index.ts';
import type { PipelineContext } from '../../src/pipeline/context.ts';
import { drainOutbox } from '../../src/pipeline/writeBack.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';

const redirectUri = 'http://localhost/callback';
/** 450 queued writes: 5 HubSpot batch updates of 100, 3 Salesforce collections of 200. */
const QUEUED = 450;

type Phase = 'before crash' | 'after restart';

/** What one CRM needs for the scenario: its emulator behind the proxy, its write route and batch size. */
interface Scenario {
  batch: number;
  crashAtBatch: number;
  property: string;
  /** The ids a write request names, or null when the request is no batch write of contacts/leads. */
  writtenIds(method: string, path: string, body: string): string[] | null;
  fetch(request: Request): Promise<Response>;
  /** After the proxy listens: the rewrites the emulator needs to be reached only through it. */
  proxied?(url: string): void;
  ids(): string[];
  valueOf(id: string): unknown;
  connect(store: Store, url: string, authCode?: string): Promise<PipelineContext>;
  issueCode(): string;
}

function hubspotScenario(): Scenario {
  const emulator = createHubSpotEmulator({ seed: 11, contacts: 600, openShare: 0.25, clientId: 'wb-client', clientSecret: 'wb-secret' });
  return {
    batch: 100,
    crashAtBatch: 4,
    property: 'crm_signals_lead_score',
    writtenIds: (method, path, body) =>
      method === 'POST' && path === '/crm/v3/objects/contacts/batch/update' ? (JSON.parse(body) as { inputs: Array<{ id: string }> }).inputs.map((i) => i.id) : null,
    fetch: (request) => Promise.resolve(emulator.app.fetch(request)),
    ids: () => emulator.state.list('contacts').slice(0, QUEUED).map((r) => r.id),
    valueOf: (id) => emulator.state.get('contacts', id)?.properties['crm_signals_lead_score'],
    issueCode: () => emulator.issueAuthCode(redirectUri),
    connect: async (store, url, authCode) => {
      const { tenant, connector } = await connectHubSpotTenant(store, {
        tenantId: 'write-crash-hubspot',
        name: 'Write crash',
        mode: 'live',
        mapping: DEFAULT_HUBSPOT_MAPPING,
        app: { baseUrl: url, clientId: 'wb-client', clientSecret: 'wb-secret', redirectUri },
        ...(authCode ? { authCode } : {}),
      });
      if (authCode) await connector.install(OUTPUT_FIELDS);
      return { store, tenant, connector, mapping: DEFAULT_HUBSPOT_MAPPING, seed: 1, log: () => undefined };
    },
  };
}

function salesforceScenario(): Scenario {
  const emulator = createSalesforceEmulator({ seed: 11, leads: 600, openShare: 0.25, clientId: 'wb-client', clientSecret: 'wb-secret' });
  installPackageInto(emulator);
  let proxyUrl = '';
  return {
    batch: 200,
    crashAtBatch: 2,
    property: 'Signals_Lead_Score__c',
    writtenIds: (method, path, body) =>
      method === 'PATCH' && /\/composite\/sobjects$/.test(path) ? (JSON.parse(body) as { records: Array<{ Id?: string; id?: string }> }).records.map((r) => String(r.Id ?? r.id)) : null,
    fetch: async (request) => {
      const response = await emulator.app.fetch(request);
      if (!new URL(request.url).pathname.endsWith('/oauth2/token') || response.status !== 200) return response;
      // The org answers with its own instance URL: point the client back at the proxy.
      const token = (await response.json()) as Record<string, unknown>;
      return Response.json({ ...token, instance_url: proxyUrl });
    },
    proxied: (url) => (proxyUrl = url),
    ids: () => emulator.state.list('Lead').slice(0, QUEUED).map((r) => String(r['Id'])),
    valueOf: (id) => emulator.state.get('Lead', id)?.['Signals_Lead_Score__c'],
    issueCode: () => emulator.issueAuthCode(redirectUri),
    connect: async (store, url, authCode) => {
      const { tenant, connector } = await connectSalesforceTenant(store, {
        tenantId: 'write-crash-salesforce',
        name: 'Write crash',
        mode: 'live',
        mapping: DEFAULT_SALESFORCE_MAPPING,
        app: { loginUrl: url, clientId: 'wb-client', clientSecret: 'wb-secret', redirectUri },
        ...(authCode ? { authCode } : {}),
      });
      return { store, tenant, connector, mapping: DEFAULT_SALESFORCE_MAPPING, seed: 1, log: () => undefined };
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('write-back after a crash (issue 13, defect 2)', () => {
  for (const [crm, make] of [['hubspot', hubspotScenario], ['salesforce', salesforceScenario]] as const) {
    it(`${crm}: a crash re-sends at most the one batch the CRM had not confirmed, and every accepted value is audited once`, async () => {
      const scenario = make();
      let phase: Phase = 'before crash';
      const sent: Record<Phase, string[][]> = { 'before crash': [], 'after restart': [] };
      const hung: Array<(response: Response) => void> = [];
      let crashed!: () => void;
      const crash = new Promise<void>((resolve) => (crashed = resolve));
      const proxy: Listening = await listen(async (request: Request) => {
        const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
        const ids = scenario.writtenIds(request.method, new URL(request.url).pathname, body);
        const forwarded = new Request(request.url, { method: request.method, headers: request.headers, ...(body ? { body } : {}) });
        const response = await scenario.fetch(forwarded);
        if (!ids) return response;
        sent[phase].push(ids);
        if (phase === 'before crash' && sent[phase].length === scenario.crashAtBatch) {
          crashed();
          return new Promise<Response>((resolve) => hung.push(resolve));
        }
        return response;
      });
      scenario.proxied?.(proxy.url);
      const store = await openStore({ inMemory: true });
      let killedDrain: Promise<unknown> = Promise.resolve();
      cleanups.push(async () => {
        // The "killed" process's request is answered only now, with a refusal that ends its drain at once.
        for (const answer of hung) answer(Response.json([{ message: 'killed', errorCode: 'INSUFFICIENT_ACCESS', status: 'error', category: 'MISSING_SCOPES' }], { status: 403 }));
        await killedDrain.catch(() => undefined);
        await store.close();
        await proxy.close();
      });

      const first = await scenario.connect(store, proxy.url, scenario.issueCode());
      const ids = scenario.ids();
      expect(ids).toHaveLength(QUEUED);
      const queuedBy = await store.startRun(first.tenant.id, 'cycle');
      const value = (i: number) => String(1 + (i % 99));
      await store.enqueue(
        first.tenant.id,
        queuedBy,
        ids.map((externalId, i) => ({ objectType: 'contact', externalId, properties: { [scenario.property]: value(i) }, previous: { [scenario.property]: null }, modelVersion: 1 })),
      );

      killedDrain = drainOutbox(first, queuedBy, 'contact');
      killedDrain.catch(() => undefined);
      await crash;
      const acceptedBeforeCrash = new Set(sent['before crash'].flat());
      expect(sent['before crash'].map((b) => b.length)).toEqual(Array.from({ length: scenario.crashAtBatch }, () => scenario.batch));

      // The restarted process: stored credentials, a new run, the same outbox.
      phase = 'after restart';
      const second = await scenario.connect(store, proxy.url);
      const resumedBy = await store.startRun(second.tenant.id, 'cycle');
      const report = await drainOutbox(second, resumedBy, 'contact');
      expect(report.stillPending).toBe(0);

      const resent = sent['after restart'].flat().filter((id) => acceptedBeforeCrash.has(id));
      expect(resent.length, 'records the CRM had accepted before the crash and was sent again').toBeLessThanOrEqual(scenario.batch);
      expect(new Set([...acceptedBeforeCrash, ...sent['after restart'].flat()]).size).toBe(QUEUED);

      // The CRM holds every value; each is audited once.
      expect(ids.filter((id, i) => String(scenario.valueOf(id)) !== value(i))).toEqual([]);
      const audit = await store.audit(first.tenant.id, { limit: 10_000 });
      expect(audit).toHaveLength(QUEUED);
      expect(new Set(audit.map((a) => a.externalId)).size).toBe(QUEUED);
    });
  }
});
