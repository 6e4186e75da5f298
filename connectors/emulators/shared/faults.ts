/**
 * What both emulators' fault switches share: settings tests patch and reset, failures queued for the
 * next calls, a seeded stream of random server errors (so a flaky run replays), and added latency.
 * Each emulator extends it with its CRM's own switches.
 */
import { createRng, deriveSeed, type Random } from '../../../src/domain/random.mjs';

export interface ServerFaultSettings {
  /** Share (0..1) of API calls answered with a server error, drawn from the seeded stream. */
  serverErrorRate: number;
  /** Added before every API answer. */
  latencyMs: number;
}

export interface FaultStream<Status extends number> {
  seed: number;
  /** The deriveSeed stream name, so faults draw independently of the seeded data. */
  stream: string;
  /** Which server error a random failure is (it may draw from `random`). */
  errorStatus(random: Random): Status;
  /** What failNext answers when not told. */
  defaultStatus: Status;
}

export class FaultSwitches<Settings extends ServerFaultSettings, Status extends number> {
  private settings: Settings;
  private pending: Status[] = [];
  private random: Random;

  constructor(
    private readonly defaults: Settings,
    private readonly draws: FaultStream<Status>,
  ) {
    this.settings = { ...defaults };
    this.random = this.freshStream();
  }

  private freshStream(): Random {
    return createRng(deriveSeed(this.draws.seed, this.draws.stream)).next;
  }

  get current(): Readonly<Settings> {
    return this.settings;
  }

  set(patch: Partial<Settings>): void {
    this.settings = { ...this.settings, ...patch };
  }

  /** Back to the defaults, including the seeded error stream; forgets queued failures. */
  reset(): void {
    this.settings = { ...this.defaults };
    this.pending = [];
    this.random = this.freshStream();
  }

  /** The next n API calls (after authentication and rate limiting) answer this status. */
  failNext(n: number, status: Status = this.draws.defaultStatus): void {
    for (let i = 0; i < n; i++) this.pending.push(status);
  }

  /** Whether this call fails: queued failures first, then the random rate. */
  drawServerError(): Status | undefined {
    const queued = this.pending.shift();
    if (queued !== undefined) return queued;
    if (this.settings.serverErrorRate > 0 && this.random() < this.settings.serverErrorRate) return this.draws.errorStatus(this.random);
    return undefined;
  }

  /** Waits the configured latency, if any. */
  async delay(): Promise<void> {
    const ms = this.settings.latencyMs;
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
