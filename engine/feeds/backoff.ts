/**
 * Reconnection delays: exponential from `initialMs` to `maxMs`, with jitter
 * (each delay drawn uniformly within +-jitter of its nominal value), and an
 * optional cap on retries per outage after which the feed is UNAVAILABLE.
 * `reset()` on every successful connection starts the next outage afresh.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  /** 0..1: fraction of the delay drawn at random either side. */
  jitter: number;
  /** Retries per outage; Infinity for feeds that should never give up. */
  maxRetries: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, multiplier: 2, jitter: 0.2, maxRetries: Infinity };

export class Backoff {
  attempts = 0;
  constructor(readonly options: BackoffOptions = DEFAULT_BACKOFF, private readonly random: () => number = Math.random) {}

  /** The delay before the next retry, or null when this outage has used all its retries. */
  next(): number | null {
    const o = this.options;
    if (this.attempts >= o.maxRetries) return null;
    const nominal = Math.min(o.maxMs, o.initialMs * o.multiplier ** this.attempts);
    this.attempts++;
    return Math.max(0, nominal * (1 + o.jitter * (2 * this.random() - 1)));
  }

  reset(): void {
    this.attempts = 0;
  }
}

/** A token bucket: `rate` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(readonly rate: number, readonly burst: number, private readonly now: () => number = () => performance.now()) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes `n` tokens if there are enough; otherwise returns the ms to wait before they will be. */
  take(n = 1): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens >= n) {
      this.tokens -= n;
      return 0;
    }
    return ((n - this.tokens) / this.rate) * 1000;
  }
}
