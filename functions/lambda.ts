/**
 * The same HTTP app behind AWS Lambda (API Gateway v1/v2, function URLs): hono's adapter around
 * createApp. The app keeps no state between requests; everything lives in the store.
 */
import { handle } from 'hono/aws-lambda';
import { configureRequestTimeout } from '../connectors/shared/send.ts';
import { createApp, type AppDeps } from '../src/server/app.ts';
import { loadConfig, type Env } from './config.ts';
import { openServiceStore } from './wiring.ts';

export function lambdaHandler(deps: AppDeps) {
  return handle(createApp(deps));
}

let opening: Promise<ReturnType<typeof lambdaHandler>> | null = null;

/** The deployed entry point: the store from the environment, opened once per Lambda instance. */
export const handler: ReturnType<typeof lambdaHandler> = async (event, context) => {
  opening ??= openLambdaStore(process.env).catch((error: unknown) => {
    // A later invocation tries again (the configuration may have been fixed), instead of the same failure forever.
    opening = null;
    throw error;
  });
  return (await opening)(event, context);
};

/** Many Lambda instances serve one database: the tokens' keys always come from configuration. */
export async function openLambdaStore(env: Env): Promise<ReturnType<typeof lambdaHandler>> {
  const config = loadConfig([], env);
  configureRequestTimeout(config.requestTimeoutMs);
  const opened = await openServiceStore(config, { keysRequiredBy: 'the Lambda handler' });
  const { clientSecret, appId } = config.hubspot;
  // The card's backend answers from the store; webhooks need the job queue, which Lambda leaves to the workers.
  return lambdaHandler({ store: opened.store, signer: opened.signer, publicUrl: config.publicUrl, ...(clientSecret ? { hubspot: { clientSecret, ...(appId ? { appId } : {}) } } : {}) });
}
