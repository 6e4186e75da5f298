/**
 * Issue 13, item 7 on Salesforce: a dead session is refreshed once, however many calls find it dead at
 * the same time, and the refreshed token is handed on to be stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSalesforceEmulator } from '../emulators/salesforce/index.ts';
import { installPackageInto } from '../../functions/demoPortals.ts';
import { SalesforceConnector, exchangeSalesforceCode } from './index.ts';

const redirectUri = 'http://localhost/cb';
const TOKEN_ROUTE = 'POST /services/oauth2/token';
let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

async function setup(sessionTtlSeconds = 7200, sessionTimeoutSeconds?: number) {
  const emulator = createSalesforceEmulator({ seed: 9, leads: 40, clientId: 'c', clientSecret: 's', sessionTtlSeconds });
  installPackageInto(emulator);
  const { url, close } = await emulator.listen(0);
  closers.push(close);
  const app = { loginUrl: url, clientId: 'c', clientSecret: 's', redirectUri };
  const tokens = await exchangeSalesforceCode(app, emulator.issueAuthCode(redirectUri));
  const saved: string[] = [];
  const connector = new SalesforceConnector({ tokens, app, ...(sessionTimeoutSeconds ? { sessionTimeoutSeconds } : {}), onTokens: (t) => void saved.push(t.accessToken) });
  emulator.resetStats();
  return { emulator, connector, saved };
}

describe('Salesforce session refresh', () => {
  it('a request we send ourselves (a Bulk result page) that finds the session dead is refreshed once and replayed', async () => {
    const { emulator, connector, saved } = await setup();
    emulator.expireSessions();
    // jsforce never sees this 401: before the fix it ended the cycle as needs_reauth ("no refresh token is available").
    const status = await connector.session.callOwnHttp('limits', async (c) => {
      const response = await connector.session.fetch(`${c.instanceUrl}/services/data/v62.0/limits`, { headers: { Authorization: `Bearer ${c.accessToken}` } });
      await response.text();
      if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { errorCode: response.status === 401 ? 'INVALID_SESSION_ID' : `ERROR_HTTP_${response.status}` });
      return response.status;
    });
    expect(status).toBe(200);
    expect(emulator.stats().byRoute[TOKEN_ROUTE] ?? 0).toBe(1);
    expect(saved).toHaveLength(1);
  });

  it('concurrent calls on a dead session share one refresh', async () => {
    const { emulator, connector, saved } = await setup();
    emulator.expireSessions();
    const counts = await Promise.all(Array.from({ length: 8 }, (_, i) => connector.session.query(`count ${i}`, 'SELECT COUNT() FROM Lead')));
    expect(counts.every((c) => c.totalSize === 40)).toBe(true);
    expect(emulator.stats().byRoute[TOKEN_ROUTE] ?? 0).toBe(1);
    expect(saved).toHaveLength(1);
    expect(connector.usage().calls).toBe(emulator.stats().calls);
  });

  it('a session that keeps dying is refreshed once per death, never once per call', async () => {
    const { emulator, connector } = await setup();
    let deaths = 0;
    for (let i = 0; i < 30; i++) {
      if (i % 10 === 5) {
        emulator.expireSessions();
        deaths++;
      }
      await connector.session.query(`count ${i}`, 'SELECT COUNT() FROM Lead');
    }
    expect(emulator.stats().byRoute[TOKEN_ROUTE] ?? 0).toBe(deaths);
  });

  it("refreshes an idle session ahead of the org's timeout instead of spending a refused call on it", async () => {
    // The org's session timeout is 1 s of inactivity; the connector is told so.
    const { emulator, connector } = await setup(1, 1);
    await connector.session.query('first', 'SELECT COUNT() FROM Lead');
    const gaps = 2;
    for (let i = 0; i < gaps; i++) {
      await new Promise((r) => setTimeout(r, 1_200));
      await connector.session.query(`after idle ${i}`, 'SELECT COUNT() FROM Lead');
    }
    const refreshes = emulator.stats().byRoute[TOKEN_ROUTE] ?? 0;
    expect(refreshes).toBe(gaps);
    // One query per call plus one refresh per idle gap: no 401 answered and replayed.
    expect(emulator.stats().calls).toBe(1 + gaps + refreshes);
    expect(connector.usage().calls).toBe(emulator.stats().calls);
  });
});
