import type { WaitStrategy } from '../native-free-ringbuffer/index.js';
import type { ThreadKit } from './thread-kit.js';

const SLICE_MS = 20;
const BEAT_MS = 100;

/**
 * The loop of a thread that consumes rings: wait with the configured strategy,
 * `consume` what is ready, beat the heartbeat. It runs in slices of at most
 * 20 ms and yields to the event loop between them so control messages get
 * through. Once `drain()` is called it exits the thread as soon as nothing is
 * left to read and `onDrained` (which may finish work asynchronously) is done.
 */
export function runConsumerLoop(kit: ThreadKit, wait: WaitStrategy, ready: () => boolean, consume: () => void, onDrained: () => void | Promise<void>) {
  let draining = false;
  let lastBeat = 0;
  let sliceEnded = NaN;
  const slice = (): void => {
    const started = performance.now();
    // the event-loop turn between slices (timers, control messages, GC observers): time away from the rings
    if (sliceEnded === sliceEnded) kit.stall(started - sliceEnded);
    const end = started + SLICE_MS;
    for (;;) {
      const now = performance.now();
      if (now - lastBeat >= BEAT_MS) {
        kit.beat();
        lastBeat = now;
      }
      if (now >= end) break;
      if (wait.waitFor(ready, Math.min(10, end - now))) {
        const c0 = performance.now();
        consume();
        kit.stall(performance.now() - c0);
      } else if (draining) {
        void Promise.resolve()
          .then(onDrained)
          .finally(() => process.exit(0));
        return;
      }
    }
    sliceEnded = performance.now();
    setImmediate(slice);
  };
  setImmediate(slice);
  return {
    drain: () => {
      draining = true;
    },
  };
}
