/**
 * The org's daily API request allocation: a rolling 24-hour count shared by every call that
 * counts (all authenticated /services/data/vXX.X requests, Bulk API 2.0 ones included; not the
 * versions list, not OAuth). Kept in hourly buckets so old calls age out as in Salesforce.
 */
const HOUR_MS = 3_600_000;
const WINDOW_HOURS = 24;

export class ApiUsage {
  private buckets = new Map<number, number>();

  constructor(private readonly clock: () => number) {}

  private prune(): number {
    const hour = Math.floor(this.clock() / HOUR_MS);
    for (const h of this.buckets.keys()) if (h <= hour - WINDOW_HOURS) this.buckets.delete(h);
    return hour;
  }

  used(): number {
    this.prune();
    let sum = 0;
    for (const n of this.buckets.values()) sum += n;
    return sum;
  }

  record(): void {
    const hour = this.prune();
    this.buckets.set(hour, (this.buckets.get(hour) ?? 0) + 1);
  }

  reset(): void {
    this.buckets.clear();
  }
}
