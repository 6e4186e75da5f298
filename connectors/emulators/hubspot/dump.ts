/**
 * The HubSpot emulator's saved state: everything that changes what the API answers (records,
 * the property catalogue the app extended, associations, hidden outcomes, id counters). Tokens
 * and rate windows are left out: the app authorizes afresh at every start.
 */
import { z } from 'zod';
import { parseDump } from '../shared/persist.ts';
import { FIELD_TYPES, PROPERTY_TYPES } from './catalog.ts';
import { OBJECT_TYPES } from './objectTypes.ts';

export const HUBSPOT_DUMP_KIND = 'crm-signals/hubspot-emulator';
export const HUBSPOT_DUMP_VERSION = 1;

const id = z.string().regex(/^\d+$/, 'expected a numeric id string');
const ms = z.number().int();

const recordSchema = z.object({
  id,
  properties: z.record(z.string(), z.string()),
  createdAt: ms,
  updatedAt: ms,
});

const tableSchema = z.object({
  nextId: z.number().int().positive(),
  records: z.array(recordSchema),
});

const optionSchema = z.object({
  label: z.string(),
  value: z.string(),
  displayOrder: z.number(),
  hidden: z.boolean(),
  description: z.string().optional(),
});

const propertySchema = z.object({
  name: z.string().min(1),
  label: z.string(),
  type: z.enum(PROPERTY_TYPES),
  fieldType: z.enum(FIELD_TYPES),
  groupName: z.string(),
  description: z.string(),
  options: z.array(optionSchema),
  displayOrder: z.number(),
  hidden: z.boolean(),
  formField: z.boolean(),
  hasUniqueValue: z.boolean(),
  hubspotDefined: z.boolean(),
  readOnlyValue: z.boolean(),
  calculated: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  numberDisplayHint: z.string().optional(),
});

const groupSchema = z.object({
  name: z.string().min(1),
  label: z.string(),
  displayOrder: z.number(),
  archived: z.boolean(),
});

const catalogueSchema = z.object({
  groups: z.array(groupSchema),
  properties: z.array(propertySchema),
});

const perType = <T extends z.ZodType>(schema: T) =>
  z.object(Object.fromEntries(OBJECT_TYPES.map((t) => [t, schema])) as Record<(typeof OBJECT_TYPES)[number], T>);

const objectType = z.enum(OBJECT_TYPES);

export const hubSpotDumpSchema = z.object({
  kind: z.literal(HUBSPOT_DUMP_KIND),
  version: z.literal(HUBSPOT_DUMP_VERSION),
  portalId: z.number().int().positive(),
  tables: perType(tableSchema),
  catalogues: perType(catalogueSchema),
  /** [from type, from id, to type, to ids] in the order they were linked; both directions are listed. */
  associations: z.array(z.tuple([objectType, id, objectType, z.array(id)])),
  /** [contact id, outcome] in the order the outcomes were hidden. */
  hidden: z.array(z.tuple([id, z.enum(['yes', 'no'])])),
});

export type HubSpotEmulatorDump = z.output<typeof hubSpotDumpSchema>;

const NAME = 'HubSpot emulator dump';

/** The dump checked for shape; consistency (ids, counters) is checked as the state is rebuilt. */
export function parseHubSpotDump(json: unknown): HubSpotEmulatorDump {
  return parseDump(json, { kind: HUBSPOT_DUMP_KIND, version: HUBSPOT_DUMP_VERSION, name: NAME, schema: hubSpotDumpSchema });
}

export const HUBSPOT_DUMP_NAME = NAME;
