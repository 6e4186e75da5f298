/**
 * Issue 13, defect 2: values the CRM already accepted must not be re-sent after a crash, beyond the one
 * batch that was in flight. The HubSpot emulator is served through a loopback proxy that, as the crash,
 * forwards the Nth batch update to the emulator (the CRM accepts it) and never answers: the process that
 * sent it is "killed" at the worst moment, after the CRM applied the batch and before it heard back.
 * A second process then drains the same outbox; the proxy counts the records it sends again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotEmulator } from '../../connectors/emulators/hubspot/index.ts';
import { listen, type Listening } from '../../connectors/emulators/shared/listen.ts';
import { OUTPUT_FIELDS } from '../../src/domain/outputFields.ts';
import { connectHubSpotTenant } from '../../src/cli/tenants.ts';
import { DEFAULT_HUBSPOT_MAPPING } from '../../src/mapping/index.ts';
import type { PipelineContext } from '../../src/pipeline/context.ts';
import { drainOutbox } from '../../src/pipeline/writeBack.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';

const redirectUri = 'http://localhost/callback';
const SCORE = 'crm_signals_lead_score';
/** HubSpot's batch update takes 100 inputs: 450 queued writes are 5 requests. */
const QUEUED = 450;
const BATCH = 100;
/** The crash: the 4th batch reaches the CRM, its answer never comes back. */
const CRASH_AT_BATCH = 4;

const emulator = createHubSpotEmulator({ seed: 11, contacts: 600, openShare: 0.25, clientId: 'wb-client', clientSecret: 'wb-secret' });
let proxy: Listening;
let store: Store;

type Phase = 'before crash' | 'after restart';
let phase: Phase = 'before crash';
const sent: Record<Phase, string[][]> = { 'before crash': [], 'after restart': [] };
const hung: Array<(response: Response) => void> = [];
let crashed: () => void;
const crash = new Promise<void>((resolve) => (crashed = resolve));

beforeAll(async () => {
  proxy = await listen(async (request: Request) => {
    const path = new URL(request.url).pathname;
    if (request.method !== 'POST' || path !== '/crm/v3/objects/contacts/batch/update') return emulator.app.fetch(request);
    const body = await request.text();
    const response = await emulator.app.fetch(new Request(request.url, { method: 'POST', headers: request.headers, body }));
    sent[phase].push((JSON.parse(body) as { inputs: Array<{ id: string }> }).inputs.map((i) => i.id));
    if (phase === 'before crash' && sent[phase].length === CRASH_AT_BATCH) {
      crashed();
      return new Promise<Response>((resolve) => hung.push(resolve));
    }
    return response;
  });
  store = await openStore({ inMemory: true });
});

afterAll(async () => {
  // The "killed" process's request is answered only now, with a refusal that ends its drain at once.
  for (const answer of hung) answer(Response.json({ status: 'error', message: 'killed', category: 'MISSING_SCOPES' }, { status: 403 }));
  await killedDrain?.catch(() => undefined);
  await store?.close();
  await proxy?.close();
});

let killedDrain: Promise<unknown> | undefined;

async function connect(authCode?: string): Promise<PipelineContext> {
  const { tenant, connector } = await connectHubSpotTenant(store, {
    tenantId: 'write-crash',
    name: 'Write crash',
    mode: 'live',
    mapping: DEFAULT_HUBSPOT_MAPPING,
    app: { baseUrl: proxy.url, clientId: 'wb-client', clientSecret: 'wb-secret', redirectUri },
    ...(authCode ? { authCode } : {}),
  });
  return { store, tenant, connector, mapping: DEFAULT_HUBSPOT_MAPPING, seed: 1, log: () => undefined };
}

describe('write-back after a crash (issue 13, defect 2)', () => {
  it('a crash re-sends at most the one batch the CRM had not confirmed, and every accepted value is audited once', async () => {
    const first = await connect(emulator.issueAuthCode(redirectUri));
    await first.connector.install(OUTPUT_FIELDS);
    const ids = emulator.state.list('contacts').slice(0, QUEUED).map((r) => r.id);
    const queuedBy = await store.startRun(first.tenant.id, 'cycle');
    const value = (i: number) => String(1 + (i % 99));
    await store.enqueue(
      first.tenant.id,
      queuedBy,
      ids.map((externalId, i) => ({ objectType: 'contact', externalId, properties: { [SCORE]: value(i) }, previous: { [SCORE]: null }, modelVersion: 1 })),
    );

    killedDrain = drainOutbox(first, queuedBy, 'contact');
    killedDrain.catch(() => undefined);
    await crash;
    const acceptedBeforeCrash = new Set(sent['before crash'].flat());
    expect(sent['before crash'].map((b) => b.length)).toEqual(Array.from({ length: CRASH_AT_BATCH }, () => BATCH));

    // The restarted process: stored credentials, a new run, the same outbox.
    phase = 'after restart';
    const second = await connect();
    const resumedBy = await store.startRun(second.tenant.id, 'cycle');
    const report = await drainOutbox(second, resumedBy, 'contact');
    expect(report.stillPending).toBe(0);

    const resent = sent['after restart'].flat().filter((id) => acceptedBeforeCrash.has(id));
    expect(resent.length, `records the CRM had accepted before the crash and got again`).toBeLessThanOrEqual(BATCH);
    expect(new Set(sent['after restart'].flat()).size + acceptedBeforeCrash.size - resent.length).toBe(QUEUED);

    // The CRM holds every value once; each is audited once.
    ids.forEach((id, i) => expect(emulator.state.get('contacts', id)?.properties[SCORE]).toBe(value(i)));
    const audit = await store.audit(first.tenant.id, { limit: 10_000 });
    expect(audit).toHaveLength(QUEUED);
    expect(new Set(audit.map((a) => a.externalId)).size).toBe(QUEUED);
  });
});
