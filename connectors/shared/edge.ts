/**
 * The checks every connector applies to what a CRM answers, before anything reaches the store: property
 * values (length, invalid unicode), timestamps, the split of a page into records and rejections, and
 * token answers. A record that fails is rejected with a reason naming the problem; the page goes on.
 */
import type { z } from 'zod';
import type { CanonicalRecord, ObjectType, PropertyValue, RejectedRecord } from '../../src/domain/records.ts';
import { ConnectorError } from './errors.ts';

/**
 * The longest value we accept: HubSpot's limit for a text property, and above Salesforce's longest text
 * area (131,072 is rich text only, which we never read), so one limit serves both.
 */
export const MAX_VALUE_LENGTH = 65_536;

/** A UTF-16 surrogate without its pair: not a character, and PostgreSQL refuses it in jsonb. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with one property value, or null when it can be stored. */
export function valueProblem(name: string, value: PropertyValue, crm: string): string | null {
  if (value === null) return null;
  if (value.length > MAX_VALUE_LENGTH) return `property "${name}" is ${value.length} characters long (${crm} allows ${MAX_VALUE_LENGTH})`;
  if (LONE_SURROGATE.test(value)) return `property "${name}" holds invalid unicode (a lone surrogate)`;
  return null;
}

/** The first problem among a record's properties, or null. */
export function propertiesProblem(properties: Record<string, PropertyValue>, crm: string): string | null {
  for (const [name, value] of Object.entries(properties)) {
    const problem = valueProblem(name, value, crm);
    if (problem) return problem;
  }
  return null;
}

/**
 * An instant as ISO 8601 (UTC, milliseconds), or null when it is none. CRMs spell times as ISO strings
 * (with Z or +0000), as epoch milliseconds in a string (HubSpot search filters and some properties), or
 * the SDK hands a Date.
 */
export function isoInstant(raw: unknown): string | null {
  if (raw instanceof Date) return Number.isFinite(raw.getTime()) ? raw.toISOString() : null;
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  // A finite number can still lie past a Date's range (±8.64e15 ms), where toISOString throws.
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date.toISOString() : null;
}

export type Mapped = { ok: true; record: CanonicalRecord } | { ok: false; rejected: RejectedRecord };

export function rejected(objectType: ObjectType, externalId: string | null, reason: string): Mapped {
  return { ok: false, rejected: { objectType, externalId, reason } };
}

/** One page of raw answers split into canonical records and rejections, by one mapper for every phase. */
export function mapPageWith(raws: readonly unknown[], mapOne: (raw: unknown) => Mapped): { records: CanonicalRecord[]; rejected: RejectedRecord[] } {
  const records: CanonicalRecord[] = [];
  const rejectedRecords: RejectedRecord[] = [];
  for (const raw of raws) {
    const mapped = mapOne(raw);
    if (mapped.ok) records.push(mapped.record);
    else rejectedRecords.push(mapped.rejected);
  }
  return { records, rejected: rejectedRecords };
}

/** What is wrong with one field of an answer, never quoting a string (it may be a token). */
function answerProblem(issue: z.core.$ZodIssue, body: unknown): string {
  const field = issue.path.map(String).join('.') || 'the body';
  let value: unknown = body;
  for (const key of issue.path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  if (value === undefined || value === null) return `${field} is missing`;
  const kind = typeof value === 'number' ? `${value}` : typeof value === 'string' ? (value === '' ? 'an empty string' : `a string of ${value.length} characters`) : Array.isArray(value) ? 'an array' : typeof value;
  switch (issue.code) {
    case 'invalid_type':
      return `${field} should be a ${issue.expected}, got ${kind}`;
    case 'too_small':
      if (typeof value === 'string') return issue.minimum === 1 ? `${field} is empty` : `${field} is shorter than ${String(issue.minimum)} characters`;
      return `${field} must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}, got ${kind}`;
    case 'too_big':
      return `${field} must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}, got ${kind}`;
    default:
      return `${field} is invalid (${issue.message}), got ${kind}`;
  }
}

/**
 * A token (or other auth) answer checked against what we rely on: a missing, empty or out-of-range field
 * is a bad answer naming the field and what is wrong with it, never an undefined token saved for later.
 */
export function authAnswer<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = [...new Set(parsed.error.issues.map((issue) => answerProblem(issue, body)))];
  throw new ConnectorError('bad_response', `${what} is not usable: ${problems.join('; ')}`);
}

/** The reason for a record whose modification stamp cannot be read (incremental reads order by it). */
export function stampProblem(name: string): string {
  return `${name} is missing or not a date`;
}
