/**
 * API calls used by a Salesforce first sync of 60,000 Leads: Bulk API 2.0 against REST keyset pages,
 * through the real connector and the Salesforce emulator. Run: npx tsx bench/salesforceSync.ts
 */
import { fileURLToPath } from 'node:url';
import { createSalesforceEmulator } from '../connectors/emulators/salesforce/index.ts';
import { SalesforceConnector } from '../connectors/salesforce/index.ts';
import { exchangeSalesforceCode } from '../connectors/salesforce/oauth.ts';
import { writeBenchResults } from './writeResults.ts';

export interface SyncPathResult {
  path: 'bulk' | 'rest';
  records: number;
  apiCalls: number;
  callsPer10k: number;
  seconds: number;
}

async function firstSync(leads: number, path: 'bulk' | 'rest'): Promise<SyncPathResult> {
  const emulator = createSalesforceEmulator({ seed: 1, leads, clientId: 'bench', clientSecret: 'bench-secret' });
  const { url, close } = await emulator.listen(0);
  try {
    const app = { loginUrl: url, clientId: 'bench', clientSecret: 'bench-secret', redirectUri: 'http://localhost/cb' };
    const tokens = await exchangeSalesforceCode(app, emulator.issueAuthCode(app.redirectUri));
    const connector = new SalesforceConnector({ tokens, app, bulkThreshold: path === 'bulk' ? 10_000 : Number.MAX_SAFE_INTEGER });
    emulator.resetStats();
    const started = performance.now();
    let records = 0;
    for await (const page of connector.read('contact', null)) records += page.records.length;
    const seconds = (performance.now() - started) / 1000;
    const apiCalls = emulator.stats().calls;
    return { path, records, apiCalls, callsPer10k: (apiCalls / records) * 10_000, seconds };
  } finally {
    await close();
  }
}

export async function runSalesforceSyncBench(leads = 60_000): Promise<{ leads: number; results: SyncPathResult[] }> {
  const results = [await firstSync(leads, 'bulk'), await firstSync(leads, 'rest')];
  const lines = [
    `# Salesforce first sync: ${leads.toLocaleString('en-US')} Leads`,
    '',
    '| path | records | API calls | calls per 10,000 records | time |',
    '|---|---|---|---|---|',
    ...results.map((r) => `| ${r.path === 'bulk' ? 'Bulk API 2.0' : 'REST (keyset pages of 2,000)'} | ${r.records.toLocaleString('en-US')} | ${r.apiCalls} | ${r.callsPer10k.toFixed(1)} | ${r.seconds.toFixed(1)} s |`),
    '',
    'API calls are every request the emulator counted (describe, count, job create/poll/results, queries).',
  ];
  writeBenchResults('salesforce-sync', { leads, results }, `${lines.join('\n')}\n`);
  return { leads, results };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { results } = await runSalesforceSyncBench();
  for (const r of results) console.log(`${r.path}: ${r.records} records, ${r.apiCalls} API calls (${r.callsPer10k.toFixed(1)} per 10k), ${r.seconds.toFixed(1)} s`);
}
