/**
 * What one CRM brings besides its Connector: the names of its objects, the properties that move on every
 * write, its numeric field types, its own retry rules, and how a tenant is connected (the app's
 * credentials, the code exchange, the connector built from stored credentials). Each connector folder
 * exports one profile; connectors/registry.ts lists them, and the CRM-agnostic core asks the registry
 * instead of naming a CRM.
 */
import { z } from 'zod';
import type { Crm, ObjectType } from '../src/domain/records.ts';
import type { Connector } from './connector.ts';
import { ConnectorError } from './shared/errors.ts';
import type { RetryRule } from './shared/retryDecision.ts';

export interface CrmObjectNames {
  /** The CRM object each canonical type is read from (contact -> HubSpot `contacts`, Salesforce `Lead`). */
  read: Partial<Record<ObjectType, string>>;
  /** The CRM object the output fields of each canonical type are written to. */
  write: Partial<Record<ObjectType, string>>;
  /** The field of a history entry that points at its parent record; empty where the CRM keeps no history entries. */
  historyParent: Partial<Record<ObjectType, string>>;
  /** The objects whose record page shows the crm-signals card. */
  card: readonly string[];
}

/** Credentials as the store keeps them (sealed), with the endpoint they were issued by. */
export type StoredCredentials = Record<string, unknown> & { endpoint: string };

export interface ConnectOptions {
  /** Fields to read beyond each object's base set (the mapped model inputs). */
  fields: Partial<Record<ObjectType, string[]>>;
  /** Persists refreshed credentials (encrypted, per tenant). */
  onCredentials: (credentials: StoredCredentials) => Promise<void> | void;
  /** The CRM's own connection settings (a rate limit, Bulk API use), checked by its profile. */
  settings?: Record<string, unknown>;
  log?: (message: string) => void;
}

/** What the install's callback knows besides the code. */
export interface ExchangeOptions {
  /** The PKCE verifier whose S256 challenge went into the authorize URL (Salesforce checks it; HubSpot ignores it). */
  codeVerifier?: string;
}

/** A CRM app (a HubSpot public app, a Salesforce connected app) with validated credentials. */
export interface CrmApp {
  /** Where tokens come from (an API base or login URL): credentials from elsewhere need a new install. */
  readonly endpoint: string;
  /** The OAuth code exchange at install: the credentials to store and the CRM account they belong to. */
  exchangeCode(code: string, options?: ExchangeOptions): Promise<{ credentials: StoredCredentials; accountId: string | null }>;
  /** Stored credentials this app can use, or null when they are unreadable or from another endpoint. */
  usable(stored: Record<string, unknown> | null): StoredCredentials | null;
  connect(stored: StoredCredentials, options: ConnectOptions): Connector;
}

export interface CrmProfile {
  readonly crm: Crm;
  /** How people write the CRM's name, for messages. */
  readonly label: string;
  readonly objects: CrmObjectNames;
  /** Properties that move on every write (ours included), so they say nothing about a record's content. */
  readonly modificationStamps: ReadonlySet<string>;
  /** Field types (as discover reports them) that hold numbers. */
  readonly numericTypes: ReadonlySet<string>;
  /** Asked before the generic HTTP retry decision. */
  readonly retryRules: readonly RetryRule[];
  /** Validates the app's credentials (an error names each missing or invalid field) and binds them. */
  app(credentials: unknown): CrmApp;
}

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
}

/** Parses what a profile is given with its zod schema; the error names the CRM, what it was and each field at fault. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')} ${i.message}` : i.message));
  throw new ProfileError(`${what}: ${problems.join('; ')}`);
}

/**
 * A required text field of credentials: "is missing" says more to an admin than zod's type message, and
 * the hint says where the vendor shows the value.
 */
export function requiredText(hint?: string) {
  const also = hint ? ` (${hint})` : '';
  return z
    .string({ error: (issue) => (issue.input === undefined ? `is missing${also}` : `must be a string${also}`) })
    .trim()
    .min(1, `is empty${also}`);
}

/** An http(s) URL, kept exactly as given (OAuth servers compare redirect URIs character by character). */
export function httpUrl() {
  return requiredText().pipe(z.url({ protocol: /^https?$/, error: 'is not an http(s) URL' }));
}

/** A URL that paths are appended to, without its trailing slash. */
export function baseUrl() {
  return httpUrl().transform((url) => url.replace(/\/+$/, ''));
}

/** The OAuth client fields every CRM app has; `hints` say where the vendor shows each value. */
export function oauthClient(hints: { clientId: string; clientSecret: string }) {
  return z.object({
    clientId: requiredText(hints.clientId),
    clientSecret: requiredText(hints.clientSecret),
    /** Must be one of the app's registered redirect/callback URLs, exactly. */
    redirectUri: httpUrl(),
  });
}

export interface OAuthAppSpec<Stored extends StoredCredentials> {
  label: string;
  endpoint: string;
  /** What the store keeps for this CRM (validated on every load: a store may hold older or foreign rows). */
  stored: z.ZodType<Stored>;
  exchange(code: string, options: ExchangeOptions): Promise<{ credentials: Stored; accountId: string | null }>;
  build(credentials: Stored, options: ConnectOptions): Connector;
}

/** The CrmApp of an OAuth app: stored credentials are used only when they parse and come from the same endpoint. */
export function oauthApp<Stored extends StoredCredentials>(spec: OAuthAppSpec<Stored>): CrmApp {
  const usable = (stored: Record<string, unknown> | null): Stored | null => {
    const parsed = spec.stored.safeParse(stored);
    return parsed.success && parsed.data.endpoint === spec.endpoint ? parsed.data : null;
  };
  return {
    endpoint: spec.endpoint,
    exchangeCode: (code, options = {}) => spec.exchange(code, options),
    usable,
    connect(stored, options) {
      const credentials = usable(stored);
      if (!credentials) throw new ConnectorError('needs_reauth', `the stored ${spec.label} credentials are not from ${spec.endpoint}: install the app again`);
      return spec.build(credentials, options);
    },
  };
}
