/**
 * A test double of `lightning/uiRecordApi`: the getRecord wire adapter, and getFieldValue /
 * getFieldDisplayValue reading a UI API record the way the platform does (a field is a schema import,
 * { objectApiName, fieldApiName }, or an "Object.Field" string).
 */
import { wireAdapterDouble } from './lwc.ts';

export const getRecord = wireAdapterDouble('getRecord');

type FieldRef = { objectApiName: string; fieldApiName: string } | string;
interface UiRecord {
  fields?: Record<string, { value: unknown; displayValue: unknown } | undefined>;
}

function fieldName(field: FieldRef): string {
  return typeof field === 'string' ? field.slice(field.indexOf('.') + 1) : field.fieldApiName;
}

export function getFieldValue(record: UiRecord | undefined, field: FieldRef): unknown {
  return record?.fields?.[fieldName(field)]?.value;
}

export function getFieldDisplayValue(record: UiRecord | undefined, field: FieldRef): unknown {
  return record?.fields?.[fieldName(field)]?.displayValue;
}
