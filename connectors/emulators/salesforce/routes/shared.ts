/** Small helpers the route modules share: body parsing, the version path, record JSON. */
import type { Context } from 'hono';
import { restError } from '../errors.ts';
import type { FieldDef, ObjectDef } from '../schema.ts';
import { toJson, type StoredRecord } from '../values.ts';

/** Every REST route sits under this prefix; any vNN.N is accepted. */
export const V = '/services/data/:version{v[0-9]+\\.[0-9]+}';

/** Reads a JSON body; a body Salesforce's parser would refuse answers JSON_PARSER_ERROR. */
export async function readJson(c: Context): Promise<{ value: unknown; raw: string }> {
  const raw = await c.req.text();
  try {
    return { value: JSON.parse(raw) as unknown, raw };
  } catch (e) {
    const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
    const pos = m ? Number(m[1]) : raw.length;
    const before = raw.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    const ch = raw[pos];
    const what = ch === undefined ? 'end-of-input' : `character ('${ch}' (code ${ch.charCodeAt(0)}))`;
    throw restError(400, 'JSON_PARSER_ERROR', `Unexpected ${what}: expected a valid value at [line:${line}, column:${column}]`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A record as GET /sobjects/<Object>/<Id> and collection retrieve return it. */
export function recordJson(object: ObjectDef, fields: readonly FieldDef[], rec: StoredRecord, version: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: object.name, url: `/services/data/v${version}/sobjects/${object.name}/${rec['Id'] as string}` },
  };
  for (const f of fields) out[f.name] = toJson(f, rec[f.name]);
  return out;
}

/** The version from the path, without the "v" (e.g. "62.0"). */
export function versionOf(c: Context): string {
  return (c.req.param('version') ?? 'v62.0').slice(1);
}
