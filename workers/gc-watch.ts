import { getHeapStatistics } from 'node:v8';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';

/**
 * Watches this thread's garbage collections (perf_hooks; the observer runs between the consumer loop's slices):
 * every pause's length, and after a full collection the heap still in use, which is what lives: a leak shows
 * there, garbage not yet collected does not.
 */
export function watchCollections(onPause: (ms: number) => void, onLiveAfterFull: (bytes: number) => void): PerformanceObserver {
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      onPause(entry.duration);
      if ((entry as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) onLiveAfterFull(getHeapStatistics().used_heap_size);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return observer;
}
