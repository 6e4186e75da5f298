/**
 * The Salesforce emulator's saved state: everything that changes what the API answers (schema
 * with the package's custom objects and fields, records, id counters, field-level security, the
 * delete log /deleted reads, users, hidden outcomes, orgId). Sessions, API usage, query cursors
 * and Bulk jobs are left out: the app authorizes afresh at every start.
 */
import { z } from 'zod';
import { parseDump } from '../shared/persist.ts';
import { FIELD_TYPES } from './schema.ts';

export const SALESFORCE_DUMP_KIND = 'crm-signals/salesforce-emulator';
export const SALESFORCE_DUMP_VERSION = 1;
export const SALESFORCE_DUMP_NAME = 'Salesforce emulator dump';

const sfId = z.string().regex(/^[a-zA-Z0-9]{18}$/, 'expected an 18-character Salesforce id');
const value = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const picklistSchema = z.object({
  value: z.string(),
  label: z.string(),
  active: z.boolean(),
  defaultValue: z.boolean(),
  validFor: z.null(),
});

const fieldSchema = z.object({
  name: z.string().min(1),
  label: z.string(),
  type: z.enum(FIELD_TYPES),
  length: z.number(),
  precision: z.number(),
  scale: z.number(),
  digits: z.number(),
  nillable: z.boolean(),
  createable: z.boolean(),
  updateable: z.boolean(),
  custom: z.boolean(),
  calculated: z.boolean(),
  autoNumber: z.boolean(),
  defaultedOnCreate: z.boolean(),
  externalId: z.boolean(),
  unique: z.boolean(),
  idLookup: z.boolean(),
  nameField: z.boolean(),
  filterable: z.boolean(),
  sortable: z.boolean(),
  groupable: z.boolean(),
  picklistValues: z.array(picklistSchema),
  restrictedPicklist: z.boolean(),
  referenceTo: z.array(z.string()),
  relationshipName: z.string().nullable(),
  inlineHelpText: z.string().nullable(),
  required: z.boolean(),
  childRelationshipName: z.string().optional(),
  autoNumberFormat: z.string().optional(),
});

const objectSchema = z.object({
  name: z.string().min(1),
  label: z.string(),
  labelPlural: z.string(),
  keyPrefix: z.string().regex(/^[a-zA-Z0-9]{3}$/, 'expected a 3-character key prefix'),
  custom: z.boolean(),
  createable: z.boolean(),
  updateable: z.boolean(),
  deletable: z.boolean(),
  fields: z.array(fieldSchema).min(1),
  lastModified: z.number().int(),
});

const tableSchema = z.object({
  def: objectSchema,
  counter: z.number().int().nonnegative(),
  records: z.array(z.record(z.string(), value)),
});

export const salesforceDumpSchema = z.object({
  kind: z.literal(SALESFORCE_DUMP_KIND),
  version: z.literal(SALESFORCE_DUMP_VERSION),
  orgId: sfId,
  users: z.object({ integration: sfId, admin: sfId, reps: z.array(sfId) }),
  /** In the order the objects were added: describeGlobal lists them so. */
  tables: z.array(tableSchema).min(1),
  /** [object name, entries in deletion order]. */
  deleted: z.array(z.tuple([z.string(), z.array(z.object({ id: sfId, deletedDate: z.number().int() }))])),
  /** [lead id, outcome] in the order the outcomes were hidden. */
  hidden: z.array(z.tuple([z.string(), z.enum(['yes', 'no'])])),
  /** ["object.field" lower-cased, access] for fields whose security differs from the default. */
  access: z.array(z.tuple([z.string(), z.object({ readable: z.boolean(), editable: z.boolean() })])),
  customObjects: z.number().int().nonnegative(),
  caseNumber: z.number().int().nonnegative(),
});

export type SalesforceEmulatorDump = z.output<typeof salesforceDumpSchema>;

/** The dump checked for shape; consistency (ids, counters) is checked as the state is rebuilt. */
export function parseSalesforceDump(json: unknown): SalesforceEmulatorDump {
  return parseDump(json, { kind: SALESFORCE_DUMP_KIND, version: SALESFORCE_DUMP_VERSION, name: SALESFORCE_DUMP_NAME, schema: salesforceDumpSchema });
}
