/**
 * Rolling-window limiter, one per policy per portal. A rejected request does not take a slot:
 * otherwise a client that keeps knocking would never get back in, which is not what HubSpot does.
 */
export interface WindowConfig {
  max: number;
  intervalMs: number;
}

export type TakeResult =
  | { ok: true; remaining: number; config: WindowConfig }
  | { ok: false; retryAfterMs: number; config: WindowConfig };

export class RollingWindow {
  private hits: number[] = [];

  constructor(
    private readonly config: () => WindowConfig,
    private readonly clock: () => number,
  ) {}

  take(): TakeResult {
    const config = this.config();
    const now = this.clock();
    const cutoff = now - config.intervalMs;
    let drop = 0;
    while (drop < this.hits.length && (this.hits[drop] as number) <= cutoff) drop++;
    if (drop > 0) this.hits = this.hits.slice(drop);
    if (this.hits.length >= config.max) {
      // The oldest hits that must leave before one slot frees up.
      const freeing = this.hits[this.hits.length - config.max] as number;
      return { ok: false, retryAfterMs: Math.max(1, freeing + config.intervalMs - now), config };
    }
    this.hits.push(now);
    return { ok: true, remaining: config.max - this.hits.length, config };
  }

  reset(): void {
    this.hits = [];
  }
}
