/**
 * lwc/signalHistory: the record page component for Lead and Contact. It shows the current score with
 * its reasons and the other crm-signals fields (getRecord with optionalFields, so a user without field
 * access sees a dash instead of an error), and a timeline of Signal_History__c rows through the
 * related-list wire (no Apex, so nothing to cover with Apex tests). Its Jest test replays recorded wire
 * data from __tests__/data, as ebikes-lwc does; it runs with sfdx-lwc-jest in manifests/salesforce,
 * not in this repository's vitest.
 */
import type { OutputField } from '../outputFields.ts';
import { json, text, type ManifestFiles, type XmlElement, el, metadataXml } from './files.ts';

export const LWC_NAME = 'signalHistory';
/** The objects whose record pages the component is offered on. */
export const LWC_OBJECTS = ['Lead', 'Contact'] as const;

const SCORE_KEY = 'leadScore';
const REASONS_KEY = 'leadScoreReasons';

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
  apiVersion: string;
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

const SAMPLE_REASONS = 'Raised by: previous_outcome = success (+14), contact_channel = cellular (+6); Lowered by: campaign_contacts 4-6 (-5)';

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

/** What the component shows for a sample: the display value (picklist label) when there is one. */
function shown(s: SampleValue): string {
  const v = s.displayValue ?? s.value;
  return v === null || v === '' ? '-' : String(v);
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
  { id: 'a015g00000Q1w2EAAR', signal: SCORE_KEY, oldValue: '64', newValue: '81', reasons: SAMPLE_REASONS, modelVersion: 'v7', changedAt: '2026-11-20T09:30:00.000Z' },
  { id: 'a015g00000Q1w1EAAR', signal: SCORE_KEY, oldValue: null, newValue: '64', reasons: 'No single factor moved this score.', modelVersion: 'v6', changedAt: '2026-11-02T16:05:00.000Z' },
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

// ---- sources --------------------------------------------------------------------------------

function jsSource(options: LwcOptions): string {
  const { fields, historyObject } = options;
  const h = LWC_HISTORY_FIELDS;
  const historyImports = (Object.keys(h) as (keyof typeof h)[]).map(
    (role) => `import HISTORY_${role.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_FIELD from '@salesforce/schema/${historyObject}.${h[role]}';`,
  );
  const fieldImports = LWC_OBJECTS.flatMap((object) => fields.map((f) => `import ${constantName(object, f)} from '@salesforce/schema/${object}.${f.names.salesforce}';`));
  const fieldTable = LWC_OBJECTS.map(
    (object) =>
      `    ${object}: [\n${fields.map((f) => `        { key: ${jsString(f.key)}, label: ${jsString(shortLabel(f))}, field: ${constantName(object, f)} }`).join(',\n')}\n    ]`,
  ).join(',\n');
  const labels = fields.map((f) => `    ${f.key}: ${jsString(shortLabel(f))}`).join(',\n');
  const suffixLength = historyObject.length;
  return text(`
/**
 * crm-signals on the Lead and Contact record page: the current score with its reasons, the other
 * crm-signals fields, and a timeline of what crm-signals changed (${historyObject}).
 *
 * Generated by src/domain/manifests/salesforceLwc.ts (npx tsx src/domain/manifests/write.ts): edit it there.
 */
import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue, getFieldDisplayValue } from 'lightning/uiRecordApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import SIGNAL_HISTORY_OBJECT from '@salesforce/schema/${historyObject}';
${historyImports.join('\n')}
${fieldImports.join('\n')}

/** The crm-signals fields on each object, in the order of src/domain/outputFields.ts. */
const SIGNAL_FIELDS = {
${fieldTable}
};

/** Output key -> label, for the timeline rows. */
const SIGNAL_LABELS = {
${labels}
};

const SCORE_KEY = ${jsString(SCORE_KEY)};
const REASONS_KEY = ${jsString(REASONS_KEY)};

function qualifiedName(field) {
    return field.objectApiName + '.' + field.fieldApiName;
}

const HISTORY_FIELD_NAMES = [
    HISTORY_SIGNAL_FIELD,
    HISTORY_OLD_VALUE_FIELD,
    HISTORY_NEW_VALUE_FIELD,
    HISTORY_REASONS_FIELD,
    HISTORY_MODEL_VERSION_FIELD,
    HISTORY_CHANGED_AT_FIELD
].map(qualifiedName);
const HISTORY_SORT_BY = ['-' + qualifiedName(HISTORY_CHANGED_AT_FIELD)];
const HISTORY_PAGE_SIZE = 20;

// In subscriber orgs the schema imports carry the package namespace (crmsignals__${historyObject});
// the child relationship name needs the same prefix, so it is taken from the object import.
const OBJECT_NAME = SIGNAL_HISTORY_OBJECT.objectApiName;
const RELATED_LIST_ID = OBJECT_NAME.slice(0, OBJECT_NAME.length - ${suffixLength}) + 'Signal_History__r';

function errorMessage(error) {
    if (!error) {
        return '';
    }
    if (Array.isArray(error.body)) {
        return error.body.map((e) => e.message).join(', ');
    }
    if (error.body && typeof error.body.message === 'string') {
        return error.body.message;
    }
    return typeof error.message === 'string' ? error.message : 'Unknown error';
}

/** The display value (a picklist's label) when there is one, else the value; null when empty. */
function shownValue(record, field) {
    const display = getFieldDisplayValue(record, field);
    const value = display !== null && display !== undefined ? display : getFieldValue(record, field);
    return value === null || value === undefined || value === '' ? null : String(value);
}

export default class SignalHistory extends LightningElement {
    @api recordId;
    @api objectApiName;

    record;
    recordError;
    historyRecords = [];
    historyError;

    get signalFields() {
        return SIGNAL_FIELDS[this.objectApiName] || [];
    }

    get optionalFields() {
        return this.signalFields.map((s) => qualifiedName(s.field));
    }

    @wire(getRecord, { recordId: '$recordId', optionalFields: '$optionalFields' })
    wiredRecord({ data, error }) {
        this.record = data;
        this.recordError = error;
    }

    @wire(getRelatedListRecords, {
        parentRecordId: '$recordId',
        relatedListId: RELATED_LIST_ID,
        fields: HISTORY_FIELD_NAMES,
        sortBy: HISTORY_SORT_BY,
        pageSize: HISTORY_PAGE_SIZE
    })
    wiredHistory({ data, error }) {
        this.historyRecords = data ? data.records : [];
        this.historyError = error;
    }

    valueOf(key) {
        const entry = this.signalFields.find((s) => s.key === key);
        return entry && this.record ? shownValue(this.record, entry.field) : null;
    }

    get score() {
        return this.valueOf(SCORE_KEY);
    }

    get hasScore() {
        return this.score !== null;
    }

    get reasons() {
        return this.valueOf(REASONS_KEY);
    }

    get details() {
        return this.signalFields
            .filter((s) => s.key !== SCORE_KEY && s.key !== REASONS_KEY)
            .map((s) => ({ key: s.key, label: s.label, value: (this.record && shownValue(this.record, s.field)) || '-' }));
    }

    get hasDetails() {
        return Boolean(this.record) && this.details.length > 0;
    }

    get recordErrorMessage() {
        return errorMessage(this.recordError);
    }

    get historyErrorMessage() {
        return errorMessage(this.historyError);
    }

    get history() {
        return this.historyRecords.map((row) => {
            const signal = shownValue(row, HISTORY_SIGNAL_FIELD);
            const oldValue = shownValue(row, HISTORY_OLD_VALUE_FIELD);
            const newValue = shownValue(row, HISTORY_NEW_VALUE_FIELD);
            return {
                id: row.id,
                signal: SIGNAL_LABELS[signal] || signal,
                change: (oldValue === null ? '' : oldValue + ' \\u2192 ') + (newValue === null ? '(cleared)' : newValue),
                reasons: shownValue(row, HISTORY_REASONS_FIELD),
                modelVersion: shownValue(row, HISTORY_MODEL_VERSION_FIELD),
                changedAt: getFieldValue(row, HISTORY_CHANGED_AT_FIELD)
            };
        });
    }

    get hasHistory() {
        return this.historyRecords.length > 0;
    }
}
`);
}

const HTML = text(`
<template>
    <lightning-card title="crm-signals" icon-name="custom:custom14">
        <div class="slds-var-p-horizontal_medium">
            <template lwc:if={recordError}>
                <p class="record-error slds-text-color_error" role="alert">{recordErrorMessage}</p>
            </template>
            <template lwc:elseif={hasScore}>
                <p class="slds-text-title">Lead score</p>
                <p class="score slds-text-heading_large">{score}</p>
                <p class="reasons slds-text-body_small">{reasons}</p>
            </template>
            <template lwc:else>
                <p class="no-score slds-text-color_weak">Not scored yet.</p>
            </template>
            <template lwc:if={hasDetails}>
                <dl class="details slds-var-m-top_small">
                    <template for:each={details} for:item="detail">
                        <div key={detail.key} class="detail slds-var-p-vertical_xx-small">
                            <dt class="slds-text-title">{detail.label}</dt>
                            <dd class="slds-text-body_regular">{detail.value}</dd>
                        </div>
                    </template>
                </dl>
            </template>
            <h3 class="slds-text-title_caps slds-var-m-top_medium">History</h3>
            <template lwc:if={historyError}>
                <p class="history-error slds-text-color_error" role="alert">{historyErrorMessage}</p>
            </template>
            <template lwc:elseif={hasHistory}>
                <ul class="timeline">
                    <template for:each={history} for:item="row">
                        <li key={row.id} class="history-row slds-var-p-vertical_x-small">
                            <p>
                                <span class="signal slds-text-title_bold">{row.signal}</span>
                                <span class="change slds-var-m-left_x-small">{row.change}</span>
                            </p>
                            <p class="slds-text-body_small slds-text-color_weak">
                                <lightning-formatted-date-time
                                    value={row.changedAt}
                                    year="numeric"
                                    month="short"
                                    day="2-digit"
                                    hour="2-digit"
                                    minute="2-digit"
                                ></lightning-formatted-date-time>
                                <span class="model slds-var-m-left_x-small">{row.modelVersion}</span>
                            </p>
                            <template lwc:if={row.reasons}>
                                <p class="row-reasons slds-text-body_small">{row.reasons}</p>
                            </template>
                        </li>
                    </template>
                </ul>
            </template>
            <template lwc:else>
                <p class="no-history slds-text-color_weak">No changes recorded yet.</p>
            </template>
        </div>
    </lightning-card>
</template>
`);

function metaXml(options: LwcOptions): string {
  const targetConfig: XmlElement = {
    name: 'targetConfig',
    attributes: { targets: 'lightning__RecordPage' },
    children: [el('objects', ...LWC_OBJECTS.map((o) => el('object', o)))],
  };
  return metadataXml('LightningComponentBundle', [
    el('apiVersion', options.apiVersion),
    el('description', 'crm-signals: the current lead score with its reasons, the other signals, and the history of what crm-signals changed.'),
    el('isExposed', 'true'),
    el('masterLabel', 'crm-signals: score and history'),
    el('targets', el('target', 'lightning__RecordPage')),
    el('targetConfigs', targetConfig),
  ]);
}

function testSource(fields: readonly OutputField[]): string {
  const details = fields.filter((f) => f.key !== SCORE_KEY && f.key !== REASONS_KEY);
  const score = fields.find((f) => f.key === SCORE_KEY);
  const reasons = fields.find((f) => f.key === REASONS_KEY);
  if (!score || !reasons) throw new Error(`the record page component needs the "${SCORE_KEY}" and "${REASONS_KEY}" output fields on contacts`);
  const newest = HISTORY_SAMPLES[0]!;
  const expected = {
    score: shown(sample(score)),
    reasons: shown(sample(reasons)),
    detailLabels: details.map(shortLabel),
    detailValues: details.map((f) => shown(sample(f))),
    historyRows: HISTORY_SAMPLES.length,
    newestSignal: shortLabel(score),
    newestChange: `${newest.oldValue} \u2192 ${newest.newValue}`,
  };
  return text(`
import { createElement } from 'lwc';
import SignalHistory from 'c/signalHistory';
import { getRecord } from 'lightning/uiRecordApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';

// Recorded wire data (generated with the component from src/domain/outputFields.ts).
const mockGetRecord = require('./data/getRecord.json');
const mockGetRelatedListRecords = require('./data/getRelatedListRecords.json');

const EXPECTED = ${JSON.stringify(expected, null, 4)};

describe('c-signal-history', () => {
    afterEach(() => {
        // The jsdom instance is shared across test cases in a single file so reset the DOM
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    // Helper function to wait until the microtask queue is empty.
    async function flushPromises() {
        return Promise.resolve();
    }

    function createComponent() {
        const element = createElement('c-signal-history', { is: SignalHistory });
        element.recordId = mockGetRecord.id;
        element.objectApiName = 'Lead';
        document.body.appendChild(element);
        return element;
    }

    it('shows the current score with its reasons', async () => {
        const element = createComponent();
        getRecord.emit(mockGetRecord);
        await flushPromises();

        expect(element.shadowRoot.querySelector('.score').textContent).toBe(EXPECTED.score);
        expect(element.shadowRoot.querySelector('.reasons').textContent).toBe(EXPECTED.reasons);
    });

    it('lists the other crm-signals fields with their labels', async () => {
        const element = createComponent();
        getRecord.emit(mockGetRecord);
        await flushPromises();

        const details = [...element.shadowRoot.querySelectorAll('.detail')];
        expect(details.map((d) => d.querySelector('dt').textContent)).toEqual(EXPECTED.detailLabels);
        expect(details.map((d) => d.querySelector('dd').textContent)).toEqual(EXPECTED.detailValues);
    });

    it('says so when the record has no score yet', async () => {
        const element = createComponent();
        getRecord.emit({ ...mockGetRecord, fields: {} });
        await flushPromises();

        expect(element.shadowRoot.querySelector('.score')).toBeNull();
        expect(element.shadowRoot.querySelector('.no-score')).not.toBeNull();
    });

    it('renders one timeline row per history record, newest first', async () => {
        const element = createComponent();
        getRelatedListRecords.emit(mockGetRelatedListRecords);
        await flushPromises();

        const rows = element.shadowRoot.querySelectorAll('.history-row');
        expect(rows.length).toBe(EXPECTED.historyRows);
        expect(rows[0].querySelector('.signal').textContent).toBe(EXPECTED.newestSignal);
        expect(rows[0].querySelector('.change').textContent).toBe(EXPECTED.newestChange);
    });

    it('says so when nothing has been recorded yet', async () => {
        const element = createComponent();
        getRelatedListRecords.emit({ ...mockGetRelatedListRecords, count: 0, records: [] });
        await flushPromises();

        expect(element.shadowRoot.querySelectorAll('.history-row').length).toBe(0);
        expect(element.shadowRoot.querySelector('.no-history')).not.toBeNull();
    });

    it('shows an error when the history cannot be read', async () => {
        const element = createComponent();
        getRelatedListRecords.error({ message: 'Insufficient access to Signal History' });
        await flushPromises();

        const error = element.shadowRoot.querySelector('.history-error');
        expect(error).not.toBeNull();
        expect(element.shadowRoot.querySelectorAll('.history-row').length).toBe(0);
    });
});
`);
}

/** Files of lwc/signalHistory, relative to the package folder given as `dir`. */
export function salesforceLwcFiles(dir: string, options: LwcOptions): ManifestFiles {
  const missing = Object.values(LWC_HISTORY_FIELDS).filter((name) => !options.historyFieldNames.includes(name));
  if (missing.length > 0) throw new Error(`the record page component reads ${missing.join(', ')}, which ${options.historyObject} does not have`);
  const base = `${dir}/${LWC_NAME}`;
  return {
    [`${base}/${LWC_NAME}.js`]: jsSource(options),
    [`${base}/${LWC_NAME}.html`]: HTML,
    [`${base}/${LWC_NAME}.js-meta.xml`]: metaXml(options),
    [`${base}/__tests__/${LWC_NAME}.test.js`]: testSource(options.fields),
    [`${base}/__tests__/data/getRecord.json`]: json(recordedRecord(options.fields)),
    [`${base}/__tests__/data/getRelatedListRecords.json`]: json(recordedHistory(options.historyObject)),
  };
}
