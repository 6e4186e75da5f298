/**
 * A rolling-window limiter per CRM account: at most `max` requests start in any `intervalMs`.
 * Requests wait their turn instead of being sent to collect 429s.
 */
export interface WindowLimit {
  max: number;
  intervalMs: number;
}

export class RollingWindowLimiter {
  private readonly starts: number[] = [];
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: WindowLimit,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!(limit.max >= 1) || !(limit.intervalMs > 0)) throw new Error(`invalid rate limit ${JSON.stringify(limit)}`);
  }

  /** Resolves when a request may start; callers are served in arrival order. */
  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.waitForSlot());
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** After a 429 the server's window is full whatever we counted: block new starts for `ms`. */
  pause(ms: number): void {
    const until = this.now() + ms;
    // Filling the window with synthetic starts keeps one code path for "wait until a slot frees".
    this.starts.length = 0;
    for (let i = 0; i < this.limit.max; i++) this.starts.push(until - this.limit.intervalMs);
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.starts.length > 0 && this.starts[0]! <= now - this.limit.intervalMs) this.starts.shift();
      if (this.starts.length < this.limit.max) {
        this.starts.push(now);
        return;
      }
      await this.sleep(this.starts[0]! + this.limit.intervalMs - now + 1);
    }
  }
}
