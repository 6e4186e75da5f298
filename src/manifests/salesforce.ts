/**
 * The generated files of the Salesforce 2GP managed package (sfdx source format), laid out like
 * trailheadapps/ebikes-lwc: the folder tree is the deploy manifest, one small file per field, every
 * field listed again in the permission sets. The project files (sfdx-project.json, the scratch org
 * definition, .forceignore) and the record page component are hand-written (manifests/README.md).
 * https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/customfield.htm
 */
import { OUTPUT_FIELDS, SALESFORCE_LONG_TEXT_LENGTH, type OutputField } from '../domain/outputFields.ts';
import type { ObjectType } from '../domain/records.ts';
import { el, metadataXml, opt, sortedFiles, type ManifestFiles } from './files.ts';
import { LWC_OBJECTS, salesforceLwcFiles } from './salesforceLwc.ts';

export const SALESFORCE_API_VERSION = '62.0';

/**
 * The 2GP managed package. The namespace is a placeholder until it is registered in the partner
 * org and linked to the Dev Hub; in subscriber orgs every field and object carries it as a prefix
 * (crmsignals__Signals_Lead_Score__c), which the connector takes from its configuration.
 */
export const SALESFORCE_PACKAGE = {
  name: 'crm-signals',
  namespace: 'crmsignals',
  versionName: 'ver 1.0',
  versionNumber: '1.0.0.NEXT',
  versionDescription: 'Lead score with reasons, segment, recommendations and feedback sentiment fields, the signal history object, permission sets and the record page component.',
  packageDirectory: 'force-app',
} as const;

/** Our canonical object -> the Salesforce objects its output fields are created on. */
export const SALESFORCE_OBJECTS: Readonly<Record<ObjectType, readonly string[]>> = {
  contact: ['Lead', 'Contact'],
  deal: ['Opportunity'],
  ticket: ['Case'],
  product: ['Product2'],
};

export type SalesforceFieldType = 'Number' | 'Text' | 'LongTextArea' | 'Picklist' | 'DateTime' | 'Lookup';

/** Everything a CustomField file says, in one plain object the emulator can install as-is. */
export interface SalesforceFieldDescriptor {
  /** Object API name: Lead, Contact, Case, Signal_History__c. */
  object: string;
  /** Field API name without namespace: Signals_Lead_Score__c. */
  apiName: string;
  /** The output field key it carries, or null for the history object's own fields. */
  outputKey: string | null;
  label: string;
  description: string;
  inlineHelpText: string;
  type: SalesforceFieldType;
  /** Number: total digits and decimals. */
  precision?: number;
  scale?: number;
  /** Text and LongTextArea: characters; LongTextArea also its visible lines. */
  length?: number;
  visibleLines?: number;
  /** Picklist: values in order; unrestricted lets the API write values added later (new segments). */
  picklistValues?: { value: string; label: string }[];
  restricted?: boolean;
  /** Lookup. */
  referenceTo?: string;
  relationshipName?: string;
  relationshipLabel?: string;
  deleteConstraint?: 'SetNull';
  externalId?: boolean;
  unique?: boolean;
  caseSensitive?: boolean;
}

/** Describe's type names for the metadata types (connectors/emulators/salesforce/schema.ts FieldType). */
export const SALESFORCE_DESCRIBE_TYPES: Readonly<Record<SalesforceFieldType, string>> = {
  Number: 'double',
  Text: 'string',
  LongTextArea: 'textarea',
  Picklist: 'picklist',
  DateTime: 'datetime',
  Lookup: 'reference',
};

export const LONG_TEXT_LENGTH = SALESFORCE_LONG_TEXT_LENGTH;
export const DEFAULT_TEXT_LENGTH = 255;

/** The type-specific attributes of an output field in Salesforce. */
function typeAttributes(field: OutputField): Pick<SalesforceFieldDescriptor, 'type' | 'precision' | 'scale' | 'length' | 'visibleLines' | 'picklistValues' | 'restricted'> {
  switch (field.type) {
    case 'number': {
      const { precision, scale } = field.salesforce ?? {};
      if (precision === undefined || scale === undefined) {
        throw new Error(`output field "${field.key}" is a number: give it salesforce.precision and salesforce.scale in src/domain/outputFields.ts`);
      }
      return { type: 'Number', precision, scale };
    }
    case 'string':
      return { type: 'Text', length: field.salesforce?.length ?? DEFAULT_TEXT_LENGTH };
    case 'text':
      return { type: 'LongTextArea', length: field.salesforce?.length ?? LONG_TEXT_LENGTH, visibleLines: 5 };
    case 'enumeration':
      return { type: 'Picklist', picklistValues: (field.options ?? []).map((o) => ({ value: o.value, label: o.label })), restricted: false };
    case 'datetime':
      return { type: 'DateTime' };
  }
}

/** One descriptor per output field and Salesforce object it is written to (Lead and Contact for contacts). */
export function salesforceOutputFields(fields: readonly OutputField[] = OUTPUT_FIELDS): SalesforceFieldDescriptor[] {
  return fields.flatMap((field) =>
    SALESFORCE_OBJECTS[field.objectType].map((object) => ({
      object,
      apiName: field.names.salesforce,
      outputKey: field.key,
      label: field.label,
      description: `${field.description} Written by crm-signals (output "${field.key}"); a manual edit is overwritten by the next change.`,
      inlineHelpText: field.description,
      ...typeAttributes(field),
    })),
  );
}

// ---- the score-history object ---------------------------------------------------------------

function lookup(apiName: string, referenceTo: string, label: string): SalesforceFieldDescriptor {
  return {
    object: SIGNAL_HISTORY_OBJECT,
    apiName,
    outputKey: null,
    label,
    description: `The ${label.toLowerCase()} whose signal changed.`,
    inlineHelpText: `The ${label.toLowerCase()} whose signal changed.`,
    type: 'Lookup',
    referenceTo,
    // Child relationship Signal_History__r on each parent: the record page component's related list.
    relationshipName: 'Signal_History',
    relationshipLabel: 'Signal History',
    deleteConstraint: 'SetNull',
  };
}

function historyField(apiName: string, label: string, help: string, attributes: Partial<SalesforceFieldDescriptor> & Pick<SalesforceFieldDescriptor, 'type'>): SalesforceFieldDescriptor {
  return { object: SIGNAL_HISTORY_OBJECT, apiName, outputKey: null, label, description: help, inlineHelpText: help, ...attributes };
}

export const SIGNAL_HISTORY_OBJECT = 'Signal_History__c';

/**
 * Signal_History__c: one row per change written to a record, shown by the signalHistory component.
 * Lookups, not master-detail (a Lead cannot be a master), so sharing cannot be ControlledByParent:
 * ReadWrite, with edits limited by the permission sets (reps get read only).
 */
export const SIGNAL_HISTORY = {
  apiName: SIGNAL_HISTORY_OBJECT,
  label: 'Signal History',
  pluralLabel: 'Signal History',
  description: 'Each change crm-signals wrote to a lead, contact or case: old and new value, the reasons and the model version.',
  nameField: { label: 'Signal History #', displayFormat: 'SH-{0000000}' },
  sharingModel: 'ReadWrite',
  externalSharingModel: 'Private',
  fields: [
    lookup('Lead__c', 'Lead', 'Lead'),
    lookup('Contact__c', 'Contact', 'Contact'),
    lookup('Case__c', 'Case', 'Case'),
    historyField('Signal__c', 'Signal', 'Which output changed: the output key, e.g. leadScore or segment.', { type: 'Text', length: 80 }),
    historyField('Old_Value__c', 'Old Value', 'The value before this change (empty for the first value).', { type: 'Text', length: DEFAULT_TEXT_LENGTH }),
    historyField('New_Value__c', 'New Value', 'The value written.', { type: 'Text', length: DEFAULT_TEXT_LENGTH }),
    historyField('Reasons__c', 'Reasons', 'Why the value changed: the factors that raised and lowered the score.', { type: 'LongTextArea', length: LONG_TEXT_LENGTH, visibleLines: 3 }),
    historyField('Model_Version__c', 'Model Version', 'The model version that produced the new value.', { type: 'Text', length: 80 }),
    historyField('Changed_At__c', 'Changed At', 'When crm-signals wrote the change.', { type: 'DateTime' }),
    historyField('External_Id__c', 'External Id', 'Set by crm-signals; history is upserted on it, so a replayed write never duplicates a row.', {
      type: 'Text',
      length: DEFAULT_TEXT_LENGTH,
      externalId: true,
      unique: true,
      caseSensitive: true,
    }),
  ] satisfies SalesforceFieldDescriptor[],
} as const;

/** Every field the package creates: output fields on the standard objects, then the history object's. */
export function salesforcePackageFields(fields: readonly OutputField[] = OUTPUT_FIELDS): SalesforceFieldDescriptor[] {
  return [...salesforceOutputFields(fields), ...SIGNAL_HISTORY.fields];
}

// ---- XML ------------------------------------------------------------------------------------

/** A CustomField file (elements in the order Salesforce retrieves them). */
export function customFieldXml(f: SalesforceFieldDescriptor): string {
  const picklist = f.picklistValues
    ? el(
        'valueSet',
        el('restricted', String(f.restricted ?? false)),
        el(
          'valueSetDefinition',
          el('sorted', 'false'),
          ...f.picklistValues.map((v) => el('value', el('fullName', v.value), el('default', 'false'), el('label', v.label))),
        ),
      )
    : undefined;
  const isLongText = f.type === 'LongTextArea';
  return metadataXml('CustomField', [
    el('fullName', f.apiName),
    opt('caseSensitive', f.caseSensitive),
    opt('deleteConstraint', f.deleteConstraint),
    el('description', f.description),
    isLongText ? undefined : el('externalId', String(f.externalId ?? false)),
    el('inlineHelpText', f.inlineHelpText),
    el('label', f.label),
    opt('length', f.length),
    opt('precision', f.precision),
    opt('referenceTo', f.referenceTo),
    opt('relationshipLabel', f.relationshipLabel),
    opt('relationshipName', f.relationshipName),
    isLongText ? undefined : el('required', 'false'),
    opt('scale', f.scale),
    el('trackHistory', 'false'),
    el('trackTrending', 'false'),
    el('type', f.type),
    f.type === 'Text' ? el('unique', String(f.unique ?? false)) : undefined,
    picklist,
    opt('visibleLines', f.visibleLines),
  ]);
}

function customObjectXml(): string {
  return metadataXml('CustomObject', [
    el('allowInChatterGroups', 'false'),
    el('compactLayoutAssignment', 'SYSTEM'),
    el('deploymentStatus', 'Deployed'),
    el('description', SIGNAL_HISTORY.description),
    el('enableActivities', 'false'),
    el('enableBulkApi', 'true'),
    el('enableFeeds', 'false'),
    el('enableHistory', 'false'),
    el('enableLicensing', 'false'),
    el('enableReports', 'true'),
    el('enableSearch', 'false'),
    el('enableSharing', 'true'),
    el('enableStreamingApi', 'true'),
    el('externalSharingModel', SIGNAL_HISTORY.externalSharingModel),
    el('label', SIGNAL_HISTORY.label),
    el('nameField', el('displayFormat', SIGNAL_HISTORY.nameField.displayFormat), el('label', SIGNAL_HISTORY.nameField.label), el('type', 'AutoNumber')),
    el('pluralLabel', SIGNAL_HISTORY.pluralLabel),
    el('searchLayouts'),
    el('sharingModel', SIGNAL_HISTORY.sharingModel),
    el('visibility', 'Public'),
  ]);
}

export const PERMISSION_SETS = {
  integration: {
    name: 'crm_signals_integration',
    label: 'crm-signals integration',
    description: 'For the integration user crm-signals connects as: edit every field crm-signals writes, and create, update and delete its signal history.',
  },
  user: {
    name: 'crm_signals_user',
    label: 'crm-signals user',
    description: 'For reps: read the crm-signals fields and the signal history on leads, contacts and cases.',
  },
} as const;

function permissionSetXml(kind: keyof typeof PERMISSION_SETS, fields: readonly SalesforceFieldDescriptor[]): string {
  const set = PERMISSION_SETS[kind];
  const edit = kind === 'integration';
  const qualified = fields.map((f) => `${f.object}.${f.apiName}`).sort();
  return metadataXml('PermissionSet', [
    el('description', set.description),
    ...qualified.map((field) => el('fieldPermissions', el('editable', String(edit)), el('field', field), el('readable', 'true'))),
    el('hasActivationRequired', 'false'),
    el('label', set.label),
    el(
      'objectPermissions',
      el('allowCreate', String(edit)),
      el('allowDelete', String(edit)),
      el('allowEdit', String(edit)),
      el('allowRead', 'true'),
      el('modifyAllRecords', String(edit)),
      el('object', SIGNAL_HISTORY_OBJECT),
      el('viewAllRecords', String(edit)),
    ),
  ]);
}

/** Generated files of manifests/salesforce, relative to it. */
export function salesforceProject(fields: readonly OutputField[] = OUTPUT_FIELDS): ManifestFiles {
  const base = `${SALESFORCE_PACKAGE.packageDirectory}/main/default`;
  const packageFields = salesforcePackageFields(fields);
  const files: ManifestFiles = {
    [`${base}/objects/${SIGNAL_HISTORY_OBJECT}/${SIGNAL_HISTORY_OBJECT}.object-meta.xml`]: customObjectXml(),
    [`${base}/permissionsets/${PERMISSION_SETS.integration.name}.permissionset-meta.xml`]: permissionSetXml('integration', packageFields),
    [`${base}/permissionsets/${PERMISSION_SETS.user.name}.permissionset-meta.xml`]: permissionSetXml('user', packageFields),
    ...salesforceLwcFiles(`${base}/lwc`, {
      historyObject: SIGNAL_HISTORY_OBJECT,
      historyFieldNames: SIGNAL_HISTORY.fields.map((f) => f.apiName),
      fields: fields.filter((f) => LWC_OBJECTS.every((o) => SALESFORCE_OBJECTS[f.objectType].includes(o))),
    }),
  };
  for (const f of packageFields) {
    const path = `${base}/objects/${f.object}/fields/${f.apiName}.field-meta.xml`;
    if (files[path]) throw new Error(`two fields generate ${path}`);
    files[path] = customFieldXml(f);
  }
  return sortedFiles(files);
}

/**
 * The OAuth scopes of the External Client App (manifests/README.md): the install's authorize URL asks for
 * exactly these. `api` for REST and Bulk, `refresh_token` so cycles run without the admin present.
 */
export const SALESFORCE_OAUTH_SCOPES: readonly string[] = Object.freeze(['api', 'refresh_token']);
