/**
 * Secrets stay out of the process list: the HubSpot client secret comes from the environment or a file
 * (--client-secret-file), and crm-signals help says so. A data dir that cannot be created fails at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../functions/config.ts';
import { USAGE } from '../../src/cli/main.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'config-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the client secret from a file or the environment', () => {
  it('--client-secret-file reads the secret from a file (trailing newline dropped)', () => {
    const file = path.join(dir, 'secret');
    writeFileSync(file, 's3cr3t-value\n');
    expect(loadConfig(['--client-secret-file', file], {}).hubspot.clientSecret).toBe('s3cr3t-value');
    expect(loadConfig([], { HUBSPOT_CLIENT_SECRET_FILE: file }).hubspot.clientSecret).toBe('s3cr3t-value');
  });

  it('HUBSPOT_CLIENT_SECRET still works, and help points to the environment and the file', () => {
    expect(loadConfig([], { HUBSPOT_CLIENT_SECRET: 'from-env' }).hubspot.clientSecret).toBe('from-env');
    expect(USAGE).toContain('--client-secret-file FILE');
    expect(USAGE).toMatch(/process list/);
  });

  it('a missing or empty secret file, or both a secret and a file, is a ConfigError naming the flag', () => {
    expect(() => loadConfig(['--client-secret-file', path.join(dir, 'nope')], {})).toThrow(/--client-secret-file .*nope/);
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(() => loadConfig(['--client-secret-file', empty], {})).toThrow(ConfigError);
    expect(() => loadConfig(['--client-secret-file', empty, '--client-secret', 'x'], {})).toThrow(/--client-secret-file.*--client-secret|--client-secret.*--client-secret-file/);
  });
});
