/**
 * The hand-written record page component (lwc/signalHistory), run under vitest against test doubles of
 * the platform modules (test/manifests/lwc): it builds its field list from the generated fields.js,
 * shows the score, the other fields with their labels, the history rows, and the empty and error states,
 * replaying the recorded wire data in __tests__/data as ebikes-lwc's Jest tests do. The template may
 * bind only what the component defines.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript LWC source, compiled by test/manifests/lwc/lwcTestPlugin.ts
import SignalHistory from '../../manifests/salesforce/force-app/main/default/lwc/signalHistory/signalHistory.js';
import { LWC_HISTORY_FIELDS, LWC_NAME, LWC_REASONS_KEY, LWC_SCORE_KEY, SIGNAL_HISTORY_OBJECT } from '../../src/manifests/index.ts';
import { MANIFESTS_DIR } from '../../src/manifests/write.ts';
import { OUTPUT_FIELDS } from '../../src/domain/outputFields.ts';
import { mount, publicPropertiesOf } from './lwc/lwc.ts';
import { getRecord } from './lwc/uiRecordApi.ts';
import { getRelatedListRecords } from './lwc/uiRelatedListApi.ts';
import { parseXml, type XmlNode } from './xml.ts';

const DIR = join(MANIFESTS_DIR, 'salesforce/force-app/main/default/lwc', LWC_NAME);
const recorded = (name: string): any => JSON.parse(readFileSync(join(DIR, '__tests__/data', name), 'utf8'));
const mockGetRecord = recorded('getRecord.json');
const mockGetRelatedListRecords = recorded('getRelatedListRecords.json');

/** What the component shows a rep: the reason codes JSON is for programs. */
const contactFields = OUTPUT_FIELDS.filter((f) => f.objectType === 'contact' && f.audience !== 'programs');
const shortLabel = (label: string) => label.replace(/\s*\(crm-signals\)$/, '');

interface Component {
  recordId: string;
  objectApiName: string;
  optionalFields: string[];
  score: string | null;
  hasScore: boolean;
  reasons: string | null;
  details: { key: string; label: string; value: string }[];
  hasDetails: boolean;
  recordErrorMessage: string;
  history: { id: string; signal: string; change: string; reasons: string | null; modelVersion: string | null; changedAt: string }[];
  hasHistory: boolean;
  historyErrorMessage: string;
  [key: string]: unknown;
}

const create = (objectApiName = 'Lead'): Component => mount(SignalHistory, { recordId: mockGetRecord.id, objectApiName }) as Component;

afterEach(() => {
  getRecord.reset();
  getRelatedListRecords.reset();
});

describe('signalHistory: fields', () => {
  it('asks getRecord for every contact output field of its object, as optional fields', () => {
    for (const object of ['Lead', 'Contact']) {
      const component = create(object);
      const expected = contactFields.map((f) => `${object}.${f.names.salesforce}`);
      expect(component.optionalFields).toEqual(expected);
      expect(getRecord.lastConfig()).toEqual({ recordId: mockGetRecord.id, optionalFields: expected });
    }
  });

  it('shows nothing for an object it is not made for', () => {
    const component = create('Account');
    expect(component.optionalFields).toEqual([]);
    getRecord.emit(mockGetRecord);
    expect(component.details).toEqual([]);
    expect(component.hasScore).toBe(false);
  });

  it('shows the current score with its reasons', () => {
    const component = create();
    getRecord.emit(mockGetRecord);
    const score = contactFields.find((f) => f.key === LWC_SCORE_KEY)!;
    const reasons = contactFields.find((f) => f.key === LWC_REASONS_KEY)!;
    expect(component.hasScore).toBe(true);
    expect(component.score).toBe(String(mockGetRecord.fields[score.names.salesforce].value));
    expect(component.reasons).toBe(mockGetRecord.fields[reasons.names.salesforce].value);
  });

  it('lists the other crm-signals fields with their labels, a picklist by its label, a missing one as a dash', () => {
    const component = create();
    const segment = contactFields.find((f) => f.key === 'segment')!;
    const recommendations = contactFields.find((f) => f.key === 'recommendations')!;
    const { [recommendations.names.salesforce]: _hidden, ...visible } = mockGetRecord.fields;
    getRecord.emit({ ...mockGetRecord, fields: visible });
    const others = contactFields.filter((f) => f.key !== LWC_SCORE_KEY && f.key !== LWC_REASONS_KEY);
    expect(component.details.map((d) => d.label)).toEqual(others.map((f) => shortLabel(f.label)));
    const byKey = new Map(component.details.map((d) => [d.key, d.value]));
    expect(byKey.get('segment')).toBe(mockGetRecord.fields[segment.names.salesforce].displayValue);
    // No field access: getRecord leaves an optional field out, and the component shows a dash.
    expect(byKey.get('recommendations')).toBe('-');
    expect(byKey.get('feedbackSentiment')).toBe(String(mockGetRecord.fields.Signals_Feedback_Sentiment__c.value));
  });

  it('says so when the record has no score yet', () => {
    const component = create();
    getRecord.emit({ ...mockGetRecord, fields: {} });
    expect(component.hasScore).toBe(false);
    expect(component.score).toBeNull();
    expect(component.details.every((d) => d.value === '-')).toBe(true);
  });

  it('shows the message of a record error', () => {
    const component = create();
    getRecord.error([{ errorCode: 'INSUFFICIENT_ACCESS', message: 'You do not have access to this record' }], 403);
    expect(component.recordErrorMessage).toBe('You do not have access to this record');
    expect(component.hasDetails).toBe(false);
  });
});

describe('signalHistory: history', () => {
  it('reads the history through the related-list wire, newest first, with the history fields', () => {
    create();
    const config = getRelatedListRecords.lastConfig()!;
    expect(config.parentRecordId).toBe(mockGetRecord.id);
    expect(config.relatedListId).toBe('Signal_History__r');
    expect(config.fields).toEqual(Object.values(LWC_HISTORY_FIELDS).map((f) => `${SIGNAL_HISTORY_OBJECT}.${f}`));
    expect(config.sortBy).toEqual([`-${SIGNAL_HISTORY_OBJECT}.${LWC_HISTORY_FIELDS.changedAt}`]);
  });

  it('renders one row per history record with the signal label, the change, reasons and model', () => {
    const component = create();
    getRelatedListRecords.emit(mockGetRelatedListRecords);
    expect(component.hasHistory).toBe(true);
    const rows = component.history;
    expect(rows).toHaveLength(mockGetRelatedListRecords.records.length);
    const [newest, first] = mockGetRelatedListRecords.records;
    const value = (row: any, role: keyof typeof LWC_HISTORY_FIELDS) => row.fields[LWC_HISTORY_FIELDS[role]].value;
    expect(rows[0]).toEqual({
      id: newest.id,
      signal: shortLabel(contactFields.find((f) => f.key === value(newest, 'signal'))!.label),
      change: `${value(newest, 'oldValue')} \u2192 ${value(newest, 'newValue')}`,
      reasons: value(newest, 'reasons'),
      modelVersion: value(newest, 'modelVersion'),
      changedAt: value(newest, 'changedAt'),
    });
    // The first value has no old value: no arrow.
    expect(value(first, 'oldValue')).toBeNull();
    expect(rows[1]!.change).toBe(String(value(first, 'newValue')));
  });

  it('labels a cleared value and an unknown signal by its key', () => {
    const component = create();
    const row = mockGetRelatedListRecords.records[0];
    const cleared = { ...row, fields: { ...row.fields, [LWC_HISTORY_FIELDS.newValue]: { value: null, displayValue: null }, [LWC_HISTORY_FIELDS.signal]: { value: 'retiredSignal', displayValue: null } } };
    getRelatedListRecords.emit({ ...mockGetRelatedListRecords, records: [cleared] });
    expect(component.history[0]).toMatchObject({ signal: 'retiredSignal', change: `${row.fields[LWC_HISTORY_FIELDS.oldValue].value} \u2192 (cleared)` });
  });

  it('says so when nothing has been recorded yet', () => {
    const component = create();
    getRelatedListRecords.emit({ ...mockGetRelatedListRecords, count: 0, records: [] });
    expect(component.hasHistory).toBe(false);
    expect(component.history).toEqual([]);
  });

  it('shows an error when the history cannot be read, and no rows', () => {
    const component = create();
    getRelatedListRecords.emit(mockGetRelatedListRecords);
    getRelatedListRecords.error({ message: 'Insufficient access to Signal History' });
    expect(component.historyErrorMessage).toBe('Insufficient access to Signal History');
    expect(component.history).toEqual([]);
  });
});

describe('signalHistory: template', () => {
  const template = parseXml(readFileSync(join(DIR, `${LWC_NAME}.html`), 'utf8'), { lenient: true });

  /** Every {binding} of the template with the loop variables in scope where it appears. */
  function bindings(node: XmlNode, scope: readonly string[] = []): { name: string; scope: readonly string[] }[] {
    const inner = node.attributes['for:item'] ? [...scope, node.attributes['for:item']] : scope;
    const own = Object.values(node.attributes).flatMap((v) => [...v.matchAll(/^\{([\w.]+)\}$/g)].map((m) => ({ name: m[1]!, scope: inner })));
    const text = [...node.text.matchAll(/\{([\w.]+)\}/g)].map((m) => ({ name: m[1]!, scope: inner }));
    return [...own, ...text, ...node.children.flatMap((c) => bindings(c, inner))];
  }

  it('binds only properties the component defines (or loop items)', () => {
    const component = create();
    getRecord.emit(mockGetRecord);
    getRelatedListRecords.emit(mockGetRelatedListRecords);
    const found = bindings(template);
    expect(found.length).toBeGreaterThan(10);
    for (const { name, scope } of found) {
      const root = name.split('.')[0]!;
      if (scope.includes(root)) continue;
      expect(root in component, `{${name}}`).toBe(true);
    }
    // The loop items' fields exist on the shaped rows and details.
    const rowFields = found.filter((b) => b.name.startsWith('row.')).map((b) => b.name.slice(4));
    for (const field of rowFields) expect(component.history[0]!, `row.${field}`).toHaveProperty(field);
    const detailFields = found.filter((b) => b.name.startsWith('detail.')).map((b) => b.name.slice(7));
    for (const field of detailFields) expect(component.details[0]!, `detail.${field}`).toHaveProperty(field);
  });

  it('takes only recordId and objectApiName from the page', () => {
    expect(publicPropertiesOf(SignalHistory).sort()).toEqual(['objectApiName', 'recordId']);
  });
});
