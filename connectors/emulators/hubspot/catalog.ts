/**
 * The property catalogue: HubSpot's built-in properties we serve plus the seeded custom ones.
 * Writes are validated against it, because the real API rejects unknown, read-only and mistyped
 * values, and a connector has to survive exactly that.
 */
import type { ObjectType } from './objectTypes.ts';

export const PROPERTY_TYPES = ['bool', 'date', 'datetime', 'enumeration', 'number', 'phone_number', 'string'] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];
export const FIELD_TYPES = [
  'booleancheckbox', 'calculation_equation', 'checkbox', 'date', 'file', 'html', 'number', 'phonenumber', 'radio',
  'select', 'text', 'textarea',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** HubSpot refuses nonsensical type/fieldType pairs (e.g. an enumeration rendered as text). */
export const COMPATIBLE_FIELD_TYPES: Record<PropertyType, readonly FieldType[]> = {
  string: ['text', 'textarea', 'html', 'file', 'phonenumber', 'calculation_equation'],
  number: ['number', 'calculation_equation'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox', 'calculation_equation'],
  bool: ['booleancheckbox', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  phone_number: ['phonenumber'],
};

export interface OptionDef {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface PropertyDef {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: FieldType;
  groupName: string;
  description: string;
  options: OptionDef[];
  displayOrder: number;
  hidden: boolean;
  formField: boolean;
  hasUniqueValue: boolean;
  hubspotDefined: boolean;
  readOnlyValue: boolean;
  calculated: boolean;
  createdAt: string;
  updatedAt: string;
  numberDisplayHint?: string;
}

export interface GroupDef {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

/** Built-ins predate the seeded data, so they carry a fixed date rather than the seed's. */
const BUILTIN_DATE = '2019-08-06T02:43:12.000Z';

interface Spec {
  label: string;
  type: PropertyType;
  fieldType: FieldType;
  group: string;
  options?: readonly string[] | readonly (readonly [value: string, label: string])[];
  readOnly?: boolean;
  custom?: boolean;
  unique?: boolean;
  description?: string;
}

function toOptions(options: Spec['options']): OptionDef[] {
  return (options ?? []).map((o, i) =>
    typeof o === 'string'
      ? { label: o, value: o, displayOrder: i, hidden: false }
      : { label: o[1], value: o[0], displayOrder: i, hidden: false },
  );
}

function build(name: string, s: Spec, order: number): PropertyDef {
  return {
    name,
    label: s.label,
    type: s.type,
    fieldType: s.fieldType,
    groupName: s.group,
    description: s.description ?? '',
    options: s.type === 'bool' && !s.options ? toOptions([['true', 'Yes'], ['false', 'No']]) : toOptions(s.options),
    displayOrder: s.custom ? order : -1,
    hidden: false,
    formField: !s.readOnly,
    hasUniqueValue: s.unique ?? false,
    hubspotDefined: !s.custom,
    readOnlyValue: s.readOnly ?? false,
    calculated: false,
    createdAt: BUILTIN_DATE,
    updatedAt: BUILTIN_DATE,
  };
}

const str = (label: string, group: string, extra: Partial<Spec> = {}): Spec => ({ label, type: 'string', fieldType: 'text', group, ...extra });
const num = (label: string, group: string, extra: Partial<Spec> = {}): Spec => ({ label, type: 'number', fieldType: 'number', group, ...extra });
const enu = (label: string, group: string, options: Spec['options'], extra: Partial<Spec> = {}): Spec => ({
  label, type: 'enumeration', fieldType: 'select', group, options, ...extra,
});
const dt = (label: string, group: string, extra: Partial<Spec> = {}): Spec => ({ label, type: 'datetime', fieldType: 'date', group, ...extra });

/** Every object type has these; their values are maintained by the emulator, never by a writer. */
function systemProps(group: string): Record<string, Spec> {
  return {
    // Not flagged unique, as in HubSpot: idProperty=hs_object_id is refused on batch writes.
    hs_object_id: num('Record ID', group, { readOnly: true }),
    createdate: dt('Create Date', group, { readOnly: true }),
    hs_lastmodifieddate: dt('Last Modified Date', group, { readOnly: true }),
  };
}

export const LIFECYCLE_STAGES = [
  ['subscriber', 'Subscriber'], ['lead', 'Lead'], ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'], ['opportunity', 'Opportunity'], ['customer', 'Customer'],
  ['evangelist', 'Evangelist'], ['other', 'Other'],
] as const;
export const LEAD_STATUSES = [
  ['NEW', 'New'], ['OPEN', 'Open'], ['IN_PROGRESS', 'In Progress'], ['OPEN_DEAL', 'Open Deal'],
  ['UNQUALIFIED', 'Unqualified'], ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'], ['CONNECTED', 'Connected'],
  ['BAD_TIMING', 'Bad Timing'],
] as const;
export const DEAL_STAGES = [
  ['appointmentscheduled', 'Appointment Scheduled'], ['qualifiedtobuy', 'Qualified To Buy'],
  ['presentationscheduled', 'Presentation Scheduled'], ['decisionmakerboughtin', 'Decision Maker Bought-In'],
  ['contractsent', 'Contract Sent'], ['closedwon', 'Closed Won'], ['closedlost', 'Closed Lost'],
] as const;
export const TICKET_STAGES = [['1', 'New'], ['2', 'Waiting on contact'], ['3', 'Waiting on us'], ['4', 'Closed']] as const;

const BM = 'bank_marketing';
const YES_NO_UNKNOWN = ['no', 'yes', 'unknown'];

/**
 * The bank-marketing columns as contact properties. Option lists are the complete value sets of
 * bank-additional-full.csv, so every seeded value is valid.
 */
const BANK_MARKETING: Record<string, Spec> = {
  age: num('Age', BM),
  job: enu('Job', BM, ['admin.', 'blue-collar', 'entrepreneur', 'housemaid', 'management', 'retired', 'self-employed', 'services', 'student', 'technician', 'unemployed', 'unknown']),
  marital: enu('Marital status', BM, ['divorced', 'married', 'single', 'unknown']),
  education: enu('Education', BM, ['basic.4y', 'basic.6y', 'basic.9y', 'high.school', 'illiterate', 'professional.course', 'university.degree', 'unknown']),
  credit_default: enu('Has credit in default', BM, YES_NO_UNKNOWN),
  housing: enu('Has housing loan', BM, YES_NO_UNKNOWN),
  loan: enu('Has personal loan', BM, YES_NO_UNKNOWN),
  contact_channel: enu('Contact channel', BM, ['cellular', 'telephone']),
  last_contact_month: enu('Last contact month', BM, ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']),
  last_contact_day: enu('Last contact day of week', BM, ['mon', 'tue', 'wed', 'thu', 'fri']),
  call_duration: num('Last call duration (s)', BM, { description: 'Known only after the call: it leaks the outcome.' }),
  campaign_contacts: num('Contacts during this campaign', BM),
  days_since_previous_contact: num('Days since previous campaign contact', BM, { description: '999 means never contacted.' }),
  previous_contacts: num('Contacts before this campaign', BM),
  previous_outcome: enu('Previous campaign outcome', BM, ['failure', 'nonexistent', 'success']),
  emp_var_rate: num('Employment variation rate', BM),
  cons_price_idx: num('Consumer price index', BM),
  cons_conf_idx: num('Consumer confidence index', BM),
  euribor_3m: num('Euribor 3 month rate', BM),
  nr_employed: num('Number of employees (thousands)', BM),
};

const CATALOGUE: Record<ObjectType, { groups: [string, string][]; props: Record<string, Spec> }> = {
  contacts: {
    groups: [['contactinformation', 'Contact information'], [BM, 'Bank marketing']],
    props: {
      ...systemProps('contactinformation'),
      lastmodifieddate: dt('Last Modified Date', 'contactinformation', { readOnly: true }),
      email: str('Email', 'contactinformation', { unique: true }),
      firstname: str('First Name', 'contactinformation'),
      lastname: str('Last Name', 'contactinformation'),
      lifecyclestage: enu('Lifecycle Stage', 'contactinformation', LIFECYCLE_STAGES, { fieldType: 'radio' }),
      hs_lead_status: enu('Lead Status', 'contactinformation', LEAD_STATUSES, { fieldType: 'radio' }),
      // HubSpot's own manual lead score (calculated, so read-only through the API): the champion our score is compared with
      hubspotscore: num('HubSpot Score', 'contactinformation', { readOnly: true }),
      ...Object.fromEntries(Object.entries(BANK_MARKETING).map(([k, v]) => [k, { ...v, custom: true }])),
    },
  },
  companies: {
    groups: [['companyinformation', 'Company information']],
    props: {
      ...systemProps('companyinformation'),
      name: str('Company name', 'companyinformation'),
      domain: str('Company Domain Name', 'companyinformation'),
    },
  },
  deals: {
    groups: [['dealinformation', 'Deal information']],
    props: {
      ...systemProps('dealinformation'),
      dealname: str('Deal Name', 'dealinformation'),
      amount: num('Amount', 'dealinformation'),
      dealstage: enu('Deal Stage', 'dealinformation', DEAL_STAGES, { fieldType: 'radio' }),
      pipeline: enu('Pipeline', 'dealinformation', [['default', 'Sales Pipeline']]),
      closedate: dt('Close Date', 'dealinformation'),
    },
  },
  tickets: {
    groups: [['ticketinformation', 'Ticket information'], ['feedback', 'Customer feedback']],
    props: {
      ...systemProps('ticketinformation'),
      subject: str('Ticket name', 'ticketinformation'),
      content: str('Ticket description', 'ticketinformation', { fieldType: 'textarea' }),
      hs_pipeline: enu('Pipeline', 'ticketinformation', [['0', 'Support Pipeline']]),
      hs_pipeline_stage: enu('Ticket status', 'ticketinformation', TICKET_STAGES),
      feedback_label: enu('Feedback label', 'feedback', ['positive', 'negative'], { custom: true }),
    },
  },
  line_items: {
    groups: [['lineiteminformation', 'Line item information']],
    props: {
      ...systemProps('lineiteminformation'),
      name: str('Name', 'lineiteminformation'),
      hs_product_id: str('Product ID', 'lineiteminformation'),
      quantity: num('Quantity', 'lineiteminformation'),
      price: num('Unit price', 'lineiteminformation'),
      // HubSpot computes amount from price and quantity, so writers may not set it.
      amount: num('Net price', 'lineiteminformation', { readOnly: true }),
    },
  },
  products: {
    groups: [['productinformation', 'Product information']],
    props: {
      ...systemProps('productinformation'),
      name: str('Name', 'productinformation'),
      description: str('Description', 'productinformation', { fieldType: 'textarea' }),
      price: num('Unit price', 'productinformation'),
      hs_sku: str('SKU', 'productinformation'),
    },
  },
};

export interface Catalogue {
  properties: Map<string, PropertyDef>;
  groups: Map<string, GroupDef>;
}

export function buildCatalogue(type: ObjectType): Catalogue {
  const spec = CATALOGUE[type];
  const groups = new Map<string, GroupDef>(
    spec.groups.map(([name, label], i) => [name, { name, label, displayOrder: i, archived: false }]),
  );
  const properties = new Map<string, PropertyDef>();
  let order = 0;
  for (const [name, s] of Object.entries(spec.props)) properties.set(name, build(name, s, order++));
  return { properties, groups };
}

/** Shape of @hubspot/api-client's Property model. */
export function toApiProperty(p: PropertyDef): Record<string, unknown> {
  return {
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    description: p.description,
    groupName: p.groupName,
    options: p.options.map((o) => ({ ...o })),
    displayOrder: p.displayOrder,
    calculated: p.calculated,
    externalOptions: false,
    hasUniqueValue: p.hasUniqueValue,
    hidden: p.hidden,
    hubspotDefined: p.hubspotDefined,
    formField: p.formField,
    modificationMetadata: {
      archivable: !p.hubspotDefined,
      readOnlyDefinition: p.hubspotDefined,
      readOnlyValue: p.readOnlyValue,
    },
    ...(p.numberDisplayHint ? { numberDisplayHint: p.numberDisplayHint } : {}),
    dataSensitivity: 'non_sensitive',
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    archived: false,
  };
}

export function toApiGroup(g: GroupDef): Record<string, unknown> {
  return { name: g.name, label: g.label, displayOrder: g.displayOrder, archived: g.archived };
}

/** The pieces of HubSpot's "Property values were not valid" message, one per bad value. */
export interface ValueProblem {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
}

/** HubSpot's single-line text limit; a longer write is refused rather than truncated. */
export const MAX_STRING_LENGTH = 65_536;

function problem(name: string, error: string, message: string): ValueProblem {
  return { isValid: false, message, error, name, localizedErrorMessage: message };
}

const NUMBER_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Parses a datetime the way HubSpot accepts it on writes and in filters: epoch ms or ISO 8601. */
export function parseDateValue(value: string): number | undefined {
  if (/^-?\d+$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Checks one written value; '' always passes because it clears the property. */
export function validateValue(props: Map<string, PropertyDef>, name: string, value: string): ValueProblem | undefined {
  const def = props.get(name);
  if (!def) return problem(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
  if (def.readOnlyValue) return problem(name, 'READ_ONLY_VALUE', `"${name}" is a read only property; its value cannot be set.`);
  if (value === '') return undefined;
  switch (def.type) {
    case 'number':
      if (!NUMBER_RE.test(value) || !Number.isFinite(Number(value))) {
        return problem(name, 'INVALID_NUMBER', `${value} was not a valid number.`);
      }
      return undefined;
    case 'bool':
      if (value !== 'true' && value !== 'false') return problem(name, 'INVALID_BOOLEAN', `${value} was not a valid boolean.`);
      return undefined;
    case 'date':
    case 'datetime':
      if (parseDateValue(value) === undefined) return problem(name, 'INVALID_DATE', `${value} was not a valid date.`);
      return undefined;
    case 'enumeration': {
      const allowed = new Set(def.options.map((o) => o.value));
      // Multi-select (checkbox) values are ';'-separated option values.
      const parts = def.fieldType === 'checkbox' ? value.split(';') : [value];
      const bad = parts.find((v) => !allowed.has(v));
      if (bad !== undefined) {
        return problem(name, 'INVALID_OPTION', `${bad} was not one of the allowed options: [${[...allowed].join(', ')}]`);
      }
      return undefined;
    }
    default:
      if (value.length > MAX_STRING_LENGTH) {
        return problem(name, 'INVALID_STRING_LENGTH', `The value for ${name} is longer than ${MAX_STRING_LENGTH} characters.`);
      }
      return undefined;
  }
}
