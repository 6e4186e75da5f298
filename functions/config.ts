/**
 * The one configuration of every entry point: the environment and the command line, parsed with zod.
 * Nothing else in the product reads process.env; the entry points pass these values down. A flag wins
 * over its environment variable; a bad value fails with the flag's or the variable's name.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { cronEvery } from '../src/pipeline/jobs/index.ts';
import { CRMS } from '../connectors/registry.ts';
import type { Crm } from '../src/domain/records.ts';
import { keySettingProblem } from '../src/store/crypto.ts';
import type { StoreOptions } from '../src/store/types.ts';

/** One CRM of the registry, or both demo accounts as one company. */
export type CrmChoice = Crm | 'both';

export interface Config {
  crm: CrmChoice;
  once: boolean;
  port: number;
  host: string;
  /** The service's external URL (scheme, host, port): HubSpot signs the URL it called, redirects come back to it. */
  publicUrl: string;
  dataDir: string;
  /** A PostgreSQL server for the store and the job queue; the embedded PGlite under dataDir when absent. */
  databaseUrl?: string;
  /**
   * The keys that encrypt CRM tokens at rest, newest first (CRM_SIGNALS_ENCRYPTION_KEYS): the newest
   * seals, any opens. Required with DATABASE_URL and for the worker and the Lambda handler; the
   * embedded demo keeps a key file under dataDir without them.
   */
  encryptionKeys?: string[];
  /** The single passphrase of earlier versions (CRM_SIGNALS_SECRET), tried after encryptionKeys. */
  secret?: string;
  hubspot: {
    /** A HubSpot API base URL; the demo starts an emulator when absent. */
    apiUrl?: string;
    clientId?: string;
    clientSecret?: string;
    /** The app's id: webhook events of our own writes carry it as sourceId, and are not news. */
    appId?: string;
    redirectUri: string;
    /** An OAuth authorization code to install with. */
    authCode?: string;
  };
  salesforce: {
    loginUrl?: string;
    consumerKey?: string;
    consumerSecret?: string;
    redirectUri: string;
  };
  everyMinutes: number;
  seed: number;
  /** Requests per 10 s per HubSpot portal. */
  rateLimit?: number;
  /** People in a newly seeded demo portal and org (the emulators' default, 5,000, when unset). */
  demoContacts?: number;
  /**
   * Tenants one process cycles at the same time (default 4). A cycle mostly waits on its CRM's rate
   * limit, which is per portal, so portals run side by side without slowing each other.
   */
  cycleConcurrency: number;
  shadow: boolean;
  dryRun: boolean;
  retrain: boolean;
  /** This worker's stable identity for run leases (default host:pid). */
  workerId?: string;
  /** How long a CRM request may go unanswered before it is retried (connectors/shared/send.ts; default 120 s). */
  requestTimeoutMs?: number;
  /** Stack traces with unexpected errors. */
  debug: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

/** Flag name -> its type; every one is documented in `crm-signals help` (a test checks). */
export const START_FLAGS = {
  crm: { type: 'string' },
  once: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  'public-url': { type: 'string' },
  'data-dir': { type: 'string' },
  'hubspot-url': { type: 'string' },
  'auth-code': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-secret-file': { type: 'string' },
  'redirect-uri': { type: 'string' },
  'salesforce-url': { type: 'string' },
  'rate-limit': { type: 'string' },
  'demo-contacts': { type: 'string' },
  'cycle-concurrency': { type: 'string' },
  shadow: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  retrain: { type: 'boolean' },
  every: { type: 'string' },
  seed: { type: 'string' },
  'worker-id': { type: 'string' },
} as const;

type Flag = keyof typeof START_FLAGS;

export const DEFAULT_CYCLE_CONCURRENCY = 4;

/** The emulators hold their records in memory: ten million people is about what one process can. */
export const MAX_DEMO_CONTACTS = 10_000_000;

const text = z.string().trim().min(1, 'must not be empty');
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const httpUrl = text
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));
const postgresUrl = text.refine((v) => URL.canParse(v) && /^postgres(ql)?:$/.test(new URL(v).protocol), 'must be a postgres:// or postgresql:// URL');
/** Comma-separated (a passphrase cannot hold a comma), newest first; problems named by position, never quoted. */
const keyList = z
  .string()
  .transform((v) => v.split(',').map((k) => k.trim()).filter((k) => k !== ''))
  .superRefine((keys, ctx) => {
    if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one key' });
    keys.forEach((key, i) => {
      const problem = keySettingProblem(key);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: `entry ${i + 1} ${problem}` });
      const first = keys.indexOf(key);
      if (first !== i) ctx.addIssue({ code: 'custom', message: `entry ${i + 1} repeats entry ${first + 1}` });
    });
  });
const schedule = wholeNumber(1, 1440).superRefine((minutes, ctx) => {
  try {
    cronEvery(minutes);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^a schedule /, '') });
  }
});

/** Where each setting may come from, first match wins, and how it is parsed. */
interface Source {
  flag?: Flag;
  env?: string;
  schema: z.ZodType;
  /** A key, secret or code: an error names the setting but never repeats its value. */
  sensitive?: true;
  /** A URL that may carry a password: an error repeats it with the password masked. */
  credentialsInUrl?: true;
}

export const ENCRYPTION_KEYS_VARIABLE = 'CRM_SIGNALS_ENCRYPTION_KEYS';

const SOURCES = {
  crm: { flag: 'crm', env: 'CRM_SIGNALS_CRM', schema: z.enum(['both', ...CRMS] as const, { message: `must be ${CRMS.join(', ')} or both` }) },
  port: { flag: 'port', env: 'PORT', schema: wholeNumber(0, 65_535) },
  host: { flag: 'host', env: 'HOST', schema: text },
  publicUrl: { flag: 'public-url', env: 'CRM_SIGNALS_PUBLIC_URL', schema: httpUrl },
  dataDir: { flag: 'data-dir', env: 'CRM_SIGNALS_DATA_DIR', schema: text },
  databaseUrl: { env: 'DATABASE_URL', schema: postgresUrl, credentialsInUrl: true },
  encryptionKeys: { env: ENCRYPTION_KEYS_VARIABLE, schema: keyList, sensitive: true },
  secret: { env: 'CRM_SIGNALS_SECRET', schema: z.string().min(16, 'must be at least 16 characters'), sensitive: true },
  hubspotUrl: { flag: 'hubspot-url', env: 'HUBSPOT_API_URL', schema: httpUrl },
  authCode: { flag: 'auth-code', schema: text, sensitive: true },
  clientId: { flag: 'client-id', env: 'HUBSPOT_CLIENT_ID', schema: text },
  clientSecret: { flag: 'client-secret', env: 'HUBSPOT_CLIENT_SECRET', schema: text, sensitive: true },
  clientSecretFile: { flag: 'client-secret-file', env: 'HUBSPOT_CLIENT_SECRET_FILE', schema: text },
  hubspotAppId: { env: 'HUBSPOT_APP_ID', schema: z.string().regex(/^\d{1,20}$/, 'must be the numeric app id') },
  hubspotRedirect: { flag: 'redirect-uri', env: 'HUBSPOT_REDIRECT_URI', schema: httpUrl },
  salesforceUrl: { flag: 'salesforce-url', env: 'SALESFORCE_LOGIN_URL', schema: httpUrl },
  consumerKey: { env: 'SALESFORCE_CONSUMER_KEY', schema: text },
  consumerSecret: { env: 'SALESFORCE_CONSUMER_SECRET', schema: text, sensitive: true },
  salesforceRedirect: { env: 'SALESFORCE_REDIRECT_URI', schema: httpUrl },
  everyMinutes: { flag: 'every', env: 'CRM_SIGNALS_EVERY_MINUTES', schema: schedule },
  seed: { flag: 'seed', env: 'CRM_SIGNALS_SEED', schema: wholeNumber(0, 2 ** 31 - 1) },
  rateLimit: { flag: 'rate-limit', env: 'CRM_SIGNALS_RATE_LIMIT', schema: wholeNumber(1, 100_000) },
  demoContacts: { flag: 'demo-contacts', env: 'CRM_SIGNALS_DEMO_CONTACTS', schema: wholeNumber(1, MAX_DEMO_CONTACTS) },
  cycleConcurrency: { flag: 'cycle-concurrency', env: 'CRM_SIGNALS_CYCLE_CONCURRENCY', schema: wholeNumber(1, 64) },
  workerId: { flag: 'worker-id', env: 'CRM_SIGNALS_WORKER_ID', schema: text },
  requestTimeoutMs: { env: 'CRM_SIGNALS_REQUEST_TIMEOUT_MS', schema: wholeNumber(100, 3_600_000) },
} satisfies Record<string, Source>;

type Sources = typeof SOURCES;
type Parsed = { [K in keyof Sources]?: z.output<Sources[K]['schema']> };

function read(values: Partial<Record<Flag, string | boolean>>, env: Env): Parsed {
  const out: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(SOURCES) as Array<[keyof Sources, Source]>) {
    const fromFlag = source.flag !== undefined ? values[source.flag] : undefined;
    const fromEnv = source.env !== undefined ? env[source.env] : undefined;
    // An empty variable is unset (shells and .env files leave them behind); an empty flag is a mistake.
    const [raw, name] = typeof fromFlag === 'string' ? [fromFlag, `--${source.flag}`] : fromEnv !== undefined && fromEnv !== '' ? [fromEnv, source.env!] : [undefined, ''];
    if (raw === undefined) continue;
    const parsed = source.schema.safeParse(raw);
    if (!parsed.success) {
      const problem = `${name} ${parsed.error.issues[0]?.message ?? 'is invalid'}`;
      throw new ConfigError(source.sensitive ? problem : `${problem}, got ${JSON.stringify(source.credentialsInUrl ? maskPassword(raw) : raw)}`);
    }
    out[key] = parsed.data;
  }
  return out as Parsed;
}

/** A secret kept in a file (a mounted secret, a 0600 file): its content without the trailing newline. */
function readSecretFile(file: string, name: string): string {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${name} cannot be read: ${(error as Error).message}`);
  }
  const secret = content.replace(/\r?\n$/, '');
  if (secret.trim() === '') throw new ConfigError(`${name} ${JSON.stringify(file)} is empty`);
  return secret;
}

/**
 * The HubSpot client secret. A flag's value shows in the process list, so the environment and a file are
 * offered too; a flag wins over the environment, as everywhere, and the literal value over a file.
 */
function clientSecretOf(values: Partial<Record<Flag, string | boolean>>, v: Parsed, env: Env): string | undefined {
  const flagSecret = typeof values['client-secret'] === 'string';
  const flagFile = typeof values['client-secret-file'] === 'string';
  if (flagSecret && flagFile) throw new ConfigError('--client-secret and --client-secret-file both give the client secret: pass one');
  const fromFile = () => (v.clientSecretFile === undefined ? undefined : readSecretFile(v.clientSecretFile, flagFile ? '--client-secret-file' : 'HUBSPOT_CLIENT_SECRET_FILE'));
  if (flagSecret) return v.clientSecret;
  if (flagFile) return fromFile();
  return env.HUBSPOT_CLIENT_SECRET ? v.clientSecret : fromFile();
}

/** `scheme://user:***@host...`: the value stays recognisable in an error without its password. */
function maskPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#:@]*):[^/?#@]*@/i, '$1:***@');
}

/** `argv` is what follows the command (`start`); `env` is the process environment. */
export function loadConfig(argv: readonly string[], env: Env): Config {
  let values: Partial<Record<Flag, string | boolean>>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: START_FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const v = read(values, env);
  const crm = v.crm ?? 'hubspot';
  if (v.hubspotUrl !== undefined && crm !== 'hubspot') throw new ConfigError('--hubspot-url (or HUBSPOT_API_URL) works with --crm hubspot only');
  const port = v.port ?? 3000;
  const clientSecret = clientSecretOf(values, v, env);
  const publicUrl = v.publicUrl ?? `http://localhost:${port}`;
  return {
    crm,
    once: values.once === true,
    port,
    host: v.host ?? '127.0.0.1',
    publicUrl,
    dataDir: v.dataDir ?? './.crm-signals',
    ...(v.databaseUrl !== undefined ? { databaseUrl: v.databaseUrl } : {}),
    ...(v.encryptionKeys !== undefined ? { encryptionKeys: v.encryptionKeys } : {}),
    ...(v.secret !== undefined ? { secret: v.secret } : {}),
    hubspot: {
      ...(v.hubspotUrl !== undefined ? { apiUrl: v.hubspotUrl } : {}),
      ...(v.clientId !== undefined ? { clientId: v.clientId } : {}),
      ...(clientSecret !== undefined ? { clientSecret } : {}),
      ...(v.hubspotAppId !== undefined ? { appId: v.hubspotAppId } : {}),
      ...(v.authCode !== undefined ? { authCode: v.authCode } : {}),
      redirectUri: v.hubspotRedirect ?? `${publicUrl}/install/hubspot/callback`,
    },
    salesforce: {
      ...(v.salesforceUrl !== undefined ? { loginUrl: v.salesforceUrl } : {}),
      ...(v.consumerKey !== undefined ? { consumerKey: v.consumerKey } : {}),
      ...(v.consumerSecret !== undefined ? { consumerSecret: v.consumerSecret } : {}),
      redirectUri: v.salesforceRedirect ?? `${publicUrl}/install/salesforce/callback`,
    },
    everyMinutes: v.everyMinutes ?? 15,
    seed: v.seed ?? 42,
    ...(v.rateLimit !== undefined ? { rateLimit: v.rateLimit } : {}),
    ...(v.demoContacts !== undefined ? { demoContacts: v.demoContacts } : {}),
    cycleConcurrency: v.cycleConcurrency ?? DEFAULT_CYCLE_CONCURRENCY,
    shadow: values.shadow === true,
    dryRun: values['dry-run'] === true,
    retrain: values.retrain === true,
    ...(v.workerId !== undefined ? { workerId: v.workerId } : {}),
    ...(v.requestTimeoutMs !== undefined ? { requestTimeoutMs: v.requestTimeoutMs } : {}),
    debug: debugFrom(env),
  };
}

/** CRM_SIGNALS_DEBUG: anything but empty, 0 or false turns it on. */
export function debugFrom(env: Env): boolean {
  const value = env.CRM_SIGNALS_DEBUG;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** What the worker needs beyond the common settings: a PostgreSQL server shared by every worker. */
export function requireDatabaseUrl(config: Config): string {
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL must be set for a worker (a PostgreSQL server shared by every worker and the queue)');
  return config.databaseUrl;
}

/**
 * Outside the embedded demo the tokens' keys must come from configuration: a key file beside one host's
 * data would leave every other host of the database unable to read them. `who` names what needs them.
 */
export function requireEncryptionKeys(config: Config, who: string): Pick<StoreOptions, 'keys' | 'secret'> {
  if (!config.encryptionKeys?.length && !config.secret) {
    throw new ConfigError(
      `${ENCRYPTION_KEYS_VARIABLE} must be set for ${who}: one or more base64 32-byte keys or passphrases of 16+ characters, comma-separated, newest first (every host of the database needs the same list)`,
    );
  }
  return storeKeys(config);
}

/** The configured keys as the store takes them (none: the embedded store keeps its own key file). */
export function storeKeys(config: Config): Pick<StoreOptions, 'keys' | 'secret'> {
  return { ...(config.encryptionKeys?.length ? { keys: config.encryptionKeys } : {}), ...(config.secret ? { secret: config.secret } : {}) };
}
