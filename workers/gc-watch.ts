import { getHeapStatistics } from 'node:v8';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';

/** How much of the time the collections are watched: `onMs` out of every `everyMs`. */
export interface GcSampling {
  onMs: number;
  everyMs: number;
}

/**
 * 10 s of every minute. Watching all the time costs memory that never comes back: on Node 20 each collection's
 * perf_hooks entry (with its deprecation wrappers) waits for the observer until the consumer loop's slice ends,
 * outlives the scavenges meanwhile and is promoted, and that was most of what each thread promoted to its old
 * generation in the 30-minute soak (~4 KB/s a thread). A pause outside the windows is not lost: a thread's
 * stall measure (the consumer loop's time away from its rings) includes every pause, whatever its cause.
 */
export const GC_SAMPLING: GcSampling = { onMs: 10_000, everyMs: 60_000 };

/**
 * Watches this thread's garbage collections (perf_hooks; the observer runs between the consumer loop's slices)
 * during sampling windows: every pause's length, and after a full collection the heap still in use, which is
 * what lives: a leak shows there, garbage not yet collected does not. The first window opens at once.
 */
export function watchCollections(onPause: (ms: number) => void, onLiveAfterFull: (bytes: number) => void, sampling: GcSampling = GC_SAMPLING): { stop(): void } {
  if (!(sampling.onMs > 0 && sampling.everyMs >= sampling.onMs)) throw new RangeError('gc sampling: 0 < onMs <= everyMs');
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      onPause(entry.duration);
      if ((entry as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) onLiveAfterFull(getHeapStatistics().used_heap_size);
    }
  });
  let closing: NodeJS.Timeout | null = null;
  const open = () => {
    observer.observe({ entryTypes: ['gc'] });
    if (sampling.onMs < sampling.everyMs) closing = setTimeout(() => observer.disconnect(), sampling.onMs).unref();
  };
  open();
  const reopening = sampling.onMs < sampling.everyMs ? setInterval(open, sampling.everyMs).unref() : null;
  return {
    stop: () => {
      if (reopening) clearInterval(reopening);
      if (closing) clearTimeout(closing);
      observer.disconnect();
    },
  };
}
