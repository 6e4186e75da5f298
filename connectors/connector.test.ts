import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from './connector.ts';

describe('parseCheckpoint', () => {
  it('accepts both phases', () => {
    expect(parseCheckpoint({ phase: 'initial', after: '100', startedAt: '2026-01-01T00:00:00.000Z' })).toEqual({ phase: 'initial', after: '100', startedAt: '2026-01-01T00:00:00.000Z' });
    expect(parseCheckpoint({ phase: 'incremental', since: '2026-01-01T00:00:00.000Z', afterId: '7' })).toMatchObject({ phase: 'incremental', afterId: '7' });
  });

  it('turns a corrupt checkpoint into a clean re-sync instead of a crash', () => {
    expect(parseCheckpoint({ phase: 'sideways' })).toBeNull();
    expect(parseCheckpoint('garbage')).toBeNull();
    expect(parseCheckpoint(null)).toBeNull();
  });
});
