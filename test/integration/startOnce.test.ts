/**
 * The main job as a user runs it: `npm start -- --once` on the embedded default exits 0 and prints the summary.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('crm-signals start --once', () => {
  it('runs a whole cycle on the embedded emulator and store, prints the summary and exits 0', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'crm-signals-start-'));
    const env = { ...process.env };
    delete env.DATABASE_URL;
    try {
      const child = spawn(process.execPath, ['bin/crm-signals.js', 'start', '--once', '--data-dir', dataDir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
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
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
