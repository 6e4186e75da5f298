/**
 * The main job as a user runs it: `npm start -- --once` on the embedded default exits 0 and prints the
 * summary; run again (on the embedded emulator, which persists under the data dir, or against the same
 * CRM account by URL) it writes nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createHubSpotEmulator } from '../../connectors/emulators/hubspot/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function start(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['bin/crm-signals.js', 'start', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

describe('crm-signals start --once', () => {
  it('runs a whole cycle on the embedded emulator and store, prints the summary and exits 0; a second run writes nothing', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'crm-signals-start-'));
    try {
      const { code, stdout, stderr } = await start(['--once', '--data-dir', dataDir]);
      expect(code, `${stdout}\n${stderr}`).toBe(0);
      expect(stdout).toMatch(/synced contacts: 5,000 read/);
      expect(stdout).toMatch(/synced deals: [\d,]+ read/);
      expect(stdout).toMatch(/synced tickets: [\d,]+ read/);
      expect(stdout).toMatch(/lead score: model v1, out-of-sample ROC AUC 0\.\d{3}/);
      expect(stdout).toMatch(/segments: model v1, \d+ segments/);
      expect(stdout).toMatch(/recommendations: model v1/);
      expect(stdout).toMatch(/sentiment: model v1, naive-bayes/);
      expect(stdout).toMatch(/written back: 5,\d{3} contacts, 2,000 tickets updated, 0 rejected by the CRM, 0 still queued/);
      expect(stdout).toMatch(/API calls: \d+/);
      expect(stdout).toMatch(/score distribution/);

      // The emulated portal persists under the data dir like a real one: the next start finds our values there.
      const again = await start(['--once', '--data-dir', dataDir]);
      expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
      expect(again.stdout).toMatch(/HubSpot emulator \(portal \d+, as the last run left it\)/);
      expect(again.stdout).toMatch(/crm-signals cycle #2 for demo-hubspot: succeeded/);
      expect(again.stdout).toMatch(/written back: 0 contacts, 0 tickets updated, 0 rejected by the CRM, 0 still queued/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    // Two whole 5,000-contact runs in child processes: a guard against a hang, not a timing target.
  }, 360_000);

  it('a second run against the same account writes nothing, and a bad setting exits 1 naming it', async () => {
    const emulator = createHubSpotEmulator({ seed: 11, contacts: 400, openShare: 0.3, clientId: 'once-client', clientSecret: 'once-secret' });
    const { url, close } = await emulator.listen(0);
    const dataDir = await mkdtemp(join(tmpdir(), 'crm-signals-start-'));
    try {
      const args = ['--once', '--hubspot-url', url, '--client-id', 'once-client', '--client-secret', 'once-secret', '--data-dir', dataDir];
      const first = await start([...args, '--auth-code', emulator.issueAuthCode()]);
      expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
      expect(first.stdout).toMatch(/written back: [1-9][\d,]* contacts/);
      const writes = emulator.stats().writeCalls;
      const second = await start(args);
      expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
      expect(second.stdout).toMatch(/crm-signals cycle #2 for demo-hubspot: succeeded/);
      expect(second.stdout).toMatch(/written back: 0 contacts, 0 tickets updated, 0 rejected by the CRM, 0 still queued/);
      expect(emulator.stats().writeCalls).toBe(writes);

      const bad = await start(['--once', '--port', 'eighty', '--data-dir', dataDir]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('crm-signals: bad setting: --port must be a whole number, got "eighty"\n');
    } finally {
      await close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
