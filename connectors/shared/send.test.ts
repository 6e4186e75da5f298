import { describe, expect, it } from 'vitest';
import { ConnectorError } from './errors.ts';
import { configureRequestTimeout, DEFAULT_REQUEST_TIMEOUT_MS, requestTimeoutMs, send, type SendContext } from './send.ts';

function context(timeoutMs: number): SendContext & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    limiter: null,
    usage: { calls: 0, retries: 0, throttled: 0 },
    policy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    describeError: () => ({ status: 500, headers: {}, body: null }),
    sleep: async (ms) => {
      waits.push(ms);
    },
    timeoutMs,
  };
}

const never = () => new Promise<never>(() => {});

describe('send: a request that gets no answer', () => {
  it('gives the attempt up at the deadline and retries it like a dropped connection', async () => {
    const ctx = context(20);
    let attempts = 0;
    const answer = await send(ctx, 'contacts page', () => (++attempts === 1 ? never() : Promise.resolve('page 2')));
    expect(answer).toBe('page 2');
    expect(attempts).toBe(2);
    expect(ctx.usage.retries).toBe(1);
    expect(ctx.waits).toHaveLength(1);
  });

  it('ends as unavailable, naming the deadline, when no attempt is ever answered', async () => {
    const ctx = context(10);
    let attempts = 0;
    const failure = await send(ctx, 'batch update', () => {
      attempts++;
      return never();
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(failure).toMatchObject({ code: 'unavailable', message: 'batch update failed (network error: no answer in 10 ms)' });
    expect(attempts).toBe(3);
  });

  it('ignores an abandoned attempt that fails after its deadline (no unhandled rejection)', async () => {
    const ctx = context(10);
    let attempts = 0;
    const late = () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('socket hang up')), 40));
    const answer = await send(ctx, 'search', () => (++attempts === 1 ? late() : Promise.resolve('ok')));
    expect(answer).toBe('ok');
    // The late rejection lands while the test is still running; vitest fails the run on an unhandled one.
    await new Promise((resolve) => setTimeout(resolve, 60));
  });

  it('takes its deadline from the configuration, two minutes when none is set', () => {
    try {
      configureRequestTimeout(5000);
      expect(requestTimeoutMs()).toBe(5000);
      configureRequestTimeout(undefined);
      expect(requestTimeoutMs()).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
      expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(120_000);
    } finally {
      configureRequestTimeout(undefined);
    }
  });
});
