/**
 * The org's schema: which objects exist and what their fields are, in the shape describe returns.
 * Writes and SOQL are checked against it, because the real API rejects unknown, read-only and
 * mistyped fields, and a connector has to survive exactly that.
 */
import { buildCatalogue } from '../hubspot/catalog.ts';
import { KEY_PREFIX } from './ids.ts';
import type { Value } from './values.ts';

export const FIELD_TYPES = [
  'id', 'string', 'textarea', 'email', 'url', 'phone', 'picklist', 'double', 'int', 'currency', 'percent',
  'date', 'datetime', 'boolean', 'reference',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const NUMERIC_TYPES: ReadonlySet<FieldType> = new Set(['double', 'int', 'currency', 'percent']);
export const TEXT_TYPES: ReadonlySet<FieldType> = new Set(['string', 'textarea', 'email', 'url', 'phone', 'picklist']);

export interface PicklistValue {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
  validFor: null;
}

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  precision: number;
  scale: number;
  digits: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  custom: boolean;
  calculated: boolean;
  autoNumber: boolean;
  defaultedOnCreate: boolean;
  externalId: boolean;
  unique: boolean;
  idLookup: boolean;
  nameField: boolean;
  filterable: boolean;
  sortable: boolean;
  groupable: boolean;
  picklistValues: PicklistValue[];
  restrictedPicklist: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  inlineHelpText: string | null;
  /** Must be given on create (the API answers REQUIRED_FIELD_MISSING otherwise). */
  required: boolean;
  /** Not part of describe: the parent's child relationship this lookup feeds (e.g. OpportunityLineItems). */
  childRelationshipName?: string;
  /** Not part of describe: an auto-number's display format, e.g. "SH-{0000000}". */
  autoNumberFormat?: string;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  /** Field definitions in describe order. */
  fields: FieldDef[];
  /** When the schema last changed, for describe's If-Modified-Since. */
  lastModified: number;
}

/** What a test (or the package install) passes to add a custom field. */
export interface CustomFieldInput {
  name: string;
  label?: string;
  type: FieldType;
  length?: number;
  precision?: number;
  scale?: number;
  picklistValues?: readonly (string | { value: string; label?: string; active?: boolean })[];
  restricted?: boolean;
  referenceTo?: string;
  relationshipName?: string;
  childRelationshipName?: string;
  externalId?: boolean;
  unique?: boolean;
  required?: boolean;
  /** Formula/roll-up fields are read-only. */
  calculated?: boolean;
  inlineHelpText?: string;
}

export interface CustomObjectInput {
  name: string;
  label?: string;
  labelPlural?: string;
  /** The Name field: an auto number (e.g. "SH-{0000000}") or free text. */
  nameField?: { label: string; autoNumberFormat?: string };
  fields: readonly CustomFieldInput[];
}

/** Built-in schema predates the seed data, so describe's Last-Modified is fixed. */
export const BUILTIN_SCHEMA_DATE = Date.UTC(2025, 9, 13, 7, 0, 0);

type FieldOpts = Partial<Omit<FieldDef, 'picklistValues'>> & {
  picklist?: readonly (string | readonly [string, string])[];
  /** The picklist value a new record gets when the writer leaves the field out. */
  picklistDefault?: string;
};

function picklistValues(values: FieldOpts['picklist'], defaultValue?: string): PicklistValue[] {
  return (values ?? []).map((v) => {
    const [value, label] = typeof v === 'string' ? [v, v] : v;
    return { value, label, active: true, defaultValue: value === defaultValue, validFor: null };
  });
}

const TEXT_DEFAULT_LENGTH: Partial<Record<FieldType, number>> = {
  id: 18, string: 255, textarea: 32000, email: 80, url: 255, phone: 40, picklist: 255, reference: 18,
};

export function field(name: string, label: string, type: FieldType, opts: FieldOpts = {}): FieldDef {
  const { picklist, picklistDefault, ...rest } = opts;
  const unfilterable = type === 'textarea' && (opts.length ?? 32000) > 255;
  const def: FieldDef = {
    name,
    label,
    type,
    length: TEXT_DEFAULT_LENGTH[type] ?? 0,
    precision: type === 'double' || type === 'currency' || type === 'percent' ? 18 : 0,
    scale: type === 'currency' ? 2 : 0,
    digits: type === 'int' ? 9 : 0,
    nillable: type !== 'boolean',
    createable: true,
    updateable: true,
    custom: name.endsWith('__c'),
    calculated: false,
    autoNumber: false,
    defaultedOnCreate: type === 'boolean',
    externalId: false,
    unique: false,
    idLookup: false,
    nameField: false,
    filterable: !unfilterable,
    sortable: !unfilterable,
    groupable: !unfilterable && !NUMERIC_TYPES.has(type) && type !== 'datetime',
    picklistValues: picklistValues(picklist, picklistDefault),
    restrictedPicklist: false,
    referenceTo: [],
    relationshipName: null,
    inlineHelpText: null,
    required: false,
    ...rest,
  };
  if (def.required) def.nillable = false;
  return def;
}

/** Lookup field; the relationship name is the field name minus "Id" (standard) or "__c" -> "__r" (custom). */
function lookup(name: string, label: string, referenceTo: string | string[], opts: FieldOpts = {}): FieldDef {
  const targets = Array.isArray(referenceTo) ? referenceTo : [referenceTo];
  const relationshipName = name.endsWith('__c') ? `${name.slice(0, -3)}__r` : name.replace(/Id$/, '');
  return field(name, label, 'reference', { referenceTo: targets, relationshipName, ...opts });
}

const readOnly: FieldOpts = { createable: false, updateable: false };
const system: FieldOpts = { ...readOnly, nillable: false, defaultedOnCreate: true };

/** Id, IsDeleted and the audit fields every object has; their values are maintained by the org. */
function systemFields(): { head: FieldDef[]; tail: FieldDef[] } {
  return {
    head: [
      field('Id', 'Record ID', 'id', { ...system, idLookup: true, groupable: true }),
      field('IsDeleted', 'Deleted', 'boolean', system),
    ],
    tail: [
      field('CreatedDate', 'Created Date', 'datetime', system),
      lookup('CreatedById', 'Created By ID', 'User', system),
      field('LastModifiedDate', 'Last Modified Date', 'datetime', system),
      lookup('LastModifiedById', 'Last Modified By ID', 'User', system),
      field('SystemModstamp', 'System Modstamp', 'datetime', system),
    ],
  };
}

function objectDef(name: string, label: string, labelPlural: string, keyPrefix: string, fields: FieldDef[], opts: Partial<ObjectDef> = {}): ObjectDef {
  const { head, tail } = systemFields();
  return {
    name,
    label,
    labelPlural,
    keyPrefix,
    custom: name.endsWith('__c'),
    createable: true,
    updateable: true,
    deletable: true,
    fields: [...head, ...fields, ...tail],
    lastModified: BUILTIN_SCHEMA_DATE,
    ...opts,
  };
}

/** Owner of Leads and Cases may be a queue (Group) as well as a User: a polymorphic lookup. */
const owner = (polymorphic: boolean) =>
  lookup('OwnerId', 'Owner ID', polymorphic ? ['Group', 'User'] : ['User'], { nillable: false, defaultedOnCreate: true });

export const LEAD_STATUSES = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'] as const;
export const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'] as const;
export const INDUSTRIES = ['Banking', 'Consulting', 'Education', 'Healthcare', 'Hospitality', 'Manufacturing', 'Retail', 'Technology', 'Transportation', 'Other'] as const;
export const RATINGS = ['Hot', 'Warm', 'Cold'] as const;
/** Standard sales process stages with their default probabilities. */
export const OPPORTUNITY_STAGES = [
  ['Prospecting', 10], ['Qualification', 10], ['Needs Analysis', 20], ['Value Proposition', 50],
  ['Id. Decision Makers', 60], ['Perception Analysis', 70], ['Proposal/Price Quote', 75], ['Negotiation/Review', 90],
  ['Closed Won', 100], ['Closed Lost', 0],
] as const;
export const CASE_STATUSES = ['New', 'Working', 'Escalated', 'Closed'] as const;
export const CASE_ORIGINS = ['Phone', 'Email', 'Web'] as const;
export const CASE_PRIORITIES = ['High', 'Medium', 'Low'] as const;

/**
 * The bank-marketing columns as custom fields, with the same value sets as the HubSpot emulator's
 * contact properties (read from its catalogue so the two can never drift apart). Numbers are
 * Number(p,s) fields, which describe reports as type double with precision and scale.
 */
export const BANK_FIELDS: readonly { hubspot: string; name: string; precision?: number; scale?: number }[] = [
  { hubspot: 'age', name: 'Age__c', precision: 3, scale: 0 },
  { hubspot: 'job', name: 'Job__c' },
  { hubspot: 'marital', name: 'Marital__c' },
  { hubspot: 'education', name: 'Education__c' },
  { hubspot: 'credit_default', name: 'Credit_Default__c' },
  { hubspot: 'housing', name: 'Housing__c' },
  { hubspot: 'loan', name: 'Loan__c' },
  { hubspot: 'contact_channel', name: 'Contact_Channel__c' },
  { hubspot: 'last_contact_month', name: 'Last_Contact_Month__c' },
  { hubspot: 'last_contact_day', name: 'Last_Contact_Day__c' },
  { hubspot: 'call_duration', name: 'Call_Duration__c', precision: 6, scale: 0 },
  { hubspot: 'campaign_contacts', name: 'Campaign_Contacts__c', precision: 4, scale: 0 },
  { hubspot: 'days_since_previous_contact', name: 'Days_Since_Previous_Contact__c', precision: 4, scale: 0 },
  { hubspot: 'previous_contacts', name: 'Previous_Contacts__c', precision: 3, scale: 0 },
  { hubspot: 'previous_outcome', name: 'Previous_Outcome__c' },
  { hubspot: 'emp_var_rate', name: 'Emp_Var_Rate__c', precision: 4, scale: 1 },
  { hubspot: 'cons_price_idx', name: 'Cons_Price_Idx__c', precision: 6, scale: 3 },
  { hubspot: 'cons_conf_idx', name: 'Cons_Conf_Idx__c', precision: 4, scale: 1 },
  { hubspot: 'euribor_3m', name: 'Euribor_3m__c', precision: 5, scale: 3 },
  { hubspot: 'nr_employed', name: 'Nr_Employed__c', precision: 6, scale: 1 },
];

function bankFields(): FieldDef[] {
  const hubspot = buildCatalogue('contacts').properties;
  return BANK_FIELDS.map((b) => {
    const prop = hubspot.get(b.hubspot);
    if (!prop) throw new Error(`HubSpot emulator has no contact property ${b.hubspot}`);
    if (prop.type === 'number') {
      return field(b.name, prop.label, 'double', { precision: b.precision ?? 18, scale: b.scale ?? 0, inlineHelpText: prop.description || null });
    }
    return field(b.name, prop.label, 'picklist', { picklist: prop.options.map((o) => o.value) });
  });
}

function personName(): FieldDef[] {
  return [
    field('LastName', 'Last Name', 'string', { length: 80, required: true }),
    field('FirstName', 'First Name', 'string', { length: 40 }),
    // Compound, derived from First/Last name: readable, never writable.
    field('Name', 'Full Name', 'string', { length: 121, ...readOnly, nameField: true, nillable: false }),
  ];
}

function buildStandardObjects(): ObjectDef[] {
  return [
    objectDef('User', 'User', 'Users', KEY_PREFIX.User, [
      field('Username', 'Username', 'string', { length: 80, required: true, unique: true, idLookup: true }),
      ...personName(),
      field('Email', 'Email', 'email', { required: true }),
      field('Alias', 'Alias', 'string', { length: 8, required: true }),
      field('Title', 'Title', 'string', { length: 80 }),
      field('IsActive', 'Active', 'boolean'),
    ]),
    objectDef('Account', 'Account', 'Accounts', KEY_PREFIX.Account, [
      field('Name', 'Account Name', 'string', { length: 255, required: true, nameField: true }),
      field('Type', 'Account Type', 'picklist', { picklist: ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other'] }),
      field('Industry', 'Industry', 'picklist', { picklist: INDUSTRIES }),
      field('Website', 'Website', 'url'),
      field('NumberOfEmployees', 'Employees', 'int', { digits: 8 }),
      field('AnnualRevenue', 'Annual Revenue', 'currency', { precision: 18, scale: 0 }),
      field('Description', 'Account Description', 'textarea', { length: 32000 }),
      owner(false),
    ]),
    objectDef('Contact', 'Contact', 'Contacts', KEY_PREFIX.Contact, [
      lookup('AccountId', 'Account ID', 'Account', { childRelationshipName: 'Contacts' }),
      ...personName(),
      field('Email', 'Email', 'email', { idLookup: true }),
      field('Title', 'Title', 'string', { length: 128 }),
      field('LeadSource', 'Lead Source', 'picklist', { picklist: LEAD_SOURCES }),
      field('Description', 'Contact Description', 'textarea', { length: 32000 }),
      owner(false),
      ...bankFields(),
    ]),
    objectDef('Lead', 'Lead', 'Leads', KEY_PREFIX.Lead, [
      ...personName(),
      field('Title', 'Title', 'string', { length: 128 }),
      field('Company', 'Company', 'string', { length: 255, required: true }),
      field('Email', 'Email', 'email', { idLookup: true }),
      field('LeadSource', 'Lead Source', 'picklist', { picklist: LEAD_SOURCES }),
      field('Status', 'Status', 'picklist', {
        picklist: LEAD_STATUSES, picklistDefault: 'Open - Not Contacted', nillable: false, defaultedOnCreate: true,
      }),
      field('Industry', 'Industry', 'picklist', { picklist: INDUSTRIES }),
      field('Rating', 'Rating', 'picklist', { picklist: RATINGS }),
      field('Description', 'Description', 'textarea', { length: 32000 }),
      owner(true),
      // Conversion is a separate API call (convertLead), so these are read-only over REST.
      field('IsConverted', 'Converted', 'boolean', { ...readOnly, nillable: false, defaultedOnCreate: true }),
      field('ConvertedDate', 'Converted Date', 'date', readOnly),
      lookup('ConvertedAccountId', 'Converted Account ID', 'Account', readOnly),
      lookup('ConvertedContactId', 'Converted Contact ID', 'Contact', readOnly),
      lookup('ConvertedOpportunityId', 'Converted Opportunity ID', 'Opportunity', readOnly),
      ...bankFields(),
    ]),
    objectDef('Product2', 'Product', 'Products', KEY_PREFIX.Product2, [
      field('Name', 'Product Name', 'string', { length: 255, required: true, nameField: true }),
      field('ProductCode', 'Product Code', 'string', { length: 255 }),
      field('Description', 'Product Description', 'textarea', { length: 4000 }),
      field('Family', 'Product Family', 'picklist', { picklist: ['Accounts', 'Cards', 'Loans', 'Insurance', 'Investments'] }),
      field('IsActive', 'Active', 'boolean'),
    ]),
    objectDef('Pricebook2', 'Price Book', 'Price Books', KEY_PREFIX.Pricebook2, [
      field('Name', 'Price Book Name', 'string', { length: 255, required: true, nameField: true }),
      field('IsActive', 'Active', 'boolean'),
      field('IsStandard', 'Is Standard Price Book', 'boolean', readOnly),
    ]),
    objectDef('PricebookEntry', 'Price Book Entry', 'Price Book Entries', KEY_PREFIX.PricebookEntry, [
      field('Name', 'Product Name', 'string', { length: 255, ...readOnly, nameField: true }),
      lookup('Pricebook2Id', 'Price Book ID', 'Pricebook2', { required: true, updateable: false, childRelationshipName: 'PricebookEntries' }),
      lookup('Product2Id', 'Product ID', 'Product2', { required: true, updateable: false, childRelationshipName: 'PricebookEntries' }),
      field('UnitPrice', 'List Price', 'currency', { required: true }),
      field('IsActive', 'Active', 'boolean'),
      field('UseStandardPrice', 'Use Standard Price', 'boolean'),
      field('ProductCode', 'Product Code', 'string', readOnly),
    ]),
    objectDef('Opportunity', 'Opportunity', 'Opportunities', KEY_PREFIX.Opportunity, [
      lookup('AccountId', 'Account ID', 'Account', { childRelationshipName: 'Opportunities' }),
      lookup('ContactId', 'Contact ID', 'Contact', { childRelationshipName: 'Opportunities' }),
      field('Name', 'Name', 'string', { length: 120, required: true, nameField: true }),
      field('Description', 'Description', 'textarea', { length: 32000 }),
      field('StageName', 'Stage', 'picklist', { picklist: OPPORTUNITY_STAGES.map(([s]) => s), required: true }),
      field('Amount', 'Amount', 'currency', { precision: 18, scale: 2 }),
      field('Probability', 'Probability (%)', 'percent', { precision: 3, scale: 0 }),
      field('CloseDate', 'Close Date', 'date', { required: true }),
      field('Type', 'Opportunity Type', 'picklist', { picklist: ['Existing Customer - Upgrade', 'Existing Customer - Replacement', 'New Customer'] }),
      field('LeadSource', 'Lead Source', 'picklist', { picklist: LEAD_SOURCES }),
      field('IsClosed', 'Closed', 'boolean', { ...readOnly, calculated: true }),
      field('IsWon', 'Won', 'boolean', { ...readOnly, calculated: true }),
      lookup('Pricebook2Id', 'Price Book ID', 'Pricebook2'),
      owner(false),
    ]),
    objectDef('OpportunityLineItem', 'Opportunity Product', 'Opportunity Product', KEY_PREFIX.OpportunityLineItem, [
      lookup('OpportunityId', 'Opportunity ID', 'Opportunity', { required: true, updateable: false, childRelationshipName: 'OpportunityLineItems' }),
      field('Name', 'Opportunity Product Name', 'string', { length: 376, ...readOnly, nameField: true }),
      lookup('PricebookEntryId', 'Price Book Entry ID', 'PricebookEntry', { updateable: false, childRelationshipName: 'OpportunityLineItems' }),
      lookup('Product2Id', 'Product ID', 'Product2', { updateable: false }),
      field('ProductCode', 'Product Code', 'string', readOnly),
      field('Quantity', 'Quantity', 'double', { precision: 12, scale: 2, required: true }),
      field('UnitPrice', 'Sales Price', 'currency', { precision: 18, scale: 2 }),
      field('ListPrice', 'List Price', 'currency', { precision: 18, scale: 2, ...readOnly }),
      field('TotalPrice', 'Total Price', 'currency', { precision: 18, scale: 2 }),
      field('Description', 'Line Description', 'string', { length: 255 }),
    ]),
    objectDef('OpportunityContactRole', 'Opportunity Contact Role', 'Opportunity Contact Role', KEY_PREFIX.OpportunityContactRole, [
      lookup('OpportunityId', 'Opportunity ID', 'Opportunity', { required: true, updateable: false, childRelationshipName: 'OpportunityContactRoles' }),
      lookup('ContactId', 'Contact ID', 'Contact', { required: true, childRelationshipName: 'OpportunityContactRoles' }),
      field('Role', 'Role', 'picklist', { picklist: ['Business User', 'Decision Maker', 'Economic Buyer', 'Economic Decision Maker', 'Evaluator', 'Executive Sponsor', 'Influencer', 'Technical Buyer', 'Other'] }),
      field('IsPrimary', 'Primary', 'boolean'),
    ]),
    objectDef('Case', 'Case', 'Cases', KEY_PREFIX.Case, [
      field('CaseNumber', 'Case Number', 'string', { length: 30, ...readOnly, autoNumber: true, nameField: true, nillable: false, defaultedOnCreate: true }),
      lookup('ContactId', 'Contact ID', 'Contact', { childRelationshipName: 'Cases' }),
      lookup('AccountId', 'Account ID', 'Account', { childRelationshipName: 'Cases' }),
      field('Subject', 'Subject', 'string', { length: 255 }),
      field('Description', 'Description', 'textarea', { length: 32000 }),
      field('Status', 'Status', 'picklist', { picklist: CASE_STATUSES, picklistDefault: 'New', nillable: false, defaultedOnCreate: true }),
      field('Priority', 'Priority', 'picklist', { picklist: CASE_PRIORITIES }),
      field('Origin', 'Case Origin', 'picklist', { picklist: CASE_ORIGINS }),
      field('IsClosed', 'Closed', 'boolean', { ...readOnly, calculated: true }),
      field('ClosedDate', 'Closed Date', 'datetime', readOnly),
      owner(true),
      field('Feedback_Label__c', 'Feedback Label', 'picklist', { picklist: ['positive', 'negative'] }),
    ]),
  ];
}

export function standardObjects(): ObjectDef[] {
  return buildStandardObjects();
}

/** Turns the compact input of addCustomField into a full describe entry. */
export function customField(input: CustomFieldInput): FieldDef {
  if (!/^[A-Za-z][A-Za-z0-9_]*__c$/.test(input.name) || input.name.includes('___')) {
    throw new Error(`custom field names end in __c and hold only letters, digits and single underscores: ${input.name}`);
  }
  const label = input.label ?? input.name.slice(0, -3).replace(/_/g, ' ');
  const opts: FieldOpts = {
    required: input.required ?? false,
    externalId: input.externalId ?? false,
    unique: input.unique ?? false,
    idLookup: input.externalId ?? false,
    inlineHelpText: input.inlineHelpText ?? null,
    restrictedPicklist: input.restricted ?? false,
  };
  if (input.length !== undefined) opts.length = input.length;
  if (input.precision !== undefined) opts.precision = input.precision;
  if (input.scale !== undefined) opts.scale = input.scale;
  if (input.calculated) Object.assign(opts, readOnly, { calculated: true });
  if (input.childRelationshipName !== undefined) opts.childRelationshipName = input.childRelationshipName;
  if (input.type === 'reference') {
    if (!input.referenceTo) throw new Error(`lookup field ${input.name} needs referenceTo`);
    opts.referenceTo = [input.referenceTo];
    opts.relationshipName = input.relationshipName ?? `${input.name.slice(0, -3)}__r`;
  }
  const def = field(input.name, label, input.type, opts);
  def.picklistValues = (input.picklistValues ?? []).map((v) =>
    typeof v === 'string'
      ? { value: v, label: v, active: true, defaultValue: false, validFor: null }
      : { value: v.value, label: v.label ?? v.value, active: v.active ?? true, defaultValue: false, validFor: null },
  );
  return def;
}

/** A custom object with its standard fields (Id, Name, OwnerId, audit fields) around the given ones. */
export function customObject(input: CustomObjectInput, keyPrefix: string, at: number): ObjectDef {
  if (!/^[A-Za-z][A-Za-z0-9_]*__c$/.test(input.name)) throw new Error(`custom object names end in __c: ${input.name}`);
  const label = input.label ?? input.name.slice(0, -3).replace(/_/g, ' ');
  const auto = input.nameField?.autoNumberFormat;
  const nameField = field('Name', input.nameField?.label ?? `${label} Name`, 'string', {
    length: 80,
    nameField: true,
    ...(auto ? { ...readOnly, autoNumber: true, autoNumberFormat: auto, nillable: false, defaultedOnCreate: true } : {}),
  });
  return objectDef(input.name, label, input.labelPlural ?? `${label}s`, keyPrefix, [owner(false), nameField, ...input.fields.map(customField)], {
    lastModified: at,
  });
}

/**
 * What our managed package installs (a stand-in until manifests/salesforce is generated from
 * src/domain): the score fields on Lead and Contact and the score-history object. Real installs
 * are a package deploy, not an API call, so tests add these through state.installSignalsPackage().
 */
export const SIGNALS_PACKAGE: { fields: Record<'Lead' | 'Contact', CustomFieldInput[]>; objects: CustomObjectInput[] } = {
  fields: {
    Lead: signalFields(),
    Contact: signalFields(),
  },
  objects: [
    {
      name: 'Signal_History__c',
      label: 'Signal History',
      labelPlural: 'Signal History',
      nameField: { label: 'Signal History #', autoNumberFormat: 'SH-{0000000}' },
      fields: [
        { name: 'Lead__c', label: 'Lead', type: 'reference', referenceTo: 'Lead', childRelationshipName: 'Signal_History__r' },
        { name: 'Contact__c', label: 'Contact', type: 'reference', referenceTo: 'Contact', childRelationshipName: 'Signal_History__r' },
        { name: 'Score__c', label: 'Score', type: 'double', precision: 3, scale: 0 },
        { name: 'Previous_Score__c', label: 'Previous Score', type: 'double', precision: 3, scale: 0 },
        { name: 'Reasons__c', label: 'Reasons', type: 'textarea', length: 32768 },
        { name: 'Model_Version__c', label: 'Model Version', type: 'string', length: 40 },
        { name: 'Scored_At__c', label: 'Scored At', type: 'datetime' },
        { name: 'External_Id__c', label: 'External Id', type: 'string', length: 64, externalId: true, unique: true },
      ],
    },
  ],
};

function signalFields(): CustomFieldInput[] {
  return [
    { name: 'Signals_Lead_Score__c', label: 'Lead Score', type: 'double', precision: 3, scale: 0, inlineHelpText: '1-99 score from crm-signals' },
    { name: 'Signals_Score_Reasons__c', label: 'Score Reasons', type: 'textarea', length: 32768 },
    { name: 'Signals_Model_Version__c', label: 'Model Version', type: 'string', length: 40 },
  ];
}

/** Resolved field lookup is case-insensitive, as in the API. */
export function findField(def: ObjectDef, name: string): FieldDef | undefined {
  const lower = name.toLowerCase();
  return def.fields.find((f) => f.name.toLowerCase() === lower);
}

/** The default stored value of a field on create (booleans are false, never null). */
export function defaultValue(f: FieldDef): Value {
  if (f.type === 'boolean') return false;
  const d = f.picklistValues.find((p) => p.defaultValue);
  return d ? d.value : null;
}
