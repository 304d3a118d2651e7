/**
 * When a crashed thread comes back: exponential backoff from `initialMs`
 * doubling to `maxMs`; more than `maxRestarts` crashes within `windowMs` and
 * it stays down (readiness then says so).
 */
export interface RestartPolicyOptions {
  initialMs: number;
  maxMs: number;
  maxRestarts: number;
  windowMs: number;
}

export type RestartDecision = { restart: true; delayMs: number } | { restart: false; crashesInWindow: number };

export class RestartPolicy {
  private crashes: number[] = [];

  constructor(private readonly options: RestartPolicyOptions) {}

  onCrash(nowMs: number): RestartDecision {
    const { initialMs, maxMs, maxRestarts, windowMs } = this.options;
    this.crashes = this.crashes.filter((t) => nowMs - t < windowMs);
    this.crashes.push(nowMs);
    const n = this.crashes.length;
    if (n > maxRestarts) return { restart: false, crashesInWindow: n };
    return { restart: true, delayMs: Math.min(maxMs, initialMs * 2 ** (n - 1)) };
  }
}
