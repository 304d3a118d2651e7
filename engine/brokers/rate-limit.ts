/**
 * A venue's documented rate limits as sliding windows: at most `limit` (cost
 * units: requests, or request weight) in any `windowMs`. Kite: 10 order
 * requests a second and 200 a minute, 10 other requests a second; Binance:
 * 50 orders in 10 s and a request weight per minute. A sliding window, not a
 * token bucket: a bucket's burst would let 19 requests into one second.
 */
export class WindowLimit {
  private readonly times: number[] = [];
  private readonly costs: number[] = [];
  private used = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private expire(t: number): void {
    while (this.times.length && t - this.times[0] >= this.windowMs) {
      this.times.shift();
      this.used -= this.costs.shift()!;
    }
  }

  /** Milliseconds until `cost` more fits in the window (0: now): until enough of the oldest requests have left it. */
  waitMs(cost = 1): number {
    const t = this.now();
    this.expire(t);
    let used = this.used;
    let k = 0;
    while (used + cost > this.limit && k < this.times.length) used -= this.costs[k++];
    return k === 0 ? 0 : Math.max(1, this.times[k - 1] + this.windowMs - t);
  }

  take(cost = 1): void {
    this.times.push(this.now());
    this.costs.push(cost);
    this.used += cost;
  }
}

/** Several windows that must all allow a request (per second and per minute, say), served first come first served. */
export class RateLimiter {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly windows: readonly WindowLimit[]) {}

  /** Resolves when the request may go, spending `costs[i]` in window i (1 each by default); requests go in the order they asked. */
  take(costs: readonly number[] = this.windows.map(() => 1)): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        const wait = Math.max(...this.windows.map((w, i) => w.waitMs(costs[i])));
        if (wait === 0) break;
        await new Promise((r) => setTimeout(r, wait));
      }
      this.windows.forEach((w, i) => w.take(costs[i]));
    });
    this.queue = turn.catch(() => {});
    return turn;
  }
}
