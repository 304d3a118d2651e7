import type { Doorbell } from './doorbell.js';

/**
 * How a consumer waits for records.
 *
 * - `busy-spin`: polls without sleeping. Lowest latency (sub-microsecond hop),
 *   burns a whole core. Only sensible when there are more cores than spinners.
 * - `spin-then-park`: polls `spinIterations` times, then parks on the doorbell.
 *   Catches bursts at spin latency, sleeps when the feed is quiet.
 * - `park`: parks at once (`Atomics.wait`). Costs ~40 µs per wake-up on these
 *   machines, but no CPU while idle.
 */
export type WaitStrategyName = 'busy-spin' | 'spin-then-park' | 'park';
export const WAIT_STRATEGIES: readonly WaitStrategyName[] = ['busy-spin', 'spin-then-park', 'park'];

export interface WaitStrategy {
  readonly name: WaitStrategyName;
  /**
   * Returns when `ready()` is true (returns true) or `timeoutMs` has passed
   * (returns `ready()`). Consumers call it in a loop with a short timeout so
   * they get back to their event loop for control messages.
   */
  waitFor(ready: () => boolean, timeoutMs: number): boolean;
}

const CLOCK_CHECK_EVERY = 1024;

export function createWaitStrategy(name: WaitStrategyName, doorbell: Doorbell, spinIterations = 20_000): WaitStrategy {
  switch (name) {
    case 'busy-spin':
      return {
        name,
        waitFor(ready, timeoutMs) {
          const deadline = performance.now() + timeoutMs;
          for (let i = 1; ; i++) {
            if (ready()) return true;
            if (i % CLOCK_CHECK_EVERY === 0 && performance.now() >= deadline) return false;
          }
        },
      };
    case 'spin-then-park':
      return {
        name,
        waitFor(ready, timeoutMs) {
          for (let i = 0; i < spinIterations; i++) if (ready()) return true;
          return doorbell.park(ready, timeoutMs);
        },
      };
    case 'park':
      return {
        name,
        waitFor(ready, timeoutMs) {
          if (ready()) return true;
          return doorbell.park(ready, timeoutMs);
        },
      };
    default:
      throw new TypeError(`unknown wait strategy '${String(name)}': expected one of ${WAIT_STRATEGIES.join(', ')}`);
  }
}
