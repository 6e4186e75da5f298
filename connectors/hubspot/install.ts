/**
 * Idempotent install of the output properties: the group first, then only the properties that are
 * missing. HubSpot has no idempotency keys; 409 OBJECT_ALREADY_EXISTS counts as success.
 * https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide
 */
import type { PropertyCreate } from '@hubspot/api-client/lib/codegen/crm/properties/models/PropertyCreate.js';
import { OUTPUT_GROUP, type OutputField } from '../../src/domain/outputFields.ts';
import { hubspotPropertyDefinition } from '../../src/manifests/hubspot.ts';
import type { InstallResult } from '../connector.ts';
import { ConnectorError } from '../shared/errors.ts';
import { HUBSPOT_OBJECTS } from './objects.ts';
import type { HubSpotSession } from './session.ts';

/** The body of the property create call: the same definition manifests/hubspot/properties.json is generated from. */
export function propertyDefinition(field: OutputField): PropertyCreate {
  return hubspotPropertyDefinition(field) as PropertyCreate;
}

function isConflict(error: unknown): boolean {
  return error instanceof ConnectorError && error.status === 409;
}

function isNotFound(error: unknown): boolean {
  return error instanceof ConnectorError && error.status === 404;
}

export async function installProperties(session: HubSpotSession, fields: readonly OutputField[]): Promise<InstallResult> {
  const result: InstallResult = { created: [], existing: [], updated: [] };
  const byType = new Map<string, OutputField[]>();
  for (const field of fields) {
    const hubspotType = HUBSPOT_OBJECTS[field.objectType].hubspotType;
    byType.set(hubspotType, [...(byType.get(hubspotType) ?? []), field]);
  }
  for (const [hubspotType, typeFields] of byType) {
    try {
      await session.call('standard', `read group ${hubspotType}`, (c) => c.crm.properties.groupsApi.getByName(hubspotType, OUTPUT_GROUP.hubspotName));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await session.call('standard', `create group ${hubspotType}`, (c) =>
          c.crm.properties.groupsApi.create(hubspotType, { name: OUTPUT_GROUP.hubspotName, label: OUTPUT_GROUP.label, displayOrder: -1 }),
        );
      } catch (createError) {
        if (!isConflict(createError)) throw createError;
      }
    }
    // No `dataSensitivity`, although BatchReadInputPropertyName lists it as required: the schema over-
    // requires (like search and object batch reads, reference section 7), the SDK's type has no such field
    // and its serializer drops keys it does not know, and HubSpot's own 2026-03 example sends only
    // archived and inputs. Absent, it is the GET endpoints' default, non_sensitive: our outputs are that.
    const present = await session.call('standard', `read properties ${hubspotType}`, (c) =>
      c.crm.properties.batchApi.read(hubspotType, { inputs: typeFields.map((f) => ({ name: f.names.hubspot })), archived: false }),
    );
    const existing = new Map(present.results.map((p) => [p.name, p]));
    for (const field of typeFields) {
      const qualified = `${hubspotType}.${field.names.hubspot}`;
      const current = existing.get(field.names.hubspot);
      if (current) {
        result.existing.push(qualified);
        const known = new Set((current.options ?? []).map((o) => o.value));
        const missing = (field.options ?? []).filter((o) => !known.has(o.value));
        if (missing.length > 0) {
          // Options are replaced wholesale: keep the old ones so values already written stay valid.
          const options = [...(current.options ?? []), ...missing.map((o, i) => ({ ...o, hidden: false, displayOrder: known.size + i }))];
          await session.call('standard', `update options ${qualified}`, (c) => c.crm.properties.coreApi.update(hubspotType, field.names.hubspot, { options }));
          result.updated.push(qualified);
        }
        continue;
      }
      try {
        await session.call('standard', `create property ${qualified}`, (c) => c.crm.properties.coreApi.create(hubspotType, propertyDefinition(field)));
        result.created.push(qualified);
      } catch (error) {
        if (!isConflict(error)) throw error;
        result.existing.push(qualified);
      }
    }
  }
  return result;
}
