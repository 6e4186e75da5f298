/**
 * The HubSpot connector: the Connector interface over @hubspot/api-client, pointed at a configurable base
 * URL (https://api.hubapi.com unless the app's credentials name another, as the demo's emulator does).
 */
import type { ObjectType, RejectedRecord } from '../../src/domain/records.ts';
import type { OutputField } from '../../src/domain/outputFields.ts';
import type { ApiUsage, CheckResult, Checkpoint, Connector, FieldInfo, InstallResult, Page, RecordUpdate, WriteBatchConfirmed, WriteResult } from '../connector.ts';
import { ConnectorError } from '../shared/errors.ts';
import { installProperties } from './install.ts';
import { mapPage } from './mapRecord.ts';
import { HUBSPOT_OBJECTS } from './objects.ts';
import { readPages } from './paging.ts';
import { HubSpotSession, type HubSpotSessionOptions } from './session.ts';
import { writeUpdates } from './write.ts';
import { BATCH_SIZE, batchRead, chunk } from './associations.ts';

export { exchangeCode, refreshTokens, type HubSpotTokens, type OAuthApp } from './oauth.ts';

export interface HubSpotConnectorOptions extends HubSpotSessionOptions {
  /** Properties to read beyond each object's base set (the mapped model inputs). */
  properties?: Partial<Record<ObjectType, string[]>>;
}

export class HubSpotConnector implements Connector {
  readonly crm = 'hubspot' as const;
  readonly session: HubSpotSession;

  constructor(private readonly options: HubSpotConnectorOptions) {
    this.session = new HubSpotSession(options);
  }

  usage(): ApiUsage {
    return { ...this.session.usage };
  }

  async check(): Promise<CheckResult> {
    const problems: string[] = [];
    for (const object of Object.values(HUBSPOT_OBJECTS)) {
      try {
        await this.session.call('standard', `check ${object.hubspotType}`, (c) => c.crm.objects.basicApi.getPage(object.hubspotType, 1));
      } catch (error) {
        if (!(error instanceof ConnectorError)) throw error;
        problems.push(`cannot read ${object.hubspotType}: ${error.message}`);
      }
    }
    return { ok: problems.length === 0, problems };
  }

  async discover(objectType: ObjectType): Promise<FieldInfo[]> {
    const hubspotType = HUBSPOT_OBJECTS[objectType].hubspotType;
    const response = await this.session.call('standard', `discover ${hubspotType}`, (c) => c.crm.properties.coreApi.getAll(hubspotType));
    return response.results.map((p) => ({
      name: p.name,
      label: p.label,
      type: p.type,
      ...(p.options?.length ? { options: p.options.map((o) => o.value) } : {}),
      readOnly: Boolean(p.modificationMetadata?.readOnlyValue),
    }));
  }

  install(fields: readonly OutputField[]): Promise<InstallResult> {
    return installProperties(this.session, fields);
  }

  #propertiesOf(objectType: ObjectType): string[] {
    return [...new Set([...HUBSPOT_OBJECTS[objectType].baseProperties, ...(this.options.properties?.[objectType] ?? [])])];
  }

  async *read(objectType: ObjectType, checkpoint: Checkpoint | null): AsyncIterable<Page> {
    const object = HUBSPOT_OBJECTS[objectType];
    const target = { hubspotType: object.hubspotType, properties: this.#propertiesOf(objectType), modifiedProperty: object.modifiedProperty };
    for await (const raw of readPages(this.session, target, checkpoint)) {
      const { records, rejected } = mapPage(objectType, raw.results, object.modifiedProperty);
      if (object.enrich && records.length > 0) await object.enrich(this.session, records);
      yield { records, rejected: rejected satisfies RejectedRecord[], checkpoint: raw.checkpoint };
    }
  }

  async readByIds(objectType: ObjectType, ids: readonly string[]): Promise<Omit<Page, 'checkpoint'>> {
    const object = HUBSPOT_OBJECTS[objectType];
    // Batch reads answer 207 with the ids HubSpot does not have among the errors: those are left out.
    const raws = await batchRead(this.session, object.hubspotType, [...new Set(ids)], this.#propertiesOf(objectType));
    const { records, rejected } = mapPage(objectType, raws, object.modifiedProperty);
    if (object.enrich && records.length > 0) await object.enrich(this.session, records);
    return { records, rejected };
  }

  async readValues(objectType: ObjectType, ids: readonly string[], properties: readonly string[]): Promise<Map<string, Record<string, string | null>>> {
    const hubspotType = HUBSPOT_OBJECTS[objectType].hubspotType;
    const out = new Map<string, Record<string, string | null>>();
    for (const batch of chunk([...ids], BATCH_SIZE)) {
      // https://developers.hubspot.com/docs/api-reference/crm-objects-v3/batch/post-crm-v3-objects-objectType-batch-read
      const response = await this.session.call('standard', `batch read ${hubspotType}`, (c) =>
        c.crm.objects.batchApi.read(hubspotType, { inputs: batch.map((id) => ({ id })), properties: [...properties], propertiesWithHistory: [] }, false),
      );
      for (const result of response.results) {
        out.set(result.id, Object.fromEntries(properties.map((p) => [p, result.properties[p] === undefined || result.properties[p] === '' ? null : result.properties[p]!])));
      }
    }
    return out;
  }

  write(objectType: ObjectType, updates: RecordUpdate[], onBatch?: WriteBatchConfirmed): Promise<WriteResult[]> {
    return writeUpdates(this.session, HUBSPOT_OBJECTS[objectType].hubspotType, updates, onBatch);
  }
}
