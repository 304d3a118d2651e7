import { GCProfiler } from 'node:v8';

/**
 * Watches this thread's garbage collections: every pause's length (prologue to epilogue, as perf_hooks
 * measures it), and after a full collection the heap still in use, which is what lives: a leak shows there,
 * garbage not yet collected does not.
 *
 * Read from V8's GC profiler once a second, not from a perf_hooks 'gc' observer: on Node 20 that observer
 * builds an entry with deprecation wrappers for every collection, and those outlived two scavenges often
 * enough to be most of what the threads promoted (about 4 KB/s each, the old generation's whole growth in a
 * 30-minute soak). The profiler records in native memory; each poll's result dies young.
 */
export interface CollectionWatch {
  /** Reports the collections since the last poll (the timer calls it; tests may too). */
  poll(): void;
  stop(): void;
}

export function watchCollections(onPause: (ms: number) => void, onLiveAfterFull: (bytes: number) => void, everyMs = 1000): CollectionWatch {
  let profiler = new GCProfiler();
  profiler.start();
  const poll = () => {
    // the next profiler starts before this one stops, so that no collection falls between them
    const next = new GCProfiler();
    next.start();
    const report = profiler.stop();
    profiler = next;
    for (const s of report?.statistics ?? []) {
      onPause(s.cost / 1000);
      if (s.gcType === 'MarkSweepCompact') onLiveAfterFull(s.afterGC.heapStatistics.usedHeapSize);
    }
  };
  const timer = setInterval(poll, everyMs).unref();
  return {
    poll,
    stop: () => {
      clearInterval(timer);
      profiler.stop();
    },
  };
}
