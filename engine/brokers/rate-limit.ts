/**
 * A venue's documented rate limits as sliding windows: at most `limit` (cost
 * units: requests, or request weight) in any `windowMs`. Kite: 10 order
 * requests a second and 200 a minute, 10 other requests a second; Binance:
 * 50 orders in 10 s and a request weight per minute. A sliding window, not a
 * token bucket: a bucket's burst would let 19 requests into one second.
 *
 * The venue counts a request when it arrives, which is some time between our
 * sending it and its answer. So a request holds its place in the window from
 * the moment it is sent (`take`) until `windowMs` after its answer (`settle`):
 * however the network delays one request and not the next, no window at the
 * venue sees more than `limit` (a fixed margin on the window only makes that
 * likely; under load a CI run saw 11 Kite orders arrive within 978 ms).
 */
export class WindowLimit {
  /** In the order they were sent; `at` is the answer's time, Infinity while in flight. */
  private readonly entries: { at: number; cost: number }[] = [];
  private used = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private expire(t: number): void {
    // from the oldest sent: one still in flight keeps those behind it (a wait no longer than needed for it)
    while (this.entries.length && t - this.entries[0].at >= this.windowMs) this.used -= this.entries.shift()!.cost;
  }

  /**
   * Milliseconds until `cost` more fits in the window (0: now): until enough of the oldest requests
   * have left it. Infinity: one of them is still unanswered (wait for a `settle`).
   */
  waitMs(cost = 1): number {
    const t = this.now();
    this.expire(t);
    let used = this.used;
    let k = 0;
    let until = -Infinity;
    while (used + cost > this.limit && k < this.entries.length) {
      const e = this.entries[k++];
      used -= e.cost;
      if (e.at > until) until = e.at;
    }
    return k === 0 ? 0 : Math.max(1, until + this.windowMs - t);
  }

  /** A request of `cost` is sent now; `settle` the handle when its answer (or failure) is in. */
  take(cost = 1): { at: number; cost: number } {
    const e = { at: Infinity, cost };
    this.entries.push(e);
    this.used += cost;
    return e;
  }

  settle(e: { at: number; cost: number }): void {
    e.at = this.now();
  }
}

/** Several windows that must all allow a request (per second and per minute, say), served first come first served. */
export class RateLimiter {
  private queue: Promise<void> = Promise.resolve();
  private settled: (() => void)[] = [];

  constructor(private readonly windows: readonly WindowLimit[]) {}

  /**
   * Resolves when the request may go, spending `costs[i]` in window i (1 each by default); requests go
   * in the order they asked. Call the function it resolves with once the request is answered or failed.
   */
  take(costs: readonly number[] = this.windows.map(() => 1)): Promise<() => void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        const wait = Math.max(...this.windows.map((w, i) => w.waitMs(costs[i])));
        if (wait === 0) break;
        await new Promise<void>((r) => {
          if (wait === Infinity) this.settled.push(r);
          else setTimeout(r, wait);
        });
      }
      const held = this.windows.map((w, i) => w.take(costs[i]));
      let done = false;
      return () => {
        if (done) return;
        done = true;
        this.windows.forEach((w, i) => w.settle(held[i]));
        for (const r of this.settled.splice(0)) r();
      };
    });
    this.queue = turn.then(
      () => {},
      () => {},
    );
    return turn;
  }
}
