/**
 * Saving an emulator's state between runs, so the embedded demo's portal or org persists like a
 * real one: a second run sees what the first one wrote instead of a freshly seeded CRM.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';

/**
 * Writes the dump as JSON through a temp file and a rename, so a run killed mid-write leaves the
 * previous dump intact rather than half a file the next start would refuse.
 */
export function saveEmulatorDump(path: string, dump: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(dump));
  renameSync(temp, path);
}

/** The parsed JSON at path, or null when there is no file yet (first run). Not validated here. */
export function loadEmulatorDump(path: string): unknown | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`emulator dump ${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export interface DumpShape<Schema extends z.ZodType> {
  kind: string;
  version: number;
  /** How messages name the dump, e.g. "HubSpot emulator dump". */
  name: string;
  schema: Schema;
}

/**
 * Checks the kind tag first (a Salesforce dump handed to HubSpot is a different mistake from a
 * damaged one), then the version, then the shape, each failure naming what is wrong and where.
 */
export function parseDump<Schema extends z.ZodType>(json: unknown, shape: DumpShape<Schema>): z.output<Schema> {
  const tag = json as { kind?: unknown; version?: unknown } | null;
  if (typeof tag !== 'object' || tag === null || Array.isArray(tag)) {
    throw new Error(`not a ${shape.name}: expected a JSON object, got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`);
  }
  if (tag.kind !== shape.kind) {
    throw new Error(`not a ${shape.name}: expected kind "${shape.kind}", got ${JSON.stringify(tag.kind ?? null)}`);
  }
  if (tag.version !== shape.version) {
    throw new Error(`unsupported ${shape.name} version ${JSON.stringify(tag.version ?? null)} (this build reads version ${shape.version})`);
  }
  const parsed = shape.schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    const more = parsed.error.issues.length > 5 ? `; and ${parsed.error.issues.length - 5} more` : '';
    throw new Error(`invalid ${shape.name}: ${problems.join('; ')}${more}`);
  }
  return parsed.data;
}

/** A consistency problem zod cannot see (duplicate ids, counters behind the ids), named the same way. */
export function dumpError(name: string, where: string, problem: string): Error {
  return new Error(`invalid ${name}: ${where}: ${problem}`);
}
