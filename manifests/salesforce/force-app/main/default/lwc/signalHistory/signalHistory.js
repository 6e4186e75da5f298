/**
 * crm-signals on the Lead and Contact record page: the current score with its reasons, the other
 * crm-signals fields, and a timeline of what crm-signals changed (Signal_History__c).
 *
 * Fields are read with getRecord's optionalFields, so a user without access to a field sees a dash
 * instead of an error; the history comes from the related-list wire, so there is no Apex to cover.
 * Which fields exist is generated into ./fields.js from src/domain/outputFields.ts.
 */
import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue, getFieldDisplayValue } from 'lightning/uiRecordApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import { SIGNAL_FIELDS, SIGNAL_LABELS, SCORE_KEY, REASONS_KEY, HISTORY_OBJECT, HISTORY_OBJECT_NAME, HISTORY_RELATIONSHIP, HISTORY_FIELDS } from './fields';

const HISTORY_PAGE_SIZE = 20;

function qualifiedName(field) {
    return field.objectApiName + '.' + field.fieldApiName;
}

const HISTORY_FIELD_NAMES = Object.values(HISTORY_FIELDS).map(qualifiedName);
const HISTORY_SORT_BY = ['-' + qualifiedName(HISTORY_FIELDS.changedAt)];

// In subscriber orgs the schema imports carry the package namespace (crmsignals__Signal_History__c);
// the child relationship name needs the same prefix, so it is taken from the object import.
const NAMESPACE_PREFIX = HISTORY_OBJECT.objectApiName.slice(0, HISTORY_OBJECT.objectApiName.length - HISTORY_OBJECT_NAME.length);
const RELATED_LIST_ID = NAMESPACE_PREFIX + HISTORY_RELATIONSHIP;

/** The message of a wire error: UI API errors carry it in body (an object or a list of them). */
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
            const signal = shownValue(row, HISTORY_FIELDS.signal);
            const oldValue = shownValue(row, HISTORY_FIELDS.oldValue);
            const newValue = shownValue(row, HISTORY_FIELDS.newValue);
            return {
                id: row.id,
                signal: SIGNAL_LABELS[signal] || signal,
                change: (oldValue === null ? '' : oldValue + ' \u2192 ') + (newValue === null ? '(cleared)' : newValue),
                reasons: shownValue(row, HISTORY_FIELDS.reasons),
                modelVersion: shownValue(row, HISTORY_FIELDS.modelVersion),
                changedAt: getFieldValue(row, HISTORY_FIELDS.changedAt)
            };
        });
    }

    get hasHistory() {
        return this.historyRecords.length > 0;
    }
}
