import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc()` without starting Node with --expose-gc: a full collection, or a scavenge with `{ type: 'minor' }`. */
export function exposedGc(): (options?: { type: 'major' | 'minor' }) => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}

/**
 * Keeps the main thread's heap from growing for tens of minutes. The main thread relays every model fit (a
 * piscina task, its promises and the structured clone of its result; 8 a second with the soak's fast-bar
 * regime detector): what is in flight at a scavenge outlives it and is promoted, ~0.4 MiB a minute measured,
 * and V8 leaves it in the old generation until that reaches its limit. In an 8-minute run the main thread's
 * heap held 17.9 MiB, of which a full collection freed 5 (process RSS -5 MiB); over the soak's 30 minutes that
 * is most of the process's growth. No tick passes through this thread, so it collects here itself once its heap
 * grew by `growthBytes` since the last full collection (checked every `everyMs`): a pause of ~20-30 ms on the
 * main thread, none on the threads that carry ticks. Main thread only.
 */
export function collectWhenGrown(everyMs: number, growthBytes: number, onCollected: (freedBytes: number) => void = () => {}): { stop(): void } {
  const gc = exposedGc();
  let base = getHeapStatistics().used_heap_size;
  const timer = setInterval(() => {
    const used = getHeapStatistics().used_heap_size;
    base = Math.min(base, used); // V8 collected on its own meanwhile
    if (used - base < growthBytes) return;
    gc();
    base = getHeapStatistics().used_heap_size;
    onCollected(used - base);
  }, everyMs).unref();
  return { stop: () => clearInterval(timer) };
}
