/**
 * The service's real webhook receiver on a loopback port for a harness's emulated portal: the portal's
 * signed deliveries are stored as the marketplace app stores them, and `deliver()` runs the webhook job
 * on them (what pg-boss would run), so a cycle afterwards sees what the change feed noted.
 */
import { listen } from '../../connectors/emulators/shared/listen.ts';
import { processWebhookEvents, type WebhookProcessing } from '../../src/pipeline/jobs/index.ts';
import { createApp } from '../../src/server/app.ts';
import { createSigner } from '../../src/store/crypto.ts';
import type { Harness } from './harness.ts';

export interface Receiver {
  /** Sends everything the portal has to send, then applies it: the webhook job's outcome. */
  deliver(): Promise<WebhookProcessing>;
  close(): Promise<void>;
}

/** The harness's emulator must have been made with the client secret 'test-secret' (startHarness does). */
export async function receiveWebhooks(h: Harness): Promise<Receiver> {
  let app: { fetch(request: Request): Response | Promise<Response> } | undefined;
  const listening = await listen((request) => app!.fetch(request));
  app = createApp({
    store: h.store,
    signer: createSigner([Buffer.alloc(32, 7)]),
    publicUrl: listening.url,
    log: () => undefined,
    hubspot: { clientSecret: 'test-secret', appId: String(h.emulator.appId) },
    jobs: { webhooks: { requestProcessing: async () => null } },
  });
  h.emulator.webhooks.setTarget(`${listening.url}/webhooks/hubspot`);
  return {
    deliver: async () => {
      await h.emulator.webhooks.flush();
      return processWebhookEvents({ store: h.store, log: () => undefined, requestCycle: async () => null }, h.ctx.tenant.id);
    },
    close: async () => {
      h.emulator.webhooks.setTarget(null);
      await listening.close();
    },
  };
}
