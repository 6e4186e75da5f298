/**
 * The HTTP app behind hono's AWS Lambda adapter: an API Gateway v2 event in, a Lambda proxy result out.
 */
import type { LambdaEvent } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { lambdaHandler as lambdaHandlerOf } from '../../functions/lambda.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { createApp } from '../../src/server/app.ts';
import { signIn } from '../helpers/adminSession.ts';

let store: Store;
let cookie: string;
const signer = createSigner([randomBytes(32)]);
const lambdaHandler = (s: Store) => lambdaHandlerOf({ store: s, signer });
beforeAll(async () => {
  store = await openStore({ inMemory: true });
  await store.upsertTenant({ id: 'portal-1', crm: 'hubspot', name: 'Portal 1', mode: 'shadow', accountId: '123' });
  // A session made on one app instance is good on every other: it lives in the store.
  ({ cookie } = await signIn(createApp({ store, signer }), store));
});
afterAll(() => store.close());

/** API Gateway HTTP API (payload format 2.0). */
function apiGatewayV2Event(path: string, headers: Record<string, string> = { cookie }): Extract<LambdaEvent, { version: string; rawPath: string }> {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'abc.execute-api.eu-west-1.amazonaws.com', accept: 'application/json', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      authentication: null,
      authorizer: {},
      domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '01/Dec/2026:00:00:00 +0000',
      timeEpoch: 1_796_083_200_000,
    },
    body: null,
    isBase64Encoded: false,
  };
}

describe('functions/lambda.ts', () => {
  it('answers /healthz through the API Gateway v2 adapter', async () => {
    const handler = lambdaHandler(store);
    const result = await handler(apiGatewayV2Event('/healthz'));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ ok: true });
  });

  it('serves the store through the same app: a handler per invocation keeps no state of its own', async () => {
    const first = await lambdaHandler(store)(apiGatewayV2Event('/api/status'));
    const second = await lambdaHandler(store)(apiGatewayV2Event('/api/status'));
    expect(JSON.parse(first.body)).toEqual({ tenants: [{ id: 'portal-1', crm: 'hubspot', mode: 'shadow', status: 'connected', statusReason: null, lastRun: null, scoreDistribution: expect.any(Array) }] });
    expect(second.body).toBe(first.body);
    const missing = await lambdaHandler(store)(apiGatewayV2Event('/api/tenants/nobody/runs'));
    expect(missing.statusCode).toBe(404);
    const anonymous = await lambdaHandler(store)(apiGatewayV2Event('/api/status', {}));
    expect(anonymous.statusCode).toBe(401);
  });
});
