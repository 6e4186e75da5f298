/**
 * The generated half of lwc/signalHistory, the record page component for Lead and Contact. The
 * component (signalHistory.js, .html, .js-meta.xml) is hand-written; what depends on the output fields
 * is generated: fields.js (the schema imports and labels it shows) and the recorded wire data in
 * __tests__/data that test/manifests/signalHistory.test.ts replays, as ebikes-lwc's Jest tests do.
 */
import type { OutputField } from '../domain/outputFields.ts';
import { json, text, type ManifestFiles } from './files.ts';

export const LWC_NAME = 'signalHistory';
/** The generated module of the component's folder. */
export const LWC_FIELDS_MODULE = 'fields.js';
/** The objects whose record pages the component is offered on. */
export const LWC_OBJECTS = ['Lead', 'Contact'] as const;

/** The output keys the component shows as its headline: the score and its reasons. */
export const LWC_SCORE_KEY = 'leadScore';
export const LWC_REASONS_KEY = 'leadScoreReasons';

/** The history object's fields the component reads, by role. */
export const LWC_HISTORY_FIELDS = {
  signal: 'Signal__c',
  oldValue: 'Old_Value__c',
  newValue: 'New_Value__c',
  reasons: 'Reasons__c',
  modelVersion: 'Model_Version__c',
  changedAt: 'Changed_At__c',
} as const;

export interface LwcOptions {
  historyObject: string;
  /** Field API names of the history object, to check the component reads only fields that exist. */
  historyFieldNames: readonly string[];
  /** The output fields written to Lead and Contact. */
  fields: readonly OutputField[];
}

/** "Lead score (crm-signals)" -> "Lead score": the card's title already says crm-signals. */
function shortLabel(field: OutputField): string {
  return field.label.replace(/\s*\(crm-signals\)$/, '');
}

/** A single-quoted JavaScript string literal (the LWC sources use single quotes, as ebikes-lwc does). */
function jsString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function constantName(object: string, field: OutputField): string {
  return `${object}_${field.names.salesforce.replace(/__c$/, '')}_FIELD`.toUpperCase();
}

// ---- recorded wire data -----------------------------------------------------------------------

interface SampleValue {
  value: string | number | null;
  displayValue: string | null;
}

const SAMPLE_REASONS =
  'Previous campaign outcome: success — raises the score by 14 points; Contact channel: cellular — raises the score by 6 points; Contacts during this campaign: between 4 and 6 — lowers the score by 5 points';

const SAMPLES: Record<string, SampleValue> = {
  leadScore: { value: 81, displayValue: null },
  leadScoreReasons: { value: SAMPLE_REASONS, displayValue: null },
  leadScoreModel: { value: 'leadScore v7', displayValue: null },
  recommendations: { value: '1. GTX Pro (bought by 40 % of contacts that own GTX Lite)\n2. Service plan (popular)', displayValue: null },
  feedbackSentiment: { value: 0.62, displayValue: null },
};

function sample(field: OutputField): SampleValue {
  const known = SAMPLES[field.key];
  if (known) return known;
  switch (field.type) {
    case 'number':
      return { value: 0.5, displayValue: null };
    case 'enumeration': {
      const option = field.options?.[0];
      return option ? { value: option.value, displayValue: option.label } : { value: null, displayValue: null };
    }
    case 'datetime':
      return { value: '2026-11-20T09:30:00.000Z', displayValue: null };
    default:
      return { value: `${shortLabel(field)} sample`, displayValue: null };
  }
}

const RECORD_ID = '00Q5g00000KxYzAEAV';

function recordedRecord(fields: readonly OutputField[]): unknown {
  return {
    apiName: 'Lead',
    childRelationships: {},
    fields: Object.fromEntries(fields.map((f) => [f.names.salesforce, sample(f)])),
    id: RECORD_ID,
    lastModifiedById: '0055g00000A1b2CAAR',
    lastModifiedDate: '2026-11-20T09:30:00.000Z',
    recordTypeId: '012000000000000AAA',
    recordTypeInfo: null,
    systemModstamp: '2026-11-20T09:30:00.000Z',
    weakEtag: 1763631000000,
  };
}

interface HistorySample {
  id: string;
  signal: string;
  oldValue: string | null;
  newValue: string;
  reasons: string | null;
  modelVersion: string;
  changedAt: string;
}

const HISTORY_SAMPLES: HistorySample[] = [
  { id: 'a015g00000Q1w2EAAR', signal: LWC_SCORE_KEY, oldValue: '64', newValue: '81', reasons: SAMPLE_REASONS, modelVersion: 'v7', changedAt: '2026-11-20T09:30:00.000Z' },
  { id: 'a015g00000Q1w1EAAR', signal: LWC_SCORE_KEY, oldValue: null, newValue: '64', reasons: 'No single factor moved this score.', modelVersion: 'v6', changedAt: '2026-11-02T16:05:00.000Z' },
];

function recordedHistory(historyObject: string): unknown {
  const h = LWC_HISTORY_FIELDS;
  const field = (value: string | null) => ({ displayValue: null, value });
  return {
    count: HISTORY_SAMPLES.length,
    currentPageToken: '0',
    currentPageUrl: `/services/data/v62.0/ui-api/related-list-records/${RECORD_ID}/Signal_History__r?pageSize=20`,
    listInfoETag: '9c4f6bd2a1b94c0b8e7d3f2a1c0b9e8d',
    nextPageToken: null,
    nextPageUrl: null,
    previousPageToken: null,
    previousPageUrl: null,
    records: HISTORY_SAMPLES.map((s) => ({
      apiName: historyObject,
      childRelationships: {},
      eTag: `etag-${s.id}`,
      fields: {
        Id: field(s.id),
        [h.signal]: field(s.signal),
        [h.oldValue]: field(s.oldValue),
        [h.newValue]: field(s.newValue),
        [h.reasons]: field(s.reasons),
        [h.modelVersion]: field(s.modelVersion),
        [h.changedAt]: field(s.changedAt),
      },
      id: s.id,
      lastModifiedById: '0055g00000A1b2CAAR',
      lastModifiedDate: s.changedAt,
      recordTypeId: '012000000000000AAA',
      recordTypeInfo: null,
      systemModstamp: s.changedAt,
      weakEtag: Date.parse(s.changedAt),
    })),
  };
}

// ---- the generated field module ---------------------------------------------------------------

function historyConstant(role: keyof typeof LWC_HISTORY_FIELDS): string {
  return `HISTORY_${role.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_FIELD`;
}

/**
 * fields.js: the schema imports of every crm-signals field the component shows, for both objects, and of
 * the history object. @salesforce/schema imports must be static, so the list of fields is code; it is
 * generated from the output fields and imported by the hand-written signalHistory.js.
 */
function fieldsSource(options: LwcOptions): string {
  const { fields, historyObject } = options;
  const roles = Object.keys(LWC_HISTORY_FIELDS) as (keyof typeof LWC_HISTORY_FIELDS)[];
  const historyImports = roles.map((role) => `import ${historyConstant(role)} from '@salesforce/schema/${historyObject}.${LWC_HISTORY_FIELDS[role]}';`);
  const fieldImports = LWC_OBJECTS.flatMap((object) => fields.map((f) => `import ${constantName(object, f)} from '@salesforce/schema/${object}.${f.names.salesforce}';`));
  const fieldTable = LWC_OBJECTS.map(
    (object) =>
      `    ${object}: [\n${fields.map((f) => `        { key: ${jsString(f.key)}, label: ${jsString(shortLabel(f))}, field: ${constantName(object, f)} }`).join(',\n')}\n    ]`,
  ).join(',\n');
  const labels = fields.map((f) => `    ${f.key}: ${jsString(shortLabel(f))}`).join(',\n');
  const historyTable = roles.map((role) => `    ${role}: ${historyConstant(role)}`).join(',\n');
  return text(`
// Generated by src/manifests/salesforceLwc.ts (npx tsx src/manifests/write.ts) from
// src/domain/outputFields.ts: do not edit. signalHistory.js imports it.
import SIGNAL_HISTORY_OBJECT from '@salesforce/schema/${historyObject}';
${historyImports.join('\n')}
${fieldImports.join('\n')}

/** The crm-signals fields on each record page object, in the order of src/domain/outputFields.ts. */
export const SIGNAL_FIELDS = {
${fieldTable}
};

/** Output key -> label, for the history rows. */
export const SIGNAL_LABELS = {
${labels}
};

/** The output keys shown as the headline: the score and its reasons. */
export const SCORE_KEY = ${jsString(LWC_SCORE_KEY)};
export const REASONS_KEY = ${jsString(LWC_REASONS_KEY)};

/** The history object (carrying the package namespace in subscriber orgs) and its fields by role. */
export const HISTORY_OBJECT = SIGNAL_HISTORY_OBJECT;
export const HISTORY_OBJECT_NAME = ${jsString(historyObject)};
export const HISTORY_RELATIONSHIP = ${jsString(`${historyObject.replace(/__c$/, '')}__r`)};
export const HISTORY_FIELDS = {
${historyTable}
};
`);
}

/** The generated files of lwc/signalHistory, relative to the package folder given as `dir`. */
export function salesforceLwcFiles(dir: string, options: LwcOptions): ManifestFiles {
  const missing = Object.values(LWC_HISTORY_FIELDS).filter((name) => !options.historyFieldNames.includes(name));
  if (missing.length > 0) throw new Error(`the record page component reads ${missing.join(', ')}, which ${options.historyObject} does not have`);
  for (const key of [LWC_SCORE_KEY, LWC_REASONS_KEY]) {
    if (!options.fields.some((f) => f.key === key)) throw new Error(`the record page component needs the "${key}" output field on contacts`);
  }
  const base = `${dir}/${LWC_NAME}`;
  // a rep reads the reasons sentence; the codes JSON beside it is for programs
  const shown = { ...options, fields: options.fields.filter((f) => f.audience !== 'programs') };
  return {
    [`${base}/${LWC_FIELDS_MODULE}`]: fieldsSource(shown),
    [`${base}/__tests__/data/getRecord.json`]: json(recordedRecord(shown.fields)),
    [`${base}/__tests__/data/getRelatedListRecords.json`]: json(recordedHistory(options.historyObject)),
  };
}
