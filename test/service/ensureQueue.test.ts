import type PgBoss from 'pg-boss';
import { describe, expect, it } from 'vitest';
import { ensureQueue } from '../../src/pipeline/jobs/bossDb.ts';

/** A boss whose create_queue loses the race `deadlocks` times (as PostgreSQL reports it) before it succeeds. */
function racingBoss(deadlocks: number, code = '40P01') {
  const made = new Set<string>();
  let failures = 0;
  const calls = { create: 0 };
  const boss = {
    getQueue: async (name: string) => (made.has(name) ? { name } : null),
    createQueue: async (name: string) => {
      calls.create++;
      if (failures < deadlocks) {
        failures++;
        // The other process wins the race on a deadlock: the queue exists when the loser looks again.
        if (code === '40P01') made.add(name);
        throw Object.assign(new Error('deadlock detected'), { code });
      }
      made.add(name);
    },
  } as unknown as PgBoss;
  return { boss, calls, made };
}

describe('ensureQueue', () => {
  it('creates a missing queue once', async () => {
    const { boss, calls, made } = racingBoss(0);
    await ensureQueue(boss, 'q', { policy: 'stately' });
    await ensureQueue(boss, 'q', { policy: 'stately' });
    expect(calls.create).toBe(1);
    expect(made.has('q')).toBe(true);
  });

  it('a process that loses the creation race as a deadlock finds the queue the winner made', async () => {
    const { boss, calls } = racingBoss(1);
    await expect(ensureQueue(boss, 'q')).resolves.toBeUndefined();
    expect(calls.create).toBe(1);
  });

  it('other errors are not retried', async () => {
    const { boss, calls } = racingBoss(1, '42501');
    await expect(ensureQueue(boss, 'q')).rejects.toThrow(/deadlock detected/);
    expect(calls.create).toBe(1);
  });
});
