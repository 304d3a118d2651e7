/**
 * One monotonic clock for every thread, in nanoseconds since an anchor taken
 * once at start-up. The main thread creates the anchor; each thread calibrates
 * its own `performance.now()` (whose origin differs per thread) against it, so
 * a stamp written in one thread can be subtracted from a stamp taken in another.
 * Values are f64: exact to the nanosecond for 104 days.
 */
export interface ClockAnchor {
  /** Wall-clock time of the anchor, ms since the Unix epoch. */
  readonly epochMs: number;
  /** `process.hrtime.bigint()` at the anchor (same monotonic source in every thread). */
  readonly hrtime: bigint;
}

export function createClockAnchor(): ClockAnchor {
  return { epochMs: Date.now(), hrtime: process.hrtime.bigint() };
}

export class Clock {
  readonly anchor: ClockAnchor;
  /** Add to this thread's performance.now() to get ms since the anchor. */
  private readonly offsetMs: number;

  constructor(anchor: ClockAnchor) {
    this.anchor = anchor;
    let best = Infinity;
    let offset = 0;
    for (let i = 0; i < 16; i++) {
      const before = performance.now();
      const hr = process.hrtime.bigint();
      const after = performance.now();
      if (after - before < best) {
        best = after - before;
        offset = Number(hr - anchor.hrtime) / 1e6 - (before + after) / 2;
      }
    }
    this.offsetMs = offset;
  }

  /** Nanoseconds since the anchor. Allocation-free. */
  now(): number {
    return (performance.now() + this.offsetMs) * 1e6;
  }

  /** Converts a wall-clock time (ms since the epoch) to ns since the anchor. */
  fromEpochMs(epochMs: number): number {
    return (epochMs - this.anchor.epochMs) * 1e6;
  }

  /** Converts ns since the anchor to ms since the epoch. */
  toEpochMs(ns: number): number {
    return this.anchor.epochMs + ns / 1e6;
  }

  /**
   * An event time (ns since the anchor) as ms since the epoch, at microsecond resolution.
   * The raw conversion's last bits depend on the anchor, which differs run to run; rounded,
   * a recorded time comes back the same on every run (replays are deterministic).
   */
  eventMs(ns: number): number {
    return Math.round((this.anchor.epochMs + ns / 1e6) * 1000) / 1000;
  }
}
