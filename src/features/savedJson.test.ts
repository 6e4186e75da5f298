import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FeatureSchemaError } from './pipeline.ts';
import { parseSavedJson } from './savedJson.ts';

const schema = z.object({ kind: z.literal('thing'), version: z.literal(2), sizes: z.array(z.number().int()) });
const shape = { kind: 'thing', version: 2, name: 'thing', root: 'thing', schema };

describe('parseSavedJson', () => {
  it('returns the parsed object when kind, version and shape are right', () => {
    expect(parseSavedJson({ kind: 'thing', version: 2, sizes: [1, 2] }, shape)).toEqual({ kind: 'thing', version: 2, sizes: [1, 2] });
  });

  it('tells another object, another version and a broken one apart, naming the path', () => {
    expect(() => parseSavedJson(null, shape)).toThrow('not a thing: expected kind "thing", got null');
    expect(() => parseSavedJson({ kind: 'other' }, shape)).toThrow('not a thing: expected kind "thing", got "other"');
    expect(() => parseSavedJson({ kind: 'thing', version: 1 }, { ...shape, versionHint: '; retrain' })).toThrow('unsupported thing version 1 (this build reads version 2; retrain)');
    expect(() => parseSavedJson({ kind: 'thing', version: 2, sizes: [1.5] }, shape)).toThrow(/^invalid thing JSON: sizes\.0: /);
    expect(() => parseSavedJson({ kind: 'thing', version: 2 }, shape)).toThrow(/invalid thing JSON: sizes: /);
  });

  it('throws the error class it is given, and words "not" as told', () => {
    expect(() => parseSavedJson([], { ...shape, error: FeatureSchemaError })).toThrow(FeatureSchemaError);
    expect(() => parseSavedJson('x', { ...shape, name: 'date features', notA: 'date features' })).toThrow(/^not date features:/);
  });
});
