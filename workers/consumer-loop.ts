import type { WaitStrategy } from '../native-free-ringbuffer/index.js';
import type { ThreadKit } from './thread-kit.js';
import { ThreadSchedStat } from './thread-schedstat.js';

const SLICE_MS = 20;
const BEAT_MS = 100;
const PAUSE_LOG_EVERY_MS = 10_000;

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
  // read at each slice's end (50 times a second, never per tick), so a pause says whether this thread ran
  // through it or waited for a core: over the time since the last slice ended, the gap between slices included
  const sched = new ThreadSchedStat();
  let runNs = 0;
  let waitNs = 0;
  let markedAt = 0;
  const mark = () => {
    sched.read();
    runNs = sched.runNs;
    waitNs = sched.waitNs;
    markedAt = performance.now();
  };
  const ms2 = (ms: number) => Math.round(ms * 100) / 100;
  // one line per 10 s, and within those 10 s any pause longer than every one said: a short pause said first
  // (a collection, a busy core) never hides the long one after it
  let loggedAt = -Infinity;
  let longestSaid = 0;
  const away = (ms: number, where: string) => {
    if (!kit.stall(ms)) return;
    const fresh = performance.now() - loggedAt >= PAUSE_LOG_EVERY_MS;
    if (!fresh && ms <= longestSaid) return;
    longestSaid = ms;
    const ranNs = runNs;
    const waitedNs = waitNs;
    const since = markedAt;
    mark();
    if (fresh) loggedAt = markedAt;
    kit.log.warn(
      { ms: ms2(ms), where, windowMs: ms2(markedAt - since), ranMs: ms2((runNs - ranNs) / 1e6), waitedMs: ms2((waitNs - waitedNs) / 1e6) },
      'a pause over 10 ms on this thread; of windowMs around it, ranMs on a core, waitedMs ready but waiting for one, the rest parked or taken by a VM host (one line per 10 s, and any longer pause within them: tickring_thread_stalls_over_10ms_total counts every pause)',
    );
  };
  const slice = (): void => {
    const started = performance.now();
    // the event-loop turn between slices (timers, control messages, GC observers): time away from the rings
    if (sliceEnded === sliceEnded) away(started - sliceEnded, 'between slices');
    const end = started + SLICE_MS;
    // Two clock reads a wake-up, and the wait's timeout in whole milliseconds: each read, and a fraction passed
    // to a call, is a new 16-byte heap number (an integer passes as it is), and this runs ~850 times a second.
    let now = started;
    for (;;) {
      if (now - lastBeat >= BEAT_MS) {
        kit.beat();
        lastBeat = now;
      }
      if (now >= end) break;
      if (wait.waitFor(ready, end - now >= 10 ? 10 : Math.ceil(end - now))) {
        const c0 = performance.now();
        consume();
        now = performance.now();
        away(now - c0, 'reading the rings');
      } else if (draining) {
        void Promise.resolve()
          .then(onDrained)
          .finally(() => process.exit(0));
        return;
      } else now = performance.now();
    }
    mark();
    sliceEnded = performance.now();
    setImmediate(slice);
  };
  mark();
  setImmediate(slice);
  return {
    drain: () => {
      draining = true;
    },
  };
}
