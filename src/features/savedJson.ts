/**
 * Reading back what a fitted object's toJSON wrote (feature steps, models): the `kind` tag, then the
 * version, then the shape with zod, each failure one readable message naming the object and the path.
 * Checking the tag first makes "this is some other object" a different error from "this one is broken".
 */
import type { z } from 'zod';

export interface SavedJsonShape<Schema extends z.ZodType> {
  kind: string;
  version: number;
  /** How messages name the object: "unsupported <name> version", "invalid <name> JSON". */
  name: string;
  /** "not <notA>: expected kind ..." (default "a <name>"). */
  notA?: string;
  /** How a problem at the top level is named (the path of a deeper one is shown instead). */
  root: string;
  schema: Schema;
  /** Said after the version that this build reads, e.g. "; retrain". */
  versionHint?: string;
  /** The error class thrown (default Error). */
  error?: new (message: string) => Error;
}

export function parseSavedJson<Schema extends z.ZodType>(json: unknown, shape: SavedJsonShape<Schema>): z.output<Schema> {
  const ErrorClass = shape.error ?? Error;
  const fail = (message: string): Error => new ErrorClass(message);
  const tag = json as { kind?: unknown; version?: unknown } | null;
  if (typeof tag !== 'object' || tag === null || tag.kind !== shape.kind) {
    throw fail(`not ${shape.notA ?? `a ${shape.name}`}: expected kind "${shape.kind}", got ${JSON.stringify(tag?.kind ?? null)}`);
  }
  if (tag.version !== shape.version) {
    throw fail(`unsupported ${shape.name} version ${JSON.stringify(tag.version ?? null)} (this build reads version ${shape.version}${shape.versionHint ?? ''})`);
  }
  const parsed = shape.schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || shape.root}: ${i.message}`);
    throw fail(`invalid ${shape.name} JSON: ${problems.join('; ')}`);
  }
  return parsed.data;
}
