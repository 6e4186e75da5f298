/**
 * The one configuration: defaults, flags over environment variables, and errors naming what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireDatabaseUrl, START_FLAGS } from '../../functions/config.ts';
import { USAGE } from '../../src/cli/main.ts';

describe('loadConfig', () => {
  it('has the defaults of the embedded demo', () => {
    expect(loadConfig([], {})).toEqual({
      crm: 'hubspot',
      once: false,
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      dataDir: './.crm-signals',
      hubspot: { redirectUri: 'http://localhost:3000/install/hubspot/callback' },
      salesforce: { redirectUri: 'http://localhost:3000/install/salesforce/callback' },
      everyMinutes: 15,
      seed: 42,
      cycleConcurrency: 4,
      shadow: false,
      dryRun: false,
      retrain: false,
      debug: false,
    });
    expect(loadConfig(['--cycle-concurrency', '8'], {}).cycleConcurrency).toBe(8);
    expect(loadConfig([], { CRM_SIGNALS_CYCLE_CONCURRENCY: '2' }).cycleConcurrency).toBe(2);
    expect(() => loadConfig(['--cycle-concurrency', '0'], {})).toThrow('--cycle-concurrency must be at least 1, got "0"');
    expect(loadConfig([], { CRM_SIGNALS_REQUEST_TIMEOUT_MS: '5000' }).requestTimeoutMs).toBe(5000);
    expect(() => loadConfig([], { CRM_SIGNALS_REQUEST_TIMEOUT_MS: 'soon' })).toThrow('CRM_SIGNALS_REQUEST_TIMEOUT_MS must be a whole number, got "soon"');
  });

  it('reads the environment, and a flag wins over its variable', () => {
    const env = {
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db.internal:5432/crm',
      CRM_SIGNALS_SECRET: 'a secret of sixteen+ chars',
      HUBSPOT_CLIENT_ID: 'id-from-env',
      HUBSPOT_CLIENT_SECRET: 'secret-from-env',
      HUBSPOT_API_URL: 'https://api.hubapi.com/',
      SALESFORCE_CONSUMER_KEY: 'ck',
      SALESFORCE_CONSUMER_SECRET: 'cs',
      SALESFORCE_LOGIN_URL: 'https://test.salesforce.com',
      CRM_SIGNALS_EVERY_MINUTES: '30',
      CRM_SIGNALS_DEBUG: '1',
      CRM_SIGNALS_CRM: 'salesforce',
    };
    const config = loadConfig(['--port', '9090', '--client-id', 'id-from-flag', '--once', '--every', '120', '--crm', 'hubspot', '--rate-limit', '50', '--shadow'], env);
    expect(config).toMatchObject({
      crm: 'hubspot',
      once: true,
      port: 9090,
      databaseUrl: 'postgres://u@db.internal:5432/crm',
      secret: 'a secret of sixteen+ chars',
      hubspot: { apiUrl: 'https://api.hubapi.com', clientId: 'id-from-flag', clientSecret: 'secret-from-env', redirectUri: 'http://localhost:9090/install/hubspot/callback' },
      salesforce: { loginUrl: 'https://test.salesforce.com', consumerKey: 'ck', consumerSecret: 'cs' },
      everyMinutes: 120,
      rateLimit: 50,
      shadow: true,
      debug: true,
    });
    expect(requireDatabaseUrl(config)).toBe('postgres://u@db.internal:5432/crm');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig([], { PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 3000 });
    expect(loadConfig([], { DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it.each([
    [['--port', 'abc'], {}, '--port must be a whole number, got "abc"'],
    [[], { PORT: '70000' }, 'PORT must be at most 65535, got "70000"'],
    [['--crm', 'pipedrive'], {}, '--crm must be hubspot, salesforce or both, got "pipedrive"'],
    [[], { DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a postgres:// or postgresql:// URL, got "mysql://x"'],
    [[], { CRM_SIGNALS_SECRET: 'short' }, 'CRM_SIGNALS_SECRET must be at least 16 characters'],
    [['--hubspot-url', 'ftp://x'], {}, '--hubspot-url must be an http(s) URL, got "ftp://x"'],
    [['--every', '0'], {}, '--every must be at least 1, got "0"'],
    [['--every', '90'], {}, '--every must be 1-59 minutes or whole hours dividing a day'],
    [['--seed=-1'], {}, '--seed must be a whole number, got "-1"'],
    [['--client-id', ''], { HUBSPOT_CLIENT_ID: 'x' }, '--client-id must not be empty, got ""'],
    [['--hubspot-url', 'http://h', '--crm', 'both'], {}, '--hubspot-url (or HUBSPOT_API_URL) works with --crm hubspot only'],
    [['--colour'], {}, "Unknown option '--colour'"],
  ])('refuses %j %j naming the setting', (argv, env, message) => {
    expect(() => loadConfig(argv, env)).toThrow(ConfigError);
    expect(() => loadConfig(argv, env)).toThrow(message);
  });

  it('HUBSPOT_APP_ID is the numeric app id our own writes are recognised by', () => {
    expect(loadConfig([], { HUBSPOT_APP_ID: '3141592' }).hubspot.appId).toBe('3141592');
    expect(() => loadConfig([], { HUBSPOT_APP_ID: 'my-app' })).toThrow(/HUBSPOT_APP_ID.*must be the numeric app id/);
  });

  it('a worker needs DATABASE_URL', () => {
    expect(() => requireDatabaseUrl(loadConfig([], {}))).toThrow(/DATABASE_URL must be set for a worker/);
  });

  it('every start flag is documented in crm-signals help', () => {
    for (const flag of Object.keys(START_FLAGS)) expect(USAGE, flag).toContain(`--${flag} `);
  });
});
