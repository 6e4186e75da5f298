/**
 * The Salesforce connector: the Connector interface over jsforce (REST query, Bulk API 2.0, sObject
 * Collections), against the login URL of the app's credentials (https://login.salesforce.com by default).
 */
import type { CanonicalRecord, ObjectType } from '../../src/domain/records.ts';
import type { OutputField } from '../../src/domain/outputFields.ts';
import type { ApiUsage, CheckResult, Checkpoint, Connector, FieldInfo, HistoryEntry, InstallResult, Page, ReadOptions, RecordUpdate, WriteBatchConfirmed, WriteResult } from '../connector.ts';
import { ConnectorError } from '../shared/errors.ts';
import { mapSalesforcePage } from './mapRecord.ts';
import { SALESFORCE_WRITE_TARGETS as WRITE_TARGETS, salesforceObject, type SalesforceObject } from './objects.ts';
import { readPages } from './paging.ts';
import { SalesforceSession, type SalesforceSessionOptions } from './session.ts';
import { checkFields, idLiteral, isSalesforceId, selectFrom, type DescribedObject } from './soql.ts';
import { upsertHistory, writeCollections } from './write.ts';

export { exchangeSalesforceCode, type SalesforceApp } from './oauth.ts';
export type { SalesforceTokens } from './session.ts';

export interface SalesforceConnectorOptions extends SalesforceSessionOptions {
  /** Fields to read beyond each object's base set (the mapped model inputs). */
  fields?: Partial<Record<ObjectType, string[]>>;
  /** First syncs above this many records use Bulk API 2.0 (default 10,000). */
  bulkThreshold?: number;
  /** False for Group/Professional editions, which have no Bulk API 2.0. */
  bulkEnabled?: boolean;
}

const DELETED_WINDOW_MS = 29 * 24 * 3600_000;

function objectFor(objectType: ObjectType): SalesforceObject {
  const object = salesforceObject(objectType);
  if (!object) throw new ConnectorError('bad_request', `crm-signals does not read ${objectType}s from Salesforce`);
  return object;
}

export class SalesforceConnector implements Connector {
  readonly crm = 'salesforce' as const;
  readonly session: SalesforceSession;
  private readonly describes = new Map<string, Promise<DescribedObject>>();

  constructor(private readonly options: SalesforceConnectorOptions) {
    this.session = new SalesforceSession(options);
  }

  usage(): ApiUsage {
    return { ...this.session.usage };
  }

  /** Describe once per object per connector (a cycle): field names are checked against it. */
  describe(sobject: string): Promise<DescribedObject> {
    let cached = this.describes.get(sobject);
    if (!cached) {
      // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
      cached = this.session.call(`describe ${sobject}`, (c) => c.sobject(sobject).describe()) as unknown as Promise<DescribedObject>;
      cached.catch(() => this.describes.delete(sobject));
      this.describes.set(sobject, cached);
    }
    return cached;
  }

  async check(fields: readonly OutputField[] = []): Promise<CheckResult> {
    const problems: string[] = [];
    for (const [objectType, sobject] of Object.entries(WRITE_TARGETS) as Array<[ObjectType, string]>) {
      const described = await this.describe(sobject);
      const byName = new Map(described.fields.map((f) => [f.name.toLowerCase(), f]));
      for (const field of fields.filter((f) => f.objectType === objectType)) {
        const found = byName.get(field.names.salesforce.toLowerCase());
        if (!found) problems.push(`${sobject}.${field.names.salesforce} is missing: install or upgrade the crm-signals package`);
        else if (!found.updateable) problems.push(`${sobject}.${field.names.salesforce} is not writable for the connected user: assign the crm-signals integration permission set`);
      }
    }
    return { ok: problems.length === 0, problems };
  }

  async discover(objectType: ObjectType): Promise<FieldInfo[]> {
    const described = await this.describe(objectFor(objectType).sobject);
    return described.fields.map((f) => {
      // Active picklist values are what a record may hold: the mapping's outcome, stage and label values are checked against them.
      const picklist = ((f as { picklistValues?: Array<{ value?: unknown; active?: unknown }> }).picklistValues ?? []).filter((p) => p.active !== false && typeof p.value === 'string');
      return {
        name: f.name,
        label: (f as { label?: string }).label ?? f.name,
        type: f.type,
        readOnly: !f.updateable,
        ...(picklist.length ? { options: picklist.map((p) => p.value as string) } : {}),
      };
    });
  }

  /** Fields come with the managed package (a deploy, not an API call): install verifies they are there and writable. */
  async install(fields: readonly OutputField[]): Promise<InstallResult> {
    const result = await this.check(fields);
    if (!result.ok) throw new ConnectorError('forbidden', result.problems.join('; '));
    return { created: [], existing: fields.map((f) => `${WRITE_TARGETS[f.objectType]}.${f.names.salesforce}`), updated: [] };
  }

  readonly canExcludeOwnWrites = true;

  async *read(objectType: ObjectType, checkpoint: Checkpoint | null, options: ReadOptions = {}): AsyncIterable<Page> {
    const object = objectFor(objectType);
    const described = await this.describe(object.sobject);
    const fields = checkFields(described, [...object.baseFields, ...(this.options.fields?.[objectType] ?? [])]);
    const userId = this.session.userId;
    const target = {
      sobject: object.sobject,
      fields,
      bulkThreshold: this.options.bulkThreshold ?? 10_000,
      bulkEnabled: this.options.bulkEnabled ?? true,
      ...(options.excludeOwnWrites && userId ? { excludeModifiedBy: userId } : {}),
    };
    for await (const raw of readPages(this.session, target, checkpoint)) {
      const { records, rejected } = mapSalesforcePage(objectType, raw.results, this.session.userId);
      if (object.enrich && records.length > 0) await object.enrich(this.session, records as CanonicalRecord[], (s) => this.describe(s));
      yield { records, rejected, checkpoint: raw.checkpoint };
    }
  }

  async write(objectType: ObjectType, updates: RecordUpdate[], onBatch?: WriteBatchConfirmed): Promise<WriteResult[]> {
    const sobject = WRITE_TARGETS[objectType];
    if (!sobject) throw new ConnectorError('bad_request', `crm-signals writes nothing to Salesforce ${objectType}s`);
    const described = await this.describe(sobject);
    checkFields(described, [...new Set(updates.flatMap((u) => Object.keys(u.properties)))]);
    return writeCollections(this.session, described, updates, onBatch);
  }

  async readValues(objectType: ObjectType, ids: readonly string[], properties: readonly string[]): Promise<Map<string, Record<string, string | null>>> {
    const sobject = WRITE_TARGETS[objectType] ?? objectFor(objectType).sobject;
    const described = await this.describe(sobject);
    checkFields(described, [...properties]);
    const out = new Map<string, Record<string, string | null>>();
    const valid = ids.filter(isSalesforceId);
    // 200 ids keep the SOQL well under its 100,000-character limit.
    for (let i = 0; i < valid.length; i += 200) {
      const batch = valid.slice(i, i + 200);
      let result = await this.session.query(`values ${sobject}`, selectFrom(sobject, ['Id', ...properties], `Id IN (${batch.map(idLiteral).join(', ')})`));
      for (;;) {
        for (const record of result.records) {
          out.set(String(record.Id), Object.fromEntries(properties.map((p) => [p, record[p] === null || record[p] === undefined || record[p] === '' ? null : String(record[p])])));
        }
        if (result.done || !result.nextRecordsUrl) break;
        result = await this.session.queryMore(`values ${sobject} (more)`, result.nextRecordsUrl);
      }
    }
    return out;
  }

  async deleted(objectType: ObjectType, since: string | null): Promise<{ ids: string[]; until: string }> {
    const sobject = objectFor(objectType).sobject;
    const end = new Date();
    // The deleted-records endpoint reaches back 30 days at most.
    const floor = new Date(end.getTime() - DELETED_WINDOW_MS);
    const start = since && Date.parse(since) > floor.getTime() ? new Date(since) : floor;
    // Salesforce refuses windows of a minute or less; the next cycle covers them.
    if (end.getTime() - start.getTime() <= 61_000) return { ids: [], until: start.toISOString() };
    // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getdeleted.htm
    const result = await this.session.call(`deleted ${sobject}`, (c) => c.sobject(sobject).deleted(start, end));
    return { ids: (result.deletedRecords ?? []).map((r) => r.id), until: result.latestDateCovered ?? end.toISOString() };
  }

  recordHistory(entries: HistoryEntry[]): Promise<number> {
    const supported = entries.flatMap((e) => {
      const parentField = salesforceObject(e.objectType)?.historyParent;
      return parentField ? [{ entry: e, parentField }] : [];
    });
    return upsertHistory(this.session, supported, this.options.log);
  }
}
