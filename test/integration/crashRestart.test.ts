/**
 * Killing the service in the middle of a cycle and running it again ends in the same state as a run that
 * was never interrupted: no page lost, no write doubled. The service runs as a real child process
 * (the `crm-signals` command) against a emulator in this process, and is killed with SIGKILL.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createHubSpotEmulator, type HubSpotEmulator } from '../../connectors/emulators/hubspot/index.ts';
import { openStore } from '../../src/store/index.ts';
import { emulatorOutputs } from '../helpers/harness.ts';

const BIN = fileURLToPath(new URL('../../bin/crm-signals.js', import.meta.url));
const PORTAL = { seed: 5, contacts: 600, openShare: 0.5, clientId: 'crash-client', clientSecret: 'crash-secret' };
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  killed: boolean;
}

/** Runs one `crm-signals start --once`; kills it with SIGKILL as soon as `killWhen` says so. */
function runService(emulator: HubSpotEmulator, url: string, dataDir: string, authCode: string | null, killWhen?: () => boolean): Promise<RunResult> {
  const args = [BIN, 'start', '--once', '--hubspot-url', url, '--client-id', PORTAL.clientId, '--client-secret', PORTAL.clientSecret, '--data-dir', dataDir];
  if (authCode) args.push('--auth-code', authCode);
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', () => undefined);
  let killed = false;
  const timer = killWhen
    ? setInterval(() => {
        if (!killed && killWhen()) {
          killed = true;
          child.kill('SIGKILL');
        }
      }, 5)
    : null;
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, stdout, killed });
    });
  });
}

async function freshPortal() {
  const emulator = createHubSpotEmulator(PORTAL);
  const { url, close } = await emulator.listen(0);
  const dataDir = await mkdtemp(join(tmpdir(), 'crm-signals-crash-'));
  dirs.push(dataDir);
  return { emulator, url, close, dataDir };
}

async function auditRows(dataDir: string) {
  const store = await openStore({ dataDir });
  try {
    return await store.audit('demo-hubspot', { limit: 100_000 });
  } finally {
    await store.close();
  }
}

describe('killing the service mid-cycle', () => {
  it('ends, after a re-run, in the same state as an uninterrupted run', async () => {
    const reference = await freshPortal();
    const clean = await runService(reference.emulator, reference.url, reference.dataDir, reference.emulator.issueAuthCode());
    expect(clean.code, clean.stdout).toBe(0);
    const expected = emulatorOutputs(reference.emulator);
    const expectedAudit = await auditRows(reference.dataDir);
    await reference.close();
    expect(Object.keys(expected).length).toBeGreaterThan(200);

    const crashy = await freshPortal();
    try {
      // First kill: in the middle of the contact sync, after a few list pages.
      const listCalls = () => crashy.emulator.stats().byRoute['GET /crm/v3/objects/contacts'] ?? 0;
      const duringSync = await runService(crashy.emulator, crashy.url, crashy.dataDir, crashy.emulator.issueAuthCode(), () => listCalls() >= 3);
      expect(duringSync.killed).toBe(true);
      expect(duringSync.signal).toBe('SIGKILL');
      expect(crashy.emulator.stats().writeCalls).toBe(0);

      // Second kill: in the middle of the write-back, right after the CRM accepted the first batch.
      const duringWrite = await runService(crashy.emulator, crashy.url, crashy.dataDir, null, () => crashy.emulator.stats().writeCalls >= 1);
      expect(duringWrite.killed).toBe(true);
      expect(Object.keys(emulatorOutputs(crashy.emulator)).length).toBeLessThan(Object.keys(expected).length);

      const last = await runService(crashy.emulator, crashy.url, crashy.dataDir, null);
      expect(last.code, last.stdout).toBe(0);
      expect(emulatorOutputs(crashy.emulator)).toEqual(expected);

      // No write doubled: each (record, property, value) is audited once, as in the clean run.
      const audit = await auditRows(crashy.dataDir);
      const key = (r: { externalId: string; property: string; newValue: string }) => `${r.externalId}/${r.property}=${r.newValue}`;
      expect(new Set(audit.map(key)).size).toBe(audit.length);
      expect(audit.map(key).sort()).toEqual(expectedAudit.map(key).sort());
    } finally {
      await crashy.close();
    }
    // Three service runs in child processes: a guard against a hang on a loaded machine, not a timing target.
  }, 360_000);
});
