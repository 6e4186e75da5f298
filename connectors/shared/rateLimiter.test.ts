import { describe, expect, it } from 'vitest';
import { RollingWindowLimiter } from './rateLimiter.ts';

function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    advance: (ms: number) => (now += ms),
  };
}

describe('RollingWindowLimiter', () => {
  it('lets max requests start per interval and makes the next one wait for the oldest to leave the window', async () => {
    const clock = fakeClock();
    const limiter = new RollingWindowLimiter({ max: 3, intervalMs: 1000 }, clock.now, clock.sleep);
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) {
      await limiter.acquire();
      starts.push(clock.now());
    }
    expect(starts).toEqual([0, 0, 0, 1001, 1001, 1001, 2002]);
  });

  it('blocks every start for the pause after a 429', async () => {
    const clock = fakeClock();
    const limiter = new RollingWindowLimiter({ max: 5, intervalMs: 1000 }, clock.now, clock.sleep);
    await limiter.acquire();
    limiter.pause(4000);
    await limiter.acquire();
    expect(clock.now()).toBeGreaterThanOrEqual(4000);
  });

  it('refuses a nonsensical limit', () => {
    expect(() => new RollingWindowLimiter({ max: 0, intervalMs: 1000 })).toThrow(/invalid rate limit/);
  });
});
